//! Hardening tests: sign-up by link (section 1 of issue 14). Typing an address proves nothing:
//! a sign-up makes no account until the link mailed to the address is opened (with the password
//! chosen at sign-up), answers the same for known and unknown addresses, and never attaches a
//! login to a customer row the shop already has without that proof.

use crate::support::*;
use axum::http::{Method, StatusCode};
use futures::future::join_all;
use serde_json::{json, Value};

const PASSWORD: &str = "a long enough password";

fn merchant_body(email: &str, password: &str) -> Value {
    json!({ "name": "Ada Merchant", "email": email, "password": password })
}

fn customer_body(email: &str, password: &str) -> Value {
    json!({ "email": email, "password": password, "name": "Grace Buyer", "account_type": "individual" })
}

async fn users_with(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.app.state.platform.pool)
        .await
        .expect("count")
}

async fn merchant_log_in(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.api(
        Method::POST,
        "/auth/login",
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await
}

#[tokio::test]
async fn a_merchant_account_exists_only_once_its_link_is_opened_with_the_chosen_password() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("link"));
        let asked = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(merchant_body(&email.to_uppercase(), PASSWORD)),
            )
            .await;
        assert_eq!(
            asked.status,
            StatusCode::ACCEPTED,
            "{engine:?}: {}",
            asked.text
        );
        assert_eq!(asked.json, json!({ "email": email }), "{engine:?}");
        assert!(
            asked.headers.get("set-cookie").is_none(),
            "{engine:?}: no session yet"
        );
        assert_eq!(
            users_with(&app, &email).await,
            0,
            "{engine:?}: no account yet"
        );
        let too_early = merchant_log_in(&app, &email, PASSWORD).await;
        assert_eq!(too_early.status, StatusCode::UNAUTHORIZED, "{engine:?}");

        let mail = app.last_mail_to(&email).await;
        assert_eq!(
            mail.subject,
            "Confirm your e-mail address to finish signing up"
        );
        let link = link_in(&mail.body_text, "/signup/confirm?token=").expect("a link");
        let token = link
            .trim_start_matches("/signup/confirm?token=")
            .to_string();
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_up_requests WHERE token_hash = $1")
                .bind(&token)
                .fetch_one(&app.app.state.platform.pool)
                .await
                .expect("count");
        assert_eq!(stored, 0, "{engine:?}: only a hash of the token is kept");
        let page = app.page(&link, None).await;
        assert_eq!(page.status, StatusCode::OK, "{engine:?}");
        assert!(
            page.text.contains("Confirm and open my account"),
            "{}",
            page.text
        );
        assert_eq!(
            users_with(&app, &email).await,
            0,
            "{engine:?}: opening the page makes nothing"
        );

        let confirm = |password: &'static str| {
            let token = token.clone();
            let app = &app;
            async move {
                app.api(
                    Method::POST,
                    "/auth/signup/confirm",
                    None,
                    Some(json!({ "token": token, "password": password })),
                )
                .await
            }
        };
        let wrong = confirm("not the chosen password").await;
        assert_eq!(
            wrong.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            wrong.text
        );
        assert_eq!(wrong.json["error"]["field"], "password");
        assert_eq!(users_with(&app, &email).await, 0, "{engine:?}");

        let confirmed = confirm(PASSWORD).await;
        assert_eq!(
            confirmed.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            confirmed.text
        );
        let session = confirmed.json["access_token"]
            .as_str()
            .expect("token")
            .to_string();
        let account = app.server_fn("account_status", &session, &[]).await;
        assert_eq!(
            account.json["email_verified"], true,
            "{engine:?}: the link proved it"
        );
        let again = confirm(PASSWORD).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(again.text.contains("already used"), "{}", again.text);
        assert_eq!(
            merchant_log_in(&app, &email, PASSWORD).await.status,
            StatusCode::OK
        );

        for bogus in ["", "nonsense", &"x".repeat(5000)] {
            let unknown = app
                .api(
                    Method::POST,
                    "/auth/signup/confirm",
                    None,
                    Some(json!({ "token": bogus, "password": PASSWORD })),
                )
                .await;
            assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{engine:?}");
            assert!(unknown.text.contains("not valid"), "{}", unknown.text);
        }
    }
}

#[tokio::test]
async fn an_expired_sign_up_link_makes_no_account() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("late"));
        let asked = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(merchant_body(&email, PASSWORD)),
            )
            .await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "{engine:?}");
        sqlx::query("UPDATE sign_up_requests SET expires_at = 1")
            .execute(&app.app.state.platform.pool)
            .await
            .expect("expire");
        let expired = app.confirm_sign_up(&email, PASSWORD).await;
        assert_eq!(expired.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(expired.text.contains("expired"), "{}", expired.text);
        assert_eq!(users_with(&app, &email).await, 0, "{engine:?}");
    }
}

