//! Integration tests of the catalog (products, variants, inventory, CSV import and export) and
//! of orders (placement with stock reservation, the lifecycle, shipments, refunds) through the
//! JSON API, on SQLite and, when configured, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod support;

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use support::{engines, unique, Engine, TestApp, TestResponse};

/// The export header, which is also the full import layout.
const HEADER: &str = "handle,title,description,status,tags,images,option1_name,option1_value,option2_name,option2_value,sku,price,compare_at_price,weight_grams,barcode,on_hand";

/// A fresh application with one merchant and one active EUR shop.
struct Shop {
    app: TestApp,
    engine: Engine,
    token: String,
    slug: String,
}

impl Shop {
    async fn open(engine: Engine) -> Shop {
        let app = TestApp::start(engine).await;
        let token = app
            .sign_up(&format!("{}@example.com", unique("merchant")))
            .await;
        let slug = unique("shop");
        app.create_shop(&token, &slug).await;
        Shop {
            app,
            engine,
            token,
            slug,
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/shops/{}{rest}", self.slug)
    }

    async fn get(&self, rest: &str) -> TestResponse {
        self.app
            .api(Method::GET, &self.path(rest), Some(&self.token), None)
            .await
    }

    async fn post(&self, rest: &str, body: Value) -> TestResponse {
        self.app
            .api(
                Method::POST,
                &self.path(rest),
                Some(&self.token),
                Some(body),
            )
            .await
    }

    async fn patch(&self, rest: &str, body: Value) -> TestResponse {
        self.app
            .api(
                Method::PATCH,
                &self.path(rest),
                Some(&self.token),
                Some(body),
            )
            .await
    }

    /// Rows in a table of this shop's database.
    async fn count(&self, table: &str) -> i64 {
        self.app.shop_count(&self.slug, table).await
    }

    async fn create_product(&self, body: Value) -> Value {
        let response = self.post("/products", body).await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "{:?}: create product: {}",
            self.engine,
            response.text
        );
        response.json
    }

    /// A product with one variant of the given SKU, price and stock.
    async fn simple_product(&self, title: &str, sku: &str, price: &str, on_hand: i64) -> Value {
        self.create_product(json!({
            "title": title,
            "status": "active",
            "variants": [{ "sku": sku, "price": price, "on_hand": on_hand }]
        }))
        .await
    }

    async fn products(&self) -> Vec<Value> {
        let response = self.get("/products").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        response.json["products"]
            .as_array()
            .expect("products")
            .clone()
    }

    async fn product(&self, id: i64) -> Value {
        let response = self.get(&format!("/products/{id}")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        response.json
    }

    async fn product_by_handle(&self, handle: &str) -> Value {
        let row = self
            .products()
            .await
            .into_iter()
            .find(|row| row["handle"] == handle)
            .unwrap_or_else(|| panic!("{:?}: no product with handle {handle}", self.engine));
        self.product(row["id"].as_i64().expect("id")).await
    }

    /// The inventory level of exactly this SKU, if the shop has it.
    async fn level_of(&self, sku: &str) -> Option<Value> {
        let response = self.get(&format!("/inventory?sku_prefix={sku}")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        response
            .json
            .as_array()
            .expect("levels")
            .iter()
            .find(|level| level["sku"] == sku)
            .cloned()
    }

    async fn level(&self, sku: &str) -> Value {
        self.level_of(sku)
            .await
            .unwrap_or_else(|| panic!("{:?}: no variant with SKU {sku}", self.engine))
    }

    /// `(on_hand, reserved, available)` of a SKU.
    async fn stock(&self, sku: &str) -> (i64, i64, i64) {
        let level = self.level(sku).await;
        (
            level["on_hand"].as_i64().expect("on_hand"),
            level["reserved"].as_i64().expect("reserved"),
            level["available"].as_i64().expect("available"),
        )
    }

    async fn history(&self, sku: &str) -> Vec<Value> {
        let variant_id = self.level(sku).await["variant_id"]
            .as_i64()
            .expect("variant id");
        let response = self.get(&format!("/inventory/{variant_id}/history")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        response.json.as_array().expect("history").clone()
    }

    /// Uploads a CSV and waits for the import to finish or fail; returns its final status.
    async fn import(&self, body: impl Into<Vec<u8>>) -> Value {
        let started = self
            .app
            .api_raw(
                Method::POST,
                &self.path("/products/import"),
                Some(&self.token),
                "text/csv",
                body.into(),
            )
            .await;
        assert_eq!(
            started.status,
            StatusCode::ACCEPTED,
            "{:?}: import: {}",
            self.engine,
            started.text
        );
        let id = started.json["id"].as_i64().expect("import id");
        let location = started
            .headers
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            location,
            format!("/api/v1/shops/{}/products/imports/{id}", self.slug)
        );
        for _ in 0..400 {
            let status = self.get(&format!("/products/imports/{id}")).await;
            assert_eq!(status.status, StatusCode::OK, "{}", status.text);
            if status.json["state"] == "finished" || status.json["state"] == "failed" {
                return status.json;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{:?}: import {id} did not finish", self.engine);
    }

    async fn export(&self) -> String {
        let response = self.get("/products/export").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        let content_type = response
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            content_type.starts_with("text/csv"),
            "{:?}: export content type {content_type}",
            self.engine
        );
        response.text
    }

    async fn place_order(&self, body: Value) -> Value {
        let response = self.post("/orders", body).await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "{:?}: place order: {}",
            self.engine,
            response.text
        );
        response.json
    }

    async fn order(&self, id: i64) -> Value {
        let response = self.get(&format!("/orders/{id}")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        response.json
    }

    /// Asks `order` (as last seen) to do `action`, naming the version it was seen at.
    async fn act(&self, order: &Value, action: &str, extra: Value) -> TestResponse {
        let mut body = json!({ "action": action, "expected_version": order["version"] });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                body.insert(key.clone(), value.clone());
            }
        }
        self.post(&format!("/orders/{}/transitions", order["id"]), body)
            .await
    }

    /// Like `act`, expecting success; returns the changed order.
    async fn act_ok(&self, order: &Value, action: &str, extra: Value) -> Value {
        let response = self.act(order, action, extra).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{:?}: {action}: {}",
            self.engine,
            response.text
        );
        response.json
    }
}

/// An individual customer's order for `(sku, quantity)` lines.
fn order_for(lines: &[(&str, i64)]) -> Value {
    json!({
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "shipping_address": { "line1": "1 Analytical Way", "city": "London", "postal_code": "N1 9GU", "country": "GB" },
        "lines": lines.iter().map(|(sku, quantity)| json!({ "sku": sku, "quantity": quantity })).collect::<Vec<_>>(),
    })
}

fn errors_of(status: &Value) -> Vec<(i64, String)> {
    status["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|error| {
            (
                error["line"].as_i64().expect("line"),
                error["field"].as_str().expect("field").to_string(),
            )
        })
        .collect()
}

