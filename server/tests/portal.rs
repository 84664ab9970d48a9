//! Integration tests of the customer portal through the JSON API, on SQLite and, when configured,
//! on PostgreSQL: customer accounts and shop-bound tokens, the merchant's verification, the
//! guard of every business operation, quotes and bulk orders.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use support::{engines, unique, DnsStandIn, Engine, TestApp, TestResponse};

/// An application with one merchant and two active shops (`slug` and `other_slug`), and
/// products in the first.
struct Portal {
    app: TestApp,
    engine: Engine,
    merchant: String,
    slug: String,
    other_slug: String,
}

/// The business operations, as (method, path under the shop, body).
fn b2b_operations(quote_id: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/quotes".into(), None),
        (
            Method::POST,
            "/quotes".into(),
            Some(json!({ "lines": "BOLT-10, 100", "message": "Please quote" })),
        ),
        (Method::GET, format!("/quotes/{quote_id}"), None),
        (
            Method::POST,
            format!("/quotes/{quote_id}/messages"),
            Some(json!({ "body": "Any news?" })),
        ),
        (
            Method::POST,
            format!("/quotes/{quote_id}/decline"),
            Some(json!({ "expected_version": 0 })),
        ),
        (
            Method::POST,
            format!("/quotes/{quote_id}/accept"),
            Some(json!({ "expected_version": 0 })),
        ),
        (
            Method::POST,
            "/bulk-orders/check".into(),
            Some(json!({ "lines": "BOLT-10, 100" })),
        ),
        (
            Method::POST,
            "/bulk-orders".into(),
            Some(json!({ "lines": "BOLT-10, 100" })),
        ),
        (Method::GET, "/bulk-orders/reorder/1".into(), None),
        (Method::GET, "/company".into(), None),
        (
            Method::POST,
            "/company/buyers".into(),
            Some(json!({ "email": "new@example.com", "name": "New Buyer" })),
        ),
        (
            Method::PUT,
            "/company/buyers/1/limit".into(),
            Some(json!({ "spending_limit": "10.00" })),
        ),
        (
            Method::POST,
            "/company/approvals/1".into(),
            Some(json!({ "decision": "approve" })),
        ),
    ]
}

impl Portal {
    async fn open(engine: Engine) -> Portal {
        Self::open_on(TestApp::start(engine).await).await
    }

    /// The same shops and products on an app started by the caller (e.g. with a DNS stand-in).
    async fn open_on(app: TestApp) -> Portal {
        let engine = app.engine;
        // Verified: some tests add a custom domain, which waits for a verified address.
        let merchant = app
            .sign_up_verified(&format!("{}@example.com", unique("merchant")))
            .await;
        let slug = unique("shop");
        let other_slug = unique("other");
        app.create_shop(&merchant, &slug).await;
        app.create_shop(&merchant, &other_slug).await;
        let portal = Portal {
            app,
            engine,
            merchant,
            slug,
            other_slug,
        };
        for (sku, price, stock) in [("BOLT-10", "1.00", 10_000), ("NUT-5", "0.50", 30)] {
            let response = portal
                .merchant_call(
                    Method::POST,
                    "/products",
                    Some(json!({
                        "title": format!("Product {sku}"),
                        "status": "active",
                        "variants": [{ "sku": sku, "price": price, "on_hand": stock }]
                    })),
                )
                .await;
            assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        }
        portal
    }

    async fn merchant_call(&self, method: Method, rest: &str, body: Option<Value>) -> TestResponse {
        self.app
            .api(
                method,
                &format!("/shops/{}{rest}", self.slug),
                Some(&self.merchant),
                body,
            )
            .await
    }

    async fn customer_call(
        &self,
        slug: &str,
        method: Method,
        rest: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        self.app
            .api(method, &format!("/shops/{slug}{rest}"), token, body)
            .await
    }

