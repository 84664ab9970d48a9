//! Hardening tests: custom domains and shop hosts.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A GET on `host` (no session), as a browser or API client would send it.
async fn get_on(app: &TestApp, host: &str, path: &str) -> TestResponse {
    let request = Request::builder()
        .uri(path)
        .header(header::HOST, host)
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

/// A server-function call on `host`, form-encoded, with the merchant's cookie if given.
async fn sfn_on(
    app: &TestApp,
    host: &str,
    endpoint: &str,
    cookie_token: Option<&str>,
    body: &str,
) -> TestResponse {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(format!("/sfn/{endpoint}"))
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(token) = cookie_token {
        builder = builder.header(header::COOKIE, format!("{}={token}", app::ACCESS_COOKIE));
    }
    app.send(builder.body(Body::from(body.to_string())).expect("request"))
        .await
}

/// An API call on `host` with a bearer token.
async fn api_on(app: &TestApp, host: &str, path: &str, token: &str) -> TestResponse {
    let request = Request::builder()
        .uri(format!("/api/v1{path}"))
        .header(header::HOST, host)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

fn custom_domain<'a>(detail: &'a Value, hostname: &str) -> &'a Value {
    detail["domains"]
        .as_array()
        .and_then(|domains| domains.iter().find(|d| d["hostname"] == hostname))
        .unwrap_or_else(|| panic!("{hostname} not in {detail}"))
}

