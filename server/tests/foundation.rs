//! Integration tests of the foundation on real stores: each test runs on SQLite and, when
//! configured, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod support;

use app::shops::model::NewShopInput;
use app::shops::rules::ShopStatus;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use support::{engines, pending_verification, unique, DnsStandIn, Engine, TestApp};

async fn shop_databases_exist(app: &TestApp) -> Vec<String> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT db_server, db_name FROM shops ORDER BY id")
            .fetch_all(&app.app.state.platform.pool)
            .await
            .expect("shops");
    let mut existing = Vec::new();
    for (server, name) in rows {
        let url = app
            .app
            .state
            .provisioner
            .placement
            .url(&server, &name)
            .expect("url");
        let found = match app.engine {
            Engine::Sqlite => app.config.data_dir.join("shops").join(&name).exists(),
            Engine::Postgres => {
                use sqlx::migrate::MigrateDatabase;
                sqlx::Any::database_exists(&url)
                    .await
                    .expect("exists check")
            }
        };
        if found {
            existing.push(name);
        }
    }
    existing
}

#[tokio::test]
async fn provisioning_creates_a_separate_database_per_shop() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let token = app
            .sign_up(&format!("{}@example.com", unique("owner")))
            .await;
        let first = unique("first");
        let second = unique("second");
        let status = app.create_shop(&token, &first).await;
        app.create_shop(&token, &second).await;

        let steps: Vec<bool> = status["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| s["done"] == true)
            .collect();
        assert_eq!(
            steps,
            vec![true, true, true, true],
            "{engine:?}: all provisioning steps done"
        );
        let databases = shop_databases_exist(&app).await;
        assert_eq!(databases.len(), 2, "{engine:?}: one database per shop");
        assert_ne!(databases[0], databases[1]);

        // Data written to one shop's database is not visible in the other.
        let shop = app
            .app
            .state
            .provisioner
            .registry
            .shop_by_slug(&first)
            .await
            .expect("query")
            .expect("shop");
        let db = app.app.state.pools.get(&shop).expect("pool");
        sqlx::query("INSERT INTO products (handle, title, status, created_at, updated_at) VALUES ('mug', 'Mug', 'active', 0, 0)")
            .execute(&db.pool)
            .await
            .expect("insert product");
        let first_overview = app
            .api(
                Method::GET,
                &format!("/shops/{first}/overview"),
                Some(&token),
                None,
            )
            .await;
        let second_overview = app
            .api(
                Method::GET,
                &format!("/shops/{second}/overview"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            first_overview.json["product_count"], 1,
            "{engine:?}: {}",
            first_overview.text
        );
        assert_eq!(
            second_overview.json["product_count"], 0,
            "{engine:?}: {}",
            second_overview.text
        );
    }
}

