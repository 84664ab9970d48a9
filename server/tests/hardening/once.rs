//! One effect per intent (issue 15, part 2): the same idempotency key twice (an API client's
//! `Idempotency-Key`, a form's `form_token`) makes one order and returns the first answer, on
//! SQLite and on PostgreSQL.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use futures::future::join_all;
use serde_json::{json, Value};

/// A shop selling `BOLT-10` at 10.00 (100 on hand): `(merchant token, slug)`.
async fn bolt_shop(app: &TestApp) -> (String, String) {
    let (merchant, slug) = app.merchant_with_shop().await;
    app.add_product(&merchant, &slug, "BOLT-10", "10.00", 100)
        .await;
    (merchant, slug)
}

fn order_of(sku: &str, quantity: i64) -> Value {
    json!({
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "shipping_address": { "line1": "1 Analytical Way", "city": "London", "postal_code": "N1 9GU", "country": "GB" },
        "lines": [{ "sku": sku, "quantity": quantity }],
    })
}

/// `POST /api/v1{path}` with a bearer token, a JSON body and (when given) an idempotency key.
async fn keyed_post(
    app: &TestApp,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> TestResponse {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1{path}"))
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        builder = builder.header("Idempotency-Key", key);
    }
    app.send(builder.body(Body::from(body.to_string())).expect("request"))
        .await
}

