//! Safe destructive actions (issue 15, part 4), on SQLite and on PostgreSQL: a cancellation
//! names its reason and whether the reserved items go back in stock or are written off; a
//! refund puts returned units back in stock (never more than shipped) and may tell the
//! customer; every refusal names its field and writes nothing.

use crate::support::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

async fn shop_with_stock(app: &TestApp) -> (String, String) {
    let (merchant, slug) = app.merchant_with_shop().await;
    app.add_product(&merchant, &slug, "MUG-1", "10.00", 20)
        .await;
    (merchant, slug)
}

async fn place(app: &TestApp, merchant: &str, slug: &str, quantity: i64) -> Value {
    let response = app
        .api(
            Method::POST,
            &format!("/shops/{slug}/orders"),
            Some(merchant),
            Some(json!({
                "customer_email": "ada@example.com",
                "shipping_address": { "line1": "1 Analytical Way", "city": "London", "country": "GB" },
                "lines": [{ "sku": "MUG-1", "quantity": quantity }],
            })),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.json
}

async fn act(
    app: &TestApp,
    merchant: &str,
    slug: &str,
    order: &Value,
    body: Value,
) -> TestResponse {
    let mut body = body;
    body["expected_version"] = order["version"].clone();
    app.api(
        Method::POST,
        &format!("/shops/{slug}/orders/{}/transitions", order["id"]),
        Some(merchant),
        Some(body),
    )
    .await
}

async fn act_ok(app: &TestApp, merchant: &str, slug: &str, order: &Value, body: Value) -> Value {
    let response = act(app, merchant, slug, order, body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.json
}

fn last_event(order: &Value) -> String {
    order["events"]
        .as_array()
        .and_then(|events| events.last())
        .and_then(|event| event["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancellation_names_its_reason_and_restocks_or_writes_off_the_reserved_items() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = shop_with_stock(&app).await;

        // Restocked (the default): the reservation is released, nothing leaves the shelf.
        let first = place(&app, &merchant, &slug, 3).await;
        assert_eq!(app.stock_of(&slug, "MUG-1").await, (20, 3), "{engine:?}");
        let cancelled = act_ok(
            &app,
            &merchant,
            &slug,
            &first,
            json!({ "action": "cancel", "reason": "duplicate", "note": "placed twice by phone" }),
        )
        .await;
        assert_eq!(cancelled["status"], "cancelled", "{engine:?}");
        assert_eq!(
            last_event(&cancelled),
            "Cancelled (Duplicate order: placed twice by phone); reserved stock released · Pending → Cancelled",
            "{engine:?}"
        );
        assert_eq!(app.stock_of(&slug, "MUG-1").await, (20, 0), "{engine:?}");

        // Written off: the reserved units leave the stock on hand, with a history entry.
        let second = place(&app, &merchant, &slug, 4).await;
        let written_off = act_ok(
            &app,
            &merchant,
            &slug,
            &second,
            json!({ "action": "cancel", "reason": "unavailable", "restock": false }),
        )
        .await;
        assert!(
            last_event(&written_off).contains("written off"),
            "{engine:?}: {}",
            last_event(&written_off)
        );
        assert_eq!(app.stock_of(&slug, "MUG-1").await, (16, 0), "{engine:?}");
        let variant_id = &second["lines"][0]["variant_id"];
        let history = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/inventory/{variant_id}/history"),
                Some(&merchant),
                None,
            )
            .await;
        assert!(
            history.text.contains(&format!(
                "Written off: order #{} cancelled",
                second["number"]
            )),
            "{engine:?}: {}",
            history.text
        );

        // An unknown reason is named and changes nothing.
        let third = place(&app, &merchant, &slug, 1).await;
        let refused = act(
            &app,
            &merchant,
            &slug,
            &third,
            json!({ "action": "cancel", "reason": "bored" }),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(refused.json["error"]["field"], "reason", "{engine:?}");
        assert_eq!(
            app.stock_of(&slug, "MUG-1").await,
            (16, 1),
            "{engine:?}: still reserved"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_returns_what_came_back_to_stock_once_and_tells_the_customer_when_asked() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = shop_with_stock(&app).await;
        let order = place(&app, &merchant, &slug, 3).await;
        let order = act_ok(
            &app,
            &merchant,
            &slug,
            &order,
            json!({ "action": "mark_paid" }),
        )
        .await;
        let order = act_ok(
            &app,
            &merchant,
            &slug,
            &order,
            json!({ "action": "approve" }),
        )
        .await;
        let order = act_ok(
            &app,
            &merchant,
            &slug,
            &order,
            json!({ "action": "ship", "carrier": "DHL", "tracking_number": "JD1" }),
        )
        .await;
        assert_eq!(app.stock_of(&slug, "MUG-1").await, (17, 0), "{engine:?}");
        let line_id = order["lines"][0]["id"].clone();

        // More back than shipped: refused, naming the line, nothing written.
        let too_many = act(&app, &merchant, &slug, &order, json!({ "action": "refund", "amount": "10,00", "reason": "returned", "returns": [{ "line_id": line_id, "quantity": "4" }] })).await;
        assert_eq!(
            too_many.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            too_many.text
        );
        assert_eq!(
            too_many.json["error"]["field"], "returns[1].quantity",
            "{engine:?}"
        );
        assert!(
            too_many.text.contains("MUG-1: at most 3"),
            "{engine:?}: {}",
            too_many.text
        );
        assert_eq!(app.stock_of(&slug, "MUG-1").await, (17, 0), "{engine:?}");
        assert_eq!(
            order_of(&app, &merchant, &slug, &order).await["refunded_minor"],
            0,
            "{engine:?}"
        );

        // One mug back, 10,00 refunded, the customer told.
        let refunded = act_ok(&app, &merchant, &slug, &order, json!({ "action": "refund", "amount": "10,00", "reason": "damaged", "returns": [{ "line_id": line_id, "quantity": "1" }], "notify": true })).await;
        assert_eq!(
            refunded["payment_status"], "partially_refunded",
            "{engine:?}"
        );
        assert_eq!(refunded["refunded_minor"], 1_000, "{engine:?}");
        assert_eq!(refunded["lines"][0]["returned_quantity"], 1, "{engine:?}");
        assert_eq!(app.stock_of(&slug, "MUG-1").await, (18, 0), "{engine:?}");
        let event = last_event(&refunded);
        assert!(
            event.contains("Partial refund of EUR 10.00 (Damaged or faulty)"),
            "{engine:?}: {event}"
        );
        assert!(
            event.contains("1 returned items back in stock"),
            "{engine:?}: {event}"
        );
        assert!(
            event.contains("the customer was told by e-mail"),
            "{engine:?}: {event}"
        );
        let mail = app.last_mail_to("ada@example.com").await;
        assert!(
            mail.subject
                .starts_with(&format!("Refund on your order #{}", refunded["number"])),
            "{engine:?}: {}",
            mail.subject
        );
        assert!(
            mail.body_text.contains("EUR 10.00") || mail.body_text.contains("10.00"),
            "{engine:?}: {}",
            mail.body_text
        );

        // The rest: two more back at most; three is one too many now.
        let again = act(&app, &merchant, &slug, &refunded, json!({ "action": "refund", "amount": "20.00", "returns": [{ "line_id": line_id, "quantity": "3" }] })).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert!(
            again.text.contains("at most 2"),
            "{engine:?}: {}",
            again.text
        );
        let full = act_ok(&app, &merchant, &slug, &refunded, json!({ "action": "refund", "amount": "20.00", "returns": [{ "line_id": line_id, "quantity": "2" }] })).await;
        assert_eq!(full["payment_status"], "refunded", "{engine:?}");
        assert_eq!(full["status"], "refunded", "{engine:?}");
        assert_eq!(app.stock_of(&slug, "MUG-1").await, (20, 0), "{engine:?}");
        assert!(
            !last_event(&full).contains("e-mail"),
            "{engine:?}: not asked to tell"
        );
    }
}

async fn order_of(app: &TestApp, merchant: &str, slug: &str, order: &Value) -> Value {
    app.api(
        Method::GET,
        &format!("/shops/{slug}/orders/{}", order["id"]),
        Some(merchant),
        None,
    )
    .await
    .json
}