#[tokio::test]
async fn a_resumed_half_finished_provisioning_completes() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let token = app
            .sign_up(&format!("{}@example.com", unique("owner")))
            .await;
        let me = app.api(Method::GET, "/me", Some(&token), None).await;
        let owner_id = me.json["id"].as_i64().expect("user id");

        // Crash right after the registry row was written: nothing else happened.
        let just_registered = unique("crash-early");
        let shop = app
            .app
            .state
            .provisioner
            .register(
                owner_id,
                NewShopInput {
                    name: "Early".into(),
                    slug: just_registered.clone(),
                    currency: "USD".into(),
                    timezone: "UTC".into(),
                },
            )
            .await
            .expect("register");
        assert_eq!(shop.status, ShopStatus::Provisioning);

        // Crash after the database was created but before migrations ran.
        let half_done = unique("crash-late");
        let shop = app
            .app
            .state
            .provisioner
            .register(
                owner_id,
                NewShopInput {
                    name: "Late".into(),
                    slug: half_done.clone(),
                    currency: "USD".into(),
                    timezone: "UTC".into(),
                },
            )
            .await
            .expect("register");
        let url = app
            .app
            .state
            .provisioner
            .placement
            .url(&shop.db_server, &shop.db_name)
            .expect("url");
        if engine == Engine::Sqlite {
            std::fs::create_dir_all(app.config.data_dir.join("shops")).expect("dir");
        }
        {
            use sqlx::migrate::MigrateDatabase;
            if engine == Engine::Postgres {
                sqlx::Any::create_database(&url)
                    .await
                    .expect("create database");
            } else {
                let db = server::db::Database::connect(
                    &url,
                    &server::db::PoolShape {
                        max_connections: 1,
                        idle_timeout: std::time::Duration::from_secs(1),
                    },
                )
                .await
                .expect("create file");
                db.close().await;
            }
        }
        app.app
            .state
            .provisioner
            .registry
            .set_step(
                shop.id,
                app::shops::rules::ProvisioningStep::DatabaseCreated,
            )
            .await
            .expect("step");

        let pending = app
            .api(
                Method::GET,
                &format!("/shops/{half_done}/provisioning"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(pending.json["status"], "provisioning", "{engine:?}");

        let app = app.restart().await;
        for slug in [&just_registered, &half_done] {
            let status = app
                .api(
                    Method::GET,
                    &format!("/shops/{slug}/provisioning"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(
                status.json["status"], "active",
                "{engine:?} {slug}: {}",
                status.text
            );
            let overview = app
                .api(
                    Method::GET,
                    &format!("/shops/{slug}/overview"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(
                overview.status,
                StatusCode::OK,
                "{engine:?}: tenant schema exists: {}",
                overview.text
            );
        }
    }
}

#[tokio::test]
async fn user_b_cannot_read_or_change_user_a_shop() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let alice = app
            .sign_up(&format!("{}@example.com", unique("alice")))
            .await;
        let bob = app.sign_up(&format!("{}@example.com", unique("bob"))).await;
        let slug = unique("alice-shop");
        app.create_shop(&alice, &slug).await;

        let attempts = [
            (Method::GET, format!("/shops/{slug}"), None),
            (
                Method::PATCH,
                format!("/shops/{slug}"),
                Some(json!({ "name": "Pwned", "timezone": "UTC" })),
            ),
            (Method::GET, format!("/shops/{slug}/provisioning"), None),
            (Method::GET, format!("/shops/{slug}/overview"), None),
            (Method::POST, format!("/shops/{slug}/suspend"), None),
            (
                Method::POST,
                format!("/shops/{slug}/domains"),
                Some(json!({ "hostname": "evil.example.com" })),
            ),
            (
                Method::POST,
                format!("/shops/{slug}/members"),
                Some(json!({ "email": "bob2@example.com" })),
            ),
            (
                Method::DELETE,
                format!("/shops/{slug}/domains/x.example.com"),
                None,
            ),
        ];
        for (method, path, body) in attempts {
            let response = app.api(method.clone(), &path, Some(&bob), body).await;
            assert_eq!(
                response.status,
                StatusCode::NOT_FOUND,
                "{engine:?} {method} {path}: {}",
                response.text
            );
            assert_eq!(response.json["error"]["message"], "Shop not found");
        }
        let bobs_shops = app.api(Method::GET, "/shops", Some(&bob), None).await;
        assert_eq!(bobs_shops.json, json!([]));

        // The same through the dashboard's server functions.
        let read = app.server_fn("shop_detail", &bob, &[("slug", &slug)]).await;
        assert_eq!(
            read.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: {}",
            read.text
        );
        let write = app
            .server_fn(
                "update_shop",
                &bob,
                &[("slug", &slug), ("name", "Pwned"), ("timezone", "UTC")],
            )
            .await;
        assert_eq!(
            write.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: {}",
            write.text
        );
        let suspend = app
            .server_fn(
                "set_shop_suspended",
                &bob,
                &[("slug", &slug), ("suspended", "true")],
            )
            .await;
        assert_eq!(
            suspend.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: {}",
            suspend.text
        );

        // The dashboard page of a foreign shop is a real 404.
        let page = app.page(&format!("/shops/{slug}"), Some(&bob)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{engine:?}");
        assert!(page.text.contains("Page not found"));

        // Nothing changed for Alice.
        let detail = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&alice), None)
            .await;
        assert_eq!(detail.json["shop"]["name"], format!("Shop {slug}"));
        assert_eq!(detail.json["shop"]["status"], "active");
        assert_eq!(detail.json["members"].as_array().map(Vec::len), Some(1));
        assert_eq!(detail.json["domains"].as_array().map(Vec::len), Some(1));
    }
}

#[tokio::test]
async fn staff_can_read_but_only_the_owner_can_change_a_shop() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let owner = app
            .sign_up_verified(&format!("{}@example.com", unique("owner")))
            .await;
        let staff_email = format!("{}@example.com", unique("staff"));
        let late_email = format!("{}@example.com", unique("late"));
        let staff = app.sign_up(&staff_email).await;
        let slug = unique("team-shop");
        app.create_shop(&owner, &slug).await;

        let invited = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/members"),
                Some(&owner),
                Some(json!({ "email": staff_email })),
            )
            .await;
        assert_eq!(
            invited.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            invited.text
        );
        let again = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/members"),
                Some(&owner),
                Some(json!({ "email": staff_email })),
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // An existing account is asked by mail, not added: until it accepts, no access.
        let not_yet = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&staff), None)
            .await;
        assert_eq!(not_yet.status, StatusCode::NOT_FOUND, "{engine:?}");
        let accepted = app.accept_invitation(&staff_email, &staff).await;
        assert_eq!(
            accepted.status,
            StatusCode::OK,
            "{engine:?}: {}",
            accepted.text
        );

        let read = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&staff), None)
            .await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.json["shop"]["role"], "staff");
        let write = app
            .api(
                Method::PATCH,
                &format!("/shops/{slug}"),
                Some(&staff),
                Some(json!({ "name": "Staff rename", "timezone": "UTC" })),
            )
            .await;
        assert_eq!(
            write.status,
            StatusCode::FORBIDDEN,
            "{engine:?}: {}",
            write.text
        );

        // Someone without an account signs up, verifies and accepts the link; signing up
        // alone grants nothing.
        let pending = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/members"),
                Some(&owner),
                Some(json!({ "email": late_email })),
            )
            .await;
        assert_eq!(
            pending.json["pending_invitations"][0]["email"],
            late_email.as_str()
        );
        assert_eq!(pending.json["pending_invitations"][0]["expired"], false);
        let staff_view = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&staff), None)
            .await;
        assert_eq!(
            staff_view.json["pending_invitations"],
            json!([]),
            "{engine:?}: pending invitations are the owner's to see"
        );
        let late = app.sign_up(&late_email).await;
        let late_shops = app.api(Method::GET, "/shops", Some(&late), None).await;
        assert_eq!(late_shops.json, json!([]), "{engine:?}");
        let joined = app.accept_invitation(&late_email, &late).await;
        assert_eq!(joined.status, StatusCode::OK, "{engine:?}: {}", joined.text);
        let late_shops = app.api(Method::GET, "/shops", Some(&late), None).await;
        assert_eq!(late_shops.json[0]["slug"], slug.as_str());

        let removed = app
            .api(
                Method::DELETE,
                &format!("/shops/{slug}/members/{staff_email}"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(
            removed.status,
            StatusCode::OK,
            "{engine:?}: {}",
            removed.text
        );
        let after = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&staff), None)
            .await;
        assert_eq!(after.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn bad_sign_up_and_log_in_input_gets_clear_errors() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("ada"));
        app.sign_up(&email).await;

        // A known address is answered as any other (the mail says the rest).
        let duplicate = app.api(Method::POST, "/auth/signup", None, Some(json!({ "name": "Ada", "email": email.to_uppercase(), "password": "another long password" }))).await;
        assert_eq!(duplicate.status, StatusCode::ACCEPTED, "{engine:?}");
        assert_eq!(duplicate.json["email"], email.as_str());

        let bad_email = app.api(Method::POST, "/auth/signup", None, Some(json!({ "name": "Ada", "email": "not-an-email", "password": "a long enough password" }))).await;
        assert_eq!(bad_email.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad_email.json["error"]["field"], "email");

        let short = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(json!({ "name": "Ada", "email": "x@example.com", "password": "short" })),
            )
            .await;
        assert_eq!(short.json["error"]["field"], "password");

        let missing_field = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(json!({ "name": "Ada" })),
            )
            .await;
        assert_eq!(missing_field.status, StatusCode::BAD_REQUEST);
        assert!(
            missing_field.json["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("email"),
            "{}",
            missing_field.text
        );

        let wrong = app
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": email, "password": "wrong password!" })),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.json["error"]["message"], "Invalid email or password");

        let users = app.count("users").await;
        assert_eq!(users, 1, "{engine:?}: nothing half-written");
    }
}

