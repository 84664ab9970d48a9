//! Hardening tests: the merchant and customer identity paths (sessions that end at log-out and
//! password change, refresh without the write lock and without forks, log-in and sign-up limits
//! that hold under parallel requests, and client addresses behind trusted proxies only).

use crate::support::*;
use axum::http::{Method, StatusCode};
use futures::future::join_all;
use serde_json::{json, Value};
use server::auth::service::{
    MAX_FAILURES_PER_CLIENT, MAX_FAILURES_PER_EMAIL, MAX_SIGN_UPS_PER_CLIENT,
};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const PASSWORD: &str = "a long enough password";

/// Sign-ups allowed per client address per hour.
const SIGN_UPS_PER_CLIENT: usize = MAX_SIGN_UPS_PER_CLIENT as usize;

fn peer(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().expect("an IP address"), 40000)
}

/// Signs up a merchant; returns the whole token answer.
async fn merchant(app: &TestApp, email: &str) -> Value {
    let response = app
        .sign_up_with(json!({ "name": "Merchant", "email": email, "password": PASSWORD }))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.json
}

fn field(json: &Value, name: &str) -> String {
    json[name].as_str().expect(name).to_string()
}

fn statuses(responses: &[TestResponse]) -> (usize, usize, Vec<StatusCode>) {
    let unauthorized = responses
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let limited = responses
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let others = responses
        .iter()
        .map(|r| r.status)
        .filter(|s| *s != StatusCode::UNAUTHORIZED && *s != StatusCode::TOO_MANY_REQUESTS)
        .collect();
    (unauthorized, limited, others)
}

#[tokio::test]
async fn after_log_out_the_old_access_token_is_refused_at_once_as_bearer_and_cookie() {
    for engine in engines() {
        // Arrange
        let app = TestApp::start(engine).await;
        let signed_up = merchant(&app, &format!("{}@example.com", unique("out"))).await;
        let access = field(&signed_up, "access_token");
        let refresh = field(&signed_up, "refresh_token");
        let me = app.api(Method::GET, "/me", Some(&access), None).await;
        assert_eq!(me.status, StatusCode::OK, "{engine:?}: {}", me.text);

        // Act
        let logout = app
            .api(
                Method::POST,
                "/auth/logout",
                Some(&access),
                Some(json!({ "refresh_token": refresh })),
            )
            .await;
        assert_eq!(logout.status, StatusCode::NO_CONTENT, "{engine:?}");

        // Assert
        let bearer = app.api(Method::GET, "/me", Some(&access), None).await;
        assert_eq!(
            bearer.status,
            StatusCode::UNAUTHORIZED,
            "{engine:?}: bearer after log-out"
        );
        let cookie = app
            .api_with_cookies(Method::GET, "/me", &[(app::ACCESS_COOKIE, &access)])
            .await;
        assert_eq!(
            cookie.status,
            StatusCode::UNAUTHORIZED,
            "{engine:?}: cookie after log-out"
        );
        let both = app
            .api_with_cookies(
                Method::GET,
                "/me",
                &[
                    (app::ACCESS_COOKIE, &access),
                    (app::REFRESH_COOKIE, &refresh),
                ],
            )
            .await;
        assert_eq!(
            both.status,
            StatusCode::UNAUTHORIZED,
            "{engine:?}: the revoked refresh cookie does not bring the session back"
        );
    }
}

#[tokio::test]
async fn a_cookie_only_log_out_also_ends_the_access_token() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let signed_up = merchant(&app, &format!("{}@example.com", unique("cookie"))).await;
        let access = field(&signed_up, "access_token");
        let refresh = field(&signed_up, "refresh_token");

        let logout = app
            .api_with_cookies(
                Method::POST,
                "/auth/logout",
                &[
                    (app::ACCESS_COOKIE, &access),
                    (app::REFRESH_COOKIE, &refresh),
                ],
            )
            .await;
        assert_eq!(logout.status, StatusCode::NO_CONTENT, "{engine:?}");

        let bearer = app.api(Method::GET, "/me", Some(&access), None).await;
        assert_eq!(bearer.status, StatusCode::UNAUTHORIZED, "{engine:?}");
    }
}