    /// Signs up a customer of shop `slug` and returns (token, customer id).
    async fn sign_up(&self, slug: &str, account_type: &str) -> (String, i64) {
        let email = format!("{}@example.com", unique(account_type));
        let mut body = json!({
            "email": email,
            "password": "a long enough password",
            "name": "Grace Buyer",
            "account_type": account_type,
        });
        if account_type == "business" {
            body["company_name"] = json!("Hopper Hardware GmbH");
            body["tax_id"] = json!("DE 136 695 976");
            body["billing_address"] = json!({ "line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "de" });
        }
        let asked = self
            .customer_call(slug, Method::POST, "/customers/signup", None, Some(body))
            .await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
        let response = self.app.confirm_customer_sign_up(slug, &email).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        (
            response.json["access_token"]
                .as_str()
                .expect("token")
                .to_string(),
            response.json["customer"]["id"].as_i64().expect("id"),
        )
    }

    async fn verify(&self, customer_id: i64) {
        let response = self
            .merchant_call(
                Method::POST,
                &format!("/customers/{customer_id}/verification"),
                Some(json!({ "decision": "verify" })),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        assert_eq!(response.json["company"]["verification"], "verified");
    }

    async fn verified_business(&self, slug: &str) -> String {
        let (token, id) = self.sign_up(slug, "business").await;
        if slug == self.slug {
            self.verify(id).await;
        } else {
            let response = self
                .app
                .api(
                    Method::POST,
                    &format!("/shops/{slug}/customers/{id}/verification"),
                    Some(&self.merchant),
                    Some(json!({ "decision": "verify" })),
                )
                .await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        }
        token
    }

    async fn count(&self, table: &str) -> i64 {
        self.app.shop_count(&self.slug, table).await
    }
}

#[tokio::test]
async fn every_business_operation_is_guarded_on_the_server() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let (individual, _) = portal.sign_up(&portal.slug, "individual").await;
        let (unverified, _) = portal.sign_up(&portal.slug, "business").await;
        let (rejected, rejected_id) = portal.sign_up(&portal.slug, "business").await;
        let response = portal
            .merchant_call(
                Method::POST,
                &format!("/customers/{rejected_id}/verification"),
                Some(
                    json!({ "decision": "reject", "reason": "Tax id belongs to another company" }),
                ),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        let other_shops = portal.verified_business(&portal.other_slug).await;
        let verified = portal.verified_business(&portal.slug).await;

        // A quote of this shop's verified business, so that id-based operations have a target.
        let created = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/quotes",
                Some(&verified),
                Some(json!({ "lines": "BOLT-10, 100" })),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let quote_id = created.json["id"].as_i64().expect("id");
        let quotes_before = portal.count("quotes").await;
        let orders_before = portal.count("orders").await;

        for (method, rest, body) in b2b_operations(quote_id) {
            let what = format!("{} {rest} [{:?}]", method, portal.engine);
            let call = |token: Option<String>| {
                let (method, rest, body) = (method.clone(), rest.clone(), body.clone());
                let portal = &portal;
                async move {
                    portal
                        .customer_call(&portal.slug, method, &rest, token.as_deref(), body)
                        .await
                }
            };
            let anonymous = call(None).await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "anonymous {what}: {}",
                anonymous.text
            );
            let response = call(Some(individual.clone())).await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "individual {what}: {}",
                response.text
            );
            assert!(
                response.json["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("individual account"),
                "{what}: {}",
                response.text
            );
            let response = call(Some(unverified.clone())).await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "unverified {what}: {}",
                response.text
            );
            assert!(
                response.json["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("waiting for the shop to verify"),
                "{what}: {}",
                response.text
            );
            let response = call(Some(rejected.clone())).await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "rejected {what}: {}",
                response.text
            );
            assert!(
                response.json["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("another company"),
                "{what}: {}",
                response.text
            );
            let response = call(Some(other_shops.clone())).await;
            assert!(
                matches!(
                    response.status,
                    StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                ),
                "other shop's business {what}: {} {}",
                response.status,
                response.text
            );
            let response = call(Some("not-a-token".into())).await;
            assert_eq!(
                response.status,
                StatusCode::UNAUTHORIZED,
                "garbage token {what}: {}",
                response.text
            );
            // The merchant's own dashboard token is not a customer session either.
            // (Quote reads and messages also serve merchants, so they are left out.)
            let merchant_may_call = (method == Method::GET && rest.starts_with("/quotes"))
                || rest.ends_with("/messages");
            if !merchant_may_call {
                let response = call(Some(portal.merchant.clone())).await;
                assert_eq!(
                    response.status,
                    StatusCode::UNAUTHORIZED,
                    "merchant token {what}: {}",
                    response.text
                );
            }
        }
        // Nothing was written by any refused call.
        assert_eq!(portal.count("quotes").await, quotes_before);
        assert_eq!(portal.count("orders").await, orders_before);
        assert_eq!(portal.count("quote_messages").await, 0);

        // The verified business of this shop is let through (each answer is the operation's own).
        let allowed = |method: Method, rest: String, body: Option<Value>| {
            let portal = &portal;
            let token = verified.clone();
            async move {
                portal
                    .customer_call(&portal.slug, method, &rest, Some(&token), body)
                    .await
            }
        };
        let list = allowed(Method::GET, "/quotes".into(), None).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(list.json.as_array().map(Vec::len), Some(1));
        let check = allowed(
            Method::POST,
            "/bulk-orders/check".into(),
            Some(json!({ "lines": "BOLT-10, 100" })),
        )
        .await;
        assert_eq!(check.status, StatusCode::OK, "{}", check.text);
        let message = allowed(
            Method::POST,
            format!("/quotes/{quote_id}/messages"),
            Some(json!({ "body": "Any news?" })),
        )
        .await;
        assert_eq!(message.status, StatusCode::OK, "{}", message.text);
        // Accepting before the shop has quoted is refused by the lifecycle, not by the guard.
        let early = allowed(
            Method::POST,
            format!("/quotes/{quote_id}/accept"),
            Some(json!({ "expected_version": 1 })),
        )
        .await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
        // Another shop's verified business cannot see this shop's quote even by id.
        let foreign = portal
            .customer_call(
                &portal.other_slug,
                Method::GET,
                &format!("/quotes/{quote_id}"),
                Some(&other_shops),
                None,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    }
}

#[tokio::test]
async fn a_customer_token_is_refused_by_every_other_shop_and_after_log_out() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let (token, _) = portal.sign_up(&portal.slug, "individual").await;
        let me = portal
            .customer_call(
                &portal.slug,
                Method::GET,
                "/customers/me",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.json["account_type"], "individual");
        assert_eq!(me.json["business_access"], false);
        let elsewhere = portal
            .customer_call(
                &portal.other_slug,
                Method::GET,
                "/customers/me",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            elsewhere.status,
            StatusCode::FORBIDDEN,
            "{}",
            elsewhere.text
        );
        // The same e-mail can have its own account at the other shop.
        let email = me.json["email"].as_str().expect("email").to_string();
        let body = json!({ "email": email, "password": "another long password", "name": "Grace", "account_type": "individual" });
        let response = portal
            .customer_call(
                &portal.other_slug,
                Method::POST,
                "/customers/signup",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.text);
        let confirmed = portal
            .app
            .confirm_customer_sign_up_with(&portal.other_slug, &email, "another long password")
            .await;
        assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.text);
        // Signing up again at this shop answers as for any address, mails a note, and changes
        // nothing: the password stays the first one.
        let again = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/customers/signup",
                None,
                Some(body),
            )
            .await;
        assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
        assert_eq!(
            portal.app.last_mail_to(&email).await.subject,
            "You already have an account"
        );

        let wrong = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/customers/login",
                None,
                Some(json!({ "email": email, "password": "wrong password!" })),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
        let login = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/customers/login",
                None,
                Some(json!({ "email": email, "password": "a long enough password" })),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        let out = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/customers/logout",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
        let after = portal
            .customer_call(
                &portal.slug,
                Method::GET,
                "/customers/me",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
    }
}

#[tokio::test]
async fn business_sign_up_checks_the_tax_id_and_address_and_writes_nothing_when_refused() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let base = json!({
            "email": "buyer@example.com", "password": "a long enough password", "name": "Buyer",
            "account_type": "business", "company_name": "ACME Inc",
            "billing_address": { "line1": "1 Main St", "city": "Springfield", "country": "US" }
        });
        for (tax_id, field) in [
            ("", "tax_id"),
            ("DE12345678", "tax_id"),
            ("07-1234567", "tax_id"),
            ("ZZ123", "tax_id"),
        ] {
            let mut body = base.clone();
            body["tax_id"] = json!(tax_id);
            let response = portal
                .customer_call(
                    &portal.slug,
                    Method::POST,
                    "/customers/signup",
                    None,
                    Some(body),
                )
                .await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{tax_id}: {}",
                response.text
            );
            assert_eq!(
                response.json["error"]["field"], field,
                "{tax_id}: {}",
                response.text
            );
        }
        let mut body = base.clone();
        body["tax_id"] = json!("12-3456789");
        body["billing_address"]["city"] = json!("");
        let response = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/customers/signup",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            response.json["error"]["field"], "billing_address.city",
            "{}",
            response.text
        );
        assert_eq!(portal.count("companies").await, 0);
        assert_eq!(portal.count("customers").await, 0);

        body["billing_address"]["city"] = json!("Springfield");
        let response = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/customers/signup",
                None,
                Some(body),
            )
            .await;
        assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.text);
        assert_eq!(
            portal.count("customers").await,
            0,
            "nothing is written before the link is opened"
        );
        let response = portal
            .app
            .confirm_customer_sign_up(&portal.slug, "buyer@example.com")
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        let customer = &response.json["customer"];
        assert_eq!(customer["company"]["tax_id"], "12-3456789");
        assert_eq!(customer["company"]["verification"], "pending");
        assert_eq!(customer["company_role"], "admin");
        assert_eq!(customer["business_access"], false);

        // The merchant's verification queue lists it; a rejection needs a reason.
        let queue = portal
            .merchant_call(Method::GET, "/customers?verification=pending", None)
            .await;
        assert_eq!(
            queue.json.as_array().map(Vec::len),
            Some(1),
            "{}",
            queue.text
        );
        let id = customer["id"].as_i64().expect("id");
        let blank = portal
            .merchant_call(
                Method::POST,
                &format!("/customers/{id}/verification"),
                Some(json!({ "decision": "reject", "reason": " " })),
            )
            .await;
        assert_eq!(blank.json["error"]["field"], "reason", "{}", blank.text);
        // Another shop's merchant API cannot decide about this customer.
        let elsewhere = portal
            .app
            .api(
                Method::POST,
                &format!("/shops/{}/customers/{id}/verification", portal.other_slug),
                Some(&portal.merchant),
                Some(json!({ "decision": "verify" })),
            )
            .await;
        assert_eq!(
            elsewhere.status,
            StatusCode::NOT_FOUND,
            "{}",
            elsewhere.text
        );
    }
}