fn event_kinds(order: &Value) -> Vec<String> {
    order["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| event["kind"].as_str().expect("kind").to_string())
        .collect()
}

fn error_message(response: &TestResponse) -> String {
    response.json["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn error_field(response: &TestResponse) -> String {
    response.json["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn line_id(order: &Value, sku: &str) -> i64 {
    order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|line| line["sku"] == sku)
        .and_then(|line| line["id"].as_i64())
        .unwrap_or_else(|| panic!("no line for {sku}"))
}

// ---------------------------------------------------------------------------------------------
// CSV import and export
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn importing_a_csv_commits_valid_rows_and_lists_bad_rows_by_line() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        let csv = format!(
            "{HEADER}\n\
             tee,Logo Tee,Soft cotton,active,\"apparel,summer\",https://img.example.com/tee.jpg,Size,S,,,TEE-S,12.50,15.00,180,4006381333931,5\n\
             tee,,,,,,,M,,,TEE-M,12.50,15.00,190,,3\n\
             mug,Mug,,active,,,,,,,MUG-1,12.345,,,,4\n\
             cap,Cap,,draft,,,,,,,CAP-1,9.00,,,,-2\n\
             hat,Hat,,active,,,,,,,TEE-S,7.00,,,,1\n\
             socks,Socks,,active,,,,,,,SOCK-1,4.99,,,,10\n"
        );

        let status = shop.import(csv).await;

        assert_eq!(status["state"], "finished", "{engine:?}: {status}");
        assert_eq!(status["failure"], "", "{engine:?}");
        assert_eq!(status["rows_read"], 6, "{engine:?}: {status}");
        assert_eq!(status["rows_created"], 3, "{engine:?}: {status}");
        assert_eq!(status["rows_updated"], 0, "{engine:?}: {status}");
        assert_eq!(status["rows_unchanged"], 0, "{engine:?}: {status}");
        assert_eq!(status["rows_failed"], 3, "{engine:?}: {status}");
        assert_eq!(
            errors_of(&status),
            vec![
                (4, "price".to_string()),
                (5, "on_hand".to_string()),
                (6, "sku".to_string())
            ],
            "{engine:?}: {status}"
        );
        let messages: Vec<&str> = status["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|error| error["message"].as_str().expect("message"))
            .collect();
        assert!(messages[0].contains("12.345"), "{engine:?}: {messages:?}");
        assert!(messages[1].contains("negative"), "{engine:?}: {messages:?}");
        assert!(
            messages[2].contains("TEE-S") && messages[2].contains("line 2"),
            "{engine:?}: the duplicate names the first line: {messages:?}"
        );
        let skus: Vec<&str> = status["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|error| error["sku"].as_str().expect("sku"))
            .collect();
        assert_eq!(
            skus,
            vec!["MUG-1", "CAP-1", "TEE-S"],
            "{engine:?}: each refused row names its SKU"
        );

        // Only the valid rows are in the shop: the tee with both variants, and the socks.
        let handles: Vec<String> = shop
            .products()
            .await
            .iter()
            .map(|row| row["handle"].as_str().expect("handle").to_string())
            .collect();
        assert_eq!(handles, vec!["tee", "socks"], "{engine:?}");
        let tee = shop.product_by_handle("tee").await;
        assert_eq!(tee["title"], "Logo Tee");
        assert_eq!(tee["description"], "Soft cotton");
        assert_eq!(tee["status"], "active");
        assert_eq!(tee["tags"], json!(["apparel", "summer"]));
        assert_eq!(tee["images"], json!(["https://img.example.com/tee.jpg"]));
        assert_eq!(tee["option1_name"], "Size");
        let variants = tee["variants"].as_array().expect("variants");
        assert_eq!(variants.len(), 2, "{engine:?}: {tee}");
        assert_eq!(variants[0]["sku"], "TEE-S");
        assert_eq!(variants[0]["option1"], "S");
        assert_eq!(variants[0]["price_minor"], 1250);
        assert_eq!(variants[0]["compare_at_minor"], 1500);
        assert_eq!(variants[0]["weight_grams"], 180);
        assert_eq!(variants[0]["barcode"], "4006381333931");
        assert_eq!(variants[1]["sku"], "TEE-M");
        assert_eq!(variants[1]["option1"], "M");
        assert_eq!(variants[1]["weight_grams"], 190);

        assert_eq!(shop.stock("TEE-S").await, (5, 0, 5), "{engine:?}");
        assert_eq!(shop.stock("TEE-M").await, (3, 0, 3), "{engine:?}");
        assert_eq!(shop.stock("SOCK-1").await, (10, 0, 10), "{engine:?}");
        assert!(shop.level_of("MUG-1").await.is_none(), "{engine:?}");
        assert!(shop.level_of("CAP-1").await.is_none(), "{engine:?}");
        assert_eq!(shop.count("products").await, 2, "{engine:?}");
        assert_eq!(shop.count("variants").await, 3, "{engine:?}");

        // The initial stock is in the history, attributed to the import.
        let history = shop.history("TEE-S").await;
        assert_eq!(history.len(), 1, "{engine:?}: {history:?}");
        assert_eq!(history[0]["delta"], 5);
        assert_eq!(history[0]["on_hand_after"], 5);
        assert_eq!(history[0]["reason"], "CSV import");
    }
}

#[tokio::test]
async fn a_variant_row_after_a_refused_product_row_is_not_added_to_the_product_before_it() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        // The lamp's first row is refused (bad price); its second row leaves every product
        // column blank, handle included, so it can only belong to the lamp.
        let csv = format!(
            "{HEADER}\n\
             socks,Socks,,active,,,,,,,SOCK-1,4.99,,,,10\n\
             lamp,Lamp,,active,,,Size,S,,,LAMP-S,1.999,,,,2\n\
             ,,,,,,,L,,,LAMP-L,29.00,,,,2\n"
        );

        let status = shop.import(csv).await;

        assert_eq!(status["state"], "finished", "{engine:?}: {status}");
        assert_eq!(status["rows_created"], 1, "{engine:?}: {status}");
        assert_eq!(status["rows_failed"], 2, "{engine:?}: {status}");
        let lines: Vec<i64> = errors_of(&status).iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![3, 4], "{engine:?}: {status}");
        let socks = shop.product_by_handle("socks").await;
        let skus: Vec<&str> = socks["variants"]
            .as_array()
            .expect("variants")
            .iter()
            .map(|variant| variant["sku"].as_str().expect("sku"))
            .collect();
        assert_eq!(
            skus,
            vec!["SOCK-1"],
            "{engine:?}: the lamp's size L must not become a variant of the socks"
        );
    }
}

#[tokio::test]
async fn a_continuation_row_may_repeat_the_handle_as_written_on_the_first_row() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        // Spreadsheets keep the handle as typed; the first row's "Logo-Tee" is stored as
        // "logo-tee", and the second row names the same product.
        let csv = format!(
            "{HEADER}\n\
             Logo-Tee,Logo Tee,,active,,,Size,S,,,TEE-S,12.50,,,,5\n\
             Logo-Tee,,,,,,,M,,,TEE-M,12.50,,,,3\n"
        );

        let status = shop.import(csv).await;

        assert_eq!(status["state"], "finished", "{engine:?}: {status}");
        assert_eq!(status["rows_failed"], 0, "{engine:?}: {status}");
        assert_eq!(status["rows_created"], 2, "{engine:?}: {status}");
        let tee = shop.product_by_handle("logo-tee").await;
        assert_eq!(
            tee["variants"].as_array().map(Vec::len),
            Some(2),
            "{engine:?}: {tee}"
        );
    }
}

#[tokio::test]
async fn row_errors_name_the_line_in_the_file_even_after_a_multi_line_field() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        let csv = format!(
            "{HEADER}\n\
             note,Note,\"line one\nline two\nline three\",active,,,,,,,NOTE-1,1.00,,,,1\n\
             bad,Bad,,active,,,,,,,BAD-1,x,,,,1\n"
        );

        let status = shop.import(csv).await;

        assert_eq!(status["state"], "finished", "{engine:?}: {status}");
        assert_eq!(status["rows_created"], 1, "{engine:?}: {status}");
        assert_eq!(
            errors_of(&status),
            vec![(5, "price".to_string())],
            "{engine:?}: {status}"
        );
        let note = shop.product_by_handle("note").await;
        assert_eq!(note["description"], "line one\nline two\nline three");
    }
}