async fn verify(app: &TestApp, token: &str, slug: &str, hostname: &str) -> TestResponse {
    app.api(
        Method::POST,
        &format!("/shops/{slug}/domains/{hostname}/verify"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test]
async fn a_custom_domain_serves_its_shop_only_after_its_txt_record_proves_ownership() {
    for engine in engines() {
        let dns = DnsStandIn::start().await;
        let app = TestApp::start_with_dns(engine, dns.addr).await;
        let owner = app
            .sign_up_verified(&format!("{}@example.com", unique("d")))
            .await;
        let slug = unique("domained");
        app.create_shop(&owner, &slug).await;
        let hostname = format!("{}.merchant-example.com", unique("shop"));

        // Registered, but awaiting verification: the owner is shown what to publish.
        let added = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/domains"),
                Some(&owner),
                Some(json!({ "hostname": hostname })),
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            added.text
        );
        let (record_name, record_value) = pending_verification(&added.json, &hostname);
        assert_eq!(record_name, format!("_cartwright-verify.{hostname}"));
        assert_eq!(record_value.len(), 32, "{record_value}");
        assert!(record_value.chars().all(|c| c.is_ascii_hexdigit()));

        // An unverified domain serves nothing: no portal redirect, no storefront, a 404.
        let home = get_on(&app, &hostname, "/").await;
        assert_eq!(
            home.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: {:?}",
            home.headers
        );
        assert!(home.headers.get(header::LOCATION).is_none());
        let storefront = get_on(&app, &hostname, "/api/v1/storefront").await;
        assert_eq!(storefront.status, StatusCode::NOT_FOUND, "{engine:?}");
        let login = get_on(&app, &hostname, "/login").await;
        assert_eq!(
            login.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: not the platform either"
        );

        // No record yet.
        let missing = verify(&app, &owner, &slug, &hostname).await;
        assert_eq!(
            missing.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            missing.text
        );
        let message = missing.json["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains("No TXT record"), "{message}");
        assert!(message.contains(&record_name), "{message}");

        // A record with another value (someone else's token, or a typo).
        dns.set_txt(&record_name, &["0123456789abcdef0123456789abcdef"])
            .await;
        let wrong = verify(&app, &owner, &slug, &hostname).await;
        assert_eq!(
            wrong.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            wrong.text
        );
        let message = wrong.json["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("does not hold"), "{message}");
        assert!(message.contains(&record_value), "{message}");
        assert_eq!(
            get_on(&app, &hostname, "/").await.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: still unverified"
        );

        // The right token (beside an unrelated record) verifies it.
        dns.set_txt(&record_name, &["v=spf1 -all", &record_value])
            .await;
        let verified = verify(&app, &owner, &slug, &hostname).await;
        assert_eq!(
            verified.status,
            StatusCode::OK,
            "{engine:?}: {}",
            verified.text
        );
        let domain = custom_domain(&verified.json, &hostname);
        assert_eq!(domain["verified"], true, "{domain}");
        assert_eq!(domain["verification"], Value::Null, "{domain}");
        let again = verify(&app, &owner, &slug, &hostname).await;
        assert_eq!(
            again.status,
            StatusCode::OK,
            "{engine:?}: verifying twice is harmless"
        );

        // Now the domain serves its shop.
        let home = get_on(&app, &hostname, "/").await;
        assert!(home.status.is_redirection(), "{engine:?}: {}", home.status);
        assert_eq!(
            home.headers[header::LOCATION],
            format!("/s/{slug}").as_str()
        );
        let storefront = get_on(&app, &hostname, "/api/v1/storefront").await;
        assert_eq!(storefront.json["slug"], slug.as_str(), "{engine:?}");

        // Removing it stops that at once.
        let removed = app
            .api(
                Method::DELETE,
                &format!("/shops/{slug}/domains/{hostname}"),
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
        assert_eq!(
            get_on(&app, &hostname, "/").await.status,
            StatusCode::NOT_FOUND,
            "{engine:?}"
        );
        assert_eq!(
            get_on(&app, &hostname, "/api/v1/storefront").await.status,
            StatusCode::NOT_FOUND,
            "{engine:?}"
        );
        assert_eq!(app.count("domains").await, 0, "{engine:?}");
    }
}

#[tokio::test]
async fn verification_times_out_with_a_clear_message_when_the_dns_server_does_not_answer() {
    for engine in engines() {
        let silent = SilentDns::start().await;
        let app = TestApp::start_with_dns(engine, silent.addr).await;
        let owner = app
            .sign_up_verified(&format!("{}@example.com", unique("t")))
            .await;
        let slug = unique("silent");
        app.create_shop(&owner, &slug).await;
        let hostname = format!("{}.merchant-example.com", unique("shop"));
        let added = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/domains"),
                Some(&owner),
                Some(json!({ "hostname": hostname })),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);

        let started = Instant::now();
        let answer = verify(&app, &owner, &slug, &hostname).await;
        let took = started.elapsed();
        assert_eq!(
            answer.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            answer.text
        );
        let message = answer.json["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("did not answer in time"), "{message}");
        assert!(took < Duration::from_secs(12), "{engine:?}: took {took:?}");

        let detail = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&owner), None)
            .await;
        assert_eq!(custom_domain(&detail.json, &hostname)["verified"], false);
        assert_eq!(
            get_on(&app, &hostname, "/").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_platforms_own_hosts_cannot_be_claimed_as_custom_domains() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let owner = app
            .sign_up_verified(&format!("{}@example.com", unique("p")))
            .await;
        let slug = unique("claims");
        app.create_shop(&owner, &slug).await;
        for hostname in [
            "localhost",
            "shop.localhost",
            "127.0.0.1",
            "[::1]",
            "127.1",
            "cartwright.test",
            "shop.cartwright.test",
            &format!("{slug}.cartwright.test"),
        ] {
            let refused = app
                .api(
                    Method::POST,
                    &format!("/shops/{slug}/domains"),
                    Some(&owner),
                    Some(json!({ "hostname": hostname })),
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "{engine:?} {hostname}: {}",
                refused.text
            );
            assert_eq!(refused.json["error"]["field"], "hostname", "{hostname}");
        }
        assert_eq!(app.count("domains").await, 0, "{engine:?}: nothing written");
    }
}

#[tokio::test]
async fn an_unverified_claim_does_not_block_the_owner_who_proves_the_domain() {
    for engine in engines() {
        let dns = DnsStandIn::start().await;
        let app = TestApp::start_with_dns(engine, dns.addr).await;
        let squatter = app
            .sign_up_verified(&format!("{}@example.com", unique("sq")))
            .await;
        let squat_slug = unique("squat");
        app.create_shop(&squatter, &squat_slug).await;
        let owner = app
            .sign_up_verified(&format!("{}@example.com", unique("ow")))
            .await;
        let slug = unique("rightful");
        app.create_shop(&owner, &slug).await;
        let hostname = format!("{}.merchant-example.com", unique("shop"));

        let squatted = app
            .api(
                Method::POST,
                &format!("/shops/{squat_slug}/domains"),
                Some(&squatter),
                Some(json!({ "hostname": hostname })),
            )
            .await;
        assert_eq!(squatted.status, StatusCode::CREATED, "{}", squatted.text);
        app.add_verified_domain(&owner, &slug, &hostname, &dns)
            .await;
        let storefront = get_on(&app, &hostname, "/api/v1/storefront").await;
        assert_eq!(storefront.json["slug"], slug.as_str(), "{engine:?}");

        // The squatter cannot verify it now, even by publishing its own token, nor add it again.
        let (record_name, squat_token) = pending_verification(&squatted.json, &hostname);
        dns.set_txt(&record_name, &[&squat_token]).await;
        let stolen = verify(&app, &squatter, &squat_slug, &hostname).await;
        assert_eq!(
            stolen.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            stolen.text
        );
        let storefront = get_on(&app, &hostname, "/api/v1/storefront").await;
        assert_eq!(storefront.json["slug"], slug.as_str(), "{engine:?}");
    }
}

#[tokio::test]
async fn a_request_on_one_shops_host_cannot_address_another_shop() {
    for engine in engines() {
        let dns = DnsStandIn::start().await;
        let app = TestApp::start_with_dns(engine, dns.addr).await;
        // One merchant owns both shops, so only the host can keep them apart.
        let owner = app
            .sign_up_verified(&format!("{}@example.com", unique("m")))
            .await;
        let (a, b) = (unique("shop-a"), unique("shop-b"));
        app.create_shop(&owner, &a).await;
        app.create_shop(&owner, &b).await;
        let custom = format!("{}.merchant-example.com", unique("a"));
        app.add_verified_domain(&owner, &a, &custom, &dns).await;

        for host in [format!("{a}.cartwright.test"), custom.clone()] {
            // The JSON API: this shop's routes, never another's, nor the merchant's shop list.
            let own = api_on(&app, &host, &format!("/shops/{a}"), &owner).await;
            assert_eq!(
                own.status,
                StatusCode::OK,
                "{engine:?} {host}: {}",
                own.text
            );
            for path in [
                format!("/shops/{b}"),
                format!("/shops/{b}/orders"),
                "/shops".into(),
            ] {
                let other = api_on(&app, &host, &path, &owner).await;
                assert_eq!(
                    other.status,
                    StatusCode::NOT_FOUND,
                    "{engine:?} {host}{path}: {}",
                    other.text
                );
            }
            let on_platform = api_on(&app, "127.0.0.1:3000", &format!("/shops/{b}"), &owner).await;
            assert_eq!(on_platform.status, StatusCode::OK, "{engine:?}");

            // Server functions: an argument naming another shop is refused.
            let own = sfn_on(
                &app,
                &host,
                "get_portal_context",
                None,
                &format!("shop={a}"),
            )
            .await;
            assert_eq!(
                own.status,
                StatusCode::OK,
                "{engine:?} {host}: {}",
                own.text
            );
            let other = sfn_on(
                &app,
                &host,
                "get_portal_context",
                None,
                &format!("shop={b}"),
            )
            .await;
            assert_eq!(
                other.status,
                StatusCode::NOT_FOUND,
                "{engine:?} {host}: {}",
                other.text
            );
            let both = sfn_on(
                &app,
                &host,
                "get_portal_context",
                None,
                &format!("shop={a}&shop={b}"),
            )
            .await;
            assert_eq!(both.status, StatusCode::NOT_FOUND, "{engine:?} {host}");
            let json_body = Request::builder()
                .method(Method::POST)
                .uri("/sfn/get_portal_context")
                .header(header::HOST, host.as_str())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "shop": b }).to_string()))
                .expect("request");
            assert_eq!(app.send(json_body).await.status, StatusCode::NOT_FOUND);

            // The merchant's cookie session does not serve the dashboard there.
            let detail = sfn_on(
                &app,
                &host,
                "shop_detail",
                Some(&owner),
                &format!("slug={b}"),
            )
            .await;
            assert_eq!(
                detail.status,
                StatusCode::NOT_FOUND,
                "{engine:?} {host}: {}",
                detail.text
            );
            let shops = sfn_on(&app, &host, "list_shops", Some(&owner), "").await;
            assert_eq!(
                shops.status,
                StatusCode::UNAUTHORIZED,
                "{engine:?} {host}: {}",
                shops.text
            );
        }

        // On the platform's host the same calls serve both shops, as before.
        let detail = app.server_fn("shop_detail", &owner, &[("slug", &b)]).await;
        assert_eq!(detail.status, StatusCode::OK, "{engine:?}: {}", detail.text);
    }
}