#[tokio::test]
async fn a_quote_is_answered_revised_and_accepted_once_at_the_quoted_prices() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let buyer = portal.verified_business(&portal.slug).await;
        let created = portal
            .customer_call(&portal.slug, Method::POST, "/quotes", Some(&buyer), Some(json!({ "lines": "BOLT-10, 500\nNUT-5, 20", "message": "Recurring monthly order", "needed_by": "2099-01-31" })))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        assert_eq!(created.json["status"], "requested");
        let id = created.json["id"].as_i64().expect("id");
        let path = format!("/quotes/{id}");

        // A wrong number of prices, a past expiry and a stale version are refused.
        let version = created.json["version"].as_i64().expect("version");
        let answer = |prices: Value, expires: &str, version: i64| json!({ "expected_version": version, "unit_prices": prices, "expires_on": expires, "note": "Volume price" });
        let response = portal
            .merchant_call(
                Method::POST,
                &format!("{path}/answer"),
                Some(answer(json!(["0.80"]), "2099-01-01", version)),
            )
            .await;
        assert_eq!(
            response.json["error"]["field"], "unit_prices",
            "{}",
            response.text
        );
        let response = portal
            .merchant_call(
                Method::POST,
                &format!("{path}/answer"),
                Some(answer(json!(["0.80", "0.40"]), "2001-01-01", version)),
            )
            .await;
        assert_eq!(
            response.json["error"]["field"], "expires_on",
            "{}",
            response.text
        );
        let response = portal
            .merchant_call(
                Method::POST,
                &format!("{path}/answer"),
                Some(answer(json!(["0.80", "0.405"]), "2099-01-01", version)),
            )
            .await;
        assert_eq!(
            response.json["error"]["field"], "unit_prices[2]",
            "{}",
            response.text
        );
        let response = portal
            .merchant_call(
                Method::POST,
                &format!("{path}/answer"),
                Some(answer(json!(["0.80", "0.40"]), "2099-01-01", version + 7)),
            )
            .await;
        assert_eq!(response.status, StatusCode::CONFLICT, "{}", response.text);
        assert_eq!(portal.count("quote_versions").await, 0);

        let quoted = portal
            .merchant_call(
                Method::POST,
                &format!("{path}/answer"),
                Some(answer(json!(["0.80", "0.40"]), "2099-01-01", version)),
            )
            .await;
        assert_eq!(quoted.status, StatusCode::OK, "{}", quoted.text);
        assert_eq!(quoted.json["status"], "quoted");
        let revised = portal
            .merchant_call(
                Method::POST,
                &format!("{path}/answer"),
                Some(answer(
                    json!(["0.75", "0.40"]),
                    "2099-01-01",
                    quoted.json["version"].as_i64().expect("v"),
                )),
            )
            .await;
        assert_eq!(revised.json["status"], "revised", "{}", revised.text);
        let versions = revised.json["versions"].as_array().expect("versions");
        assert_eq!(versions.len(), 2, "earlier versions stay");
        assert_eq!(versions[0]["unit_prices_minor"], json!([75, 40]));
        assert_eq!(versions[1]["unit_prices_minor"], json!([80, 40]));
        assert_eq!(versions[0]["total_minor"], json!(500 * 75 + 20 * 40));

        // The customer sees the revision; accepting with the version before it is refused.
        let seen = portal
            .customer_call(&portal.slug, Method::GET, &path, Some(&buyer), None)
            .await;
        assert_eq!(seen.json["messages"][0]["body"], "Recurring monthly order");
        let stale = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                &format!("{path}/accept"),
                Some(&buyer),
                Some(json!({ "expected_version": quoted.json["version"] })),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
        let accepted = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                &format!("{path}/accept"),
                Some(&buyer),
                Some(json!({ "expected_version": seen.json["version"] })),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
        assert_eq!(accepted.json["status"], "accepted");
        let order_id = accepted.json["order_id"].as_i64().expect("order id");
        let twice = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                &format!("{path}/accept"),
                Some(&buyer),
                Some(json!({ "expected_version": accepted.json["version"] })),
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
        assert!(twice.json["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("already accepted"));
        assert_eq!(portal.count("orders").await, 1, "one order, once");

        // The order carries the quoted prices, from the portal, for the company.
        let order = portal
            .merchant_call(Method::GET, &format!("/orders/{order_id}"), None)
            .await;
        assert_eq!(order.json["channel"], "portal", "{}", order.text);
        assert_eq!(order.json["customer_type"], "business");
        assert_eq!(order.json["company_name"], "Hopper Hardware GmbH");
        assert_eq!(
            order.json["totals"]["subtotal_minor"],
            json!(500 * 75 + 20 * 40)
        );
        let prices: Vec<i64> = order.json["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|line| line["unit_price_minor"].as_i64().expect("price"))
            .collect();
        assert_eq!(prices, vec![75, 40]);
        // Stock is reserved like any order's.
        let nut = portal
            .merchant_call(Method::GET, "/inventory?sku_prefix=NUT-5", None)
            .await;
        assert_eq!(nut.json[0]["reserved"], 20, "{}", nut.text);
    }
}

#[tokio::test]
async fn an_expired_quote_cannot_be_accepted() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let buyer = portal.verified_business(&portal.slug).await;
        let created = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/quotes",
                Some(&buyer),
                Some(json!({ "lines": "BOLT-10, 10" })),
            )
            .await;
        let id = created.json["id"].as_i64().expect("id");
        let quoted = portal
            .merchant_call(Method::POST, &format!("/quotes/{id}/answer"), Some(json!({ "expected_version": created.json["version"], "unit_prices": ["0.90"], "expires_on": "2099-12-31" })))
            .await;
        assert_eq!(quoted.status, StatusCode::OK, "{}", quoted.text);
        // Time passes: the offer's expiry is now behind us.
        let db = portal.shop_db().await;
        sqlx::query("UPDATE quotes SET expires_at = 1000 WHERE id = $1")
            .bind(id)
            .execute(&db.pool)
            .await
            .expect("age the quote");
        let seen = portal
            .customer_call(
                &portal.slug,
                Method::GET,
                &format!("/quotes/{id}"),
                Some(&buyer),
                None,
            )
            .await;
        assert_eq!(seen.json["status"], "expired", "{}", seen.text);
        let late = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                &format!("/quotes/{id}/accept"),
                Some(&buyer),
                Some(json!({ "expected_version": seen.json["version"] })),
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
        assert!(
            late.json["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("expired"),
            "{}",
            late.text
        );
        assert_eq!(portal.count("orders").await, 0);
    }
}