#[tokio::test]
async fn a_file_without_the_optional_columns_changes_only_the_columns_it_has() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        let before = shop
            .create_product(json!({
                "title": "Box",
                "description": "A sturdy box",
                "status": "active",
                "tags": "storage",
                "variants": [{ "sku": "BOX-1", "price": "10.00", "on_hand": 10, "weight_grams": 500 }]
            }))
            .await;
        let history = shop.history("BOX-1").await;

        // A price list: sku and price are the required columns, title names the product.
        let status = shop
            .import("handle,title,sku,price\nbox,Box,BOX-1,11.00\n")
            .await;

        assert_eq!(status["state"], "finished", "{engine:?}: {status}");
        assert_eq!(status["rows_failed"], 0, "{engine:?}: {status}");
        assert_eq!(status["rows_updated"], 1, "{engine:?}: {status}");
        let after = shop.product_by_handle("box").await;
        assert_eq!(after["variants"][0]["price_minor"], 1100, "{engine:?}");
        assert_eq!(
            shop.stock("BOX-1").await,
            (10, 0, 10),
            "{engine:?}: a file without an on_hand column must not zero the stock"
        );
        assert_eq!(shop.history("BOX-1").await, history, "{engine:?}");
        assert_eq!(after["variants"][0]["weight_grams"], 500, "{engine:?}");
        assert_eq!(after["status"], before["status"], "{engine:?}");
        assert_eq!(after["description"], before["description"], "{engine:?}");
        assert_eq!(after["tags"], before["tags"], "{engine:?}");
    }
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        let csv = format!(
            "{HEADER}\n\
             tee,Logo Tee,\"Soft, heavy cotton\",active,\"apparel,summer\",https://img.example.com/a.jpg https://img.example.com/b.jpg,Size,S,Colour,Black,TEE-S-BLK,12.50,15.00,180,,5\n\
             tee,,,,,,,M,,Black,TEE-M-BLK,12.50,15.00,190,,3\n\
             mug,Mug,,draft,kitchen,,,,,,MUG-1,8,,350,,0\n\
             socks,Socks,,active,,,,,,,SOCK-1,4.99,,,,10\n"
        );
        let first = shop.import(csv.clone()).await;
        assert_eq!(first["state"], "finished", "{engine:?}: {first}");
        assert_eq!(first["rows_created"], 4, "{engine:?}: {first}");
        assert_eq!(first["rows_failed"], 0, "{engine:?}: {first}");
        let skus = ["TEE-S-BLK", "TEE-M-BLK", "MUG-1", "SOCK-1"];
        let mut histories = Vec::new();
        let mut levels = Vec::new();
        for sku in skus {
            histories.push(shop.history(sku).await);
            levels.push(shop.level(sku).await);
        }
        let tee_before = shop.product_by_handle("tee").await;
        let export_before = shop.export().await;

        let second = shop.import(csv).await;

        assert_eq!(second["state"], "finished", "{engine:?}: {second}");
        assert_eq!(second["rows_read"], 4, "{engine:?}: {second}");
        assert_eq!(second["rows_unchanged"], 4, "{engine:?}: {second}");
        assert_eq!(second["rows_created"], 0, "{engine:?}: {second}");
        assert_eq!(second["rows_updated"], 0, "{engine:?}: {second}");
        assert_eq!(second["rows_failed"], 0, "{engine:?}: {second}");
        for (index, sku) in skus.into_iter().enumerate() {
            assert_eq!(
                shop.history(sku).await,
                histories[index],
                "{engine:?}: {sku} history"
            );
            assert_eq!(shop.level(sku).await, levels[index], "{engine:?}: {sku}");
        }
        let tee_after = shop.product_by_handle("tee").await;
        assert_eq!(tee_after["version"], tee_before["version"], "{engine:?}");
        assert_eq!(
            tee_after["updated_at_ms"], tee_before["updated_at_ms"],
            "{engine:?}"
        );
        assert_eq!(shop.export().await, export_before, "{engine:?}");
        assert_eq!(shop.count("products").await, 3, "{engine:?}");
        assert_eq!(shop.count("variants").await, 4, "{engine:?}");
    }
}

#[tokio::test]
async fn export_reimports_unchanged() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.create_product(json!({
            "title": "Canvas Tote",
            "handle": "canvas-tote",
            "description": "Roomy, \"sturdy\" tote.\nMachine washable.",
            "status": "active",
            "tags": "bags, canvas",
            "images": "https://img.example.com/tote-1.jpg https://img.example.com/tote-2.jpg",
            "option1_name": "Size",
            "option2_name": "Colour",
            "variants": [
                { "sku": "TOTE-S-NAT", "option1": "S", "option2": "Natural", "price": "19.90", "compare_at_price": "24.90", "weight_grams": 220, "barcode": "4006381333931", "on_hand": 7 },
                { "sku": "TOTE-L-NAT", "option1": "L", "option2": "Natural", "price": 22.5, "weight_grams": "260", "on_hand": "4" }
            ]
        }))
        .await;
        let mug = shop.simple_product("Mug", "MUG-1", "8", 12).await;
        assert_eq!(mug["variants"][0]["price_minor"], 800);
        let level = shop
            .post(
                "/inventory",
                json!({ "sku": "MUG-1", "delta": "-3", "reason": "Broken in storage" }),
            )
            .await;
        assert_eq!(level.status, StatusCode::OK, "{}", level.text);
        assert_eq!(level.json["on_hand"], 9);
        let tote_before = shop.product_by_handle("canvas-tote").await;
        let mug_history = shop.history("MUG-1").await;

        let exported = shop.export().await;

        let mut lines = exported.lines();
        assert_eq!(lines.next(), Some(HEADER), "{engine:?}: {exported}");
        assert!(
            exported.contains("TOTE-S-NAT,19.90,24.90,220,4006381333931,7"),
            "{engine:?}: {exported}"
        );
        assert!(
            exported.contains("TOTE-L-NAT,22.50,,260,,4"),
            "{engine:?}: {exported}"
        );
        assert!(
            exported.contains("MUG-1,8.00,,0,,9"),
            "{engine:?}: {exported}"
        );

        let status = shop.import(exported.clone()).await;

        assert_eq!(status["state"], "finished", "{engine:?}: {status}");
        assert_eq!(status["rows_read"], 3, "{engine:?}: {status}");
        assert_eq!(status["rows_unchanged"], 3, "{engine:?}: {status}");
        assert_eq!(status["rows_created"], 0, "{engine:?}: {status}");
        assert_eq!(status["rows_updated"], 0, "{engine:?}: {status}");
        assert_eq!(status["rows_failed"], 0, "{engine:?}: {status}");
        assert_eq!(
            shop.product_by_handle("canvas-tote").await,
            tote_before,
            "{engine:?}"
        );
        assert_eq!(shop.history("MUG-1").await, mug_history, "{engine:?}");
        assert_eq!(shop.export().await, exported, "{engine:?}");
    }
}