#[tokio::test]
async fn after_a_password_change_old_access_tokens_are_refused_and_the_new_one_works() {
    for engine in engines() {
        // Arrange: two sessions of one merchant (two devices).
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("pw"));
        let first = field(&merchant(&app, &email).await, "access_token");
        let second_login = app
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": email, "password": PASSWORD })),
            )
            .await;
        assert_eq!(second_login.status, StatusCode::OK, "{engine:?}");
        let second = field(&second_login.json, "access_token");

        // Act
        let changed = app
            .api(
                Method::POST,
                "/auth/password",
                Some(&first),
                Some(
                    json!({ "current_password": PASSWORD, "new_password": "a brand new password" }),
                ),
            )
            .await;
        assert_eq!(
            changed.status,
            StatusCode::OK,
            "{engine:?}: {}",
            changed.text
        );
        let fresh = field(&changed.json, "access_token");

        // Assert: at once, without waiting for any cache.
        for (name, token) in [("first", &first), ("second", &second)] {
            let old = app.api(Method::GET, "/me", Some(token), None).await;
            assert_eq!(
                old.status,
                StatusCode::UNAUTHORIZED,
                "{engine:?}: the {name} old token"
            );
        }
        let new = app.api(Method::GET, "/me", Some(&fresh), None).await;
        assert_eq!(new.status, StatusCode::OK, "{engine:?}: {}", new.text);
        let new_cookie = app
            .api_with_cookies(Method::GET, "/me", &[(app::ACCESS_COOKIE, &fresh)])
            .await;
        assert_eq!(new_cookie.status, StatusCode::OK, "{engine:?}");
    }
}

/// The write lock exists on SQLite only (PostgreSQL writers do not lock the database), so this
/// runs on SQLite; the read-only lookup is the same code on both engines.
#[tokio::test]
async fn a_bogus_refresh_cookie_answers_while_the_platform_write_lock_is_held() {
    // Arrange: another writer holds the platform database's write lock.
    let app = TestApp::start(Engine::Sqlite).await;
    let writer = app
        .app
        .state
        .platform
        .begin_write()
        .await
        .expect("write transaction");

    // Act
    let started = Instant::now();
    let response = app
        .api_with_cookies(
            Method::GET,
            "/me",
            &[(
                app::REFRESH_COOKIE,
                "bogus-refresh-token-that-was-never-issued",
            )],
        )
        .await;
    let elapsed = started.elapsed();
    writer.rollback().await.expect("rollback");

    // Assert
    assert_eq!(
        response.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        response.text
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "answered after {elapsed:?}: the bogus cookie waited for the write lock"
    );
}

#[tokio::test]
async fn ten_parallel_refreshes_of_one_token_rotate_it_exactly_once() {
    for engine in engines() {
        // Arrange
        let app = TestApp::start(engine).await;
        let signed_up = merchant(&app, &format!("{}@example.com", unique("fork"))).await;
        let refresh = field(&signed_up, "refresh_token");
        let user_id = signed_up["user"]["id"].as_i64().expect("user id");

        // Act
        let answers = join_all((0..10).map(|_| {
            app.api(
                Method::POST,
                "/auth/refresh",
                None,
                Some(json!({ "refresh_token": refresh })),
            )
        }))
        .await;

        // Assert
        let rotated = answers
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        let (refused, _, others) = statuses(&answers);
        assert_eq!(rotated, 1, "{engine:?}: exactly one rotation");
        assert_eq!(
            refused, 9,
            "{engine:?}: the others are refused ({others:?})"
        );
        let tokens: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1 AND family = \
             (SELECT family FROM refresh_tokens WHERE user_id = $1 ORDER BY id LIMIT 1)",
        )
        .bind(user_id)
        .fetch_one(&app.app.state.platform.pool)
        .await
        .expect("count");
        assert_eq!(
            tokens, 2,
            "{engine:?}: the first token and one successor, no fork"
        );
    }
}

const PARALLEL_GUESSES: usize = 100;