impl Portal {
    /// A quote request for `lines` by `buyer`; returns its id and version.
    async fn request_quote(&self, buyer: &str, lines: &str) -> (i64, i64) {
        let created = self
            .customer_call(
                &self.slug,
                Method::POST,
                "/quotes",
                Some(buyer),
                Some(json!({ "lines": lines })),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        (
            created.json["id"].as_i64().expect("id"),
            created.json["version"].as_i64().expect("version"),
        )
    }

    /// The merchant's answer at 0.45 a unit for each of `line_count` lines.
    async fn answer_quote(
        &self,
        id: i64,
        version: i64,
        line_count: usize,
        hold_stock: bool,
    ) -> TestResponse {
        self.merchant_call(
            Method::POST,
            &format!("/quotes/{id}/answer"),
            Some(json!({ "expected_version": version, "unit_prices": vec!["0.45"; line_count], "expires_on": "2099-12-31", "hold_stock": hold_stock })),
        )
        .await
    }

    /// NUT-5's (on hand, reserved).
    async fn nut_stock(&self) -> (i64, i64) {
        let nut = self
            .merchant_call(Method::GET, "/inventory?sku_prefix=NUT-5", None)
            .await;
        (
            nut.json[0]["on_hand"].as_i64().expect("on_hand"),
            nut.json[0]["reserved"].as_i64().expect("reserved"),
        )
    }

    async fn shop_db(&self) -> server::db::Database {
        let state = &self.app.app.state;
        let shop = state
            .provisioner
            .registry
            .shop_by_slug(&self.slug)
            .await
            .expect("query")
            .expect("shop");
        state.pools.get(&shop).expect("pool")
    }

    /// Moves quote `id`'s offer and hold expiry into the past, as time passing would.
    async fn age_quote(&self, id: i64) {
        let db = self.shop_db().await;
        for sql in [
            "UPDATE quotes SET expires_at = 1000 WHERE id = $1",
            "UPDATE quote_holds SET expires_at = 1000 WHERE quote_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&db.pool)
                .await
                .expect("age the quote");
        }
    }
}

/// An individual's order of `quantity` NUT-5 through the merchant API.
fn nut_order(quantity: i64) -> Value {
    json!({
        "customer_email": "ada@example.com",
        "customer_name": "Ada Lovelace",
        "shipping_address": { "line1": "1 Analytical Way", "city": "London", "postal_code": "N1 9GU", "country": "GB" },
        "lines": [{ "sku": "NUT-5", "quantity": quantity }],
    })
}

#[tokio::test]
async fn quoted_stock_is_held_until_the_quote_is_revised_declined_or_accepted() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let buyer = portal.verified_business(&portal.slug).await;
        // NUT-5 has 30 on hand.
        let (first, version) = portal.request_quote(&buyer, "NUT-5, 20").await;
        let held = portal.answer_quote(first, version, 1, true).await;
        assert_eq!(held.status, StatusCode::OK, "{:?}: {}", engine, held.text);
        assert!(
            held.json["held_until_ms"].as_i64().is_some(),
            "{}",
            held.text
        );
        assert_eq!(held.json["lines"][0]["held"], 20, "{}", held.text);
        // What this quote could hold counts its own units.
        assert_eq!(held.json["lines"][0]["available"], 30, "{}", held.text);
        assert_eq!(portal.nut_stock().await, (30, 20));

        // The held units are not for sale: an order of 15 finds 10.
        let order = portal
            .merchant_call(Method::POST, "/orders", Some(nut_order(15)))
            .await;
        assert_eq!(order.status, StatusCode::BAD_REQUEST, "{}", order.text);
        assert!(order.text.contains("10 available"), "{}", order.text);
        // Nor can a second quote hold them: refused whole, naming the SKU, nothing written.
        let (second, second_version) = portal.request_quote(&buyer, "BOLT-10, 5\nNUT-5, 20").await;
        let refused = portal.answer_quote(second, second_version, 2, true).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(
            refused.json["error"]["field"], "hold_stock",
            "{}",
            refused.text
        );
        assert!(
            refused.json["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("NUT-5: only 10 available"),
            "{}",
            refused.text
        );
        let second_seen = portal
            .merchant_call(Method::GET, &format!("/quotes/{second}"), None)
            .await;
        assert_eq!(
            second_seen.json["status"], "requested",
            "{}",
            second_seen.text
        );
        let bolt = portal
            .merchant_call(Method::GET, "/inventory?sku_prefix=BOLT-10", None)
            .await;
        assert_eq!(
            bolt.json[0]["reserved"], 0,
            "the BOLT-10 line was not held either: {}",
            bolt.text
        );

        // A revision without the hold gives the units back; one with it holds them again.
        let revised = portal
            .answer_quote(first, held.json["version"].as_i64().expect("v"), 1, false)
            .await;
        assert_eq!(revised.status, StatusCode::OK, "{}", revised.text);
        assert!(revised.json["held_until_ms"].is_null(), "{}", revised.text);
        assert_eq!(portal.nut_stock().await, (30, 0));
        let again = portal
            .answer_quote(first, revised.json["version"].as_i64().expect("v"), 1, true)
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(portal.nut_stock().await, (30, 20));

        // Declining ends the hold.
        let declined = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                &format!("/quotes/{first}/decline"),
                Some(&buyer),
                Some(json!({ "expected_version": again.json["version"] })),
            )
            .await;
        assert_eq!(declined.status, StatusCode::OK, "{}", declined.text);
        assert_eq!(portal.nut_stock().await, (30, 0));
        assert_eq!(portal.count("quote_holds").await, 0);

        // Accepting hands the held units to the order: reserved once, not twice.
        let (third, third_version) = portal.request_quote(&buyer, "NUT-5, 25").await;
        let held = portal.answer_quote(third, third_version, 1, true).await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.text);
        let seen = portal
            .customer_call(
                &portal.slug,
                Method::GET,
                &format!("/quotes/{third}"),
                Some(&buyer),
                None,
            )
            .await;
        assert_eq!(
            seen.json["lines"][0]["held"], 25,
            "the buyer sees the hold: {}",
            seen.text
        );
        let accepted = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                &format!("/quotes/{third}/accept"),
                Some(&buyer),
                Some(json!({ "expected_version": seen.json["version"] })),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
        assert_eq!(portal.nut_stock().await, (30, 25));
        assert_eq!(portal.count("quote_holds").await, 0);
    }
}

#[tokio::test]
async fn mails_write_amounts_the_way_the_shop_does() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let style = portal
            .app
            .api(
                Method::PATCH,
                &format!("/shops/{}", portal.slug),
                Some(&portal.merchant),
                Some(json!({ "name": "Amounts", "timezone": "Europe/Berlin", "amount_style": "comma" })),
            )
            .await;
        assert_eq!(style.status, StatusCode::OK, "{:?}: {}", engine, style.text);
        let buyer = portal.verified_business(&portal.slug).await;
        let (id, version) = portal.request_quote(&buyer, "BOLT-10, 5000").await;
        let quoted = portal.answer_quote(id, version, 1, false).await;
        assert_eq!(quoted.status, StatusCode::OK, "{}", quoted.text);
        let accepted = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                &format!("/quotes/{id}/accept"),
                Some(&buyer),
                Some(json!({ "expected_version": quoted.json["version"] })),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
        // 5,000 at 0.45 is 2,250.00, written 2.250,00 by this shop, with its currency.
        let buyer_email = portal
            .customer_call(
                &portal.slug,
                Method::GET,
                "/customers/me",
                Some(&buyer),
                None,
            )
            .await
            .json["email"]
            .as_str()
            .expect("buyer's e-mail")
            .to_string();
        let confirmation = portal.app.last_mail_to(&buyer_email).await;
        assert!(
            confirmation.body_text.contains("total EUR 2.250,00"),
            "{}",
            confirmation.body_text
        );
        let outbox = portal.app.outbox().await;
        let notice = outbox
            .iter()
            .rev()
            .find(|mail| mail.subject.contains("accepted by"))
            .expect("the owners' notice");
        assert!(
            notice.body_text.contains("an order of EUR 2.250,00"),
            "{}",
            notice.body_text
        );
    }
}