#[tokio::test]
async fn a_file_with_an_unknown_column_or_utf16_is_refused_with_the_reason() {
    for engine in engines() {
        let shop = Shop::open(engine).await;

        let unknown = shop
            .import("sku,price,title,colour\nRED-1,1.00,Red,red\n")
            .await;
        assert_eq!(unknown["state"], "failed", "{engine:?}: {unknown}");
        let failure = unknown["failure"].as_str().expect("failure");
        assert!(
            failure.contains("line 1") && failure.contains("colour"),
            "{engine:?}: {failure}"
        );
        assert_eq!(unknown["rows_read"], 0, "{engine:?}");

        let missing = shop.import("title,sku\nRed,RED-1\n").await;
        assert_eq!(missing["state"], "failed", "{engine:?}: {missing}");
        let failure = missing["failure"].as_str().expect("failure");
        assert!(
            failure.contains("line 1") && failure.contains("price"),
            "{engine:?}: {failure}"
        );

        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "sku,price,title\r\nU16-1,1.00,Wide\r\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let refused = shop.import(utf16).await;
        assert_eq!(refused["state"], "failed", "{engine:?}: {refused}");
        let failure = refused["failure"].as_str().expect("failure");
        assert!(failure.contains("UTF-16"), "{engine:?}: {failure}");
        assert_eq!(shop.count("products").await, 0, "{engine:?}");
        assert_eq!(shop.count("variants").await, 0, "{engine:?}");

        // A UTF-8 byte order mark, as spreadsheet programs write it, is fine (CRLF too).
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("sku,price,title\r\nBOM-1,2.00,Bommed Mug\r\n".as_bytes());
        let accepted = shop.import(bom).await;
        assert_eq!(accepted["state"], "finished", "{engine:?}: {accepted}");
        assert_eq!(accepted["rows_created"], 1, "{engine:?}: {accepted}");
        assert_eq!(accepted["rows_failed"], 0, "{engine:?}: {accepted}");
        let product = shop.product_by_handle("bommed-mug").await;
        assert_eq!(product["variants"][0]["sku"], "BOM-1", "{engine:?}");
        assert_eq!(product["variants"][0]["price_minor"], 200, "{engine:?}");

        // An empty body is refused at once.
        let empty = shop
            .app
            .api_raw(
                Method::POST,
                &shop.path("/products/import"),
                Some(&shop.token),
                "text/csv",
                Vec::new(),
            )
            .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(error_field(&empty), "file", "{engine:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Orders and stock
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn placing_an_order_reserves_stock_and_refuses_what_is_not_available() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Box", "BOX-1", "12.50", 5).await;
        shop.simple_product("Lid", "LID-1", "2.00", 10).await;

        let order = shop
            .place_order(json!({
                "customer_email": "ada@example.com",
                "customer_name": "Ada Lovelace",
                "customer_type": "business",
                "company_name": "Analytical Engines Ltd",
                "shipping_address": { "line1": "1 Analytical Way", "city": "London", "postal_code": "N1 9GU", "country": "gb" },
                "lines": [{ "sku": "BOX-1", "quantity": 3 }, { "sku": "LID-1", "quantity": "2" }],
                "discount": "1.50",
                "shipping": "4.90",
                "tax": "7.60"
            }))
            .await;

        assert_eq!(order["number"], 1001, "{engine:?}");
        assert_eq!(order["status"], "pending");
        assert_eq!(order["version"], 1);
        assert_eq!(order["channel"], "api");
        assert_eq!(order["currency"], "EUR");
        assert_eq!(order["customer_type"], "business");
        assert_eq!(order["company_name"], "Analytical Engines Ltd");
        assert_eq!(order["shipping_address"]["country"], "GB");
        assert_eq!(order["lines"][0]["sku"], "BOX-1");
        assert_eq!(order["lines"][0]["quantity"], 3);
        assert_eq!(order["lines"][0]["shipped_quantity"], 0);
        assert_eq!(order["lines"][0]["unit_price_minor"], 1250);
        assert_eq!(
            order["totals"],
            json!({ "subtotal_minor": 4150, "discount_minor": 150, "shipping_minor": 490, "tax_minor": 760, "total_minor": 5250 }),
            "{engine:?}"
        );
        assert_eq!(order["paid_minor"], 0);
        assert_eq!(event_kinds(&order), vec!["placed"]);
        assert_eq!(shop.stock("BOX-1").await, (5, 3, 2), "{engine:?}");
        assert_eq!(shop.stock("LID-1").await, (10, 2, 8), "{engine:?}");

        // More than is available: refused, naming the SKU, and nothing changes — not even the
        // line that could have been reserved.
        let too_many = shop
            .post("/orders", order_for(&[("LID-1", 1), ("BOX-1", 3)]))
            .await;
        assert_eq!(
            too_many.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            too_many.text
        );
        assert_eq!(error_field(&too_many), "lines", "{engine:?}");
        let message = error_message(&too_many);
        assert!(
            message.contains("BOX-1") && message.contains("2 available"),
            "{engine:?}: {message}"
        );

        let unknown = shop.post("/orders", order_for(&[("NOPE-9", 1)])).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(error_field(&unknown), "lines", "{engine:?}");
        assert!(
            error_message(&unknown).contains("NOPE-9"),
            "{engine:?}: {}",
            unknown.text
        );

        assert_eq!(shop.stock("BOX-1").await, (5, 3, 2), "{engine:?}");
        assert_eq!(shop.stock("LID-1").await, (10, 2, 8), "{engine:?}");
        assert_eq!(shop.count("orders").await, 1, "{engine:?}");
        assert_eq!(shop.count("order_lines").await, 2, "{engine:?}");
        assert_eq!(shop.count("order_events").await, 1, "{engine:?}");
        let list = shop.get("/orders").await;
        assert_eq!(list.json["orders"].as_array().map(Vec::len), Some(1));

        // Exactly what is available can still be ordered; the next number follows.
        let rest = shop.place_order(order_for(&[("BOX-1", 2)])).await;
        assert_eq!(rest["number"], 1002, "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (5, 5, 0), "{engine:?}");
        let product = shop.product_by_handle("box").await;
        assert_eq!(product["variants"][0]["reserved"], 5, "{engine:?}");
        assert_eq!(product["variants"][0]["available"], 0, "{engine:?}");
    }
}

#[tokio::test]
async fn an_order_goes_through_payment_approval_partial_and_full_shipment_to_delivery() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.create_product(json!({
            "title": "Lamp",
            "status": "active",
            "option1_name": "Size",
            "variants": [
                { "sku": "LAMP-S", "option1": "S", "price": "20.00", "on_hand": 10 },
                { "sku": "LAMP-L", "option1": "L", "price": "35.00", "on_hand": 4 }
            ]
        }))
        .await;
        let placed = shop
            .place_order(json!({
                "customer_email": "grace@example.com",
                "customer_name": "Grace Hopper",
                "lines": [{ "sku": "LAMP-S", "quantity": 3 }, { "sku": "LAMP-L", "quantity": 2 }],
                "shipping": "4.90"
            }))
            .await;
        assert_eq!(placed["totals"]["total_minor"], 13490, "{engine:?}");
        assert_eq!(placed["lines"][0]["title"], "Lamp — S", "{engine:?}");
        assert_eq!(
            placed["actions"],
            json!(["mark_paid", "cancel"]),
            "{engine:?}"
        );
        assert_eq!(shop.stock("LAMP-S").await, (10, 3, 7), "{engine:?}");
        assert_eq!(shop.stock("LAMP-L").await, (4, 2, 2), "{engine:?}");

        let paid = shop
            .act_ok(&placed, "mark_paid", json!({ "note": "bank transfer" }))
            .await;
        assert_eq!(paid["status"], "paid", "{engine:?}");
        assert_eq!(paid["version"], 2);
        assert_eq!(paid["paid_minor"], 13490);
        assert_eq!(paid["payments"][0]["kind"], "payment");
        assert_eq!(paid["payments"][0]["amount_minor"], 13490);
        assert_eq!(paid["payments"][0]["method"], "bank transfer");

        let approved = shop.act_ok(&paid, "approve", json!({})).await;
        assert_eq!(approved["status"], "approved", "{engine:?}");
        assert_eq!(shop.stock("LAMP-S").await, (10, 3, 7), "{engine:?}");

        // First parcel: two of the three small lamps.
        let partly = shop
            .act_ok(
                &approved,
                "ship",
                json!({
                    "carrier": "DHL",
                    "tracking_number": "JJD000123",
                    "tracking_url": "https://track.example.com/JJD000123",
                    "lines": [{ "line_id": line_id(&approved, "LAMP-S"), "quantity": 2 }]
                }),
            )
            .await;
        assert_eq!(partly["status"], "partially_shipped", "{engine:?}");
        assert_eq!(partly["lines"][0]["shipped_quantity"], 2);
        assert_eq!(partly["lines"][1]["shipped_quantity"], 0);
        assert_eq!(shop.stock("LAMP-S").await, (8, 1, 7), "{engine:?}");
        assert_eq!(shop.stock("LAMP-L").await, (4, 2, 2), "{engine:?}");
        let shipments = partly["shipments"].as_array().expect("shipments");
        assert_eq!(shipments.len(), 1);
        assert_eq!(shipments[0]["carrier"], "DHL");
        assert_eq!(shipments[0]["tracking_number"], "JJD000123");
        assert_eq!(
            shipments[0]["tracking_url"],
            "https://track.example.com/JJD000123"
        );
        assert_eq!(shipments[0]["items"], json!([["LAMP-S", 2]]));

        // Not deliverable until everything has shipped.
        let early = shop.act(&partly, "deliver", json!({})).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(
            error_message(&early).contains("shipped completely"),
            "{engine:?}: {}",
            early.text
        );
        // Shipping more than is left is refused.
        let too_much = shop
            .act(
                &partly,
                "ship",
                json!({ "carrier": "DHL", "tracking_number": "X", "lines": [{ "line_id": line_id(&partly, "LAMP-S"), "quantity": 2 }] }),
            )
            .await;
        assert_eq!(too_much.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(shop.stock("LAMP-S").await, (8, 1, 7), "{engine:?}");

        // Second parcel: everything left.
        let shipped = shop
            .act_ok(
                &partly,
                "ship",
                json!({ "carrier": "UPS", "tracking_number": "1Z999AA10123456784" }),
            )
            .await;
        assert_eq!(shipped["status"], "shipped", "{engine:?}");
        assert_eq!(shipped["lines"][0]["shipped_quantity"], 3);
        assert_eq!(shipped["lines"][1]["shipped_quantity"], 2);
        assert_eq!(shop.stock("LAMP-S").await, (7, 0, 7), "{engine:?}");
        assert_eq!(shop.stock("LAMP-L").await, (2, 0, 2), "{engine:?}");
        let shipments = shipped["shipments"].as_array().expect("shipments");
        assert_eq!(shipments.len(), 2);
        assert_eq!(shipments[1]["carrier"], "UPS");
        assert_eq!(shipments[1]["tracking_number"], "1Z999AA10123456784");
        assert_eq!(shipments[1]["items"], json!([["LAMP-S", 1], ["LAMP-L", 2]]));

        let delivered = shop.act_ok(&shipped, "deliver", json!({})).await;
        assert_eq!(delivered["status"], "delivered", "{engine:?}");
        assert_eq!(delivered["version"], 6);
        assert_eq!(delivered["actions"], json!(["refund"]), "{engine:?}");
        assert_eq!(
            event_kinds(&delivered),
            vec![
                "placed",
                "paid",
                "approved",
                "shipped",
                "shipped",
                "delivered"
            ],
            "{engine:?}"
        );
        let messages: Vec<&str> = delivered["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|event| event["message"].as_str().expect("message"))
            .collect();
        assert!(
            messages[3].contains("JJD000123"),
            "{engine:?}: {messages:?}"
        );
        assert!(
            messages[3].contains("Partially shipped"),
            "{engine:?}: {messages:?}"
        );
        assert!(
            messages[4].contains("1Z999AA10123456784"),
            "{engine:?}: {messages:?}"
        );

        // Each parcel committed its stock in the history.
        let history = shop.history("LAMP-S").await;
        let shipped_deltas: Vec<(i64, i64)> = history
            .iter()
            .filter(|entry| entry["reason"] == "Shipped on order #1001")
            .map(|entry| {
                (
                    entry["delta"].as_i64().expect("delta"),
                    entry["on_hand_after"].as_i64().expect("after"),
                )
            })
            .collect();
        assert_eq!(shipped_deltas, vec![(-1, 7), (-2, 8)], "{engine:?}");
        assert_eq!(
            shop.order(placed["id"].as_i64().expect("id")).await,
            delivered
        );
    }
}

#[tokio::test]
async fn out_of_order_transitions_and_stale_versions_are_refused_with_409() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Box", "BOX-1", "10.00", 5).await;
        let placed = shop.place_order(order_for(&[("BOX-1", 1)])).await;

        let approve = shop.act(&placed, "approve", json!({})).await;
        assert_eq!(approve.status, StatusCode::CONFLICT, "{engine:?}");
        assert_eq!(approve.json["error"]["code"], "conflict");
        assert_eq!(
            error_message(&approve),
            "Cannot approve an order that is pending (it must be paid first, or be on payment terms)",
            "{engine:?}"
        );
        let ship = shop
            .act(
                &placed,
                "ship",
                json!({ "carrier": "DHL", "tracking_number": "JJD1" }),
            )
            .await;
        assert_eq!(ship.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(
            error_message(&ship).contains("must be approved first"),
            "{engine:?}: {}",
            ship.text
        );
        let deliver = shop.act(&placed, "deliver", json!({})).await;
        assert_eq!(deliver.status, StatusCode::CONFLICT, "{engine:?}");

        let mut stale = placed.clone();
        stale["version"] = json!(7);
        let stale_pay = shop.act(&stale, "mark_paid", json!({})).await;
        assert_eq!(stale_pay.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(
            error_message(&stale_pay).contains("changed by someone else"),
            "{engine:?}: {}",
            stale_pay.text
        );

        let unknown_action = shop.act(&placed, "teleport", json!({})).await;
        assert_eq!(unknown_action.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(error_field(&unknown_action), "action");

        // None of that changed the order or its stock.
        let id = placed["id"].as_i64().expect("id");
        assert_eq!(shop.order(id).await, placed, "{engine:?}");
        assert_eq!(shop.count("payments").await, 0, "{engine:?}");
        assert_eq!(shop.count("shipments").await, 0, "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (5, 1, 4), "{engine:?}");

        // Two people act on the same version: the second is refused.
        let paid = shop.act_ok(&placed, "mark_paid", json!({})).await;
        assert_eq!(paid["version"], 2);
        let late = shop.act(&placed, "cancel", json!({})).await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(
            error_message(&late).contains("changed by someone else"),
            "{engine:?}: {}",
            late.text
        );
        let now = shop.order(id).await;
        assert_eq!(now, paid, "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (5, 1, 4), "{engine:?}");
    }
}

#[tokio::test]
async fn cancelling_releases_reserved_stock() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Box", "BOX-1", "10.00", 10).await;

        let pending = shop.place_order(order_for(&[("BOX-1", 4)])).await;
        let approved_order = shop.place_order(order_for(&[("BOX-1", 3)])).await;
        let shipped_order = shop.place_order(order_for(&[("BOX-1", 2)])).await;
        assert_eq!(shop.stock("BOX-1").await, (10, 9, 1), "{engine:?}");

        let cancelled = shop
            .act_ok(
                &pending,
                "cancel",
                json!({ "note": "customer changed their mind" }),
            )
            .await;
        assert_eq!(cancelled["status"], "cancelled", "{engine:?}");
        assert_eq!(cancelled["actions"], json!([]), "{engine:?}");
        let last = cancelled["events"]
            .as_array()
            .and_then(|events| events.last())
            .expect("event");
        assert_eq!(last["kind"], "cancelled");
        assert!(
            last["message"]
                .as_str()
                .unwrap_or_default()
                .contains("customer changed their mind"),
            "{engine:?}: {last}"
        );
        assert_eq!(shop.stock("BOX-1").await, (10, 5, 5), "{engine:?}");
        let again = shop.act(&cancelled, "cancel", json!({})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (10, 5, 5), "{engine:?}");

        // A paid and approved order releases its reservation too.
        let paid = shop.act_ok(&approved_order, "mark_paid", json!({})).await;
        let approved = shop.act_ok(&paid, "approve", json!({})).await;
        let cancelled = shop.act_ok(&approved, "cancel", json!({})).await;
        assert_eq!(cancelled["status"], "cancelled", "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (10, 2, 8), "{engine:?}");

        // A shipped order cannot be cancelled; its stock stays committed.
        let paid = shop.act_ok(&shipped_order, "mark_paid", json!({})).await;
        let approved = shop.act_ok(&paid, "approve", json!({})).await;
        let shipped = shop
            .act_ok(
                &approved,
                "ship",
                json!({ "carrier": "DHL", "tracking_number": "JJD2" }),
            )
            .await;
        assert_eq!(shop.stock("BOX-1").await, (8, 0, 8), "{engine:?}");
        let refused = shop.act(&shipped, "cancel", json!({})).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{engine:?}");
        assert_eq!(
            error_message(&refused),
            "Cannot cancel an order that is shipped (items have shipped; refund instead)",
            "{engine:?}"
        );
        let id = shipped["id"].as_i64().expect("id");
        assert_eq!(shop.order(id).await, shipped, "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (8, 0, 8), "{engine:?}");

        // Nor can a partially shipped one.
        let partial = shop.place_order(order_for(&[("BOX-1", 2)])).await;
        let paid = shop.act_ok(&partial, "mark_paid", json!({})).await;
        let approved = shop.act_ok(&paid, "approve", json!({})).await;
        let partly = shop
            .act_ok(
                &approved,
                "ship",
                json!({ "carrier": "DHL", "tracking_number": "JJD3", "lines": [{ "line_id": line_id(&approved, "BOX-1"), "quantity": 1 }] }),
            )
            .await;
        assert_eq!(partly["status"], "partially_shipped");
        let refused = shop.act(&partly, "cancel", json!({})).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (7, 1, 6), "{engine:?}");
    }
}

#[tokio::test]
async fn refunds_can_be_partial_then_full_and_never_exceed_what_was_paid() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Box", "BOX-1", "12.50", 10).await;
        let placed = shop
            .place_order(json!({
                "customer_email": "ada@example.com",
                "lines": [{ "sku": "BOX-1", "quantity": 2 }],
                "shipping": "5.00"
            }))
            .await;
        assert_eq!(placed["totals"]["total_minor"], 3000);

        let unpaid = shop
            .act(&placed, "refund", json!({ "amount": "1.00" }))
            .await;
        assert_eq!(unpaid.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(
            error_message(&unpaid).contains("nothing has been paid"),
            "{engine:?}: {}",
            unpaid.text
        );

        let paid = shop.act_ok(&placed, "mark_paid", json!({})).await;
        assert_eq!(paid["paid_minor"], 3000);
        let approved = shop.act_ok(&paid, "approve", json!({})).await;
        let shipped = shop
            .act_ok(
                &approved,
                "ship",
                json!({ "carrier": "DHL", "tracking_number": "JJD9" }),
            )
            .await;

        let partial = shop
            .act_ok(
                &shipped,
                "refund",
                json!({ "amount": "10.00", "note": "scratched lid" }),
            )
            .await;
        assert_eq!(partial["status"], "shipped", "{engine:?}");
        assert_eq!(partial["refunded_minor"], 1000);
        assert_eq!(partial["paid_minor"], 3000);
        assert!(
            partial["actions"]
                .as_array()
                .is_some_and(|actions| actions.contains(&json!("refund"))),
            "{engine:?}: {}",
            partial["actions"]
        );

        for too_much in ["20.01", "25", "0", "1.001", "-1.00"] {
            let refused = shop
                .act(&partial, "refund", json!({ "amount": too_much }))
                .await;
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "{engine:?}: refund {too_much}: {}",
                refused.text
            );
            assert_eq!(error_field(&refused), "amount", "{engine:?}: {too_much}");
        }
        let id = placed["id"].as_i64().expect("id");
        assert_eq!(shop.order(id).await, partial, "{engine:?}");

        let full = shop
            .act_ok(&partial, "refund", json!({ "amount": "20.00" }))
            .await;
        assert_eq!(full["status"], "refunded", "{engine:?}");
        assert_eq!(full["refunded_minor"], 3000);
        assert_eq!(full["actions"], json!([]), "{engine:?}");
        let payments: Vec<(String, i64)> = full["payments"]
            .as_array()
            .expect("payments")
            .iter()
            .map(|payment| {
                (
                    payment["kind"].as_str().expect("kind").to_string(),
                    payment["amount_minor"].as_i64().expect("amount"),
                )
            })
            .collect();
        assert_eq!(
            payments,
            vec![
                ("payment".to_string(), 3000),
                ("refund".to_string(), 1000),
                ("refund".to_string(), 2000)
            ],
            "{engine:?}"
        );
        assert_eq!(
            event_kinds(&full),
            vec!["placed", "paid", "approved", "shipped", "refunded", "refunded"]
        );

        let more = shop.act(&full, "refund", json!({ "amount": "0.01" })).await;
        assert_eq!(more.status, StatusCode::CONFLICT, "{engine:?}");
        assert_eq!(shop.order(id).await, full, "{engine:?}");
        assert_eq!(shop.count("payments").await, 3, "{engine:?}");
    }
}

#[tokio::test]
async fn a_full_refund_of_an_unshipped_order_releases_its_reserved_stock() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Box", "BOX-1", "10.00", 10).await;
        let placed = shop.place_order(order_for(&[("BOX-1", 4)])).await;
        let paid = shop.act_ok(&placed, "mark_paid", json!({})).await;
        assert_eq!(shop.stock("BOX-1").await, (10, 4, 6), "{engine:?}");

        let refunded = shop
            .act_ok(&paid, "refund", json!({ "amount": "40.00" }))
            .await;

        assert_eq!(refunded["status"], "refunded", "{engine:?}");
        // A refunded order can no longer be shipped or cancelled, so nothing would ever release
        // the stock it held.
        assert_eq!(refunded["actions"], json!([]), "{engine:?}");
        assert_eq!(
            shop.stock("BOX-1").await,
            (10, 0, 10),
            "{engine:?}: the refunded order must not keep its 4 items reserved"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Input validation and isolation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn bad_product_input_names_the_field() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        let pen = shop.simple_product("Pen", "PEN-1", "1.20", 5).await;
        assert_eq!(pen["variants"][0]["price_minor"], 120);

        let cases = [
            (
                json!({ "title": "Pencil", "variants": [{ "sku": "PCL-1", "price": "1.234" }] }),
                "variants[0].price",
            ),
            (
                json!({ "title": "Pencil", "variants": [{ "sku": "PCL-1", "price": "1.00" }, { "sku": "PCL-2", "price": "abc" }] }),
                "variants[1].price",
            ),
            (
                json!({ "title": "Pencil", "variants": [{ "sku": "PCL 1", "price": "1.00" }] }),
                "variants[0].sku",
            ),
            (
                json!({ "title": "Pencil", "variants": [{ "sku": "PCL-1", "price": "1.00", "on_hand": "-4" }] }),
                "variants[0].on_hand",
            ),
            (
                json!({ "title": "  ", "variants": [{ "sku": "PCL-1", "price": "1.00" }] }),
                "title",
            ),
            (
                json!({ "title": "Pencil", "status": "sold", "variants": [{ "sku": "PCL-1", "price": "1.00" }] }),
                "status",
            ),
            (json!({ "title": "Pencil", "variants": [] }), "variants"),
        ];
        for (body, field) in cases {
            let response = shop.post("/products", body.clone()).await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{engine:?}: {body}: {}",
                response.text
            );
            assert_eq!(response.json["error"]["code"], "invalid");
            assert_eq!(error_field(&response), field, "{engine:?}: {body}");
        }
        let price = shop
            .post(
                "/products",
                json!({ "title": "Pencil", "variants": [{ "sku": "PCL-1", "price": "1.234" }] }),
            )
            .await;
        assert!(
            error_field(&price).contains("price") && error_message(&price).contains("1.234"),
            "{engine:?}: {}",
            price.text
        );

        // A SKU already used by another product.
        let taken = shop
            .post(
                "/products",
                json!({ "title": "Pencil", "variants": [{ "sku": "PEN-1", "price": "1.00" }] }),
            )
            .await;
        assert_eq!(
            taken.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            taken.text
        );
        assert!(error_message(&taken).contains("PEN-1"), "{engine:?}");
        let added = shop
            .post(
                &format!("/products/{}/variants", pen["id"]),
                json!({ "sku": "PEN-1", "price": "1.00" }),
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            added.text
        );
        let handle = shop
            .post(
                "/products",
                json!({ "title": "Pen", "variants": [{ "sku": "PEN-2", "price": "1.00" }] }),
            )
            .await;
        assert_eq!(
            handle.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            handle.text
        );

        // An order quantity that is not a whole number, as text or as a JSON number.
        for quantity in [json!("1.5"), json!(1.5), json!(0), json!("two")] {
            let response = shop
                .post(
                    "/orders",
                    json!({ "customer_email": "ada@example.com", "lines": [{ "sku": "PEN-1", "quantity": quantity }] }),
                )
                .await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{engine:?}: quantity {quantity}: {}",
                response.text
            );
            assert_eq!(
                error_field(&response),
                "lines[1].quantity",
                "{engine:?}: {quantity}"
            );
        }
        let adjust = shop
            .post(
                "/inventory",
                json!({ "sku": "PEN-1", "delta": "-6", "reason": "count" }),
            )
            .await;
        assert_eq!(adjust.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(error_field(&adjust), "delta", "{engine:?}");

        // Nothing was half-written.
        assert_eq!(shop.count("products").await, 1, "{engine:?}");
        assert_eq!(shop.count("variants").await, 1, "{engine:?}");
        assert_eq!(shop.count("orders").await, 0, "{engine:?}");
        assert_eq!(shop.count("customers").await, 0, "{engine:?}");
        assert_eq!(shop.count("inventory_adjustments").await, 1, "{engine:?}");
        assert_eq!(shop.stock("PEN-1").await, (5, 0, 5), "{engine:?}");
        assert_eq!(
            shop.product(pen["id"].as_i64().expect("id")).await,
            pen,
            "{engine:?}"
        );

        // Editing from a stale version is refused and changes nothing.
        let renamed = shop
            .patch(
                &format!("/products/{}", pen["id"]),
                json!({ "expected_version": pen["version"], "title": "Fountain Pen", "handle": "pen", "status": "active" }),
            )
            .await;
        assert_eq!(
            renamed.status,
            StatusCode::OK,
            "{engine:?}: {}",
            renamed.text
        );
        assert_eq!(renamed.json["version"], 2);
        let stale = shop
            .patch(
                &format!("/products/{}", pen["id"]),
                json!({ "expected_version": pen["version"], "title": "Ballpoint", "handle": "pen", "status": "active" }),
            )
            .await;
        assert_eq!(
            stale.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            stale.text
        );
        let now = shop.product(pen["id"].as_i64().expect("id")).await;
        assert_eq!(now["title"], "Fountain Pen", "{engine:?}");
        assert_eq!(now["version"], 2, "{engine:?}");
    }
}