fn replayed(response: &TestResponse) -> bool {
    response
        .headers
        .get("idempotent-replayed")
        .is_some_and(|value| value == "true")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_twice_places_one_order_and_answers_the_first_result_again() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let path = format!("/shops/{slug}/orders");
        let body = order_of("BOLT-10", 3);

        let first = keyed_post(&app, &path, &merchant, Some("order-key-1"), &body).await;
        let second = keyed_post(&app, &path, &merchant, Some("order-key-1"), &body).await;

        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            first.text
        );
        assert!(!replayed(&first), "{engine:?}");
        assert_eq!(
            second.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            second.text
        );
        assert!(
            replayed(&second),
            "{engine:?}: the repeat is marked as a replay"
        );
        assert_eq!(second.json["id"], first.json["id"], "{engine:?}");
        assert_eq!(second.json, first.json, "{engine:?}: the same answer");
        assert_eq!(app.shop_count(&slug, "orders").await, 1, "{engine:?}");
        assert_eq!(
            app.stock_of(&slug, "BOLT-10").await.1,
            3,
            "{engine:?}: stock reserved once"
        );

        // Without a key, the same body is a second order, as before.
        let unkeyed = keyed_post(&app, &path, &merchant, None, &body).await;
        assert_eq!(unkeyed.status, StatusCode::CREATED, "{engine:?}");
        assert_eq!(app.shop_count(&slug, "orders").await, 2, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_with_another_body_is_refused_with_422_and_writes_nothing() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let path = format!("/shops/{slug}/orders");
        let first = keyed_post(&app, &path, &merchant, Some("k-2"), &order_of("BOLT-10", 1)).await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            first.text
        );

        let other = keyed_post(&app, &path, &merchant, Some("k-2"), &order_of("BOLT-10", 5)).await;

        assert_eq!(
            other.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{engine:?}: {}",
            other.text
        );
        assert_eq!(
            other.json["error"]["code"], "idempotency_key_reused",
            "{engine:?}: {}",
            other.text
        );
        assert_eq!(app.shop_count(&slug, "orders").await, 1, "{engine:?}");
        assert_eq!(app.stock_of(&slug, "BOLT-10").await.1, 1, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_request_keeps_nothing_so_its_key_can_be_sent_again_corrected() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let path = format!("/shops/{slug}/orders");

        let refused = keyed_post(&app, &path, &merchant, Some("k-3"), &order_of("NOPE-1", 1)).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            refused.text
        );
        // The same refused request again is run again (and refused again), not replayed.
        let again = keyed_post(&app, &path, &merchant, Some("k-3"), &order_of("NOPE-1", 1)).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert!(!replayed(&again), "{engine:?}");

        let corrected =
            keyed_post(&app, &path, &merchant, Some("k-3"), &order_of("BOLT-10", 1)).await;
        assert_eq!(
            corrected.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            corrected.text
        );
        assert_eq!(app.shop_count(&slug, "orders").await, 1, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keys_belong_to_their_caller_and_a_bad_key_is_named() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (ada, ada_shop) = bolt_shop(&app).await;
        let (bob, bob_shop) = bolt_shop(&app).await;
        let body = order_of("BOLT-10", 1);

        let ada_order = keyed_post(
            &app,
            &format!("/shops/{ada_shop}/orders"),
            &ada,
            Some("1"),
            &body,
        )
        .await;
        let bob_order = keyed_post(
            &app,
            &format!("/shops/{bob_shop}/orders"),
            &bob,
            Some("1"),
            &body,
        )
        .await;

        assert_eq!(ada_order.status, StatusCode::CREATED, "{engine:?}");
        assert_eq!(
            bob_order.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            bob_order.text
        );
        assert!(
            !replayed(&bob_order),
            "{engine:?}: another merchant's key is not theirs"
        );
        assert_eq!(app.shop_count(&bob_shop, "orders").await, 1, "{engine:?}");

        for bad in ["with space".to_string(), "x".repeat(256)] {
            let response = keyed_post(
                &app,
                &format!("/shops/{ada_shop}/orders"),
                &ada,
                Some(&bad),
                &body,
            )
            .await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{engine:?}");
            assert_eq!(
                response.json["error"]["field"], "Idempotency-Key",
                "{engine:?}: {}",
                response.text
            );
        }
        assert_eq!(app.shop_count(&ada_shop, "orders").await, 1, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_copies_of_one_keyed_request_place_one_order_and_all_get_its_answer() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let path = format!("/shops/{slug}/orders");
        let body = order_of("BOLT-10", 2);

        let responses =
            join_all((0..8).map(|_| keyed_post(&app, &path, &merchant, Some("same-click"), &body)))
                .await;

        let ids: Vec<&Value> = responses.iter().map(|r| &r.json["id"]).collect();
        for response in &responses {
            assert_eq!(
                response.status,
                StatusCode::CREATED,
                "{engine:?}: {}",
                response.text
            );
        }
        assert!(ids.iter().all(|id| *id == ids[0]), "{engine:?}: {ids:?}");
        assert_eq!(
            responses.iter().filter(|r| !replayed(r)).count(),
            1,
            "{engine:?}"
        );
        assert_eq!(app.shop_count(&slug, "orders").await, 1, "{engine:?}");
        assert_eq!(app.stock_of(&slug, "BOLT-10").await.1, 2, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_form_sent_twice_with_its_token_places_one_order() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let form = [
            ("slug", slug.as_str()),
            ("form_token", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
            ("customer_email", "ada@example.com"),
            ("customer_name", "Ada Lovelace"),
            ("customer_type", "individual"),
            ("company_name", ""),
            ("address[name]", ""),
            ("address[line1]", "1 Analytical Way"),
            ("address[line2]", ""),
            ("address[city]", "London"),
            ("address[region]", ""),
            ("address[postal_code]", "N1 9GU"),
            ("address[country]", "GB"),
            ("lines", "BOLT-10, 4"),
            ("discount", ""),
            ("shipping", ""),
            ("tax", ""),
            ("notes", ""),
        ];

        let first = app.server_fn("create_order", &merchant, &form).await;
        let second = app.server_fn("create_order", &merchant, &form).await;

        assert!(
            first.status.is_success(),
            "{engine:?}: {} {}",
            first.status,
            first.text
        );
        assert_eq!(second.status, first.status, "{engine:?}: {}", second.text);
        assert!(replayed(&second), "{engine:?}");
        assert_eq!(
            second.headers.get("serverfnredirect"),
            first.headers.get("serverfnredirect"),
            "{engine:?}: the repeat is sent to the same order page"
        );
        assert_eq!(app.shop_count(&slug, "orders").await, 1, "{engine:?}");
        assert_eq!(app.stock_of(&slug, "BOLT-10").await.1, 4, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customers_keys_are_their_own_and_a_repeated_bulk_order_is_one_order() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (_, slug) = bolt_shop(&app).await;
        let (_, ida) = app.shop_customer(&slug, ShopCustomer::CompanyAdmin).await;
        let (_, eve) = app.shop_customer(&slug, ShopCustomer::CompanyAdmin).await;
        let path = format!("/shops/{slug}/bulk-orders");
        let body = json!({ "lines": "BOLT-10, 2", "notes": "" });

        let first = keyed_post(&app, &path, &ida, Some("bulk-1"), &body).await;
        let repeat = keyed_post(&app, &path, &ida, Some("bulk-1"), &body).await;
        let other_customer = keyed_post(&app, &path, &eve, Some("bulk-1"), &body).await;

        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            first.text
        );
        assert!(replayed(&repeat), "{engine:?}");
        assert_eq!(repeat.json, first.json, "{engine:?}");
        assert_eq!(
            other_customer.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            other_customer.text
        );
        assert!(!replayed(&other_customer), "{engine:?}");
        assert_eq!(app.shop_count(&slug, "orders").await, 2, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_older_than_a_day_is_forgotten() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let path = format!("/shops/{slug}/orders");
        let body = order_of("BOLT-10", 1);
        let first = keyed_post(&app, &path, &merchant, Some("old-key"), &body).await;
        assert_eq!(first.status, StatusCode::CREATED, "{engine:?}");

        sqlx::query("UPDATE request_keys SET created_at = created_at - $1")
            .bind(server::idempotency::KEEP_FOR_MS + 1)
            .execute(&app.app.state.platform.pool)
            .await
            .expect("age the key");
        let pruned = server::idempotency::prune(&app.app.state.platform)
            .await
            .expect("prune");
        let later = keyed_post(&app, &path, &merchant, Some("old-key"), &body).await;

        assert!(pruned >= 1, "{engine:?}");
        assert_eq!(later.status, StatusCode::CREATED, "{engine:?}");
        assert!(!replayed(&later), "{engine:?}");
        assert_ne!(later.json["id"], first.json["id"], "{engine:?}");
        assert_eq!(app.shop_count(&slug, "orders").await, 2, "{engine:?}");
    }
}

#[tokio::test]
async fn the_openapi_document_offers_the_key_on_the_posts_of_a_caller() {
    let app = TestApp::start(Engine::Sqlite).await;
    let document = app.api(Method::GET, "/openapi.json", None, None).await.json;
    let takes_key = |path: &str| {
        document["paths"][path]["post"]["parameters"]
            .as_array()
            .is_some_and(|parameters| parameters.iter().any(|p| p["name"] == "Idempotency-Key"))
    };
    assert!(takes_key("/shops/{slug}/orders"));
    assert!(takes_key("/shops/{slug}/bulk-orders"));
    assert!(takes_key("/shops/{slug}/checkout"));
    assert!(
        !takes_key("/auth/login"),
        "log-in has no caller to keep a key for"
    );
    assert_eq!(
        document["paths"]["/shops/{slug}/orders"]["post"]["responses"]["422"]["description"],
        "The Idempotency-Key was used before for a different request"
    );
}
