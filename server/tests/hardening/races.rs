//! Hardening tests: races on the money paths (spending limits, checkout, stock) and the bounds
//! of price-list input and the CSV export. Races are fired as parallel requests against one
//! application on SQLite and on PostgreSQL.

use crate::support::*;
use axum::http::{Method, StatusCode};
use futures::future::join_all;
use serde_json::{json, Value};

/// Parallel requests per race.
const RACERS: usize = 10;

/// One basket: a single unit at 10.00.
const BASKET: &str = "BOLT-10, 1";
const BASKET_MINOR: i64 = 1_000;

/// A shop selling `BOLT-10` at 10.00 (1,000 on hand): `(merchant token, slug)`.
async fn bolt_shop(app: &TestApp) -> (String, String) {
    let (merchant, slug) = app.merchant_with_shop().await;
    app.add_product(&merchant, &slug, "BOLT-10", "10.00", 1_000)
        .await;
    (merchant, slug)
}

/// What a customer's portal orders add up to, and how many there are.
async fn placed_by(app: &TestApp, slug: &str, customer_id: i64) -> (i64, i64) {
    let (_, db) = app.shop_database(slug).await;
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) FROM orders WHERE placed_by_customer_id = $1",
    )
    .bind(customer_id)
    .fetch_one(&db.pool)
    .await
    .expect("orders of the customer")
}

async fn waiting_approvals(app: &TestApp, slug: &str, buyer_id: i64) -> i64 {
    let (_, db) = app.shop_database(slug).await;
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM company_approvals WHERE buyer_id = $1 AND status = 'waiting'",
    )
    .bind(buyer_id)
    .fetch_one(&db.pool)
    .await
    .expect("approvals")
}

fn statuses(responses: &[TestResponse]) -> Vec<u16> {
    responses.iter().map(|r| r.status.as_u16()).collect()
}

fn count_status(responses: &[TestResponse], status: StatusCode) -> usize {
    responses.iter().filter(|r| r.status == status).count()
}

fn assert_no_server_error(engine: Engine, what: &str, responses: &[TestResponse]) {
    for response in responses {
        assert!(
            response.status.as_u16() < 500,
            "{engine:?}: {what}: {} {}",
            response.status,
            response.text
        );
    }
}