#[tokio::test]
async fn a_refused_variant_in_a_new_product_leaves_no_half_created_product() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Pen", "PEN-1", "1.20", 5).await;

        // The second variant repeats the first one's SKU.
        let repeated = shop
            .post(
                "/products",
                json!({ "title": "Pencil", "variants": [{ "sku": "PCL-1", "price": "1.00", "on_hand": 3 }, { "sku": "PCL-1", "price": "1.00" }] }),
            )
            .await;
        assert!(
            repeated.status == StatusCode::CONFLICT || repeated.status == StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            repeated.text
        );
        // The second variant uses a SKU of another product.
        let clash = shop
            .post(
                "/products",
                json!({ "title": "Marker", "variants": [{ "sku": "MRK-1", "price": "2.00", "on_hand": 3 }, { "sku": "PEN-1", "price": "2.00" }] }),
            )
            .await;
        assert_eq!(
            clash.status,
            StatusCode::CONFLICT,
            "{engine:?}: {}",
            clash.text
        );

        let handles: Vec<String> = shop
            .products()
            .await
            .iter()
            .map(|row| row["handle"].as_str().expect("handle").to_string())
            .collect();
        assert_eq!(
            handles,
            vec!["pen"],
            "{engine:?}: a refused product must not be left behind"
        );
        assert_eq!(shop.count("variants").await, 1, "{engine:?}");
        assert_eq!(shop.count("inventory_adjustments").await, 1, "{engine:?}");
    }
}