#[tokio::test]
async fn sign_up_answers_a_known_address_like_any_other_and_changes_nothing() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let known = format!("{}@example.com", unique("known"));
        app.sign_up(&known).await;
        let fresh = format!("{}@example.com", unique("fresh"));

        let for_known = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(merchant_body(&known, "an attackers password")),
            )
            .await;
        let for_fresh = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(merchant_body(&fresh, "an attackers password")),
            )
            .await;

        assert_eq!(for_known.status, for_fresh.status, "{engine:?}");
        assert_eq!(for_known.status, StatusCode::ACCEPTED, "{engine:?}");
        assert_eq!(for_known.json, json!({ "email": known }), "{engine:?}");
        assert_eq!(for_fresh.json, json!({ "email": fresh }), "{engine:?}");
        let note = app.last_mail_to(&known).await;
        assert_eq!(note.subject, "You already have an account", "{engine:?}");
        assert!(
            link_in(&note.body_text, "/signup/confirm").is_none(),
            "{}",
            note.body_text
        );
        assert!(
            link_in(&note.body_text, "/login").is_some(),
            "{}",
            note.body_text
        );
        assert_eq!(users_with(&app, &known).await, 1, "{engine:?}");
        assert_eq!(
            merchant_log_in(&app, &known, PASSWORD).await.status,
            StatusCode::OK
        );
        assert_eq!(
            merchant_log_in(&app, &known, "an attackers password")
                .await
                .status,
            StatusCode::UNAUTHORIZED,
            "{engine:?}: the password is unchanged"
        );
    }
}

#[tokio::test]
async fn sign_up_mails_one_address_at_most_five_times_an_hour() {
    let app = TestApp::start(Engine::Sqlite).await;
    let victim = format!("{}@example.com", unique("victim"));
    for attempt in 0..8 {
        let asked = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(merchant_body(&victim, PASSWORD)),
            )
            .await;
        assert_eq!(
            asked.status,
            StatusCode::ACCEPTED,
            "attempt {attempt}: {}",
            asked.text
        );
    }
    let mails = app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.recipient == victim)
        .count();
    assert_eq!(mails, 5);
}

#[tokio::test]
async fn two_sign_ups_of_one_address_opened_at_once_make_one_account() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("twice"));
        let mut tokens = Vec::new();
        for _ in 0..2 {
            let asked = app
                .api(
                    Method::POST,
                    "/auth/signup",
                    None,
                    Some(merchant_body(&email, PASSWORD)),
                )
                .await;
            assert_eq!(asked.status, StatusCode::ACCEPTED, "{engine:?}");
            let link = app.last_link_to(&email, "/signup/confirm?token=").await;
            tokens.push(
                link.trim_start_matches("/signup/confirm?token=")
                    .to_string(),
            );
        }
        // Each link twice, all four at once.
        let answers = join_all(tokens.iter().chain(tokens.iter()).map(|token| {
            app.api(
                Method::POST,
                "/auth/signup/confirm",
                None,
                Some(json!({ "token": token, "password": PASSWORD })),
            )
        }))
        .await;
        let created = answers
            .iter()
            .filter(|a| a.status == StatusCode::CREATED)
            .count();
        let conflicts = answers
            .iter()
            .filter(|a| a.status == StatusCode::CONFLICT)
            .count();
        assert_eq!(
            (created, conflicts),
            (1, 3),
            "{engine:?}: {:?}",
            answers.iter().map(|a| a.text.clone()).collect::<Vec<_>>()
        );
        assert_eq!(users_with(&app, &email).await, 1, "{engine:?}");
    }
}

// ---- Customers ----

async fn active_shop(app: &TestApp) -> String {
    let merchant = app.sign_up(&format!("{}@example.com", unique("m"))).await;
    let slug = unique("shop");
    app.create_shop(&merchant, &slug).await;
    slug
}

/// A customer row the merchant has for `email` (from an earlier order), without a login.
async fn known_customer(app: &TestApp, slug: &str, email: &str) -> i64 {
    let (_, db) = app.shop_database(slug).await;
    sqlx::query_scalar(
        "INSERT INTO customers (email, name, account_type, verified, created_at) VALUES ($1, 'Known Customer', 'individual', 0, $2) RETURNING id",
    )
    .bind(email)
    .bind(server::db::now_ms())
    .fetch_one(&db.pool)
    .await
    .expect("customer row")
}

