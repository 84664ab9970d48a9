//! The demo generator on both engines: the data it writes obeys the same invariants as data the
//! services write (reservations match open orders, numbers are sequential, pages and filters
//! work on it), so the dashboards and benchmarks built on it are honest.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod support;

use app::orders::model::MATCH_COUNT_LIMIT;
use axum::http::{Method, StatusCode};
use server::demo::{fill_shop, FillSpec};
use support::{engines, unique, Engine, TestApp};

#[tokio::test]
async fn generated_orders_reserve_exactly_what_open_orders_hold_and_list_in_pages() {
    for engine in engines() {
        // Arrange: a fresh shop filled by the generator.
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("demo"));
        let token = app.sign_up(&email).await;
        let slug = unique("demo");
        app.create_shop(&token, &slug).await;
        let shop = app
            .app
            .state
            .provisioner
            .registry
            .shop_by_slug(&slug)
            .await
            .expect("registry")
            .expect("shop");
        let db = app.app.state.pools.get(&shop).expect("pool");
        let catalogue = [("Mug", 1200_i64), ("Teapot", 4500), ("Scarf", 2900)];
        let spec = FillSpec {
            currency: "EUR",
            sku_prefix: "DEMO",
            catalogue: &catalogue,
            products: 30,
            orders: 1200,
            seed: 3,
        };

        // Act
        fill_shop(&db, &spec).await.expect("fills the shop");

        // Assert: counts, numbering, and reservations that match the open orders line by line.
        assert_eq!(app.shop_count(&slug, "products").await, 30, "{engine:?}");
        assert_eq!(app.shop_count(&slug, "orders").await, 1200, "{engine:?}");
        let (min, max): (i64, i64) = sqlx::query_as("SELECT MIN(number), MAX(number) FROM orders")
            .fetch_one(&db.pool)
            .await
            .expect("numbers");
        assert_eq!((min, max), (1001, 2200), "{engine:?}");
        let mismatched: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM variants v WHERE v.reserved <> (SELECT CAST(COALESCE(SUM(l.quantity - l.shipped_quantity), 0) AS BIGINT) \
             FROM order_lines l JOIN orders o ON o.id = l.order_id \
             WHERE l.variant_id = v.id AND o.status IN ('pending', 'paid', 'approved', 'partially_shipped')) \
             + (SELECT CAST(COALESCE(SUM(h.quantity), 0) AS BIGINT) FROM quote_holds h WHERE h.variant_id = v.id)",
        )
        .fetch_one(&db.pool)
        .await
        .expect("reservation check");
        assert_eq!(
            mismatched, 0,
            "{engine:?}: reservations match open orders and quote holds"
        );
        // Quotes in each state a merchant meets, one of them holding its stock.
        let statuses: Vec<(i64, String)> =
            sqlx::query_as("SELECT number, status FROM quotes ORDER BY number")
                .fetch_all(&db.pool)
                .await
                .expect("quotes");
        let statuses: Vec<(i64, &str)> = statuses
            .iter()
            .map(|(number, status)| (*number, status.as_str()))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (101, "requested"),
                (102, "quoted"),
                (103, "declined"),
                (104, "quoted")
            ],
            "{engine:?}"
        );
        let held: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT quote_id) FROM quote_holds")
            .fetch_one(&db.pool)
            .await
            .expect("holds");
        assert_eq!(held, 1, "{engine:?}: the open offer holds its stock");
        let listed = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/quotes/2"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{engine:?}: {}", listed.text);
        assert!(
            listed.json["held_until_ms"].as_i64().is_some(),
            "{engine:?}: {}",
            listed.text
        );
        let expired = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/quotes/4"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            expired.json["status"], "expired",
            "{engine:?}: {}",
            expired.text
        );
        let oversold: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM variants WHERE reserved > on_hand")
                .fetch_one(&db.pool)
                .await
                .expect("stock check");
        assert_eq!(oversold, 0, "{engine:?}");

        // Every combination the product knows appears: each payment status (but "authorized",
        // which card payments bring), each fulfilment status, each state, invoices shipped
        // before payment and invoices overdue.
        let distinct = |column: &'static str| {
            let db = db.clone();
            async move {
                let mut values: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT DISTINCT {column} FROM orders"
                )))
                .fetch_all(&db.pool)
                .await
                .expect("distinct values");
                values.sort();
                values
            }
        };
        assert_eq!(
            distinct("payment_status").await,
            [
                "paid",
                "partially_paid",
                "partially_refunded",
                "pending",
                "refunded",
                "voided"
            ],
            "{engine:?}"
        );
        assert_eq!(
            distinct("fulfilment_status").await,
            [
                "delivered",
                "fulfilled",
                "partially_fulfilled",
                "unfulfilled"
            ],
            "{engine:?}"
        );
        assert_eq!(
            distinct("state").await,
            ["cancelled", "closed", "open"],
            "{engine:?}"
        );
        let (shipped_unpaid, overdue): (i64, i64) = sqlx::query_as(
            "SELECT CAST(SUM(CASE WHEN fulfilment_status IN ('fulfilled', 'delivered') AND payment_status = 'pending' THEN 1 ELSE 0 END) AS BIGINT), \
                    CAST(SUM(CASE WHEN payment_due_at < $1 AND payment_status IN ('pending', 'partially_paid') THEN 1 ELSE 0 END) AS BIGINT) FROM orders",
        )
        .bind(server::db::now_ms())
        .fetch_one(&db.pool)
        .await
        .expect("invoices");
        assert!(
            shipped_unpaid > 0,
            "{engine:?}: invoices shipped before payment"
        );
        assert!(overdue > 0, "{engine:?}: overdue invoices");

        // Demo businesses awaiting verification are in the queue with a company and a tax id.
        let queue = app
            .api(
                Method::GET,
                &format!("/shops/{slug}/customers?verification=pending"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(queue.status, StatusCode::OK, "{engine:?}: {}", queue.text);
        let waiting = queue.json.as_array().expect("customers");
        assert!(waiting.len() >= 3, "{engine:?}: {} waiting", waiting.len());
        for row in waiting {
            assert_eq!(row["account_type"], "business", "{engine:?}: {row}");
            assert!(
                !row["company_name"].as_str().unwrap_or_default().is_empty(),
                "{engine:?}: {row}"
            );
            assert!(
                row["tax_id"].as_str().unwrap_or_default().starts_with("DE"),
                "{engine:?}: {row}"
            );
        }
        assert_eq!(
            distinct_companies(&db, "verification").await,
            ["pending", "rejected", "verified"],
            "{engine:?}"
        );

        // The next order placed by the service continues the numbering.
        let sku: String = sqlx::query_scalar(
            "SELECT sku FROM variants WHERE on_hand - reserved > 0 ORDER BY id LIMIT 1",
        )
        .fetch_one(&db.pool)
        .await
        .expect("a variant in stock");
        let placed = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/orders"),
                Some(&token),
                Some(serde_json::json!({ "customer_email": "next@example.com", "lines": [{ "sku": sku, "quantity": 1 }] })),
            )
            .await;
        assert_eq!(
            placed.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            placed.text
        );
        assert_eq!(placed.json["number"], 2201, "{engine:?}");

        // Keyset pages of a filtered list cover every matching order exactly once, in the
        // order asked for (the database hands each page's rows over unordered).
        let expected: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM orders WHERE status = 'delivered' AND customer_type = 'business'",
        )
        .fetch_one(&db.pool)
        .await
        .expect("count");
        assert!(
            expected > 50,
            "{engine:?}: the filter spans several pages ({expected})"
        );
        for (sort, key, descending) in [
            ("newest", "placed_at_ms", true),
            ("total_asc", "total_minor", false),
        ] {
            let mut seen = std::collections::HashSet::new();
            let mut keys: Vec<(i64, i64)> = Vec::new();
            let mut after = String::new();
            // Each page's ids and its cursor back, to walk the pages again with `before`.
            let mut pages: Vec<(Vec<i64>, Option<String>)> = Vec::new();
            loop {
                let page = app
                    .api(
                        Method::GET,
                        &format!("/shops/{slug}/orders?status=delivered&customer_type=business&sort={sort}&after={after}"),
                        Some(&token),
                        None,
                    )
                    .await;
                assert_eq!(page.status, StatusCode::OK, "{engine:?}: {}", page.text);
                assert_eq!(
                    page.json["match_count"].as_i64(),
                    Some(expected.min(MATCH_COUNT_LIMIT)),
                    "{engine:?}: every page counts the orders the filters match"
                );
                assert_eq!(page.json["more_matches"], expected > MATCH_COUNT_LIMIT);
                let ids = order_ids(&page.json);
                let prev = page.json["prev_cursor"].as_str().map(str::to_string);
                assert_eq!(
                    prev.is_none(),
                    pages.is_empty(),
                    "{engine:?}: only the first page has no previous page"
                );
                pages.push((ids, prev));
                for order in page.json["orders"].as_array().expect("orders") {
                    assert_eq!(order["status"], "delivered");
                    let id = order["id"].as_i64().expect("id");
                    assert!(
                        seen.insert(id),
                        "{engine:?} {sort}: an order appeared twice"
                    );
                    keys.push((order[key].as_i64().expect("sort key"), id));
                }
                match page.json["next_cursor"].as_str() {
                    Some(cursor) => after = cursor.to_string(),
                    None => break,
                }
            }
            assert_eq!(seen.len() as i64, expected, "{engine:?} {sort}");
            if let Some(before) = pages.last().and_then(|page| page.1.clone()) {
                let both = app
                    .api(
                        Method::GET,
                        &format!("/shops/{slug}/orders?sort={sort}&after={before}&before={before}"),
                        Some(&token),
                        None,
                    )
                    .await;
                assert_eq!(
                    both.status,
                    StatusCode::BAD_REQUEST,
                    "{engine:?}: {}",
                    both.text
                );
                assert_eq!(
                    both.json["error"]["field"], "before",
                    "{engine:?}: {}",
                    both.text
                );
            }
            // Back from the last page with each page's `prev_cursor`: the same pages, in order.
            for index in (1..pages.len()).rev() {
                let before = pages[index].1.clone().expect("a previous page");
                let page = app
                    .api(
                        Method::GET,
                        &format!("/shops/{slug}/orders?status=delivered&customer_type=business&sort={sort}&before={before}"),
                        Some(&token),
                        None,
                    )
                    .await;
                assert_eq!(page.status, StatusCode::OK, "{engine:?}: {}", page.text);
                let ids = order_ids(&page.json);
                assert_eq!(
                    ids,
                    pages[index - 1].0,
                    "{engine:?} {sort}: page {index} back"
                );
                assert_eq!(
                    page.json["prev_cursor"].as_str().map(str::to_string),
                    pages[index - 1].1,
                    "{engine:?} {sort}: page {index} back knows whether a page is before it"
                );
                assert!(page.json["next_cursor"].is_string());
            }
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            if descending {
                sorted.reverse();
            }
            assert!(keys == sorted, "{engine:?}: orders out of {sort} order");
        }

        // On SQLite a filtered page is read from one index alone, in list order: no lookup of
        // each row in the table, no sort.
        if engine == Engine::Sqlite {
            for filter in [
                "o.status = 'delivered'",
                "o.status = 'delivered' AND o.customer_type = 'business'",
            ] {
                let plan: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "EXPLAIN QUERY PLAN SELECT {} FROM orders o WHERE 1 = 1 AND {filter} \
                     ORDER BY o.placed_at DESC, o.id DESC LIMIT 51",
                        server::orders::ORDER_ROW_COLUMNS
                    )))
                    .fetch_all(&db.pool)
                    .await
                    .expect("query plan");
                let steps: Vec<&str> = plan.iter().map(|step| step.3.as_str()).collect();
                assert!(
                    steps.len() == 1 && steps[0].contains("USING COVERING INDEX orders_status"),
                    "{filter}: {steps:?}"
                );
            }
        }

        // The server-rendered orders page shows 50 rows.
        let page = app
            .page(
                &format!("/shops/{slug}/orders?status=delivered"),
                Some(&token),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.text.matches("Select order #").count(),
            50,
            "{engine:?}"
        );
        // The frame's one resource carries the signed-in merchant for the top bar, and the
        // table's foot links to the next page.
        assert!(
            page.text.contains(&email),
            "{engine:?}: no e-mail in the top bar"
        );
        assert!(
            page.text.contains("Next page →") && page.text.contains("after="),
            "{engine:?}: no link to the next page"
        );
        // No match: the table says so, and there is no next page.
        let empty = app
            .page(
                &format!("/shops/{slug}/orders?q=no-such-order-anywhere"),
                Some(&token),
            )
            .await;
        assert_eq!(empty.status, StatusCode::OK, "{engine:?}");
        assert!(
            empty.text.contains("No orders match these filters."),
            "{engine:?}"
        );
        assert_eq!(
            empty.text.matches("Select order #").count(),
            0,
            "{engine:?}"
        );
        assert!(!empty.text.contains("Next page →"), "{engine:?}");
    }
}

/// The ids of a page of orders, in the page's order.
fn order_ids(page: &serde_json::Value) -> Vec<i64> {
    page["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|order| order["id"].as_i64().expect("id"))
        .collect()
}

async fn distinct_companies(db: &server::db::Database, column: &str) -> Vec<String> {
    let mut values: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT {column} FROM companies"
    )))
    .fetch_all(&db.pool)
    .await
    .expect("distinct values");
    values.sort();
    values
}