#[tokio::test]
async fn another_merchant_cannot_see_or_change_this_shops_orders() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        let product = shop.simple_product("Box", "BOX-1", "10.00", 5).await;
        let order = shop.place_order(order_for(&[("BOX-1", 2)])).await;
        let other = shop
            .app
            .sign_up(&format!("{}@example.com", unique("rival")))
            .await;
        let other_slug = unique("rival-shop");
        shop.app.create_shop(&other, &other_slug).await;
        let order_id = order["id"].as_i64().expect("id");
        let product_id = product["id"].as_i64().expect("id");
        let slug = &shop.slug;

        let attempts: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, format!("/shops/{slug}/orders"), None),
            (
                Method::GET,
                format!("/shops/{slug}/orders/{order_id}"),
                None,
            ),
            (
                Method::POST,
                format!("/shops/{slug}/orders/{order_id}/transitions"),
                Some(json!({ "action": "cancel", "expected_version": 1 })),
            ),
            (
                Method::POST,
                format!("/shops/{slug}/orders"),
                Some(order_for(&[("BOX-1", 1)])),
            ),
            (Method::GET, format!("/shops/{slug}/products"), None),
            (
                Method::GET,
                format!("/shops/{slug}/products/{product_id}"),
                None,
            ),
            (
                Method::PATCH,
                format!("/shops/{slug}/products/{product_id}"),
                Some(json!({ "expected_version": 1, "title": "Mine now" })),
            ),
            (Method::GET, format!("/shops/{slug}/products/export"), None),
            (Method::GET, format!("/shops/{slug}/inventory"), None),
            (
                Method::POST,
                format!("/shops/{slug}/inventory"),
                Some(json!({ "sku": "BOX-1", "delta": "-5", "reason": "theft" })),
            ),
            // Ids are per shop: the rival's own shop has no such order.
            (
                Method::GET,
                format!("/shops/{other_slug}/orders/{order_id}"),
                None,
            ),
            (
                Method::POST,
                format!("/shops/{other_slug}/orders/{order_id}/transitions"),
                Some(json!({ "action": "cancel", "expected_version": 1 })),
            ),
        ];
        for (method, path, body) in attempts {
            let response = shop
                .app
                .api(method.clone(), &path, Some(&other), body)
                .await;
            assert_eq!(
                response.status,
                StatusCode::NOT_FOUND,
                "{engine:?}: {method} {path}: {}",
                response.text
            );
        }
        let import = shop
            .app
            .api_raw(
                Method::POST,
                &format!("/shops/{slug}/products/import"),
                Some(&other),
                "text/csv",
                b"sku,price,title\nBOX-1,0.01,Box\n".to_vec(),
            )
            .await;
        assert_eq!(import.status, StatusCode::NOT_FOUND, "{engine:?}");
        let anonymous = shop
            .app
            .api(
                Method::GET,
                &format!("/shops/{slug}/orders/{order_id}"),
                None,
                None,
            )
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{engine:?}");

        // The owner's order, product and stock are untouched.
        assert_eq!(shop.order(order_id).await, order, "{engine:?}");
        assert_eq!(shop.product(product_id).await["title"], "Box", "{engine:?}");
        assert_eq!(shop.stock("BOX-1").await, (5, 2, 3), "{engine:?}");
        assert_eq!(shop.count("orders").await, 1, "{engine:?}");
        assert_eq!(shop.count("imports").await, 0, "{engine:?}");
    }
}