async fn add_to_cart(app: &TestApp, slug: &str, token: &str, sku: &str, quantity: i64) {
    let added = app
        .api(
            Method::POST,
            &format!("/shops/{slug}/cart/items"),
            Some(token),
            Some(json!({ "sku": sku, "quantity": quantity })),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
}

fn shipping() -> Value {
    json!({ "shipping_address": { "line1": "1 Elm St", "city": "Springfield", "country": "US" } })
}

// ---------------------------------------------------------------------------------------------
// 1. Spending limits are decided and written in one transaction

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_bulk_orders_of_a_buyer_never_spend_beyond_the_monthly_limit() {
    for engine in engines() {
        // Arrange: a limit that allows three baskets.
        let app = TestApp::start(engine).await;
        let (_, slug) = bolt_shop(&app).await;
        let limit = 3 * BASKET_MINOR;
        let (buyer_id, buyer) = app
            .shop_customer(
                &slug,
                ShopCustomer::Buyer {
                    monthly_limit_minor: limit,
                },
            )
            .await;

        // Act: ten bulk orders at once.
        let path = format!("/shops/{slug}/bulk-orders");
        let responses = join_all((0..RACERS).map(|_| {
            app.api(
                Method::POST,
                &path,
                Some(&buyer),
                Some(json!({ "lines": BASKET })),
            )
        }))
        .await;

        // Assert: three placed within the limit, the other seven wait for the admin.
        assert_no_server_error(engine, "bulk order", &responses);
        assert_eq!(
            count_status(&responses, StatusCode::CREATED),
            3,
            "{engine:?}: {:?}",
            statuses(&responses)
        );
        assert_eq!(
            count_status(&responses, StatusCode::ACCEPTED),
            RACERS - 3,
            "{engine:?}: {:?}",
            statuses(&responses)
        );
        let (orders, spent) = placed_by(&app, &slug, buyer_id).await;
        assert_eq!(orders, 3, "{engine:?}");
        assert!(spent <= limit, "{engine:?}: spent {spent} of {limit}");
        assert_eq!(
            waiting_approvals(&app, &slug, buyer_id).await,
            (RACERS - 3) as i64,
            "{engine:?}"
        );
        assert_eq!(
            app.stock_of(&slug, "BOLT-10").await,
            (1_000, 3),
            "{engine:?}: stock is reserved for the placed orders only"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_quote_acceptances_of_a_buyer_never_spend_beyond_the_monthly_limit() {
    for engine in engines() {
        // Arrange: ten answered quotes of one basket each, a limit of three baskets.
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let limit = 3 * BASKET_MINOR;
        let (buyer_id, buyer) = app
            .shop_customer(
                &slug,
                ShopCustomer::Buyer {
                    monthly_limit_minor: limit,
                },
            )
            .await;
        let mut offers = Vec::new();
        for _ in 0..RACERS {
            let quote = app
                .api(
                    Method::POST,
                    &format!("/shops/{slug}/quotes"),
                    Some(&buyer),
                    Some(json!({ "lines": BASKET })),
                )
                .await;
            assert_eq!(quote.status, StatusCode::CREATED, "{}", quote.text);
            let id = quote.json["id"].as_i64().expect("quote id");
            let answered = app
                .api(
                    Method::POST,
                    &format!("/shops/{slug}/quotes/{id}/answer"),
                    Some(&merchant),
                    Some(json!({ "expected_version": quote.json["version"], "unit_prices": ["10.00"], "expires_on": "2099-12-31" })),
                )
                .await;
            assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
            offers.push((id, answered.json["version"].clone()));
        }

        // Act: all ten accepted at once.
        let accepts: Vec<(String, Value)> = offers
            .iter()
            .map(|(id, version)| {
                (
                    format!("/shops/{slug}/quotes/{id}/accept"),
                    json!({ "expected_version": version }),
                )
            })
            .collect();
        let responses = join_all(
            accepts
                .iter()
                .map(|(path, body)| app.api(Method::POST, path, Some(&buyer), Some(body.clone()))),
        )
        .await;

        // Assert: three accepted, seven refused with the limit's message, nothing beyond it.
        assert_no_server_error(engine, "quote acceptance", &responses);
        assert_eq!(
            count_status(&responses, StatusCode::OK),
            3,
            "{engine:?}: {:?}",
            statuses(&responses)
        );
        for refused in responses.iter().filter(|r| r.status != StatusCode::OK) {
            assert_eq!(refused.status, StatusCode::CONFLICT, "{engine:?}");
            assert!(
                refused.json["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("spending limit"),
                "{engine:?}: {}",
                refused.text
            );
        }
        let (orders, spent) = placed_by(&app, &slug, buyer_id).await;
        assert_eq!(orders, 3, "{engine:?}");
        assert!(spent <= limit, "{engine:?}: spent {spent} of {limit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_buyers_cart_checkouts_racing_bulk_orders_stay_within_the_limit_and_order_the_cart_once()
{
    for engine in engines() {
        // Arrange: a limit of three baskets, one basket in the cart.
        let app = TestApp::start(engine).await;
        let (_, slug) = bolt_shop(&app).await;
        let limit = 3 * BASKET_MINOR;
        let (buyer_id, buyer) = app
            .shop_customer(
                &slug,
                ShopCustomer::Buyer {
                    monthly_limit_minor: limit,
                },
            )
            .await;
        add_to_cart(&app, &slug, &buyer, "BOLT-10", 1).await;

        // Act: five checkouts of the cart and five bulk orders at once.
        let checkout_path = format!("/shops/{slug}/checkout");
        let bulk_path = format!("/shops/{slug}/bulk-orders");
        let checkouts = join_all(
            (0..RACERS / 2)
                .map(|_| app.api(Method::POST, &checkout_path, Some(&buyer), Some(json!({})))),
        );
        let bulk = join_all((0..RACERS / 2).map(|_| {
            app.api(
                Method::POST,
                &bulk_path,
                Some(&buyer),
                Some(json!({ "lines": BASKET })),
            )
        }));
        let (checkouts, bulk) = futures::join!(checkouts, bulk);

        // Assert: the cart went through once; six submissions, three within the limit.
        assert_no_server_error(engine, "checkout", &checkouts);
        assert_no_server_error(engine, "bulk order", &bulk);
        let submitted =
            |r: &TestResponse| r.status == StatusCode::CREATED || r.status == StatusCode::ACCEPTED;
        assert_eq!(
            checkouts.iter().filter(|r| submitted(r)).count(),
            1,
            "{engine:?}: {:?}",
            statuses(&checkouts)
        );
        for loser in checkouts.iter().filter(|r| !submitted(r)) {
            assert_eq!(loser.status, StatusCode::BAD_REQUEST, "{engine:?}");
            assert_eq!(loser.json["error"]["field"], "cart", "{engine:?}");
        }
        assert!(
            bulk.iter().all(submitted),
            "{engine:?}: {:?}",
            statuses(&bulk)
        );
        let (orders, spent) = placed_by(&app, &slug, buyer_id).await;
        assert_eq!(orders, 3, "{engine:?}");
        assert!(spent <= limit, "{engine:?}: spent {spent} of {limit}");
        assert_eq!(
            waiting_approvals(&app, &slug, buyer_id).await,
            3,
            "{engine:?}"
        );
        assert_eq!(app.shop_count(&slug, "cart_items").await, 0, "{engine:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. One checkout per cart

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_checkouts_of_one_cart_place_one_order_and_reserve_its_stock_once() {
    for engine in engines() {
        for kind in [ShopCustomer::Individual, ShopCustomer::CompanyAdmin] {
            // Arrange: two bolts in the cart.
            let app = TestApp::start(engine).await;
            let (_, slug) = bolt_shop(&app).await;
            let (customer_id, token) = app.shop_customer(&slug, kind).await;
            add_to_cart(&app, &slug, &token, "BOLT-10", 2).await;

            // Act: ten checkouts at once.
            let path = format!("/shops/{slug}/checkout");
            let responses = join_all(
                (0..RACERS).map(|_| app.api(Method::POST, &path, Some(&token), Some(shipping()))),
            )
            .await;

            // Assert: one order; every other checkout found the cart empty and wrote nothing.
            assert_no_server_error(engine, "checkout", &responses);
            assert_eq!(
                count_status(&responses, StatusCode::CREATED),
                1,
                "{engine:?} {kind:?}: {:?}",
                statuses(&responses)
            );
            for loser in responses.iter().filter(|r| r.status != StatusCode::CREATED) {
                assert_eq!(loser.status, StatusCode::BAD_REQUEST, "{engine:?} {kind:?}");
                assert_eq!(
                    loser.json["error"]["message"], "cart: the cart is empty",
                    "{engine:?} {kind:?}: {}",
                    loser.text
                );
            }
            assert_eq!(
                placed_by(&app, &slug, customer_id).await,
                (1, 2_000),
                "{engine:?} {kind:?}"
            );
            assert_eq!(
                app.shop_count(&slug, "orders").await,
                1,
                "{engine:?} {kind:?}"
            );
            assert_eq!(
                app.stock_of(&slug, "BOLT-10").await,
                (1_000, 2),
                "{engine:?} {kind:?}: reserved once"
            );
            assert_eq!(
                app.shop_count(&slug, "cart_items").await,
                0,
                "{engine:?} {kind:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Stock is never reserved beyond what is on hand

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lowering_stock_while_orders_reserve_it_never_leaves_less_on_hand_than_reserved() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = app.merchant_with_shop().await;
        let orders_path = format!("/shops/{slug}/orders");
        let inventory_path = format!("/shops/{slug}/inventory");
        for round in 0..3 {
            // Arrange: a fresh variant with 100 on hand each round.
            let sku = format!("PEN-{round}");
            app.add_product(&merchant, &slug, &sku, "2.00", 100).await;

            // Act: orders of 10 pens and "15 pens fewer on hand" fired together.
            let orders = join_all((0..RACERS).map(|_| {
                app.api(
                    Method::POST,
                    &orders_path,
                    Some(&merchant),
                    Some(json!({
                        "customer_email": "ada@example.com",
                        "customer_name": "Ada Lovelace",
                        "shipping_address": { "line1": "1 Analytical Way", "city": "London", "country": "GB" },
                        "lines": [{ "sku": sku, "quantity": 10 }],
                    })),
                )
            }));
            let adjustments = join_all((0..RACERS).map(|_| {
                app.api(
                    Method::POST,
                    &inventory_path,
                    Some(&merchant),
                    Some(json!({ "sku": sku, "delta": "-15", "reason": "count correction" })),
                )
            }));
            let (orders, adjustments) = futures::join!(orders, adjustments);

            // Assert: every refusal is a 400 or 409, and the books add up.
            assert_no_server_error(engine, "order", &orders);
            assert_no_server_error(engine, "adjustment", &adjustments);
            for refused in orders.iter().filter(|r| r.status != StatusCode::CREATED) {
                assert!(
                    matches!(
                        refused.status,
                        StatusCode::BAD_REQUEST | StatusCode::CONFLICT
                    ),
                    "{engine:?}: {}",
                    refused.text
                );
                assert!(refused.text.contains(&sku), "{engine:?}: {}", refused.text);
            }
            for refused in adjustments.iter().filter(|r| r.status != StatusCode::OK) {
                assert!(
                    matches!(
                        refused.status,
                        StatusCode::BAD_REQUEST | StatusCode::CONFLICT
                    ),
                    "{engine:?}: {}",
                    refused.text
                );
            }
            let placed = count_status(&orders, StatusCode::CREATED) as i64;
            let lowered = count_status(&adjustments, StatusCode::OK) as i64;
            let (on_hand, reserved) = app.stock_of(&slug, &sku).await;
            assert!(
                on_hand >= reserved,
                "{engine:?} round {round}: {on_hand} on hand, {reserved} reserved"
            );
            assert_eq!(reserved, 10 * placed, "{engine:?} round {round}");
            assert_eq!(on_hand, 100 - 15 * lowered, "{engine:?} round {round}");
        }
    }
}

/// Uploads a CSV and waits until its import has finished; returns the final status.
async fn import_csv(app: &TestApp, merchant: &str, slug: &str, csv: String) -> Value {
    let started = app
        .api_raw(
            Method::POST,
            &format!("/shops/{slug}/products/import"),
            Some(merchant),
            "text/csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let import_id = started.json["id"].as_i64().expect("import id");
    for _ in 0..400 {
        let status = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/products/imports/{import_id}"),
                Some(merchant),
                None,
            )
            .await
            .json;
        if status["state"] == "finished" || status["state"] == "failed" {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("import {import_id} did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_csv_import_lowering_stock_while_orders_reserve_it_never_leaves_less_on_hand_than_reserved(
) {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = app.merchant_with_shop().await;
        let orders_path = format!("/shops/{slug}/orders");
        for round in 0..3 {
            // Arrange: 100 on hand.
            let sku = format!("CSV-{round}");
            app.add_product(&merchant, &slug, &sku, "2.00", 100).await;

            // Act: ten orders of 10 and an import setting 40 on hand, together.
            let orders = join_all((0..RACERS).map(|_| {
                app.api(
                    Method::POST,
                    &orders_path,
                    Some(&merchant),
                    Some(json!({
                        "customer_email": "ada@example.com",
                        "customer_name": "Ada Lovelace",
                        "shipping_address": { "line1": "1 Analytical Way", "city": "London", "country": "GB" },
                        "lines": [{ "sku": sku, "quantity": 10 }],
                    })),
                )
            }));
            let import = import_csv(
                &app,
                &merchant,
                &slug,
                format!("sku,price,on_hand\n{sku},2.00,40\n"),
            );
            let (orders, import) = futures::join!(orders, import);

            // Assert: the import's row either applied or was refused on its line; the stock
            // always covers the reservations.
            assert_no_server_error(engine, "order", &orders);
            assert_eq!(import["state"], "finished", "{engine:?}: {import}");
            let placed = count_status(&orders, StatusCode::CREATED) as i64;
            let (on_hand, reserved) = app.stock_of(&slug, &sku).await;
            assert!(
                on_hand >= reserved,
                "{engine:?} round {round}: {on_hand} on hand, {reserved} reserved"
            );
            assert_eq!(reserved, 10 * placed, "{engine:?} round {round}");
            if import["rows_failed"] == 1 {
                assert_eq!(on_hand, 100, "{engine:?} round {round}: {import}");
                assert_eq!(
                    import["errors"][0]["field"], "on_hand",
                    "{engine:?}: {import}"
                );
            } else {
                assert_eq!(import["rows_updated"], 1, "{engine:?}: {import}");
                assert_eq!(on_hand, 40, "{engine:?} round {round}");
            }
        }
    }
}

#[tokio::test]
async fn the_schema_refuses_less_on_hand_than_reserved_on_both_engines() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = app.merchant_with_shop().await;
        app.add_product(&merchant, &slug, "PEN-1", "2.00", 5).await;
        let placed = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/orders"),
                Some(&merchant),
                Some(json!({
                    "customer_email": "ada@example.com",
                    "customer_name": "Ada Lovelace",
                    "shipping_address": { "line1": "1 Analytical Way", "city": "London", "country": "GB" },
                    "lines": [{ "sku": "PEN-1", "quantity": 4 }],
                })),
            )
            .await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        let (_, db) = app.shop_database(&slug).await;
        for statement in [
            "UPDATE variants SET on_hand = 3 WHERE sku = 'PEN-1'",
            "UPDATE variants SET reserved = 6 WHERE sku = 'PEN-1'",
        ] {
            let refused = sqlx::query(statement).execute(&db.pool).await;
            let error = refused.expect_err(statement);
            assert!(
                server::catalog::is_stock_violation(&error),
                "{engine:?}: {statement}: {error}"
            );
        }
        let product_id: i64 =
            sqlx::query_scalar("SELECT product_id FROM variants WHERE sku = 'PEN-1'")
                .fetch_one(&db.pool)
                .await
                .expect("product");
        let inserted = sqlx::query(
            "INSERT INTO variants (product_id, sku, price_minor, on_hand, reserved, created_at, updated_at) VALUES ($1, 'PEN-2', 100, 1, 2, 0, 0)",
        )
        .bind(product_id)
        .execute(&db.pool)
        .await
        .expect_err("a new variant with more reserved than on hand");
        assert!(
            server::catalog::is_stock_violation(&inserted),
            "{engine:?}: {inserted}"
        );
        assert_eq!(app.stock_of(&slug, "PEN-1").await, (5, 4), "{engine:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Price-list and price-break input is bounded

#[tokio::test]
async fn price_lists_and_price_breaks_over_the_cap_or_with_repeats_are_refused_whole() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = bolt_shop(&app).await;
        let list_path = format!("/shops/{slug}/price-lists/Dealers");

        let over_cap: String = std::iter::once("sku,price\n".to_string())
            .chain((0..=10_000).map(|i| format!("S{i}, 1.00\n")))
            .collect();
        let refused = app
            .api(
                Method::PUT,
                &list_path,
                Some(&merchant),
                Some(json!({ "lines": over_cap })),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(refused.json["error"]["field"], "lines", "{engine:?}");
        assert!(
            refused.text.contains("at most 10000 lines per price list"),
            "{engine:?}: {}",
            refused.text
        );

        let repeated = app
            .api(
                Method::PUT,
                &list_path,
                Some(&merchant),
                Some(json!({ "lines": "BOLT-10, 9.00\n\nbolt-10, 8.00" })),
            )
            .await;
        assert_eq!(
            repeated.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            repeated.text
        );
        assert_eq!(
            repeated.json["error"]["field"], "lines (line 3)",
            "{engine:?}"
        );
        assert_eq!(app.shop_count(&slug, "price_lists").await, 0, "{engine:?}");
        assert_eq!(
            app.shop_count(&slug, "price_list_items").await,
            0,
            "{engine:?}"
        );

        let (_, db) = app.shop_database(&slug).await;
        let variant_id: i64 = sqlx::query_scalar("SELECT id FROM variants WHERE sku = 'BOLT-10'")
            .fetch_one(&db.pool)
            .await
            .expect("variant");
        let terms_path = format!("/shops/{slug}/variants/{variant_id}/terms");
        let too_many: String = (0..=20)
            .map(|i| format!("{}: {}\n", 2 + i, 1 + i))
            .collect();
        let refused = app
            .api(
                Method::PUT,
                &terms_path,
                Some(&merchant),
                Some(json!({ "price_breaks": too_many })),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(refused.json["error"]["field"], "price_breaks", "{engine:?}");
        assert!(
            refused.text.contains("at most 20 price breaks"),
            "{engine:?}: {}",
            refused.text
        );
        let repeated = app
            .api(
                Method::PUT,
                &terms_path,
                Some(&merchant),
                Some(json!({ "price_breaks": "10: 5\n10: 6" })),
            )
            .await;
        assert_eq!(
            repeated.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            repeated.text
        );
        assert_eq!(
            repeated.json["error"]["field"], "price_breaks (line 2)",
            "{engine:?}"
        );
        assert_eq!(app.shop_count(&slug, "price_breaks").await, 0, "{engine:?}");
    }
}

#[tokio::test]
async fn a_product_with_a_repeated_variant_sku_is_refused_naming_the_variant() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = app.merchant_with_shop().await;
        let variants: Vec<Value> = (0..500)
            .map(|i| json!({ "sku": format!("V-{i}"), "price": "1.00" }))
            .chain(std::iter::once(json!({ "sku": "V-7", "price": "1.00" })))
            .collect();
        let refused = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/products"),
                Some(&merchant),
                Some(json!({ "title": "Many", "variants": variants })),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(
            refused.json["error"]["field"], "variants[500].sku",
            "{engine:?}"
        );
        assert!(
            refused.text.contains("V-7 appears twice"),
            "{engine:?}: {}",
            refused.text
        );
        assert_eq!(app.shop_count(&slug, "products").await, 0, "{engine:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 5. The CSV export cannot carry formulas into a spreadsheet, and still re-imports unchanged

#[tokio::test]
async fn exported_cells_that_look_like_formulas_are_quoted_and_reimport_unchanged() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = app.merchant_with_shop().await;
        let created = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/products"),
                Some(&merchant),
                Some(json!({
                    "title": "=HYPERLINK(\"http://evil.example\",\"Click\")",
                    "description": "@SUM(1+1)",
                    "status": "active",
                    "tags": "+sale",
                    "variants": [{ "sku": "-DASH-1", "option1": "-1", "price": "3.00", "on_hand": 2 }]
                })),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            created.text
        );
        let product_id = created.json["id"].as_i64().expect("product id");

        let export = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/products/export"),
                Some(&merchant),
                None,
            )
            .await;
        assert_eq!(export.status, StatusCode::OK, "{engine:?}: {}", export.text);
        let exported = export.text.clone();
        assert!(
            exported.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\""),
            "{engine:?}: {exported}"
        );
        for quoted in ["'@SUM(1+1)", "'+sale", "'-DASH-1", "'-1"] {
            assert!(
                exported.contains(quoted),
                "{engine:?}: {quoted} in {exported}"
            );
        }
        let before = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/products/{product_id}"),
                Some(&merchant),
                None,
            )
            .await;

        // Re-import the export: every row unchanged.
        let status = import_csv(&app, &merchant, &slug, exported.clone()).await;
        assert_eq!(status["state"], "finished", "{engine:?}: {status}");
        assert_eq!(status["rows_unchanged"], 1, "{engine:?}: {status}");
        assert_eq!(status["rows_failed"], 0, "{engine:?}: {status}");
        let after = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/products/{product_id}"),
                Some(&merchant),
                None,
            )
            .await;
        assert_eq!(after.json, before.json, "{engine:?}");
        let again = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/products/export"),
                Some(&merchant),
                None,
            )
            .await;
        assert_eq!(again.text, exported, "{engine:?}");
    }
}

#[tokio::test]
async fn a_shop_full_of_demo_data_upgrades_to_the_stock_rule_and_an_oversold_variant_is_clamped() {
    for engine in engines() {
        // Arrange: a shop filled by the demo generator, taken back to schema version 5 (before
        // the stock rule), with one variant oversold as the old race could leave it.
        let app = TestApp::start(engine).await;
        let (_, slug) = app.merchant_with_shop().await;
        let (shop_id, db) = app.shop_database(&slug).await;
        let catalogue = [("Mug", 1200_i64), ("Teapot", 4500), ("Scarf", 2900)];
        let spec = server::demo::FillSpec {
            currency: "EUR",
            sku_prefix: "DEMO",
            catalogue: &catalogue,
            products: 30,
            orders: 400,
            seed: 7,
        };
        server::demo::fill_shop(&db, &spec)
            .await
            .expect("fills the shop");
        let undo: &[&str] = match engine {
            Engine::Sqlite => &[
                "DROP TRIGGER variants_on_hand_covers_reserved_insert",
                "DROP TRIGGER variants_on_hand_covers_reserved_update",
                "DELETE FROM _sqlx_migrations WHERE version = 6",
            ],
            Engine::Postgres => &[
                "ALTER TABLE variants DROP CONSTRAINT variants_on_hand_covers_reserved",
                "DELETE FROM _sqlx_migrations WHERE version = 6",
            ],
        };
        for statement in undo {
            sqlx::query(sqlx::AssertSqlSafe(*statement))
                .execute(&db.pool)
                .await
                .expect(statement);
        }
        app.app
            .state
            .provisioner
            .registry
            .set_schema_version(shop_id, 5)
            .await
            .expect("schema version");
        let (oversold_id, on_hand): (i64, i64) =
            sqlx::query_as("SELECT id, on_hand FROM variants ORDER BY id LIMIT 1")
                .fetch_one(&db.pool)
                .await
                .expect("a variant");
        sqlx::query("UPDATE variants SET reserved = on_hand + 3 WHERE id = $1")
            .bind(oversold_id)
            .execute(&db.pool)
            .await
            .expect("oversell without the rule");
        let others_before: (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(on_hand) AS BIGINT), CAST(SUM(reserved) AS BIGINT) FROM variants WHERE id <> $1",
        )
        .bind(oversold_id)
        .fetch_one(&db.pool)
        .await
        .expect("variants");
        let orders_before = app.shop_count(&slug, "orders").await;

        // Act: a restart upgrades every outdated shop.
        let app = app.restart().await;

        // Assert: the shop is at the latest version, the oversold variant is clamped, nothing
        // else changed, and the rule now holds.
        let version: i64 = sqlx::query_scalar("SELECT schema_version FROM shops WHERE id = $1")
            .bind(shop_id)
            .fetch_one(&app.app.state.platform.pool)
            .await
            .expect("schema version");
        assert_eq!(
            version,
            server::db::latest_tenant_version(match engine {
                Engine::Sqlite => server::db::Engine::Sqlite,
                Engine::Postgres => server::db::Engine::Postgres,
            }),
            "{engine:?}"
        );
        let (_, db) = app.shop_database(&slug).await;
        let clamped: (i64, i64) =
            sqlx::query_as("SELECT on_hand, reserved FROM variants WHERE id = $1")
                .bind(oversold_id)
                .fetch_one(&db.pool)
                .await
                .expect("variant");
        assert_eq!(clamped, (on_hand, on_hand), "{engine:?}");
        let others_after: (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(on_hand) AS BIGINT), CAST(SUM(reserved) AS BIGINT) FROM variants WHERE id <> $1",
        )
        .bind(oversold_id)
        .fetch_one(&db.pool)
        .await
        .expect("variants");
        assert_eq!(others_after, others_before, "{engine:?}");
        assert_eq!(
            app.shop_count(&slug, "orders").await,
            orders_before,
            "{engine:?}"
        );
        let refused = sqlx::query("UPDATE variants SET reserved = on_hand + 1 WHERE id = $1")
            .bind(oversold_id)
            .execute(&db.pool)
            .await
            .expect_err("the rule holds after the upgrade");
        assert!(
            server::catalog::is_stock_violation(&refused),
            "{engine:?}: {refused}"
        );
    }
}