async fn customer_log_in(app: &TestApp, slug: &str, email: &str, password: &str) -> TestResponse {
    app.api(
        Method::POST,
        &format!("/shops/{slug}/customers/login"),
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await
}

async fn login_of(app: &TestApp, slug: &str, id: i64) -> String {
    let (_, db) = app.shop_database(slug).await;
    sqlx::query_scalar("SELECT password_hash FROM customers WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .expect("row")
}

#[tokio::test]
async fn a_customer_row_the_shop_has_gets_a_login_only_through_the_mailed_link() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let slug = active_shop(&app).await;
        let email = format!("{}@example.com", unique("known"));
        let id = known_customer(&app, &slug, &email).await;
        let path = format!("/shops/{slug}/customers/signup");

        // Someone else types the address: nothing is attached, no log-in works.
        let squatter = app
            .api(
                Method::POST,
                &path,
                None,
                Some(customer_body(&email, "the squatters password")),
            )
            .await;
        assert_eq!(
            squatter.status,
            StatusCode::ACCEPTED,
            "{engine:?}: {}",
            squatter.text
        );
        assert_eq!(
            login_of(&app, &slug, id).await,
            "",
            "{engine:?}: no login yet"
        );
        let log_in = customer_log_in(&app, &slug, &email, "the squatters password").await;
        assert_eq!(log_in.status, StatusCode::UNAUTHORIZED, "{engine:?}");
        // The owner of the address, who does not know that password, cannot confirm it.
        let refused = app
            .confirm_customer_sign_up_with(&slug, &email, "the owners own password")
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(login_of(&app, &slug, id).await, "", "{engine:?}");

        // The owner signs up and opens their own link: the login joins the existing row.
        let asked = app
            .api(
                Method::POST,
                &path,
                None,
                Some(customer_body(&email, PASSWORD)),
            )
            .await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "{engine:?}");
        let confirmed = app.confirm_customer_sign_up(&slug, &email).await;
        assert_eq!(
            confirmed.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            confirmed.text
        );
        assert_eq!(
            confirmed.json["customer"]["id"], id,
            "{engine:?}: the shop's own row"
        );
        assert_eq!(
            customer_log_in(&app, &slug, &email, PASSWORD).await.status,
            StatusCode::OK,
            "{engine:?}"
        );
        assert_eq!(app.shop_count(&slug, "customers").await, 1, "{engine:?}");
    }
}

#[tokio::test]
async fn two_customer_sign_ups_of_one_address_confirmed_at_once_give_one_login() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let slug = active_shop(&app).await;
        let email = format!("{}@example.com", unique("race"));
        let id = known_customer(&app, &slug, &email).await;
        let path = format!("/shops/{slug}/customers/signup");
        let link_path = format!("/s/{slug}/signup/confirm?token=");
        let mut links = Vec::new();
        for password in ["first long password", "second long password"] {
            let asked = app
                .api(
                    Method::POST,
                    &path,
                    None,
                    Some(customer_body(&email, password)),
                )
                .await;
            assert_eq!(asked.status, StatusCode::ACCEPTED, "{engine:?}");
            let link = app.last_link_to(&email, &link_path).await;
            links.push((
                link.trim_start_matches(link_path.as_str()).to_string(),
                password,
            ));
        }
        let confirm_path = format!("/shops/{slug}/customers/signup/confirm");
        let answers = join_all(links.iter().map(|(token, password)| {
            app.api(
                Method::POST,
                &confirm_path,
                None,
                Some(json!({ "token": token, "password": password })),
            )
        }))
        .await;
        let winners: Vec<usize> = (0..answers.len())
            .filter(|index| answers[*index].status == StatusCode::CREATED)
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "{engine:?}: {:?}",
            answers.iter().map(|a| a.text.clone()).collect::<Vec<_>>()
        );
        let loser = 1 - winners[0];
        assert_eq!(
            answers[loser].status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            answers[loser].text
        );
        assert!(
            answers[loser].json.get("access_token").is_none(),
            "{engine:?}: no session for the loser"
        );
        // The winner's session and password are the ones that work; the loser's password does not.
        assert_eq!(answers[winners[0]].json["customer"]["id"], id, "{engine:?}");
        let (_, winning_password) = links[winners[0]];
        let (_, losing_password) = links[loser];
        assert_eq!(
            customer_log_in(&app, &slug, &email, winning_password)
                .await
                .status,
            StatusCode::OK,
            "{engine:?}"
        );
        assert_eq!(
            customer_log_in(&app, &slug, &email, losing_password)
                .await
                .status,
            StatusCode::UNAUTHORIZED,
            "{engine:?}"
        );
    }
}

#[tokio::test]
async fn a_customer_sign_up_link_works_only_at_its_own_shop() {
    let app = TestApp::start(Engine::Sqlite).await;
    let slug = active_shop(&app).await;
    let other = active_shop(&app).await;
    let email = format!("{}@example.com", unique("shop"));
    let asked = app
        .api(
            Method::POST,
            &format!("/shops/{slug}/customers/signup"),
            None,
            Some(customer_body(&email, PASSWORD)),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    let link_path = format!("/s/{slug}/signup/confirm?token=");
    let token = app
        .last_link_to(&email, &link_path)
        .await
        .trim_start_matches(link_path.as_str())
        .to_string();
    let elsewhere = app
        .api(
            Method::POST,
            &format!("/shops/{other}/customers/signup/confirm"),
            None,
            Some(json!({ "token": token, "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "{}",
        elsewhere.text
    );
    assert_eq!(app.shop_count(&other, "customers").await, 0);
    let merchant_side = app
        .api(
            Method::POST,
            "/auth/signup/confirm",
            None,
            Some(json!({ "token": token, "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        merchant_side.status,
        StatusCode::NOT_FOUND,
        "a customer link makes no merchant"
    );
    let home = app.confirm_customer_sign_up(&slug, &email).await;
    assert_eq!(home.status, StatusCode::CREATED, "{}", home.text);
}