#[tokio::test]
async fn parallel_wrong_merchant_passwords_get_at_most_the_allowance_then_429() {
    for engine in engines() {
        // Arrange
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("guess"));
        merchant(&app, &email).await;

        // Act
        let answers = join_all((0..PARALLEL_GUESSES).map(|index| {
            app.api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": email, "password": format!("wrong guess number {index}") })),
            )
        }))
        .await;

        // Assert
        let (unauthorized, limited, others) = statuses(&answers);
        assert!(
            others.is_empty(),
            "{engine:?}: unexpected answers {others:?}"
        );
        assert!(
            unauthorized as i64 <= MAX_FAILURES_PER_EMAIL,
            "{engine:?}: {unauthorized} guesses were checked"
        );
        assert_eq!(unauthorized + limited, PARALLEL_GUESSES, "{engine:?}");
        let right = app
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": email, "password": PASSWORD })),
            )
            .await;
        assert_eq!(
            right.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{engine:?}: the right password waits out the window too"
        );
    }
}

/// A merchant with an active shop; returns the merchant's token.
async fn shop(app: &TestApp, slug: &str) -> String {
    let token = app
        .sign_up(&format!("{}@example.com", unique("owner")))
        .await;
    app.create_shop(&token, slug).await;
    token
}

fn customer_body(email: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "name": "Grace Buyer",
        "account_type": "individual",
    })
}

#[tokio::test]
async fn parallel_wrong_customer_passwords_get_at_most_the_allowance_then_429() {
    for engine in engines() {
        // Arrange
        let app = TestApp::start(engine).await;
        let slug = unique("guesses");
        shop(&app, &slug).await;
        let email = format!("{}@example.com", unique("buyer"));
        let signed_up = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/customers/signup"),
                None,
                Some(customer_body(&email)),
            )
            .await;
        assert_eq!(signed_up.status, StatusCode::ACCEPTED, "{}", signed_up.text);
        let confirmed = app.confirm_customer_sign_up(&slug, &email).await;
        assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.text);

        // Act
        let path = format!("/shops/{slug}/customers/login");
        let answers = join_all((0..PARALLEL_GUESSES).map(|index| {
            app.api(
                Method::POST,
                &path,
                None,
                Some(json!({ "email": email, "password": format!("wrong guess number {index}") })),
            )
        }))
        .await;

        // Assert
        let (unauthorized, limited, others) = statuses(&answers);
        assert!(
            others.is_empty(),
            "{engine:?}: unexpected answers {others:?}"
        );
        assert!(
            unauthorized as i64 <= MAX_FAILURES_PER_EMAIL,
            "{engine:?}: {unauthorized} guesses were checked"
        );
        assert_eq!(unauthorized + limited, PARALLEL_GUESSES, "{engine:?}");
        let right = app
            .api(
                Method::POST,
                &path,
                None,
                Some(json!({ "email": email, "password": PASSWORD })),
            )
            .await;
        assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "{engine:?}");
    }
}

#[tokio::test]
async fn the_eleventh_merchant_sign_up_from_one_address_gets_429_and_records_nothing() {
    for engine in engines() {
        // Arrange
        let app = TestApp::start(engine).await;
        let flood = peer("203.0.113.10");
        let sign_up = |from: SocketAddr| {
            let email = format!("{}@example.com", unique("flood"));
            let app = &app;
            async move {
                app.api_from(
                    from,
                    &[],
                    Method::POST,
                    "/auth/signup",
                    None,
                    Some(json!({ "name": "Flood", "email": email, "password": PASSWORD })),
                )
                .await
            }
        };
        for index in 0..SIGN_UPS_PER_CLIENT {
            let response = sign_up(flood).await;
            assert_eq!(
                response.status,
                StatusCode::ACCEPTED,
                "{engine:?}: sign-up {index}: {}",
                response.text
            );
        }
        let requests_before = app.count("sign_up_requests").await;
        let mails_before = app.count("mail_outbox").await;

        // Act
        let refused = sign_up(flood).await;

        // Assert
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(
            app.count("sign_up_requests").await,
            requests_before,
            "{engine:?}"
        );
        assert_eq!(app.count("mail_outbox").await, mails_before, "{engine:?}");
        let other = sign_up(peer("203.0.113.11")).await;
        assert_eq!(
            other.status,
            StatusCode::ACCEPTED,
            "{engine:?}: {}",
            other.text
        );
    }
}