#[tokio::test]
async fn an_expired_hold_frees_its_stock_for_orders_and_the_sweep() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let buyer = portal.verified_business(&portal.slug).await;
        let (id, version) = portal.request_quote(&buyer, "NUT-5, 20").await;
        let held = portal.answer_quote(id, version, 1, true).await;
        assert_eq!(held.status, StatusCode::OK, "{:?}: {}", engine, held.text);
        let state = &portal.app.app.state;
        let due = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM shop_holds_due")
            .fetch_one(&state.platform.pool)
            .await
            .expect("count marks");
        assert_eq!(due, 1, "the shop is marked for the sweep");

        // Past the expiry, before any sweep: an order that needs the units gets them.
        portal.age_quote(id).await;
        let seen = portal
            .merchant_call(Method::GET, &format!("/quotes/{id}"), None)
            .await;
        assert!(
            seen.json["held_until_ms"].is_null(),
            "an expired hold holds nothing: {}",
            seen.text
        );
        let order = portal
            .merchant_call(Method::POST, "/orders", Some(nut_order(25)))
            .await;
        assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
        assert_eq!(portal.nut_stock().await, (30, 25));
        assert_eq!(portal.count("quote_holds").await, 0);

        // The sweep frees what expired and leaves what still holds.
        let (late, late_version) = portal.request_quote(&buyer, "NUT-5, 3").await;
        let (kept, kept_version) = portal.request_quote(&buyer, "NUT-5, 2").await;
        for (quote, version) in [(late, late_version), (kept, kept_version)] {
            let held = portal.answer_quote(quote, version, 1, true).await;
            assert_eq!(held.status, StatusCode::OK, "{}", held.text);
        }
        assert_eq!(portal.nut_stock().await, (30, 30));
        portal.age_quote(late).await;
        let now = server::db::now_ms();
        // Not due yet: the shop's mark is the far expiry of the answers above.
        let released = server::portal::holds::sweep(
            &state.platform,
            &state.provisioner.registry,
            &state.pools,
            now,
        )
        .await
        .expect("sweep");
        assert_eq!(released, 0);
        sqlx::query("UPDATE shop_holds_due SET due_at = 1000")
            .execute(&state.platform.pool)
            .await
            .expect("make the mark due");
        let released = server::portal::holds::sweep(
            &state.platform,
            &state.provisioner.registry,
            &state.pools,
            now,
        )
        .await
        .expect("sweep");
        assert_eq!(released, 3, "the expired hold of 3 is released");
        assert_eq!(portal.nut_stock().await, (30, 27));
        assert_eq!(portal.count("quote_holds").await, 1);
        let mark = sqlx::query_scalar::<_, i64>("SELECT due_at FROM shop_holds_due")
            .fetch_one(&state.platform.pool)
            .await
            .expect("the shop stays marked for the hold that remains");
        assert!(mark > now, "marked for the remaining hold's expiry");
    }
}

#[tokio::test]
async fn a_bulk_order_reports_every_bad_line_and_places_one_order_when_clean() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let buyer = portal.verified_business(&portal.slug).await;
        let variant = portal
            .merchant_call(Method::GET, "/inventory?sku_prefix=BOLT-10", None)
            .await;
        let variant_id = variant.json[0]["variant_id"].as_i64().expect("variant id");
        let terms = portal
            .merchant_call(Method::PUT, &format!("/variants/{variant_id}/terms"), Some(json!({ "min_quantity": "20", "pack_size": "10", "price_breaks": "100: 5\n1000: 12" })))
            .await;
        assert_eq!(terms.status, StatusCode::OK, "{}", terms.text);
        let bad_terms = portal
            .merchant_call(
                Method::PUT,
                &format!("/variants/{variant_id}/terms"),
                Some(json!({ "price_breaks": "100: 5\n1000: 3" })),
            )
            .await;
        assert_eq!(
            bad_terms.status,
            StatusCode::BAD_REQUEST,
            "{}",
            bad_terms.text
        );

        let lines = "sku,quantity\nBOLT-10, 105\nNUT-5, 40\nWASHER-1, 3\nBOLT-10, x\nnut-5, 1\n";
        let check = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/bulk-orders/check",
                Some(&buyer),
                Some(json!({ "lines": lines })),
            )
            .await;
        assert_eq!(check.status, StatusCode::OK, "{}", check.text);
        let checked = &check.json;
        assert_eq!(checked["unreadable"][0]["line"], 5, "{checked}");
        let problems: Vec<(i64, Vec<String>)> = checked["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|line| {
                (
                    line["line"].as_i64().expect("line"),
                    serde_json::from_value(line["problems"].clone()).expect("problems"),
                )
            })
            .collect();
        assert_eq!(
            problems[0],
            (2, vec!["sold in packs of 10: order 100 or 110".to_string()])
        );
        assert_eq!(
            problems[1],
            (3, vec!["only 30 in stock".to_string()]),
            "NUT-5 lines 3 and 6 are merged"
        );
        assert_eq!(checked["lines"][1]["merged_lines"], json!([6]));
        assert_eq!(problems[2], (4, vec!["unknown SKU WASHER-1".to_string()]));
        let refused = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/bulk-orders",
                Some(&buyer),
                Some(json!({ "lines": lines })),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert!(
            refused.json["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("line 4 (WASHER-1): unknown SKU WASHER-1"),
            "{}",
            refused.text
        );
        assert_eq!(portal.count("orders").await, 0);

        // Prices are the server's: a price in the lines is an unreadable line, a price field in
        // the body is ignored.
        let priced_by_client = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/bulk-orders",
                Some(&buyer),
                Some(json!({ "lines": "NUT-5, 2, 0.01" })),
            )
            .await;
        assert_eq!(
            priced_by_client.status,
            StatusCode::BAD_REQUEST,
            "{}",
            priced_by_client.text
        );
        assert!(
            priced_by_client.json["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("expected \"SKU, quantity\""),
            "{}",
            priced_by_client.text
        );
        assert_eq!(portal.count("orders").await, 0);
        let fixed = "BOLT-10, 1000\nNUT-5, 30\n";
        let placed = portal.customer_call(&portal.slug, Method::POST, "/bulk-orders", Some(&buyer), Some(json!({ "lines": fixed, "notes": "PO 4711", "unit_price_minor": 1, "total_minor": 1 }))).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        // 1,000 bolts at 1.00 − 12 % = 0.88, 30 nuts at 0.50.
        assert_eq!(
            placed.json["order"]["total_minor"],
            json!(1000 * 88 + 30 * 50)
        );
        let order_id = placed.json["order"]["id"].as_i64().expect("id");
        let order = portal
            .merchant_call(Method::GET, &format!("/orders/{order_id}"), None)
            .await;
        assert_eq!(order.json["channel"], "portal");
        assert!(order.json["notes"]
            .as_str()
            .unwrap_or("")
            .contains("PO 4711"));

        // Reorder gives the lines back for a new bulk order; the order history shows it.
        let reorder = portal
            .customer_call(
                &portal.slug,
                Method::GET,
                &format!("/bulk-orders/reorder/{order_id}"),
                Some(&buyer),
                None,
            )
            .await;
        assert_eq!(
            reorder.json["lines"], "BOLT-10, 1000\nNUT-5, 30\n",
            "{}",
            reorder.text
        );
        let mine = portal
            .customer_call(
                &portal.slug,
                Method::GET,
                "/customers/me/orders",
                Some(&buyer),
                None,
            )
            .await;
        assert_eq!(
            mine.json["orders"].as_array().map(Vec::len),
            Some(1),
            "{}",
            mine.text
        );

        // Too many lines is one clear error, nothing placed.
        let huge: String = (0..10_001).map(|i| format!("SKU-{i},1\n")).collect();
        let response = portal
            .customer_call(
                &portal.slug,
                Method::POST,
                "/bulk-orders/check",
                Some(&buyer),
                Some(json!({ "lines": huge })),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{}",
            response.text
        );
        assert_eq!(response.json["error"]["field"], "lines");
        assert_eq!(portal.count("orders").await, 1);
    }
}

