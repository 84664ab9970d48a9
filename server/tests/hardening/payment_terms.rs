//! Payment apart from fulfilment (issue 15, part 3), on SQLite and on PostgreSQL: an invoice
//! order on payment terms is approved and shipped before it is paid, shows as overdue after its
//! due date and is marked paid later; prepaid orders keep their gate; the orders list filters
//! by payment status, fulfilment status and overdue; orders from before the split keep their
//! meaning through the migration.

use crate::support::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A shop selling `BOLT-10` at 10.00 (1,000 on hand): `(merchant token, slug)`.
async fn bolt_shop(app: &TestApp) -> (String, String) {
    let (merchant, slug) = app.merchant_with_shop().await;
    app.add_product(&merchant, &slug, "BOLT-10", "10.00", 1_000)
        .await;
    (merchant, slug)
}

async fn order(app: &TestApp, merchant: &str, slug: &str, id: i64) -> Value {
    let response = app
        .api(
            Method::GET,
            &format!("/shops/{slug}/orders/{id}"),
            Some(merchant),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.json
}

/// Asks order `id` (at its current version) to do `action`.
async fn act(
    app: &TestApp,
    merchant: &str,
    slug: &str,
    id: i64,
    action: &str,
    extra: Value,
) -> TestResponse {
    let current = order(app, merchant, slug, id).await;
    let mut body = json!({ "action": action, "expected_version": current["version"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            body.insert(key.clone(), value.clone());
        }
    }
    app.api(
        Method::POST,
        &format!("/shops/{slug}/orders/{id}/transitions"),
        Some(merchant),
        Some(body),
    )
    .await
}

async fn act_ok(
    app: &TestApp,
    merchant: &str,
    slug: &str,
    id: i64,
    action: &str,
    extra: Value,
) -> Value {
    let response = act(app, merchant, slug, id, action, extra).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{action}: {}",
        response.text
    );
    response.json
}

fn ship() -> Value {
    json!({ "carrier": "DHL", "tracking_number": "JD0001" })
}

/// A company customer's portal bulk order: its id.
async fn bulk_order(app: &TestApp, slug: &str, customer_token: &str) -> i64 {
    let response = app
        .api(
            Method::POST,
            &format!("/shops/{slug}/bulk-orders"),
            Some(customer_token),
            Some(json!({ "lines": "BOLT-10, 5" })),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.json["order"]["id"].as_i64().expect("order id")
}

async fn listed_ids(app: &TestApp, merchant: &str, slug: &str, query: &str) -> Vec<i64> {
    let response = app
        .api(
            Method::GET,
            &format!("/shops/{slug}/orders?{query}"),
            Some(merchant),
            None,
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{query}: {}",
        response.text
    );
    response.json["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|row| row["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invoice_order_on_net_30_ships_before_it_is_paid_and_is_overdue_after_its_due_date() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let (customer_id, buyer) = app.shop_customer(&slug, ShopCustomer::CompanyAdmin).await;
        let terms = app
            .api(
                Method::PUT,
                &format!("/shops/{slug}/customers/{customer_id}/payment-terms"),
                Some(&merchant),
                Some(json!({ "payment_terms": "net_30" })),
            )
            .await;
        assert_eq!(terms.status, StatusCode::OK, "{engine:?}: {}", terms.text);
        assert_eq!(
            terms.json["company"]["payment_terms"], "net_30",
            "{engine:?}"
        );

        let id = bulk_order(&app, &slug, &buyer).await;
        let placed = order(&app, &merchant, &slug, id).await;
        assert_eq!(placed["payment_terms"], "net_30", "{engine:?}");
        assert_eq!(placed["payment_status"], "pending", "{engine:?}");
        let placed_at = placed["placed_at_ms"].as_i64().expect("placed");
        let due = placed["payment_due_at_ms"].as_i64().expect("a due date");
        assert_eq!(
            due,
            placed_at + 30 * DAY_MS,
            "{engine:?}: due 30 days after the order"
        );
        assert!(
            placed["actions"]
                .as_array()
                .expect("actions")
                .contains(&json!("approve")),
            "{engine:?}: an invoice order may be approved unpaid: {}",
            placed["actions"]
        );

        let approved = act_ok(&app, &merchant, &slug, id, "approve", json!({})).await;
        assert_eq!(approved["status"], "approved", "{engine:?}");
        assert_eq!(approved["payment_status"], "pending", "{engine:?}");
        let shipped = act_ok(&app, &merchant, &slug, id, "ship", ship()).await;
        assert_eq!(shipped["status"], "shipped", "{engine:?}");
        assert_eq!(shipped["fulfilment_status"], "fulfilled", "{engine:?}");
        assert_eq!(
            shipped["payment_status"], "pending",
            "{engine:?}: shipped, still unpaid"
        );
        assert_eq!(shipped["overdue"], false, "{engine:?}");
        assert_eq!(
            listed_ids(
                &app,
                &merchant,
                &slug,
                "payment=pending&fulfilment=fulfilled"
            )
            .await,
            vec![id],
            "{engine:?}"
        );
        assert!(
            listed_ids(&app, &merchant, &slug, "overdue=true")
                .await
                .is_empty(),
            "{engine:?}"
        );

        // Thirty-one days later (the due date is moved back instead of the clock forward).
        let (_, db) = app.shop_database(&slug).await;
        sqlx::query("UPDATE orders SET payment_due_at = payment_due_at - $1 WHERE id = $2")
            .bind(31 * DAY_MS)
            .bind(id)
            .execute(&db.pool)
            .await
            .expect("age the invoice");
        let late = order(&app, &merchant, &slug, id).await;
        assert_eq!(late["overdue"], true, "{engine:?}");
        assert_eq!(
            listed_ids(&app, &merchant, &slug, "overdue=true").await,
            vec![id],
            "{engine:?}"
        );

        let paid = act_ok(&app, &merchant, &slug, id, "mark_paid", json!({})).await;
        assert_eq!(paid["payment_status"], "paid", "{engine:?}");
        assert_eq!(paid["overdue"], false, "{engine:?}");
        assert_eq!(
            paid["paid_minor"], paid["totals"]["total_minor"],
            "{engine:?}"
        );
        assert!(
            listed_ids(&app, &merchant, &slug, "overdue=true")
                .await
                .is_empty(),
            "{engine:?}"
        );
        let timeline: Vec<String> = paid["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|event| event["message"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(
            timeline
                .iter()
                .any(|message| message.contains("on Net 30 terms, before payment")),
            "{engine:?}: {timeline:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_prepaid_order_is_approved_only_once_paid_and_a_part_payment_is_recorded_as_such() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let (_, buyer) = app.shop_customer(&slug, ShopCustomer::CompanyAdmin).await;
        let id = bulk_order(&app, &slug, &buyer).await;
        assert_eq!(
            order(&app, &merchant, &slug, id).await["payment_terms"],
            "prepaid"
        );
        assert!(order(&app, &merchant, &slug, id).await["payment_due_at_ms"].is_null());

        let refused = act(&app, &merchant, &slug, id, "approve", json!({})).await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            refused.text
        );
        assert!(
            refused.json["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("must be paid first"),
            "{engine:?}: {}",
            refused.text
        );

        // 50.00 due: 20,00 now (a decimal comma), the rest later.
        let part = act_ok(
            &app,
            &merchant,
            &slug,
            id,
            "mark_paid",
            json!({ "amount": "20,00" }),
        )
        .await;
        assert_eq!(part["payment_status"], "partially_paid", "{engine:?}");
        assert_eq!(part["paid_minor"], 2_000, "{engine:?}");
        assert_eq!(
            act(&app, &merchant, &slug, id, "approve", json!({}))
                .await
                .status,
            StatusCode::CONFLICT,
            "{engine:?}"
        );
        let too_much = act(
            &app,
            &merchant,
            &slug,
            id,
            "mark_paid",
            json!({ "amount": "30.01" }),
        )
        .await;
        assert_eq!(too_much.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(too_much.json["error"]["field"], "amount", "{engine:?}");
        let rest = act_ok(
            &app,
            &merchant,
            &slug,
            id,
            "mark_paid",
            json!({ "amount": "30.00" }),
        )
        .await;
        assert_eq!(rest["payment_status"], "paid", "{engine:?}");
        assert_eq!(rest["status"], "paid", "{engine:?}");
        let approved = act_ok(&app, &merchant, &slug, id, "approve", json!({})).await;
        assert_eq!(approved["status"], "approved", "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn terms_are_for_business_customers_and_unknown_terms_are_named() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let path = format!("/shops/{slug}/orders");
        let individual = json!({
            "customer_email": "ida@example.com",
            "lines": [{ "sku": "BOLT-10", "quantity": 1 }],
            "payment_terms": "net_30",
        });
        let refused = app
            .api(Method::POST, &path, Some(&merchant), Some(individual))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(
            refused.json["error"]["field"], "payment_terms",
            "{engine:?}"
        );
        let unknown = app
            .api(
                Method::POST,
                &path,
                Some(&merchant),
                Some(json!({
                    "customer_email": "buyer@acme.example",
                    "customer_type": "business",
                    "company_name": "Acme",
                    "lines": [{ "sku": "BOLT-10", "quantity": 1 }],
                    "payment_terms": "net_45",
                })),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert!(
            unknown.json["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("net_45"),
            "{engine:?}"
        );
        assert_eq!(
            app.shop_count(&slug, "orders").await,
            0,
            "{engine:?}: nothing written"
        );

        let business = app
            .api(
                Method::POST,
                &path,
                Some(&merchant),
                Some(json!({
                    "customer_email": "buyer@acme.example",
                    "customer_type": "business",
                    "company_name": "Acme",
                    "lines": [{ "sku": "BOLT-10", "quantity": 1 }],
                    "payment_terms": "due_on_receipt",
                })),
            )
            .await;
        assert_eq!(
            business.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            business.text
        );
        assert_eq!(
            business.json["payment_terms"], "due_on_receipt",
            "{engine:?}"
        );
        assert_eq!(
            business.json["payment_due_at_ms"], business.json["placed_at_ms"],
            "{engine:?}"
        );

        let bad_filter = app
            .api(
                Method::GET,
                &format!("{path}?payment=owed"),
                Some(&merchant),
                None,
            )
            .await;
        assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(bad_filter.json["error"]["field"], "payment", "{engine:?}");
    }
}

/// `(status, state, payment_status, fulfilment_status, approved)` of every order in the shop.
async fn standings(app: &TestApp, slug: &str) -> Vec<(i64, String, String, String, String, bool)> {
    let (_, db) = app.shop_database(slug).await;
    sqlx::query_as::<_, (i64, String, String, String, String, Option<i64>)>(
        "SELECT id, status, state, payment_status, fulfilment_status, approved_at FROM orders ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("orders")
    .into_iter()
    .map(|(id, status, state, payment, fulfilment, approved)| {
        (id, status, state, payment, fulfilment, approved.is_some())
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_from_before_the_split_keep_their_meaning_through_the_migration() {
    for engine in engines() {
        // Arrange: an order at every stage, made through the API.
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let individual = json!({
            "customer_email": "ada@example.com",
            "shipping_address": { "line1": "1 Analytical Way", "city": "London", "country": "GB" },
            "lines": [{ "sku": "BOLT-10", "quantity": 2 }],
        });
        let stages: [&[(&str, Value)]; 10] = [
            &[],
            &[("mark_paid", json!({}))],
            &[("mark_paid", json!({})), ("approve", json!({}))],
            &[
                ("mark_paid", json!({})),
                ("approve", json!({})),
                (
                    "ship",
                    json!({ "carrier": "DHL", "tracking_number": "1", "lines": [{ "line_id": 0, "quantity": 1 }] }),
                ),
            ],
            &[
                ("mark_paid", json!({})),
                ("approve", json!({})),
                ("ship", ship()),
            ],
            &[
                ("mark_paid", json!({})),
                ("approve", json!({})),
                ("ship", ship()),
                ("deliver", json!({})),
            ],
            &[("cancel", json!({}))],
            &[("mark_paid", json!({})), ("cancel", json!({}))],
            &[
                ("mark_paid", json!({})),
                ("refund", json!({ "amount": "20.00" })),
            ],
            &[
                ("mark_paid", json!({})),
                ("approve", json!({})),
                ("ship", ship()),
                ("deliver", json!({})),
                ("refund", json!({ "amount": "5.00" })),
            ],
        ];
        for actions in stages {
            let placed = app
                .api(
                    Method::POST,
                    &format!("/shops/{slug}/orders"),
                    Some(&merchant),
                    Some(individual.clone()),
                )
                .await;
            assert_eq!(
                placed.status,
                StatusCode::CREATED,
                "{engine:?}: {}",
                placed.text
            );
            let id = placed.json["id"].as_i64().expect("id");
            let line_id = placed.json["lines"][0]["id"].clone();
            for (action, extra) in actions {
                let mut extra = extra.clone();
                if let Some(lines) = extra.get_mut("lines") {
                    lines[0]["line_id"] = line_id.clone();
                }
                act_ok(&app, &merchant, &slug, id, action, extra).await;
            }
        }
        let before = standings(&app, &slug).await;
        let distinct: std::collections::HashSet<&String> =
            before.iter().map(|row| &row.1).collect();
        assert_eq!(
            distinct.len(),
            8,
            "{engine:?}: every summary status occurs: {before:?}"
        );

        // Take the shop back to the schema before the split (version 7).
        let (shop_id, db) = app.shop_database(&slug).await;
        let mut undo: Vec<&str> = vec![
            "DROP INDEX orders_payment_list",
            "DROP INDEX orders_fulfilment_list",
            "DROP INDEX orders_due",
            "DROP INDEX orders_status_list",
            "DROP INDEX orders_status_type_list",
        ];
        for column in [
            "state",
            "payment_status",
            "fulfilment_status",
            "approved_at",
            "payment_terms",
            "payment_due_at",
        ] {
            undo.push(match column {
                "state" => "ALTER TABLE orders DROP COLUMN state",
                "payment_status" => "ALTER TABLE orders DROP COLUMN payment_status",
                "fulfilment_status" => "ALTER TABLE orders DROP COLUMN fulfilment_status",
                "approved_at" => "ALTER TABLE orders DROP COLUMN approved_at",
                "payment_terms" => "ALTER TABLE orders DROP COLUMN payment_terms",
                _ => "ALTER TABLE orders DROP COLUMN payment_due_at",
            });
        }
        undo.extend([
            "ALTER TABLE companies DROP COLUMN payment_terms",
            "CREATE INDEX orders_status_list ON orders (status, placed_at DESC, id DESC)",
            "CREATE INDEX orders_status_type_list ON orders (status, customer_type, placed_at DESC, id DESC)",
            "DELETE FROM _sqlx_migrations WHERE version = 8",
        ]);
        for statement in undo {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&db.pool)
                .await
                .unwrap_or_else(|error| panic!("{engine:?}: {statement}: {error}"));
        }
        app.app
            .state
            .provisioner
            .registry
            .set_schema_version(shop_id, 7)
            .await
            .expect("schema version");

        // Act: a restart upgrades the shop.
        let app = app.restart().await;

        // Assert: every order stands where it stood, and the dashboard reads each of them.
        let after = standings(&app, &slug).await;
        assert_eq!(after, before, "{engine:?}");
        for (id, ..) in &after {
            let detail = order(&app, &merchant, &slug, *id).await;
            assert_eq!(detail["id"], json!(id), "{engine:?}");
        }
    }
}