#[tokio::test]
async fn the_eleventh_customer_sign_up_from_one_address_gets_429_and_records_nothing() {
    for engine in engines() {
        // Arrange
        let app = TestApp::start(engine).await;
        let slug = unique("signups");
        shop(&app, &slug).await;
        let path = format!("/shops/{slug}/customers/signup");
        let flood = peer("203.0.113.20");
        let sign_up = |from: SocketAddr| {
            let body = customer_body(&format!("{}@example.com", unique("c")));
            let app = &app;
            let path = &path;
            async move {
                app.api_from(from, &[], Method::POST, path, None, Some(body))
                    .await
            }
        };
        for index in 0..SIGN_UPS_PER_CLIENT {
            let response = sign_up(flood).await;
            assert_eq!(
                response.status,
                StatusCode::ACCEPTED,
                "{engine:?}: sign-up {index}: {}",
                response.text
            );
        }
        let requests_before = app.count("sign_up_requests").await;
        let mails_before = app.count("mail_outbox").await;

        // Act
        let refused = sign_up(flood).await;

        // Assert
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(
            app.count("sign_up_requests").await,
            requests_before,
            "{engine:?}"
        );
        assert_eq!(app.count("mail_outbox").await, mails_before, "{engine:?}");
        let other = sign_up(peer("203.0.113.21")).await;
        assert_eq!(
            other.status,
            StatusCode::ACCEPTED,
            "{engine:?}: {}",
            other.text
        );
    }
}

/// 30 failed log-ins per client address (`MAX_FAILURES_PER_CLIENT`), each for another e-mail so
/// that the per-e-mail limit is not what stops them.
#[tokio::test]
async fn a_changing_x_forwarded_for_does_not_dodge_the_client_limit_without_trusted_proxies() {
    let app = TestApp::start(Engine::Sqlite).await;
    let attacker = peer("198.51.100.66");
    let guess = |index: usize| {
        let forwarded = format!("192.0.2.{}", index % 250 + 1);
        let app = &app;
        async move {
            app.api_from(
                attacker,
                &[("x-forwarded-for", forwarded.as_str())],
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": format!("nobody{index}@example.com"), "password": "a wrong guess" })),
            )
            .await
        }
    };
    let allowance = MAX_FAILURES_PER_CLIENT as usize;
    for index in 0..allowance {
        assert_eq!(
            guess(index).await.status,
            StatusCode::UNAUTHORIZED,
            "guess {index}"
        );
    }
    assert_eq!(guess(allowance).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_address_is_recorded() {
    let app = TestApp::start_with(Engine::Sqlite, |config| {
        config.trusted_proxies =
            server::config::parse_trusted_proxies("10.0.0.0/8, 127.0.0.1").expect("valid list");
    })
    .await;
    let email = format!("{}@example.com", unique("proxied"));
    let response = app
        .api_from(
            peer("10.1.2.3"),
            &[("x-forwarded-for", "203.0.113.99, 10.9.9.9")],
            Method::POST,
            "/auth/signup",
            None,
            Some(json!({ "name": "Proxied", "email": email, "password": PASSWORD })),
        )
        .await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.text);
    let untrusted = app
        .api_from(
            peer("198.51.100.5"),
            &[("x-forwarded-for", "203.0.113.98")],
            Method::POST,
            "/auth/signup",
            None,
            Some(json!({ "name": "Direct", "email": format!("{}@example.com", unique("direct")), "password": PASSWORD })),
        )
        .await;
    assert_eq!(untrusted.status, StatusCode::ACCEPTED, "{}", untrusted.text);

    let recorded: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'auth.sign_up_requested' ORDER BY id",
    )
    .fetch_all(&app.app.state.platform.pool)
    .await
    .expect("audit log");
    assert_eq!(
        recorded,
        vec!["203.0.113.99".to_string(), "198.51.100.5".to_string()],
        "the rightmost untrusted forwarded address behind a trusted proxy, else the peer"
    );
}