#[tokio::test]
async fn the_portal_pages_answer_403_to_individuals_and_send_visitors_to_log_in() {
    let portal = Portal::open(Engine::Sqlite).await;
    let (individual, _) = portal.sign_up(&portal.slug, "individual").await;
    let cookie = format!(
        "{}={individual}",
        app::portal::customer_cookie_name(&portal.slug)
    );
    for page in ["quotes", "quotes/new", "bulk", "company"] {
        let request = Request::builder()
            .uri(format!("/s/{}/{page}", portal.slug))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("request");
        let response = portal.app.send(request).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{page}");
        assert!(
            response.text.contains("individual account"),
            "{page}: the page says why"
        );
        let anonymous = portal
            .app
            .page(&format!("/s/{}/{page}", portal.slug), None)
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{page}");
    }
    let catalog = portal.app.page(&format!("/s/{}", portal.slug), None).await;
    assert_eq!(catalog.status, StatusCode::OK);
    assert!(catalog.text.contains("BOLT-10"));
    let unknown = portal.app.page("/s/no-such-shop", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_shops_own_hosts_lead_into_its_portal_and_nowhere_else() {
    let dns = DnsStandIn::start().await;
    let portal = Portal::open_on(TestApp::start_with_dns(Engine::Sqlite, dns.addr).await).await;
    let domain = format!("{}.example.com", unique("shop"));
    // A custom domain leads into the portal once verified (see the hardening tests for before).
    portal
        .app
        .add_verified_domain(&portal.merchant, &portal.slug, &domain, &dns)
        .await;
    let get = |host: String, path: &str| {
        let request = Request::builder()
            .uri(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .expect("request");
        let app = &portal.app;
        async move { app.send(request).await }
    };
    let subdomain = format!("{}.cartwright.test:3000", portal.slug);
    for (host, path, expected) in [
        (subdomain.clone(), "/", format!("/s/{}", portal.slug)),
        (
            subdomain.clone(),
            "/bulk?reorder=4",
            format!("/s/{}/bulk?reorder=4", portal.slug),
        ),
        (
            domain.clone(),
            "/quotes",
            format!("/s/{}/quotes", portal.slug),
        ),
    ] {
        let response = get(host.clone(), path).await;
        assert!(
            response.status.is_redirection(),
            "{host}{path}: {}",
            response.status
        );
        assert_eq!(
            response.headers[header::LOCATION],
            expected.as_str(),
            "{host}{path}"
        );
    }
    // The portal itself is served on the shop's host; another shop's is not.
    let own = get(subdomain.clone(), &format!("/s/{}", portal.slug)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.text.contains("BOLT-10"));
    let foreign = get(subdomain.clone(), &format!("/s/{}", portal.other_slug)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    // The platform's own host is untouched.
    let platform = get("127.0.0.1:3000".into(), "/login").await;
    assert_eq!(platform.status, StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_the_portal_endpoints() {
    let app = TestApp::start(Engine::Sqlite).await;
    let document = app.api(Method::GET, "/openapi.json", None, None).await;
    for path in [
        "/shops/{slug}/customers",
        "/shops/{slug}/customers/signup",
        "/shops/{slug}/customers/{id}/verification",
        "/shops/{slug}/quotes",
        "/shops/{slug}/quotes/{id}/accept",
        "/shops/{slug}/quotes/{id}/answer",
        "/shops/{slug}/bulk-orders",
        "/shops/{slug}/bulk-orders/check",
    ] {
        assert!(
            document.json["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    for schema in [
        "CustomerSignUp",
        "QuoteDetail",
        "QuoteAnswer",
        "BulkCheck",
        "PlacedOrder",
    ] {
        assert!(
            document.json["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    // Every reference points at a schema that exists.
    let text = document.text.clone();
    for reference in text.split("#/components/schemas/").skip(1) {
        let name: String = reference
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            document.json["components"]["schemas"][&name].is_object(),
            "dangling reference to {name}"
        );
    }
}

#[tokio::test]
async fn a_buyer_over_the_spending_limit_waits_for_the_company_admin() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let admin = portal.verified_business(&portal.slug).await;
        let slug = portal.slug.clone();
        let call = |method: Method, rest: &str, token: Option<&str>, body: Option<Value>| {
            let (portal, slug, rest) = (&portal, slug.clone(), rest.to_string());
            let token = token.map(str::to_string);
            async move {
                portal
                    .customer_call(&slug, method, &rest, token.as_deref(), body)
                    .await
            }
        };
        // The admin invites a buyer, who joins with the link's token.
        let invited = call(
            Method::POST,
            "/company/buyers",
            Some(&admin),
            Some(json!({ "email": "buyer@hopper.example", "name": "Bea Buyer" })),
        )
        .await;
        assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
        let link = invited.json["link"].as_str().expect("link").to_string();
        let token = link.rsplit('/').next().expect("token").to_string();
        let asked = call(Method::POST, "/customers/signup", None, Some(json!({ "email": "buyer@hopper.example", "password": "a long enough password", "name": "Eve", "account_type": "individual" }))).await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
        let taken = portal
            .app
            .confirm_customer_sign_up(&portal.slug, "buyer@hopper.example")
            .await;
        assert_eq!(
            taken.status,
            StatusCode::CONFLICT,
            "an invited e-mail is not free for sign-up: {}",
            taken.text
        );
        let joined = call(Method::POST, "/customers/invitations/accept", None, Some(json!({ "token": token, "name": "Bea Buyer", "password": "a long enough password" }))).await;
        assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);
        let buyer = joined.json["access_token"]
            .as_str()
            .expect("token")
            .to_string();
        assert_eq!(joined.json["customer"]["company_role"], "buyer");
        assert_eq!(
            joined.json["customer"]["business_access"], true,
            "buyers share the company's verification"
        );
        let again = call(
            Method::POST,
            "/customers/invitations/accept",
            None,
            Some(json!({ "token": token, "name": "Eve", "password": "another long password" })),
        )
        .await;
        assert_eq!(
            again.status,
            StatusCode::NOT_FOUND,
            "an invitation works once: {}",
            again.text
        );

        // Company administration is the admin's alone.
        for (method, rest, body) in [
            (Method::GET, "/company".to_string(), None),
            (
                Method::POST,
                "/company/buyers".to_string(),
                Some(json!({ "email": "x@hopper.example", "name": "X" })),
            ),
        ] {
            let response = call(method, &rest, Some(&buyer), body).await;
            assert_eq!(
                response.status,
                StatusCode::FORBIDDEN,
                "{rest}: {}",
                response.text
            );
        }
        let company = call(Method::GET, "/company", Some(&admin), None).await;
        let buyer_id = company.json["buyers"]
            .as_array()
            .expect("buyers")
            .iter()
            .find(|member| member["role"] == "buyer")
            .expect("buyer")["id"]
            .as_i64()
            .expect("id");
        let limit = call(
            Method::PUT,
            &format!("/company/buyers/{buyer_id}/limit"),
            Some(&admin),
            Some(json!({ "spending_limit": "150.00", "period": "month" })),
        )
        .await;
        assert_eq!(limit.status, StatusCode::OK, "{}", limit.text);
        let self_raise = call(
            Method::PUT,
            &format!("/company/buyers/{buyer_id}/limit"),
            Some(&buyer),
            Some(json!({ "spending_limit": "" })),
        )
        .await;
        assert_eq!(
            self_raise.status,
            StatusCode::FORBIDDEN,
            "{}",
            self_raise.text
        );

        // 100 bolts (100.00) fit; the next 100 would make 200.00 this month: it waits.
        let first = call(
            Method::POST,
            "/bulk-orders",
            Some(&buyer),
            Some(json!({ "lines": "BOLT-10, 100" })),
        )
        .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let second = call(
            Method::POST,
            "/bulk-orders",
            Some(&buyer),
            Some(json!({ "lines": "BOLT-10, 100", "notes": "PO 99" })),
        )
        .await;
        assert_eq!(second.status, StatusCode::ACCEPTED, "{}", second.text);
        assert!(
            second.json["message"]
                .as_str()
                .unwrap_or("")
                .contains("50.00"),
            "says what is left: {}",
            second.text
        );
        let approval_id = second.json["approval_id"].as_i64().expect("approval id");
        assert_eq!(
            portal.count("orders").await,
            1,
            "nothing reaches the shop before approval"
        );

        // A quote over the limit cannot be accepted by the buyer either.
        let quote = call(
            Method::POST,
            "/quotes",
            Some(&buyer),
            Some(json!({ "lines": "BOLT-10, 200" })),
        )
        .await;
        let quote_id = quote.json["id"].as_i64().expect("quote");
        let answered = portal
            .merchant_call(Method::POST, &format!("/quotes/{quote_id}/answer"), Some(json!({ "expected_version": quote.json["version"], "unit_prices": ["0.90"], "expires_on": "2099-12-31" })))
            .await;
        let refused = call(
            Method::POST,
            &format!("/quotes/{quote_id}/accept"),
            Some(&buyer),
            Some(json!({ "expected_version": answered.json["version"] })),
        )
        .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
        assert!(
            refused.json["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("company admin"),
            "{}",
            refused.text
        );

        // The admin sees the waiting order and approves it: it is placed for the buyer.
        let company = call(Method::GET, "/company", Some(&admin), None).await;
        assert_eq!(
            company.json["approvals"][0]["status"], "waiting",
            "{}",
            company.text
        );
        let buyer_row = company.json["buyers"]
            .as_array()
            .expect("buyers")
            .iter()
            .find(|member| member["id"] == buyer_id)
            .cloned()
            .expect("buyer");
        assert_eq!(buyer_row["spent_in_period_minor"], 10_000);
        let approved = call(
            Method::POST,
            &format!("/company/approvals/{approval_id}"),
            Some(&admin),
            Some(json!({ "decision": "approve" })),
        )
        .await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
        assert_eq!(approved.json["approvals"][0]["status"], "approved");
        assert_eq!(portal.count("orders").await, 2);
        let twice = call(
            Method::POST,
            &format!("/company/approvals/{approval_id}"),
            Some(&admin),
            Some(json!({ "decision": "approve" })),
        )
        .await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
        assert_eq!(portal.count("orders").await, 2);
        let mine = call(Method::GET, "/customers/me/orders", Some(&buyer), None).await;
        assert_eq!(
            mine.json["orders"].as_array().map(Vec::len),
            Some(2),
            "both orders are the buyer's: {}",
            mine.text
        );
        // Each has its page for the buyer: lines and totals, none of the shop's notes or
        // timeline; for a colleague of the same company it is not found.
        let order_id = mine.json["orders"][0]["id"].as_i64().expect("order id");
        let one = call(
            Method::GET,
            &format!("/customers/me/orders/{order_id}"),
            Some(&buyer),
            None,
        )
        .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
        assert_eq!(one.json["id"], order_id);
        assert_eq!(one.json["number"], mine.json["orders"][0]["number"]);
        assert!(
            !one.json["lines"].as_array().expect("lines").is_empty(),
            "{}",
            one.text
        );
        assert_eq!(
            one.json["totals"]["total_minor"],
            mine.json["orders"][0]["total_minor"]
        );
        for internal in ["notes", "tags", "events", "actions", "payments"] {
            assert!(
                one.json.get(internal).is_none(),
                "{internal} is the shop's: {}",
                one.text
            );
        }
        let colleagues = call(
            Method::GET,
            &format!("/customers/me/orders/{order_id}"),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(
            colleagues.status,
            StatusCode::NOT_FOUND,
            "{}",
            colleagues.text
        );
        // The admin (no limit) accepts the quote the buyer could not.
        let accepted = call(
            Method::POST,
            &format!("/quotes/{quote_id}/accept"),
            Some(&admin),
            Some(json!({ "expected_version": answered.json["version"] })),
        )
        .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    }
}

#[tokio::test]
async fn a_cart_is_checked_out_as_one_order_at_the_customers_prices() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let slug = portal.slug.clone();
        let anonymous = portal
            .customer_call(&slug, Method::GET, "/cart", None, None)
            .await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            anonymous.text
        );

        // An individual: catalog prices, no business terms, a shipping address is required.
        let (person, _) = portal.sign_up(&slug, "individual").await;
        let variant = portal
            .merchant_call(Method::GET, "/inventory?sku_prefix=BOLT-10", None)
            .await;
        let variant_id = variant.json[0]["variant_id"].as_i64().expect("variant");
        let terms = portal
            .merchant_call(
                Method::PUT,
                &format!("/variants/{variant_id}/terms"),
                Some(json!({ "pack_size": "10", "price_breaks": "10: 10" })),
            )
            .await;
        assert_eq!(terms.status, StatusCode::OK, "{}", terms.text);
        let added = portal
            .customer_call(
                &slug,
                Method::POST,
                "/cart/items",
                Some(&person),
                Some(json!({ "sku": "BOLT-10", "quantity": 3 })),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
        let added = portal
            .customer_call(
                &slug,
                Method::POST,
                "/cart/items",
                Some(&person),
                Some(json!({ "sku": "BOLT-10", "quantity": "9" })),
            )
            .await;
        assert_eq!(
            added.json["check"]["lines"][0]["quantity"], 12,
            "adding adds up: {}",
            added.text
        );
        assert_eq!(
            added.json["check"]["lines"][0]["unit_price_minor"], 100,
            "no volume break for individuals"
        );
        assert_eq!(
            added.json["check"]["lines"][0]["problems"],
            json!([]),
            "no pack size for individuals"
        );
        let unknown = portal
            .customer_call(
                &slug,
                Method::POST,
                "/cart/items",
                Some(&person),
                Some(json!({ "sku": "NOPE", "quantity": 1 })),
            )
            .await;
        assert_eq!(unknown.json["error"]["field"], "sku", "{}", unknown.text);
        let bad = portal
            .customer_call(
                &slug,
                Method::POST,
                "/cart/items",
                Some(&person),
                Some(json!({ "sku": "NUT-5", "quantity": -2 })),
            )
            .await;
        assert_eq!(bad.json["error"]["field"], "quantity", "{}", bad.text);
        let set = portal
            .customer_call(
                &slug,
                Method::PUT,
                "/cart/items/BOLT-10",
                Some(&person),
                Some(json!({ "quantity": 5 })),
            )
            .await;
        assert_eq!(set.json["check"]["subtotal_minor"], 500, "{}", set.text);
        let no_address = portal
            .customer_call(
                &slug,
                Method::POST,
                "/checkout",
                Some(&person),
                Some(json!({})),
            )
            .await;
        assert_eq!(
            no_address.json["error"]["field"], "shipping_address.line1",
            "{}",
            no_address.text
        );
        assert_eq!(portal.count("orders").await, 0);
        let placed = portal
            .customer_call(&slug, Method::POST, "/checkout", Some(&person), Some(json!({ "shipping_address": { "line1": "1 Elm St", "city": "Springfield", "country": "US" } })))
            .await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        assert_eq!(placed.json["order"]["total_minor"], 500);
        let order_id = placed.json["order"]["id"].as_i64().expect("order");
        let order = portal
            .merchant_call(Method::GET, &format!("/orders/{order_id}"), None)
            .await;
        assert_eq!(order.json["channel"], "portal");
        assert_eq!(order.json["customer_type"], "individual");
        assert_eq!(order.json["shipping_address"]["city"], "Springfield");
        let empty = portal
            .customer_call(&slug, Method::GET, "/cart", Some(&person), None)
            .await;
        assert_eq!(
            empty.json["check"]["lines"],
            json!([]),
            "the cart is emptied: {}",
            empty.text
        );
        let again = portal
            .customer_call(
                &slug,
                Method::POST,
                "/checkout",
                Some(&person),
                Some(json!({})),
            )
            .await;
        assert_eq!(again.json["error"]["field"], "cart", "{}", again.text);

        // A verified business: its terms and breaks apply, the company address is used.
        let business = portal.verified_business(&slug).await;
        let cart = portal
            .customer_call(
                &slug,
                Method::POST,
                "/cart/items",
                Some(&business),
                Some(json!({ "sku": "BOLT-10", "quantity": 15 })),
            )
            .await;
        assert_eq!(cart.json["business"], true);
        assert_eq!(
            cart.json["check"]["lines"][0]["problems"],
            json!(["sold in packs of 10: order 10 or 20"]),
            "{}",
            cart.text
        );
        let refused = portal
            .customer_call(
                &slug,
                Method::POST,
                "/checkout",
                Some(&business),
                Some(json!({})),
            )
            .await;
        assert_eq!(refused.json["error"]["field"], "cart", "{}", refused.text);
        portal
            .customer_call(
                &slug,
                Method::PUT,
                "/cart/items/BOLT-10",
                Some(&business),
                Some(json!({ "quantity": 20 })),
            )
            .await;
        let placed = portal
            .customer_call(
                &slug,
                Method::POST,
                "/checkout",
                Some(&business),
                Some(json!({})),
            )
            .await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        assert_eq!(
            placed.json["order"]["total_minor"],
            20 * 90,
            "10 % off from 10"
        );
        assert_eq!(portal.count("orders").await, 2);
    }
}

#[tokio::test]
async fn a_companys_price_list_sets_its_prices_and_breaks_apply_on_top() {
    for engine in engines() {
        let portal = Portal::open(engine).await;
        let slug = portal.slug.clone();
        let buyer = portal.verified_business(&slug).await;
        let me = portal
            .customer_call(&slug, Method::GET, "/customers/me", Some(&buyer), None)
            .await;
        let customer_id = me.json["id"].as_i64().expect("id");
        for (lines, field) in [
            ("BOLT-10, 0.805", "lines (line 1)"),
            ("BOLT-10, 0.80\nbolt-10, 0.70", "lines (line 2)"),
            ("WASHER-9, 1.00", "lines"),
        ] {
            let response = portal
                .merchant_call(
                    Method::PUT,
                    "/price-lists/Wholesale",
                    Some(json!({ "lines": lines })),
                )
                .await;
            assert_eq!(
                response.json["error"]["field"], field,
                "{lines}: {}",
                response.text
            );
        }
        let saved = portal
            .merchant_call(
                Method::PUT,
                "/price-lists/Wholesale",
                Some(json!({ "lines": "sku,price\nBOLT-10, 0.80\n" })),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        assert_eq!(saved.json["items"], json!([["BOLT-10", 80]]));
        let unknown = portal
            .merchant_call(
                Method::PUT,
                &format!("/customers/{customer_id}/price-list"),
                Some(json!({ "name": "Retail" })),
            )
            .await;
        assert_eq!(
            unknown.json["error"]["field"], "price_list",
            "{}",
            unknown.text
        );
        let assigned = portal
            .merchant_call(
                Method::PUT,
                &format!("/customers/{customer_id}/price-list"),
                Some(json!({ "name": "Wholesale" })),
            )
            .await;
        assert_eq!(
            assigned.json["price_list"]["name"], "Wholesale",
            "{}",
            assigned.text
        );
        let variant = portal
            .merchant_call(Method::GET, "/inventory?sku_prefix=BOLT-10", None)
            .await;
        let variant_id = variant.json[0]["variant_id"].as_i64().expect("variant");
        portal
            .merchant_call(
                Method::PUT,
                &format!("/variants/{variant_id}/terms"),
                Some(json!({ "price_breaks": "100: 10" })),
            )
            .await;

        let check = portal
            .customer_call(
                &slug,
                Method::POST,
                "/bulk-orders/check",
                Some(&buyer),
                Some(json!({ "lines": "BOLT-10, 100\nNUT-5, 1" })),
            )
            .await;
        assert_eq!(
            check.json["lines"][0]["base_price_minor"], 80,
            "{}",
            check.text
        );
        assert_eq!(
            check.json["lines"][0]["unit_price_minor"], 72,
            "10 % off the list price"
        );
        assert_eq!(
            check.json["lines"][1]["unit_price_minor"], 50,
            "not on the list: catalog price"
        );
        // Individuals and the public catalog keep the catalog price.
        let public = portal
            .customer_call(&slug, Method::GET, "/catalog?q=BOLT", None, None)
            .await;
        assert_eq!(
            public.json["variants"][0]["price_minor"], 100,
            "{}",
            public.text
        );
        let own = portal
            .customer_call(&slug, Method::GET, "/catalog?q=BOLT", Some(&buyer), None)
            .await;
        assert_eq!(own.json["variants"][0]["price_minor"], 80);
    }
}