#[tokio::test]
async fn concurrent_orders_for_the_last_items_never_oversell() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Box", "BOX-1", "10.00", 5).await;

        let attempts = (0..8).map(|_| shop.post("/orders", order_for(&[("BOX-1", 1)])));
        let responses = futures::future::join_all(attempts).await;

        let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
        let placed = statuses.iter().filter(|s| **s == 201).count();
        let refused = statuses.iter().filter(|s| **s == 400).count();
        assert_eq!((placed, refused), (5, 3), "{engine:?}: {statuses:?}");
        assert_eq!(shop.stock("BOX-1").await, (5, 5, 0), "{engine:?}");
        assert_eq!(shop.count("orders").await, 5, "{engine:?}");
        let mut numbers: Vec<i64> = responses
            .iter()
            .filter_map(|r| r.json["number"].as_i64())
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, vec![1001, 1002, 1003, 1004, 1005], "{engine:?}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_catalog_inventory_and_order_endpoints() {
    let app = TestApp::start(Engine::Sqlite).await;
    let document = app.api(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(document.status, StatusCode::OK);
    for path in [
        "/shops/{slug}/products",
        "/shops/{slug}/products/{id}",
        "/shops/{slug}/products/import",
        "/shops/{slug}/products/export",
        "/shops/{slug}/inventory",
        "/shops/{slug}/orders",
        "/shops/{slug}/orders/{id}",
        "/shops/{slug}/orders/{id}/transitions",
    ] {
        assert!(
            document.json["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    for schema in [
        "NewProduct",
        "ProductDetail",
        "ImportStatus",
        "NewOrder",
        "Transition",
        "OrderDetail",
    ] {
        assert!(
            document.json["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
}

/// Issue 15: a decimal comma is a decimal mark in the CSV import and the API, never hundreds,
/// and an amount with two readings is refused naming the line and the field.
#[tokio::test]
async fn decimal_commas_in_an_import_and_the_api_are_read_as_typed() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        let csv = format!(
            "{HEADER}\n\
             mug,Mug,,active,,,,,,,MUG-1,\"12,50\",\"1.250,00\",,,4\n\
             cup,Cup,,active,,,,,,,CUP-1,\"1 250,00\",,,,4\n\
             jug,Jug,,active,,,,,,,JUG-1,\"1,250\",,,,4\n"
        );
        let status = shop.import(csv).await;
        assert_eq!(status["rows_created"], 2, "{engine:?}: {status}");
        assert_eq!(
            errors_of(&status),
            vec![(4, "price".to_string())],
            "{engine:?}: {status}"
        );
        let message = status["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("could mean"), "{message}");
        let mug = shop.product_by_handle("mug").await;
        assert_eq!(mug["variants"][0]["price_minor"], 1250, "{engine:?}: {mug}");
        assert_eq!(
            mug["variants"][0]["compare_at_minor"], 125_000,
            "{engine:?}"
        );
        let cup = shop.product_by_handle("cup").await;
        assert_eq!(cup["variants"][0]["price_minor"], 125_000, "{engine:?}");

        let created = shop
            .post(
                "/products",
                json!({ "title": "Bowl", "status": "active", "variants": [{ "sku": "BOWL-1", "price": "179,00", "on_hand": 1 }] }),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            created.text
        );
        assert_eq!(
            created.json["variants"][0]["price_minor"], 17_900,
            "{engine:?}"
        );
        let ambiguous = shop
            .post(
                "/products",
                json!({ "title": "Vase", "status": "active", "variants": [{ "sku": "VASE-1", "price": "2.500", "on_hand": 1 }] }),
            )
            .await;
        assert_eq!(ambiguous.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert!(
            ambiguous.json["error"]["field"]
                .as_str()
                .unwrap_or_default()
                .contains("price"),
            "{}",
            ambiguous.text
        );
    }
}

#[tokio::test]
async fn product_search_finds_a_sku_by_its_start_whatever_the_case() {
    for engine in engines() {
        let shop = Shop::open(engine).await;
        shop.simple_product("Shirt", "TEE-M-RED", "10.00", 1).await;
        shop.simple_product("Mug", "MUG-TEE", "5.00", 1).await;
        let titles = |page: &Value| -> Vec<String> {
            page["products"]
                .as_array()
                .expect("products")
                .iter()
                .map(|product| product["title"].as_str().unwrap_or_default().to_string())
                .collect()
        };

        let by_prefix = shop.get("/products?q=tee-m").await;
        assert_eq!(
            by_prefix.status,
            StatusCode::OK,
            "{engine:?}: {}",
            by_prefix.text
        );
        assert_eq!(titles(&by_prefix.json), ["Shirt"], "{engine:?}");
        let exact = shop.get("/products?q=MUG-TEE").await;
        assert_eq!(titles(&exact.json), ["Mug"], "{engine:?}");
        // The middle of a SKU is not its start.
        let middle = shop.get("/products?q=m-red").await;
        assert!(
            titles(&middle.json).is_empty(),
            "{engine:?}: {}",
            middle.text
        );
    }
}

#[tokio::test]
async fn the_date_filters_read_days_on_the_shops_clocks() {
    for engine in engines() {
        // The test shops are in Europe/Berlin (UTC+2 in summer).
        let shop = Shop::open(engine).await;
        shop.simple_product("Clock", "CLOCK-1", "5.00", 10).await;
        let mut ids = Vec::new();
        for _ in 0..2 {
            let placed = shop.post("/orders", order_for(&[("CLOCK-1", 1)])).await;
            assert_eq!(
                placed.status,
                StatusCode::CREATED,
                "{engine:?}: {}",
                placed.text
            );
            ids.push(placed.json["id"].as_i64().expect("id"));
        }
        // 2024-06-30 22:30 UTC is already 1 July, 00:30, in Berlin; an hour earlier is 30 June.
        let first_of_july_in_berlin = 1_719_786_600_000_i64;
        let (_, db) = shop.app.shop_database(&shop.slug).await;
        for (id, placed_at) in [
            (ids[0], first_of_july_in_berlin),
            (ids[1], first_of_july_in_berlin - 3_600_000),
        ] {
            sqlx::query("UPDATE orders SET placed_at = $1 WHERE id = $2")
                .bind(placed_at)
                .bind(id)
                .execute(&db.pool)
                .await
                .expect("placed_at");
        }
        let listed = |response: &TestResponse| -> Vec<i64> {
            response.json["orders"]
                .as_array()
                .expect("orders")
                .iter()
                .map(|order| order["id"].as_i64().expect("id"))
                .collect()
        };
        let july = shop.get("/orders?from=2024-07-01&to=2024-07-01").await;
        assert_eq!(july.status, StatusCode::OK, "{engine:?}: {}", july.text);
        assert_eq!(listed(&july), vec![ids[0]], "{engine:?}: 1 July in Berlin");
        let june = shop.get("/orders?from=2024-06-30&to=2024-06-30").await;
        assert_eq!(listed(&june), vec![ids[1]], "{engine:?}: 30 June in Berlin");
        let both = shop.get("/orders?from=2024-06-30&to=2024-07-01").await;
        assert_eq!(listed(&both).len(), 2, "{engine:?}");
    }
}