#[tokio::test]
async fn repeated_failed_logins_are_rate_limited() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("target"));
        app.sign_up(&email).await;
        for _ in 0..5 {
            let wrong = app
                .api(
                    Method::POST,
                    "/auth/login",
                    None,
                    Some(json!({ "email": email, "password": "guess guess guess" })),
                )
                .await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        }
        let limited = app
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": email, "password": "a long enough password" })),
            )
            .await;
        assert_eq!(
            limited.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{engine:?}: even the right password waits"
        );
    }
}

#[tokio::test]
async fn expired_tampered_and_missing_tokens_are_refused() {
    let app = TestApp::start(Engine::Sqlite).await;
    let token = app.sign_up(&format!("{}@example.com", unique("t"))).await;
    assert_eq!(
        app.api(Method::GET, "/me", Some(&token), None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.api(Method::GET, "/me", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut tampered = token.clone();
    tampered.insert(tampered.len() / 2, 'x');
    assert_eq!(
        app.api(Method::GET, "/me", Some(&tampered), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let expired = app
        .app
        .state
        .keys
        .issue_access(1, "t@example.com", server::auth::tokens::now_secs() - 3600)
        .expect("token");
    let response = app.api(Method::GET, "/shops", Some(&expired), None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.json["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_session() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let signed_up = app.sign_up_with(json!({ "name": "R", "email": format!("{}@example.com", unique("r")), "password": "a long enough password" })).await;
        let first = signed_up.json["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_string();

        let rotated = app
            .api(
                Method::POST,
                "/auth/refresh",
                None,
                Some(json!({ "refresh_token": first })),
            )
            .await;
        assert_eq!(
            rotated.status,
            StatusCode::OK,
            "{engine:?}: {}",
            rotated.text
        );
        let second = rotated.json["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_string();
        assert_ne!(first, second);

        // Replay of the first token well after its rotation (simulated by back-dating its use).
        sqlx::query(
            "UPDATE refresh_tokens SET used_at = used_at - 600000 WHERE used_at IS NOT NULL",
        )
        .execute(&app.app.state.platform.pool)
        .await
        .expect("backdate");
        let replay = app
            .api(
                Method::POST,
                "/auth/refresh",
                None,
                Some(json!({ "refresh_token": first })),
            )
            .await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
        let victim = app
            .api(
                Method::POST,
                "/auth/refresh",
                None,
                Some(json!({ "refresh_token": second })),
            )
            .await;
        assert_eq!(
            victim.status,
            StatusCode::UNAUTHORIZED,
            "{engine:?}: the whole family is revoked"
        );
    }
}

#[tokio::test]
async fn logging_out_and_changing_the_password_end_sessions() {
    let app = TestApp::start(Engine::Sqlite).await;
    let email = format!("{}@example.com", unique("p"));
    let signed_up = app
        .sign_up_with(json!({ "name": "P", "email": email, "password": "a long enough password" }))
        .await;
    let access = signed_up.json["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    let refresh = signed_up.json["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();

    let wrong_current = app.api(Method::POST, "/auth/password", Some(&access), Some(json!({ "current_password": "nope nope nope", "new_password": "a brand new password" }))).await;
    assert_eq!(wrong_current.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_current.json["error"]["field"], "current_password");

    let changed = app.api(Method::POST, "/auth/password", Some(&access), Some(json!({ "current_password": "a long enough password", "new_password": "a brand new password" }))).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let old_session = app
        .api(
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({ "refresh_token": refresh })),
        )
        .await;
    assert_eq!(old_session.status, StatusCode::UNAUTHORIZED);
    let old_password = app
        .api(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({ "email": email, "password": "a long enough password" })),
        )
        .await;
    assert_eq!(old_password.status, StatusCode::UNAUTHORIZED);
    let new_login = app
        .api(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({ "email": email, "password": "a brand new password" })),
        )
        .await;
    assert_eq!(new_login.status, StatusCode::OK);

    let new_refresh = new_login.json["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let logout = app
        .api(
            Method::POST,
            "/auth/logout",
            None,
            Some(json!({ "refresh_token": new_refresh })),
        )
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let after = app
        .api(
            Method::POST,
            "/auth/refresh",
            None,
            Some(json!({ "refresh_token": new_refresh })),
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn duplicate_and_invalid_slugs_are_refused() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let token = app.sign_up(&format!("{}@example.com", unique("s"))).await;
        let slug = unique("taken");
        app.create_shop(&token, &slug).await;
        let body = |slug: &str| {
            Some(json!({ "name": "Dup", "slug": slug, "currency": "EUR", "timezone": "UTC" }))
        };

        let duplicate = app
            .api(Method::POST, "/shops", Some(&token), body(&slug))
            .await;
        assert_eq!(duplicate.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(duplicate.json["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("already taken"));

        for bad in ["Bad Slug!", "ab", "admin", "-x-y"] {
            let invalid = app
                .api(Method::POST, "/shops", Some(&token), body(bad))
                .await;
            assert_eq!(invalid.status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(invalid.json["error"]["field"], "slug");
        }
        let bad_currency = app.api(Method::POST, "/shops", Some(&token), Some(json!({ "name": "X", "slug": unique("cur"), "currency": "XXX", "timezone": "UTC" }))).await;
        assert_eq!(bad_currency.json["error"]["field"], "currency");

        let shops = app.count("shops").await;
        assert_eq!(shops, 1, "{engine:?}: nothing half-written");
    }
}

#[tokio::test]
async fn hosts_resolve_to_shops_by_subdomain_and_custom_domain() {
    for engine in engines() {
        let dns = DnsStandIn::start().await;
        let app = TestApp::start_with_dns(engine, dns.addr).await;
        // Custom domains wait for a verified address.
        let token = app
            .sign_up_verified(&format!("{}@example.com", unique("h")))
            .await;
        let slug = unique("hosted");
        app.create_shop(&token, &slug).await;
        let storefront = |host: String| {
            Request::builder()
                .uri("/api/v1/storefront")
                .header(header::HOST, host)
                .body(Body::empty())
                .expect("request")
        };

        let by_subdomain = app
            .send(storefront(format!("{slug}.cartwright.test:443")))
            .await;
        assert_eq!(
            by_subdomain.status,
            StatusCode::OK,
            "{engine:?}: {}",
            by_subdomain.text
        );
        assert_eq!(by_subdomain.json["slug"], slug.as_str());

        let unknown = app
            .send(storefront("nope-shop.cartwright.test".into()))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let before = app
            .send(storefront("shop.merchant-example.com".into()))
            .await;
        assert_eq!(before.status, StatusCode::NOT_FOUND);

        let added = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/domains"),
                Some(&token),
                Some(json!({ "hostname": "Shop.Merchant-Example.com" })),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
        let unverified = app
            .send(storefront("shop.merchant-example.com".into()))
            .await;
        assert_eq!(
            unverified.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: a domain serves nothing until verified"
        );
        let (record_name, record_value) =
            pending_verification(&added.json, "shop.merchant-example.com");
        dns.set_txt(&record_name, &[&record_value]).await;
        let verified = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/domains/shop.merchant-example.com/verify"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
        let by_domain = app
            .send(storefront("shop.merchant-example.com".into()))
            .await;
        assert_eq!(
            by_domain.json["slug"],
            slug.as_str(),
            "{engine:?}: cache invalidated on change"
        );

        let other = app
            .sign_up_verified(&format!("{}@example.com", unique("o")))
            .await;
        let other_slug = unique("other");
        app.create_shop(&other, &other_slug).await;
        let stolen = app
            .api(
                Method::POST,
                &format!("/shops/{other_slug}/domains"),
                Some(&other),
                Some(json!({ "hostname": "shop.merchant-example.com" })),
            )
            .await;
        assert_eq!(stolen.status, StatusCode::CONFLICT);

        let suspended = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/suspend"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(suspended.json["shop"]["status"], "suspended");
        let offline = app
            .send(storefront("shop.merchant-example.com".into()))
            .await;
        assert_eq!(
            offline.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: suspended shops are offline"
        );
        let twice = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/suspend"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        let reactivated = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/reactivate"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(reactivated.json["shop"]["status"], "active");

        let removed = app
            .api(
                Method::DELETE,
                &format!("/shops/{slug}/domains/shop.merchant-example.com"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(removed.status, StatusCode::OK);
        let gone = app
            .send(storefront("shop.merchant-example.com".into()))
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let app = TestApp::start(Engine::Sqlite).await;
    let token = app.sign_up(&format!("{}@example.com", unique("c"))).await;
    let form = |origin: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/sfn/create_shop")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, origin)
            .header(header::COOKIE, format!("{}={token}", app::ACCESS_COOKIE))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(format!(
                "name=X&slug={}&currency=EUR&timezone=UTC",
                unique("csrf")
            )))
            .expect("request")
    };
    let foreign = app.send(form("https://evil.example")).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let shops = app.count("shops").await;
    assert_eq!(shops, 0);
    let same = app.send(form("http://127.0.0.1:3000")).await;
    assert!(
        same.status.is_success() || same.status.is_redirection(),
        "{}: {}",
        same.status,
        same.text
    );
}

#[tokio::test]
async fn dashboard_pages_require_a_session_and_render_on_the_server() {
    let app = TestApp::start(Engine::Sqlite).await;
    let anonymous = app.page("/shops/some-shop/settings", None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers[header::LOCATION],
        "/login?next=/shops/some-shop/settings"
    );

    let token = app.sign_up(&format!("{}@example.com", unique("d"))).await;
    let slug = unique("rendered");
    app.create_shop(&token, &slug).await;
    let page = app.page(&format!("/shops/{slug}"), Some(&token)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains(&format!("Shop {slug}")),
        "shop name rendered on the server"
    );
    assert!(page.text.contains("Switch shop"));
    let login = app.page("/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.text.contains("Log in"));
    let unknown = app.page("/no/such/page", Some(&token)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_readiness_and_the_openapi_document_are_served() {
    let app = TestApp::start(Engine::Sqlite).await;
    assert_eq!(app.page("/healthz", None).await.status, StatusCode::OK);
    let ready = app.page("/readyz", None).await;
    assert_eq!(ready.json["status"], "ready");
    let spec = app.api(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(spec.json["openapi"], "3.1.0");
    for path in [
        "/auth/signup",
        "/auth/signup/confirm",
        "/auth/login",
        "/shops",
        "/shops/{slug}",
        "/shops/{slug}/provisioning",
        "/storefront",
    ] {
        assert!(spec.json["paths"][path].is_object(), "{path} documented");
    }
    let unknown = app.api(Method::GET, "/nothing-here", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn shop_pools_open_lazily_and_close_when_idle() {
    let test = TestApp::start_with(Engine::Sqlite, |config| {
        config.shop_pool_idle_secs = 0;
        config.max_open_shop_pools = 2;
    })
    .await;
    let token = test.sign_up("pools@example.com").await;
    let owner_id = test
        .app
        .state
        .keys
        .verify_access(&token)
        .expect("valid")
        .user_id;
    for index in 0..3 {
        let input = NewShopInput {
            name: format!("P{index}"),
            slug: format!("pool-shop-{index}"),
            currency: "EUR".into(),
            timezone: "UTC".into(),
        };
        let shop = test
            .app
            .state
            .provisioner
            .register(owner_id, input)
            .await
            .expect("register");
        test.app
            .state
            .provisioner
            .provision(shop.id)
            .await
            .expect("provision");
    }
    assert_eq!(
        test.app.state.pools.open_count(),
        0,
        "provisioning leaves no pool open"
    );
    for index in 0..3 {
        let overview = test
            .api(
                Method::GET,
                &format!("/shops/pool-shop-{index}/overview"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(overview.status, StatusCode::OK);
    }
    assert_eq!(
        test.app.state.pools.open_count(),
        2,
        "at most max_open_shop_pools stay open"
    );
    assert_eq!(test.app.state.pools.close_idle().await, 2);
    assert_eq!(test.app.state.pools.open_count(), 0);
}

#[tokio::test]
async fn new_tenant_migrations_are_applied_to_existing_shops_at_start() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let token = app.sign_up(&format!("{}@example.com", unique("u"))).await;
        let slug = unique("upgrade");
        app.create_shop(&token, &slug).await;
        // As if the shop had been created by a build that knew no tenant migrations.
        sqlx::query("UPDATE shops SET schema_version = 0")
            .execute(&app.app.state.platform.pool)
            .await
            .expect("reset");
        let app = app.restart().await;
        let version: i64 = sqlx::query_scalar("SELECT schema_version FROM shops")
            .fetch_one(&app.app.state.platform.pool)
            .await
            .expect("version");
        assert_eq!(
            version,
            server::db::latest_tenant_version(match engine {
                Engine::Sqlite => server::db::Engine::Sqlite,
                Engine::Postgres => server::db::Engine::Postgres,
            })
        );
    }
}

#[tokio::test]
async fn a_shop_status_no_variant_names_is_an_error_not_a_guess() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let token = app.sign_up(&format!("{}@example.com", unique("u"))).await;
        let slug = unique("odd-status");
        app.create_shop(&token, &slug).await;
        let listed = app.api(Method::GET, "/shops", Some(&token), None).await;
        assert_eq!(listed.status, StatusCode::OK, "{engine:?}: {}", listed.text);
        assert_eq!(listed.json[0]["status"], "active", "{engine:?}");

        // As if a hand edit (or a newer build) had written a status this build does not know.
        // It used to read as "suspended"; now the row fails to decode and the caller gets a 500.
        sqlx::query("UPDATE shops SET status = 'frozen'")
            .execute(&app.app.state.platform.pool)
            .await
            .expect("corrupt the status");
        let app = app.restart().await;
        let listed = app.api(Method::GET, "/shops", Some(&token), None).await;
        assert_eq!(
            listed.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{engine:?}: {}",
            listed.text
        );
        assert!(
            !listed.text.contains("frozen"),
            "{engine:?}: the stored value stays in the log, not the answer: {}",
            listed.text
        );
        let stored: String = sqlx::query_scalar("SELECT status FROM shops")
            .fetch_one(&app.app.state.platform.pool)
            .await
            .expect("status");
        assert_eq!(stored, "frozen", "{engine:?}: nothing rewrote the row");
    }
}

#[tokio::test]
async fn an_expired_access_cookie_is_renewed_from_the_refresh_cookie() {
    let app = TestApp::start(Engine::Sqlite).await;
    let signed_up = app
        .sign_up_with(json!({ "name": "C", "email": format!("{}@example.com", unique("c")), "password": "a long enough password" }))
        .await;
    let refresh = signed_up.json["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let user_id = signed_up.json["user"]["id"].as_i64().expect("id");
    let expired = app
        .app
        .state
        .keys
        .issue_access(
            user_id,
            "c@example.com",
            server::auth::tokens::now_secs() - 3600,
        )
        .expect("token");
    let request = Request::builder()
        .uri("/shops")
        .header(header::HOST, "127.0.0.1:3000")
        .header(
            header::COOKIE,
            format!(
                "{}={expired}; {}={refresh}",
                app::ACCESS_COOKIE,
                app::REFRESH_COOKIE
            ),
        )
        .body(Body::empty())
        .expect("request");
    let page = app.send(request).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the page renders instead of redirecting to log-in"
    );
    let cookies: Vec<String> = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with(&format!("{}=", app::ACCESS_COOKIE)) && !c.contains("Max-Age=0")), "{cookies:?}");
    let rotated = cookies
        .iter()
        .find(|c| c.starts_with(&format!("{}=", app::REFRESH_COOKIE)))
        .expect("new refresh cookie");
    assert!(!rotated.contains(&refresh), "the refresh token was rotated");

    // A revoked refresh cookie ends the session: back to the log-in page, cookies cleared.
    app.api(
        Method::POST,
        "/auth/logout",
        None,
        Some(json!({ "refresh_token": refresh })),
    )
    .await;
    let request = Request::builder()
        .uri("/shops")
        .header(header::HOST, "127.0.0.1:3000")
        .header(
            header::COOKIE,
            format!(
                "{}={expired}; {}={refresh}",
                app::ACCESS_COOKIE,
                app::REFRESH_COOKIE
            ),
        )
        .body(Body::empty())
        .expect("request");
    let page = app.send(request).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|c| c.contains("Max-Age=0"))));
}

#[tokio::test]
async fn session_cookies_are_http_only_same_site_and_secure_outside_development() {
    let test = TestApp::start_with(Engine::Sqlite, |config| config.dev_mode = false).await;
    let signed_up = test
        .sign_up_with(json!({ "name": "S", "email": "secure@example.com", "password": "a long enough password" }))
        .await;
    let cookies: Vec<&str> = signed_up
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(cookies.len(), 2);
    for cookie in cookies {
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Secure"),
            "{cookie}"
        );
    }
}

#[tokio::test]
async fn the_provisioning_page_asks_browsers_without_wasm_to_reload_until_the_shop_is_active() {
    let test = TestApp::start(Engine::Sqlite).await;
    let token = test.sign_up("reload@example.com").await;
    let owner_id = test
        .app
        .state
        .keys
        .verify_access(&token)
        .expect("valid")
        .user_id;
    let input = NewShopInput {
        name: "Pending".into(),
        slug: "pending-shop".into(),
        currency: "EUR".into(),
        timezone: "UTC".into(),
    };
    let shop = test
        .app
        .state
        .provisioner
        .register(owner_id, input)
        .await
        .expect("register");

    let pending = test
        .page("/shops/pending-shop/provisioning", Some(&token))
        .await;
    assert_eq!(pending.status, StatusCode::OK);
    // The reload is a <meta http-equiv="refresh"> inside <noscript>: browsers with scripting
    // parse it as text (a hydrated page polls instead); an HTTP Refresh header would also reload
    // hydrated pages.
    assert!(
        pending.headers.get("refresh").is_none(),
        "no Refresh header: it would reload hydrated pages too"
    );
    let noscript = pending
        .text
        .split("<noscript>")
        .nth(1)
        .and_then(|rest| rest.split("</noscript>").next())
        .unwrap_or_default();
    assert!(
        noscript.contains(r#"<meta http-equiv="refresh" content="1">"#),
        "the reload sits inside <noscript>: {}",
        pending.text
    );
    assert_eq!(
        pending.text.matches("http-equiv").count(),
        1,
        "no meta refresh outside <noscript>"
    );

    test.app
        .state
        .provisioner
        .provision(shop.id)
        .await
        .expect("provision");
    let done = test
        .page("/shops/pending-shop/provisioning", Some(&token))
        .await;
    assert!(
        !done.text.contains("http-equiv"),
        "no reload once the shop is active"
    );
    assert!(done.text.contains("Open dashboard"));
}

#[tokio::test]
async fn a_shops_pages_wait_for_a_free_turn_and_other_pages_do_not() {
    let app = TestApp::start_with(Engine::Sqlite, |config| config.page_renders = 2).await;
    let turns = app.app.state.page_turns.clone();
    let portal = server::tenancy::page_turns::PageArea::Portal;
    assert_eq!(turns.available(portal, "acme"), 2);

    let taken = (
        turns.wait("/s/acme/").await.expect("a shop page"),
        turns.wait("/s/acme/cart").await.expect("a shop page"),
    );
    let waiting = app.page("/s/acme/login", None);
    tokio::pin!(waiting);
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), &mut waiting)
            .await
            .is_err(),
        "a shop page rendered while every turn of the shop was taken"
    );
    // Pages outside the shop, and the health check, do not wait for it.
    let login = tokio::time::timeout(std::time::Duration::from_secs(10), app.page("/login", None))
        .await
        .expect("the log-in page renders meanwhile");
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.text.contains("Log in"), "{}", login.text);
    let health = app
        .send(
            Request::builder()
                .uri("/healthz")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(health.status, StatusCode::OK);

    drop(taken);
    let page = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("the shop page renders once a turn is free");
    // No shop `acme` exists: the portal answers with its not-found page, rendered in full.
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text.contains("</html>"), "{}", page.text);
    assert_eq!(turns.shops_in_progress(), 0, "the turn was given back");
}

#[tokio::test]
async fn the_shop_frame_holds_the_callers_email_and_only_their_shops() {
    let app = TestApp::start(Engine::Sqlite).await;
    let frame = |token: Option<&str>| {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/sfn/get_shop_frame")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(token) = token {
            builder = builder.header(header::COOKIE, format!("{}={token}", app::ACCESS_COOKIE));
        }
        builder.body(Body::empty()).expect("request")
    };
    let email = format!("{}@example.com", unique("frame"));
    let token = app.sign_up(&email).await;
    let slug = unique("mine");
    app.create_shop(&token, &slug).await;
    let rival = app
        .sign_up(&format!("{}@example.com", unique("rival")))
        .await;
    let rival_slug = unique("theirs");
    app.create_shop(&rival, &rival_slug).await;

    let anonymous = app.send(frame(None)).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    assert!(!anonymous.text.contains(&slug) && !anonymous.text.contains(&rival_slug));

    let mine = app.send(frame(Some(&token))).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.json["email"], email.as_str());
    let slugs: Vec<&str> = mine.json["shops"]
        .as_array()
        .expect("shops")
        .iter()
        .filter_map(|shop| shop["slug"].as_str())
        .collect();
    assert_eq!(slugs, vec![slug.as_str()], "only the caller's own shops");
}

#[tokio::test]
async fn an_owner_chooses_how_the_shops_pages_write_amounts() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (token, slug) = app.merchant_with_shop().await;
        app.add_product(&token, &slug, "AMT-1", "1234.50", 3).await;
        let products = app
            .page(&format!("/shops/{slug}/products"), Some(&token))
            .await;
        assert!(
            products.text.contains("EUR 1,234.50"),
            "{engine:?}: the default style"
        );

        let patch = |body: serde_json::Value| {
            let (app, token, slug) = (&app, token.clone(), slug.clone());
            async move {
                app.api(
                    Method::PATCH,
                    &format!("/shops/{slug}"),
                    Some(&token),
                    Some(body),
                )
                .await
            }
        };
        let comma = patch(
            json!({ "name": "Amounts", "timezone": "Europe/Berlin", "amount_style": "comma" }),
        )
        .await;
        assert_eq!(comma.status, StatusCode::OK, "{engine:?}: {}", comma.text);
        assert_eq!(
            comma.json["shop"]["amount_style"], "comma",
            "{engine:?}: {}",
            comma.text
        );
        // Left out, it stays as it was; an unknown style is refused naming the field.
        let kept = patch(json!({ "name": "Amounts", "timezone": "Europe/Berlin" })).await;
        assert_eq!(
            kept.json["shop"]["amount_style"], "comma",
            "{engine:?}: {}",
            kept.text
        );
        let refused = patch(
            json!({ "name": "Amounts", "timezone": "Europe/Berlin", "amount_style": "european" }),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(
            refused.json["error"]["field"], "amount_style",
            "{engine:?}: {}",
            refused.text
        );

        // The dashboard and the portal write the shop's amounts its way; the API's JSON does not
        // change (integer minor units).
        let products = app
            .page(&format!("/shops/{slug}/products"), Some(&token))
            .await;
        assert!(
            products.text.contains("EUR 1.234,50"),
            "{engine:?}: the products list"
        );
        assert!(!products.text.contains("EUR 1,234.50"), "{engine:?}");
        let portal = app.page(&format!("/s/{slug}"), None).await;
        assert_eq!(portal.status, StatusCode::OK, "{engine:?}");
        assert!(
            portal.text.contains("EUR 1.234,50"),
            "{engine:?}: the portal catalog"
        );
        let listed = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/products"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            listed.json["products"][0]["price_min_minor"], 123_450,
            "{engine:?}"
        );
    }
}

/// The SQLite and PostgreSQL migrations are kept by hand, side by side. Each engine's migrations
/// run on an empty database, and the schemas they build are described as the same kind of facts
/// (tables and columns with their type family, nullability and whether they have a default;
/// primary keys; foreign keys; unique and plain indexes, with the columns they cover), so a
/// migration written for one engine only, or a column typed differently, fails here.
///
/// CHECK rules are not compared: their text is dialect (and the SQLite schema keeps some of them
/// as triggers, which SQLite cannot add to a table afterwards); each has its own test.
#[tokio::test]
async fn both_engines_migrations_build_the_same_schema() {
    let Some(server) = support::pg_server_url() else {
        assert!(
            !engines().contains(&Engine::Postgres),
            "PostgreSQL configured but its URL could not be read"
        );
        eprintln!("skipped: no PostgreSQL (CARTWRIGHT_TEST_PG_URL) to compare with");
        return;
    };
    for kind in [schema::Kind::Platform, schema::Kind::Tenant] {
        let sqlite = schema::of_sqlite(kind).await;
        let postgres = schema::of_postgres(&server, kind).await;
        assert!(
            sqlite.len() > 20,
            "{kind:?}: the description found too little to compare: {sqlite:#?}"
        );
        let only_sqlite: Vec<&String> = sqlite.difference(&postgres).collect();
        let only_postgres: Vec<&String> = postgres.difference(&sqlite).collect();
        assert!(
            only_sqlite.is_empty() && only_postgres.is_empty(),
            "{kind:?} schemas differ.\nonly in SQLite:\n  {}\nonly in PostgreSQL:\n  {}",
            only_sqlite
                .iter()
                .map(|fact| fact.as_str())
                .collect::<Vec<_>>()
                .join("\n  "),
            only_postgres
                .iter()
                .map(|fact| fact.as_str())
                .collect::<Vec<_>>()
                .join("\n  "),
        );
    }
}

/// A schema as a set of facts that read the same on both engines.
mod schema {
    use server::db::{Database, PoolShape};
    use sqlx::migrate::MigrateDatabase;
    use std::collections::{BTreeMap, BTreeSet};
    use std::time::Duration;

    #[derive(Debug, Clone, Copy)]
    pub enum Kind {
        Platform,
        Tenant,
    }

    fn shape() -> PoolShape {
        PoolShape {
            max_connections: 1,
            idle_timeout: Duration::from_secs(5),
        }
    }

    async fn migrate(db: &Database, kind: Kind) {
        match kind {
            Kind::Platform => db.migrate_platform().await,
            Kind::Tenant => db.migrate_tenant().await,
        }
        .expect("migrations apply to an empty database");
    }

    /// Tables that belong to the engine or to sqlx, not to the schema.
    fn ours(table: &str) -> bool {
        !table.starts_with("sqlite_") && !table.starts_with("_sqlx")
    }

    /// A declared (SQLite) or reported (PostgreSQL) type, as a family.
    fn family(declared: &str) -> String {
        let upper = declared.to_ascii_uppercase();
        let family = if upper.contains("INT") || upper.contains("SERIAL") {
            "integer"
        } else if upper.contains("CHAR") || upper.contains("TEXT") || upper.contains("CLOB") {
            "text"
        } else if upper.contains("BOOL") {
            "boolean"
        } else if upper.contains("REAL") || upper.contains("DOUB") || upper.contains("FLOA") {
            "real"
        } else if upper.contains("BLOB") || upper.contains("BYTEA") {
            "bytes"
        } else {
            return upper.to_lowercase();
        };
        family.to_string()
    }

    /// One column as a fact. A primary key's columns are never null (SQLite reports its rowid
    /// alias as nullable) and an integer key's default is its sequence (which SQLite does not
    /// report as one).
    fn column_fact(
        table: &str,
        column: &str,
        declared: &str,
        not_null: bool,
        has_default: bool,
        in_key: bool,
    ) -> String {
        let family = family(declared);
        let not_null = not_null || in_key;
        let has_default = has_default && !(in_key && family == "integer");
        format!(
            "column {table}.{column} {family}{}{}",
            if not_null { " not null" } else { "" },
            if has_default { " with default" } else { "" }
        )
    }

    /// An index: unique or not, partial or not, the columns it covers in order, and whether it
    /// stands for a constraint (`UNIQUE` in a table), whose name the engine makes up.
    struct IndexShape {
        unique: bool,
        partial: bool,
        constraint: bool,
        columns: Vec<String>,
    }

    impl IndexShape {
        fn fact(&self, table: &str, name: &str) -> String {
            let name = if self.constraint {
                "(constraint)"
            } else {
                name
            };
            format!(
                "{} index {name} on {table} ({}){}",
                if self.unique { "unique" } else { "plain" },
                self.columns.join(", "),
                if self.partial { " where …" } else { "" }
            )
        }
    }

    pub async fn of_sqlite(kind: Kind) -> BTreeSet<String> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = server::db::sqlite_url(&dir.path().join("schema.db"));
        let db = Database::connect(&url, &shape()).await.expect("SQLite");
        migrate(&db, kind).await;
        let mut facts = BTreeSet::new();
        let columns = sqlx::query_as::<_, (String, String, String, i64, i64, i64)>(
            "SELECT m.name, p.name, CAST(p.type AS TEXT), CAST(p.\"notnull\" AS INTEGER), \
             CAST(p.dflt_value IS NOT NULL AS INTEGER), CAST(p.pk AS INTEGER) \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
        )
        .fetch_all(&db.pool)
        .await
        .expect("SQLite columns");
        let mut keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        for (table, column, declared, not_null, has_default, key_position) in columns {
            if !ours(&table) {
                continue;
            }
            if key_position > 0 {
                keys.entry(table.clone())
                    .or_default()
                    .push((key_position, column.clone()));
            }
            facts.insert(column_fact(
                &table,
                &column,
                &declared,
                not_null != 0,
                has_default != 0,
                key_position > 0,
            ));
        }
        for (table, mut columns) in keys {
            columns.sort();
            let names: Vec<String> = columns.into_iter().map(|(_, name)| name).collect();
            facts.insert(format!("primary key {table} ({})", names.join(", ")));
        }
        let foreign = sqlx::query_as::<_, (String, String, String, Option<String>)>(
            "SELECT m.name, f.\"from\", f.\"table\", f.\"to\" \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
        )
        .fetch_all(&db.pool)
        .await
        .expect("SQLite foreign keys");
        for (table, column, target, target_column) in foreign {
            // `REFERENCES t` without a column means t's key, which is `id` in this schema.
            let target_column = target_column.unwrap_or_else(|| "id".to_string());
            facts.insert(format!(
                "foreign key {table}.{column} -> {target}.{target_column}"
            ));
        }
        let indexes = sqlx::query_as::<_, (String, String, i64, String, i64, i64, Option<String>)>(
            "SELECT m.name, l.name, CAST(l.\"unique\" AS INTEGER), l.origin, CAST(l.partial AS INTEGER), \
             CAST(i.seqno AS INTEGER), i.name \
             FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
             WHERE m.type = 'table' ORDER BY m.name, l.name, i.seqno",
        )
        .fetch_all(&db.pool)
        .await
        .expect("SQLite indexes");
        let mut grouped: BTreeMap<(String, String), IndexShape> = BTreeMap::new();
        for (table, index, unique, origin, partial, _, column) in indexes {
            // A primary key is compared above (an integer key has no index in SQLite).
            if !ours(&table) || origin == "pk" {
                continue;
            }
            let shape = grouped.entry((table, index)).or_insert(IndexShape {
                unique: unique != 0,
                partial: partial != 0,
                constraint: origin == "u",
                columns: Vec::new(),
            });
            shape
                .columns
                .push(column.unwrap_or_else(|| "(expression)".to_string()));
        }
        for ((table, index), shape) in grouped {
            facts.insert(shape.fact(&table, &index));
        }
        db.close().await;
        facts
    }

    pub async fn of_postgres(server: &str, kind: Kind) -> BTreeSet<String> {
        let name = format!("cw_schema_{}", super::unique("db").replace('-', "_"));
        let url = format!("{server}/{name}");
        sqlx::Any::create_database(&url)
            .await
            .expect("CREATE DATABASE");
        let db = Database::connect(&url, &shape()).await.expect("PostgreSQL");
        migrate(&db, kind).await;
        let mut facts = BTreeSet::new();
        let key_columns = sqlx::query_as::<_, (String, String, i64)>(
            "SELECT cl.relname::text, a.attname::text, k.ord::bigint \
             FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_namespace n ON n.oid = cl.relnamespace \
             JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) ON true \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
             WHERE c.contype = 'p' AND n.nspname = current_schema() ORDER BY 1, 3",
        )
        .fetch_all(&db.pool)
        .await
        .expect("PostgreSQL keys");
        let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (table, column, _) in key_columns {
            keys.entry(table).or_default().push(column);
        }
        let columns = sqlx::query_as::<_, (String, String, String, i64, i64)>(
            "SELECT table_name::text, column_name::text, data_type::text, \
             (CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END)::bigint, \
             (CASE WHEN column_default IS NOT NULL OR is_identity = 'YES' THEN 1 ELSE 0 END)::bigint \
             FROM information_schema.columns WHERE table_schema = current_schema()",
        )
        .fetch_all(&db.pool)
        .await
        .expect("PostgreSQL columns");
        for (table, column, declared, not_null, has_default) in columns {
            if !ours(&table) {
                continue;
            }
            let in_key = keys.get(&table).is_some_and(|key| key.contains(&column));
            facts.insert(column_fact(
                &table,
                &column,
                &declared,
                not_null != 0,
                has_default != 0,
                in_key,
            ));
        }
        for (table, columns) in &keys {
            if ours(table) {
                facts.insert(format!("primary key {table} ({})", columns.join(", ")));
            }
        }
        let foreign = sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT cl.relname::text, a.attname::text, rcl.relname::text, ra.attname::text \
             FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_class rcl ON rcl.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = cl.relnamespace \
             JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, rcol) ON true \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
             JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.rcol \
             WHERE c.contype = 'f' AND n.nspname = current_schema()",
        )
        .fetch_all(&db.pool)
        .await
        .expect("PostgreSQL foreign keys");
        for (table, column, target, target_column) in foreign {
            facts.insert(format!(
                "foreign key {table}.{column} -> {target}.{target_column}"
            ));
        }
        let indexes = sqlx::query_as::<_, (String, String, i64, i64, i64, i64, String)>(
            "SELECT t.relname::text, i.relname::text, \
             (CASE WHEN ix.indisunique THEN 1 ELSE 0 END)::bigint, \
             (CASE WHEN ix.indpred IS NOT NULL THEN 1 ELSE 0 END)::bigint, \
             (CASE WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) THEN 1 ELSE 0 END)::bigint, \
             k.ord::bigint, pg_get_indexdef(ix.indexrelid, k.ord::int, true) \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true \
             WHERE n.nspname = current_schema() AND NOT ix.indisprimary ORDER BY 1, 2, 6",
        )
        .fetch_all(&db.pool)
        .await
        .expect("PostgreSQL indexes");
        let mut grouped: BTreeMap<(String, String), IndexShape> = BTreeMap::new();
        for (table, index, unique, partial, constraint, _, column) in indexes {
            if !ours(&table) {
                continue;
            }
            let plain_column = !column.contains('(') && !column.contains(' ');
            let shape = grouped.entry((table, index)).or_insert(IndexShape {
                unique: unique != 0,
                partial: partial != 0,
                constraint: constraint != 0,
                columns: Vec::new(),
            });
            shape.columns.push(if plain_column {
                column.trim_matches('"').to_string()
            } else {
                "(expression)".to_string()
            });
        }
        for ((table, index), shape) in grouped {
            facts.insert(shape.fact(&table, &index));
        }
        db.close().await;
        sqlx::Any::drop_database(&url).await.expect("DROP DATABASE");
        facts
    }
}
