//! Hardening tests: bounded work for every request (section 2 of issue 14): upload size and
//! stalls, one import per shop, request time limits, separate and bounded page queues for the
//! portal and the dashboard, the shop quota, and slugs checked at the edge.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

const CSV: &str = "handle,title,sku,price,on_hand\nmug,Mug,MUG-1,12.50,4\n";

/// A merchant with one active shop on an application started with `adjust`.
async fn shop_with(
    engine: Engine,
    adjust: impl FnOnce(&mut server::config::Config),
) -> (TestApp, String, String) {
    let app = TestApp::start_with(engine, adjust).await;
    let token = app
        .sign_up(&format!("{}@example.com", unique("merchant")))
        .await;
    let slug = unique("shop");
    app.create_shop(&token, &slug).await;
    (app, token, slug)
}

/// A request body fed chunk by chunk from the test: the request stays open until `sender` is
/// dropped.
fn streamed_body() -> (
    tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>,
    Body,
) {
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    (sender, Body::from_stream(stream))
}

fn import_request(slug: &str, token: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/shops/{slug}/products/import"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(body)
        .expect("request")
}

fn uploads_left(app: &TestApp) -> usize {
    std::fs::read_dir(app.config.data_dir.join("uploads"))
        .map(|entries| entries.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_and_leaves_nothing_behind() {
    for engine in engines() {
        let (app, token, slug) = shop_with(engine, |config| {
            config.limits.max_upload_bytes = 1_000;
        })
        .await;
        let mut big = String::from("handle,title,sku,price\n");
        while big.len() <= 1_000 {
            big.push_str("mug,Mug,MUG-1,12.50\n");
        }
        let refused = app
            .api_raw(
                Method::POST,
                &format!("/shops/{slug}/products/import"),
                Some(&token),
                "text/csv",
                big.into_bytes(),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(refused.json["error"]["code"], "payload_too_large");
        assert_eq!(
            app.shop_count(&slug, "imports").await,
            0,
            "{engine:?}: no import registered"
        );
        assert_eq!(
            uploads_left(&app),
            0,
            "{engine:?}: the partial file is removed"
        );

        // The limit frees the shop again: a file under it imports.
        let accepted = app
            .api_raw(
                Method::POST,
                &format!("/shops/{slug}/products/import"),
                Some(&token),
                "text/csv",
                CSV.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(
            accepted.status,
            StatusCode::ACCEPTED,
            "{engine:?}: {}",
            accepted.text
        );
    }
}

#[tokio::test]
async fn a_shop_runs_one_import_at_a_time() {
    for engine in engines() {
        let (app, token, slug) = shop_with(engine, |_| {}).await;
        // The first upload is still arriving: it holds the shop's import slot.
        let (sender, body) = streamed_body();
        let first = {
            let router = app.app.router.clone();
            let request = import_request(&slug, &token, body);
            tokio::spawn(async move {
                use tower::ServiceExt;
                router
                    .oneshot(request)
                    .await
                    .expect("router answers")
                    .status()
            })
        };
        sender
            .send(Ok(axum::body::Bytes::from_static(
                b"handle,title,sku,price,on_hand\n",
            )))
            .await
            .expect("first chunk");
        // Wait until the first upload has claimed the slot (it is being written to disk).
        let claimed = Instant::now();
        while uploads_left(&app) == 0 && claimed.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        let second = app
            .api_raw(
                Method::POST,
                &format!("/shops/{slug}/products/import"),
                Some(&token),
                "text/csv",
                CSV.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(
            second.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            second.text
        );
        assert!(second.text.contains("Another import"), "{}", second.text);

        sender
            .send(Ok(axum::body::Bytes::from_static(
                b"mug,Mug,MUG-1,12.50,4\n",
            )))
            .await
            .expect("last chunk");
        drop(sender);
        let status = tokio::time::timeout(Duration::from_secs(30), first)
            .await
            .expect("the first upload finishes")
            .expect("task");
        assert_eq!(status, StatusCode::ACCEPTED, "{engine:?}");
        assert_eq!(
            app.shop_count(&slug, "imports").await,
            1,
            "{engine:?}: only the first import"
        );
    }
}

/// Whoever sees an import finished or failed may start the next one at once: the shop's slot is
/// free before the ending is visible (CI once saw a 409 right after "finished").
#[tokio::test]
async fn an_import_seen_ended_frees_the_shop_for_the_next_at_once() {
    for engine in engines() {
        let (app, token, slug) = shop_with(engine, |_| {}).await;
        let refused = "handle,title,colour\nmug,Mug,red\n";
        for round in 0..20 {
            let file = if round % 2 == 0 { CSV } else { refused };
            let started = app
                .api_raw(
                    Method::POST,
                    &format!("/shops/{slug}/products/import"),
                    Some(&token),
                    "text/csv",
                    file.as_bytes().to_vec(),
                )
                .await;
            assert_eq!(
                started.status,
                StatusCode::ACCEPTED,
                "{engine:?}, round {round}: {}",
                started.text
            );
            let id = started.json["id"].as_i64().expect("import id");
            let waiting = Instant::now();
            loop {
                let status = app
                    .api(
                        Method::GET,
                        &format!("/shops/{slug}/products/imports/{id}"),
                        Some(&token),
                        None,
                    )
                    .await;
                let state = status.json["state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if state == "finished" || state == "failed" {
                    let expected = if round % 2 == 0 { "finished" } else { "failed" };
                    assert_eq!(
                        state, expected,
                        "{engine:?}, round {round}: {}",
                        status.text
                    );
                    break;
                }
                assert!(
                    waiting.elapsed() < Duration::from_secs(20),
                    "{engine:?}: import {id} did not end: {}",
                    status.text
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

#[tokio::test]
async fn a_stalled_upload_and_a_stalled_request_body_are_answered_408() {
    let (app, token, slug) = shop_with(Engine::Sqlite, |config| {
        config.limits.request_timeout_secs = 1;
    })
    .await;
    let (sender, body) = streamed_body();
    sender
        .send(Ok(axum::body::Bytes::from_static(
            b"handle,title,sku,price\n",
        )))
        .await
        .expect("first chunk");
    let started = Instant::now();
    let stalled = app.send(import_request(&slug, &token, body)).await;
    assert_eq!(
        stalled.status,
        StatusCode::REQUEST_TIMEOUT,
        "{}",
        stalled.text
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(uploads_left(&app), 0, "the partial file is removed");
    assert_eq!(app.shop_count(&slug, "imports").await, 0);
    drop(sender);

    // Any other request that does not arrive in time: a log-in whose body never ends.
    let (sender, body) = streamed_body();
    sender
        .send(Ok(axum::body::Bytes::from_static(b"{\"email\":")))
        .await
        .expect("first chunk");
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .expect("request");
    let started = Instant::now();
    let stalled = app.send(request).await;
    assert_eq!(
        stalled.status,
        StatusCode::REQUEST_TIMEOUT,
        "{}",
        stalled.text
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(sender);
}

#[tokio::test]
async fn portal_visitors_cannot_hold_up_the_merchants_pages_and_nobody_waits_for_ever() {
    let (app, token, slug) = shop_with(Engine::Sqlite, |config| {
        config.page_renders = 1;
        config.limits.page_wait_secs = 1;
    })
    .await;
    // Every portal turn of the shop is taken (as by a crowd of anonymous visitors).
    let held = app
        .app
        .state
        .page_turns
        .wait(&format!("/s/{slug}"))
        .await
        .expect("a portal turn");

    let started = Instant::now();
    let visitor = app.page(&format!("/s/{slug}"), None).await;
    assert_eq!(
        visitor.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        visitor.text
    );
    assert!(visitor.headers.contains_key(header::RETRY_AFTER));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered after the wait limit"
    );

    let merchant = app
        .page(&format!("/shops/{slug}/orders"), Some(&token))
        .await;
    assert_eq!(
        merchant.status,
        StatusCode::OK,
        "the dashboard has its own queue"
    );
    drop(held);
    let visitor = app.page(&format!("/s/{slug}"), None).await;
    assert_eq!(
        visitor.status,
        StatusCode::OK,
        "the portal serves again once a turn is free"
    );
}

#[tokio::test]
async fn an_account_creates_at_most_its_quota_of_shops_even_in_parallel() {
    for engine in engines() {
        let app = TestApp::start_with(engine, |config| {
            config.limits.max_shops_per_account = 2;
        })
        .await;
        let token = app
            .sign_up(&format!("{}@example.com", unique("merchant")))
            .await;
        let attempts = (0..6).map(|_| {
            let slug = unique("shop");
            let token = token.clone();
            let app = &app;
            async move {
                app.api(
                    Method::POST,
                    "/shops",
                    Some(&token),
                    Some(json!({ "name": "Quota shop", "slug": slug, "currency": "EUR", "timezone": "UTC" })),
                )
                .await
            }
        });
        let answers = futures::future::join_all(attempts).await;
        let created = answers
            .iter()
            .filter(|answer| answer.status == StatusCode::ACCEPTED)
            .count();
        let refused: Vec<_> = answers
            .iter()
            .filter(|answer| answer.status == StatusCode::FORBIDDEN)
            .collect();
        assert_eq!(created, 2, "{engine:?}: exactly the quota");
        assert_eq!(refused.len(), 4, "{engine:?}: the rest refused with 403");
        assert!(
            refused[0].text.contains("at most 2 shops"),
            "{engine:?}: the message names the limit: {}",
            refused[0].text
        );
        assert_eq!(
            app.count("shops").await,
            2,
            "{engine:?}: nothing else written"
        );
    }
}

#[tokio::test]
async fn a_malformed_shop_slug_from_the_client_is_a_404_not_a_panic() {
    let app = TestApp::start(Engine::Sqlite).await;
    for bad in ["bad\r\nslug", "Bad Slug", "a/b", ""] {
        let answer = app.server_fn("portal_log_out", "", &[("shop", bad)]).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{bad:?}: {}",
            answer.text
        );
        let answer = app
            .server_fn(
                "portal_log_in",
                "",
                &[("shop", bad), ("email", "a@example.com"), ("password", "x")],
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{bad:?}: {}",
            answer.text
        );
    }
}
