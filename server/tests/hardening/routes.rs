//! Hardening tests: every route of the router and every server function, walked as each kind of
//! caller who must be refused (section 5 of issue 14). The table below is the one place that
//! says who may call what; a route or server function added without an entry fails the test.
//!
//! - anonymous → 401 (the public ones are listed as such);
//! - a merchant of another shop → 404 (the shop does not exist for them);
//! - staff on an owner-only route → 403;
//! - a customer of another shop → 403 (the token's audience is that shop);
//! - a cookie-authenticated POST (or PUT, PATCH, DELETE) from another origin → 403.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone (sign-up, log-in, the catalog, the OpenAPI document, health checks).
    Public,
    /// Any logged-in merchant, no shop involved.
    Account,
    /// A member (owner or staff) of the shop in the path.
    Member,
    /// The shop's owner only.
    Owner,
    /// A customer of the shop in the path.
    Customer,
    /// A member of the shop or one of its customers.
    MemberOrCustomer,
}

use Access::*;

struct Route {
    method: Method,
    /// As written in the router, `{name}` for parameters.
    path: &'static str,
    access: Access,
    /// A body the handler accepts, so that a refusal comes from the access check and not from
    /// the body's shape.
    body: Option<Value>,
}

fn route(method: Method, path: &'static str, access: Access, body: Option<Value>) -> Route {
    Route {
        method,
        path,
        access,
        body,
    }
}

/// Every route under `/api/v1` and beside it (paths as in the source).
fn routes() -> Vec<Route> {
    let address = json!({ "name": "A", "line1": "1 Road", "city": "Town", "postal_code": "1000", "country": "DE" });
    let product = json!({ "title": "Mug", "status": "active", "variants": [{ "sku": "RW-1", "price": "1.00" }] });
    let variant = json!({ "sku": "RW-2", "price": "1.00" });
    vec![
        route(Method::GET, "/healthz", Public, None),
        route(Method::GET, "/readyz", Public, None),
        route(Method::GET, "/dev/mailbox", Public, None),
        route(Method::GET, "/dev/mailbox/{id}", Public, None),
        route(Method::GET, "/api/v1/openapi.json", Public, None),
        route(
            Method::POST,
            "/api/v1/auth/signup",
            Public,
            Some(
                json!({ "name": "N", "email": "route-walk@example.com", "password": "a long enough password" }),
            ),
        ),
        route(
            Method::POST,
            "/api/v1/auth/signup/confirm",
            Public,
            Some(json!({ "token": "bogus", "password": "x" })),
        ),
        route(
            Method::POST,
            "/api/v1/auth/login",
            Public,
            Some(json!({ "email": "nobody@example.com", "password": "x" })),
        ),
        route(
            Method::POST,
            "/api/v1/auth/refresh",
            Public,
            Some(json!({ "refresh_token": "bogus" })),
        ),
        route(Method::POST, "/api/v1/auth/logout", Public, Some(json!({}))),
        route(
            Method::POST,
            "/api/v1/auth/verify-email",
            Public,
            Some(json!({ "token": "bogus" })),
        ),
        route(
            Method::POST,
            "/api/v1/auth/password",
            Account,
            Some(json!({ "current_password": "x", "new_password": "a long enough password" })),
        ),
        route(
            Method::POST,
            "/api/v1/auth/verification-mail",
            Account,
            None,
        ),
        route(Method::GET, "/api/v1/me", Account, None),
        route(Method::GET, "/api/v1/invitations/{token}", Account, None),
        route(
            Method::POST,
            "/api/v1/invitations/{token}/accept",
            Account,
            None,
        ),
        route(Method::GET, "/api/v1/shops", Account, None),
        route(
            Method::POST,
            "/api/v1/shops",
            Account,
            Some(
                json!({ "name": "Walk", "slug": "route-walk-shop", "currency": "EUR", "timezone": "UTC" }),
            ),
        ),
        route(Method::GET, "/api/v1/storefront", Public, None),
        route(Method::GET, "/api/v1/shops/{slug}", Member, None),
        route(
            Method::PATCH,
            "/api/v1/shops/{slug}",
            Owner,
            Some(json!({ "name": "Renamed", "timezone": "UTC" })),
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/provisioning",
            Member,
            None,
        ),
        route(Method::GET, "/api/v1/shops/{slug}/overview", Member, None),
        route(Method::POST, "/api/v1/shops/{slug}/suspend", Owner, None),
        route(Method::POST, "/api/v1/shops/{slug}/reactivate", Owner, None),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/domains",
            Owner,
            Some(json!({ "hostname": "walk.example.com" })),
        ),
        route(
            Method::DELETE,
            "/api/v1/shops/{slug}/domains/{hostname}",
            Owner,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/domains/{hostname}/verify",
            Owner,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/members",
            Owner,
            Some(json!({ "email": "invitee@example.com" })),
        ),
        route(
            Method::DELETE,
            "/api/v1/shops/{slug}/members/{email}",
            Owner,
            None,
        ),
        route(
            Method::DELETE,
            "/api/v1/shops/{slug}/invitations/{email}",
            Owner,
            None,
        ),
        route(Method::GET, "/api/v1/shops/{slug}/products", Member, None),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/products",
            Member,
            Some(product),
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/products/export",
            Member,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/products/import",
            Member,
            None,
        ),
        route(Method::POST, "/shops/{slug}/products/imports", Member, None),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/products/imports/{id}",
            Member,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/products/{id}",
            Member,
            None,
        ),
        route(
            Method::PATCH,
            "/api/v1/shops/{slug}/products/{id}",
            Member,
            Some(json!({ "expected_version": 1, "title": "Mug" })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/products/{id}/variants",
            Member,
            Some(variant.clone()),
        ),
        route(
            Method::PATCH,
            "/api/v1/shops/{slug}/variants/{id}",
            Member,
            Some(variant),
        ),
        route(Method::GET, "/api/v1/shops/{slug}/inventory", Member, None),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/inventory",
            Member,
            Some(json!({ "sku": "RW-1", "delta": "1", "reason": "count" })),
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/inventory/{variant_id}/history",
            Member,
            None,
        ),
        route(Method::GET, "/api/v1/shops/{slug}/orders", Member, None),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/orders",
            Member,
            Some(
                json!({ "customer_email": "c@example.com", "customer_name": "C", "shipping_address": address.clone(), "lines": [{ "sku": "RW-1", "quantity": 1 }] }),
            ),
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/orders/{id}",
            Member,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/orders/{id}/transitions",
            Member,
            Some(json!({ "action": "approve", "expected_version": 1 })),
        ),
        route(Method::GET, "/api/v1/shops/{slug}/customers", Member, None),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/customers/signup",
            Public,
            Some(
                json!({ "email": "walker@example.com", "password": "a long enough password", "name": "W", "account_type": "individual" }),
            ),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/customers/signup/confirm",
            Public,
            Some(json!({ "token": "bogus", "password": "x" })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/customers/login",
            Public,
            Some(json!({ "email": "nobody@example.com", "password": "x" })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/customers/logout",
            Public,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/customers/invitations/accept",
            Public,
            Some(json!({ "token": "bogus", "name": "N", "password": "a long enough password" })),
        ),
        route(Method::GET, "/api/v1/shops/{slug}/catalog", Public, None),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/customers/me",
            Customer,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/customers/me/orders",
            Customer,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/customers/me/orders/{id}",
            Customer,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/customers/{id}",
            Member,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/customers/{id}/verification",
            Member,
            Some(json!({ "decision": "verify" })),
        ),
        route(
            Method::PUT,
            "/api/v1/shops/{slug}/customers/{id}/price-list",
            Member,
            Some(json!({ "name": "" })),
        ),
        route(
            Method::PUT,
            "/api/v1/shops/{slug}/customers/{id}/payment-terms",
            Owner,
            Some(json!({ "payment_terms": "net_30" })),
        ),
        route(
            Method::PUT,
            "/api/v1/shops/{slug}/price-lists/{name}",
            Member,
            Some(json!({ "lines": "RW-1, 1.00" })),
        ),
        route(
            Method::PUT,
            "/api/v1/shops/{slug}/variants/{id}/terms",
            Member,
            Some(json!({})),
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/quotes",
            MemberOrCustomer,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/quotes",
            Customer,
            Some(json!({ "lines": "RW-1, 10" })),
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/quotes/{id}",
            MemberOrCustomer,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/quotes/{id}/answer",
            Member,
            Some(
                json!({ "expected_version": 1, "unit_prices": ["1.00"], "expires_on": "2099-01-01" }),
            ),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/quotes/{id}/accept",
            Customer,
            Some(json!({ "expected_version": 1 })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/quotes/{id}/decline",
            Customer,
            Some(json!({ "expected_version": 1 })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/quotes/{id}/messages",
            MemberOrCustomer,
            Some(json!({ "body": "Hello" })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/bulk-orders",
            Customer,
            Some(json!({ "lines": "RW-1, 10" })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/bulk-orders/check",
            Customer,
            Some(json!({ "lines": "RW-1, 10" })),
        ),
        route(
            Method::GET,
            "/api/v1/shops/{slug}/bulk-orders/reorder/{order_id}",
            Customer,
            None,
        ),
        route(Method::GET, "/api/v1/shops/{slug}/cart", Customer, None),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/cart/items",
            Customer,
            Some(json!({ "sku": "RW-1", "quantity": "1" })),
        ),
        route(
            Method::PUT,
            "/api/v1/shops/{slug}/cart/items/{sku}",
            Customer,
            Some(json!({ "quantity": "1" })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/checkout",
            Customer,
            Some(json!({ "shipping_address": address })),
        ),
        route(Method::GET, "/api/v1/shops/{slug}/company", Customer, None),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/company/buyers",
            Customer,
            Some(json!({ "email": "buyer@example.com", "name": "B" })),
        ),
        route(
            Method::PUT,
            "/api/v1/shops/{slug}/company/buyers/{id}/limit",
            Customer,
            Some(json!({ "spending_limit": "100", "period": "month" })),
        ),
        route(
            Method::POST,
            "/api/v1/shops/{slug}/company/approvals/{id}",
            Customer,
            Some(json!({ "decision": "approve" })),
        ),
    ]
}

/// The paths the server's sources hand to `.route(…)`, as written there. Reading the sources
/// is crude, but axum cannot list a router's routes, and this is what makes a new route without
/// an entry in [`routes`] fail.
fn routes_in_sources() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, found: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "bin") {
                    walk(&path, found);
                }
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs")
                || path.file_name().is_some_and(|name| name == "serve.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source file");
            let mut rest = text.as_str();
            while let Some(at) = rest.find(".route(") {
                rest = &rest[at + ".route(".len()..];
                let trimmed = rest.trim_start();
                if let Some(quoted) = trimmed.strip_prefix('"') {
                    if let Some(end) = quoted.find('"') {
                        let prefix = if path.ends_with("api/mod.rs")
                            || path.ends_with("api/portal.rs")
                            || path.ends_with("api/links.rs")
                            || (path.ends_with("api/commerce.rs")
                                && !quoted[..end].ends_with("/products/imports"))
                        {
                            "/api/v1"
                        } else {
                            ""
                        };
                        found.insert(format!("{prefix}{}", &quoted[..end]));
                    }
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    found.remove("/sfn/{*fn_name}");
    found
}

fn concrete(path: &str, slug: &str) -> String {
    path.replace("{slug}", slug)
        .replace("{id}", "1")
        .replace("{variant_id}", "1")
        .replace("{order_id}", "1")
        .replace("{hostname}", "walk.example.com")
        .replace("{email}", "nobody@example.com")
        .replace("{name}", "wholesale")
        .replace("{sku}", "RW-1")
        .replace("{token}", "no-such-token")
}

enum Credential<'a> {
    None,
    Bearer(&'a str),
    /// A merchant's cookie from a page of another origin.
    CrossOriginCookie(&'a str),
}

async fn call(
    app: &TestApp,
    route: &Route,
    slug: &str,
    credential: Credential<'_>,
) -> TestResponse {
    let mut builder = Request::builder()
        .method(route.method.clone())
        .uri(concrete(route.path, slug))
        .header(header::HOST, "127.0.0.1:3000");
    builder = match credential {
        Credential::None => builder,
        Credential::Bearer(token) => {
            builder.header(header::AUTHORIZATION, format!("Bearer {token}"))
        }
        Credential::CrossOriginCookie(token) => builder
            .header(header::COOKIE, format!("{}={token}", app::ACCESS_COOKIE))
            .header(header::ORIGIN, "https://evil.example"),
    };
    let request = if route.path.ends_with("/products/imports") {
        builder
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
            .body(Body::from("--x--\r\n"))
    } else if route.path.ends_with("/products/import") {
        builder
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from("sku,price\n"))
    } else {
        match &route.body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None if route.method == Method::GET => builder.body(Body::empty()),
            None => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}")),
        }
    };
    app.send(request.expect("request")).await
}

/// A shop with its owner, a staff member, and a merchant and a customer of another shop.
struct Cast {
    app: TestApp,
    slug: String,
    owner: String,
    staff: String,
    stranger: String,
    foreign_customer: String,
}

async fn cast(engine: Engine) -> Cast {
    let app = TestApp::start(engine).await;
    let (owner, slug) = app.merchant_with_shop().await;
    let (stranger, other_slug) = app.merchant_with_shop().await;
    let staff_email = format!("{}@example.com", unique("staff"));
    let staff = app.sign_up(&staff_email).await;
    // Staff membership written directly: what is tested here is the role check, not the
    // invitation flow (the mail tests cover that).
    let (shop_id, _) = app.shop_database(&slug).await;
    let platform = &app.app.state.platform.pool;
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&staff_email)
        .fetch_one(platform)
        .await
        .expect("staff user");
    sqlx::query(
        "INSERT INTO memberships (shop_id, user_id, role, created_at) VALUES ($1, $2, 'staff', 0)",
    )
    .bind(shop_id)
    .bind(staff_id)
    .execute(platform)
    .await
    .expect("staff membership");
    app.app.state.provisioner.registry.memberships_changed();
    let (_, foreign_customer) = app
        .shop_customer(&other_slug, ShopCustomer::CompanyAdmin)
        .await;
    Cast {
        app,
        slug,
        owner,
        staff,
        stranger,
        foreign_customer,
    }
}

#[tokio::test]
async fn every_route_is_in_the_access_table() {
    let listed: BTreeSet<String> = routes().iter().map(|r| r.path.to_string()).collect();
    let in_sources = routes_in_sources();
    let missing: Vec<_> = in_sources.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without an entry in the access table of hardening/routes.rs: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&in_sources).collect();
    assert!(
        stale.is_empty(),
        "entries for routes that no longer exist: {stale:?}"
    );
}

#[tokio::test]
async fn every_route_refuses_the_callers_it_must_refuse() {
    for engine in engines() {
        let cast = cast(engine).await;
        let mut wrong = Vec::new();
        for route in routes() {
            let name = format!("{engine:?} {} {}", route.method, route.path);
            let expect =
                |who: &str, answer: &TestResponse, status: StatusCode, wrong: &mut Vec<String>| {
                    if answer.status != status {
                        wrong.push(format!(
                            "{name} as {who}: {} (expected {status}): {}",
                            answer.status,
                            answer.text.chars().take(160).collect::<String>()
                        ));
                    }
                };
            if route.access != Public {
                let answer = call(&cast.app, &route, &cast.slug, Credential::None).await;
                expect("anonymous", &answer, StatusCode::UNAUTHORIZED, &mut wrong);
            }
            if matches!(route.access, Member | Owner | MemberOrCustomer) {
                let answer = call(
                    &cast.app,
                    &route,
                    &cast.slug,
                    Credential::Bearer(&cast.stranger),
                )
                .await;
                expect(
                    "another shop's merchant",
                    &answer,
                    StatusCode::NOT_FOUND,
                    &mut wrong,
                );
            }
            if route.access == Owner {
                let answer = call(
                    &cast.app,
                    &route,
                    &cast.slug,
                    Credential::Bearer(&cast.staff),
                )
                .await;
                expect("staff", &answer, StatusCode::FORBIDDEN, &mut wrong);
            }
            if matches!(route.access, Customer | MemberOrCustomer) {
                let answer = call(
                    &cast.app,
                    &route,
                    &cast.slug,
                    Credential::Bearer(&cast.foreign_customer),
                )
                .await;
                expect(
                    "another shop's customer",
                    &answer,
                    StatusCode::FORBIDDEN,
                    &mut wrong,
                );
            }
            if route.method != Method::GET {
                let answer = call(
                    &cast.app,
                    &route,
                    &cast.slug,
                    Credential::CrossOriginCookie(&cast.owner),
                )
                .await;
                expect(
                    "a cross-origin cookie request",
                    &answer,
                    StatusCode::FORBIDDEN,
                    &mut wrong,
                );
            }
        }
        assert!(
            wrong.is_empty(),
            "{} refusals missing:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }
}

/// Form arguments of a server function call: `(name, value)`, `{slug}` for the shop.
type Args = &'static [(&'static str, &'static str)];

/// Server functions, by name: who may call each, and arguments that decode.
fn server_functions() -> Vec<(&'static str, Access, Args)> {
    const SLUG: &str = "{slug}";
    vec![
        ("sign_up", Public, &[]),
        ("confirm_sign_up", Public, &[]),
        ("log_in", Public, &[]),
        ("log_out", Public, &[]),
        ("verify_email", Public, &[]),
        ("get_invitation", Account, &[("token", "no-such-token")]),
        ("accept_invitation", Account, &[("token", "no-such-token")]),
        (
            "change_password",
            Account,
            &[
                ("current_password", "x"),
                ("new_password", "a long enough password"),
            ],
        ),
        ("current_user", Account, &[]),
        ("session_email", Account, &[]),
        ("account_status", Account, &[]),
        ("resend_verification", Account, &[]),
        ("list_shops", Account, &[]),
        ("get_shop_frame", Account, &[]),
        (
            "create_shop",
            Account,
            &[
                ("name", "Walk"),
                ("slug", "walk-sfn"),
                ("currency", "EUR"),
                ("timezone", "UTC"),
            ],
        ),
        ("provisioning_status", Member, &[("slug", SLUG)]),
        ("shop_detail", Member, &[("slug", SLUG)]),
        ("shop_overview", Member, &[("slug", SLUG)]),
        (
            "update_shop",
            Owner,
            &[("slug", SLUG), ("name", "Renamed"), ("timezone", "UTC")],
        ),
        (
            "set_shop_suspended",
            Owner,
            &[("slug", SLUG), ("suspended", "true")],
        ),
        (
            "add_domain",
            Owner,
            &[("slug", SLUG), ("hostname", "walk.example.com")],
        ),
        (
            "remove_domain",
            Owner,
            &[("slug", SLUG), ("hostname", "walk.example.com")],
        ),
        (
            "verify_domain",
            Owner,
            &[("slug", SLUG), ("hostname", "walk.example.com")],
        ),
        (
            "invite_member",
            Owner,
            &[("slug", SLUG), ("email", "invitee@example.com")],
        ),
        (
            "remove_member",
            Owner,
            &[("slug", SLUG), ("email", "nobody@example.com")],
        ),
        (
            "revoke_invitation",
            Owner,
            &[("slug", SLUG), ("email", "nobody@example.com")],
        ),
        ("list_orders", Member, &[]),
        ("get_order", Member, &[("slug", SLUG), ("id", "1")]),
        ("create_order", Member, &[]),
        (
            "transition_order",
            Member,
            &[
                ("slug", SLUG),
                ("id", "1"),
                ("action", "approve"),
                ("expected_version", "1"),
            ],
        ),
        (
            "bulk_orders",
            Member,
            &[("slug", SLUG), ("action", "approve")],
        ),
        (
            "bulk_ship_orders",
            Member,
            &[("slug", SLUG), ("tracking", "1001, DHL, 1")],
        ),
        ("list_products", Member, &[]),
        ("get_product", Member, &[("slug", SLUG), ("id", "1")]),
        ("search_variants", Member, &[("slug", SLUG), ("q", "a")]),
        ("create_product", Member, &[]),
        ("update_product", Member, &[]),
        ("add_variant", Member, &[]),
        ("update_variant", Member, &[]),
        (
            "adjust_inventory",
            Member,
            &[
                ("slug", SLUG),
                ("sku", "RW-1"),
                ("delta", "1"),
                ("reason", "count"),
            ],
        ),
        ("import_status", Member, &[("slug", SLUG), ("id", "1")]),
        (
            "get_stock_history",
            Member,
            &[("slug", SLUG), ("product_id", "1"), ("variant_id", "1")],
        ),
        ("list_customers", Member, &[]),
        ("get_customer", Member, &[("slug", SLUG), ("id", "1")]),
        (
            "decide_business",
            Member,
            &[("slug", SLUG), ("id", "1"), ("decision", "verify")],
        ),
        (
            "save_customer_price_list",
            Member,
            &[("slug", SLUG), ("id", "1"), ("name", "")],
        ),
        (
            "set_customer_payment_terms",
            Owner,
            &[("slug", SLUG), ("id", "1"), ("payment_terms", "net_30")],
        ),
        ("list_quotes", Member, &[("slug", SLUG)]),
        ("get_quote", Member, &[("slug", SLUG), ("id", "1")]),
        ("answer_quote", Member, &[]),
        (
            "merchant_quote_message",
            Member,
            &[("slug", SLUG), ("id", "1"), ("body", "Hello")],
        ),
        (
            "save_variant_terms",
            Member,
            &[("slug", SLUG), ("variant_id", "1")],
        ),
        (
            "get_variant_terms",
            Member,
            &[("slug", SLUG), ("product_id", "1")],
        ),
        ("portal_sign_up", Public, &[]),
        ("portal_confirm_sign_up", Public, &[]),
        ("portal_log_in", Public, &[]),
        ("portal_log_out", Public, &[]),
        ("portal_accept_invitation", Public, &[]),
        ("get_portal_context", Public, &[]),
        ("get_portal_catalog", Public, &[]),
        ("portal_business", Customer, &[("shop", SLUG)]),
        ("portal_orders", Customer, &[("shop", SLUG)]),
        (
            "portal_order",
            Customer,
            &[("shop", SLUG), ("order_id", "1")],
        ),
        (
            "portal_reorder",
            Customer,
            &[("shop", SLUG), ("order_id", "1")],
        ),
        ("portal_quotes", Customer, &[("shop", SLUG)]),
        ("portal_quote", Customer, &[("shop", SLUG), ("id", "1")]),
        (
            "portal_request_quote",
            Customer,
            &[("shop", SLUG), ("lines", "RW-1, 10")],
        ),
        (
            "portal_decide_quote",
            Customer,
            &[
                ("shop", SLUG),
                ("id", "1"),
                ("expected_version", "1"),
                ("decision", "accept"),
            ],
        ),
        (
            "portal_quote_message",
            Customer,
            &[("shop", SLUG), ("id", "1"), ("body", "Hello")],
        ),
        (
            "portal_bulk_order",
            Customer,
            &[("shop", SLUG), ("lines", "RW-1, 10")],
        ),
        ("portal_company", Customer, &[("shop", SLUG)]),
        (
            "portal_invite_buyer",
            Customer,
            &[("shop", SLUG), ("email", "b@example.com"), ("name", "B")],
        ),
        (
            "portal_set_buyer_limit",
            Customer,
            &[("shop", SLUG), ("buyer_id", "1")],
        ),
        (
            "portal_decide_company_order",
            Customer,
            &[("shop", SLUG), ("id", "1"), ("decision", "approve")],
        ),
        ("portal_cart", Customer, &[("shop", SLUG)]),
        (
            "portal_change_cart",
            Customer,
            &[("shop", SLUG), ("sku", "RW-1"), ("quantity", "1")],
        ),
        ("portal_checkout", Customer, &[("shop", SLUG)]),
    ]
}

#[tokio::test]
async fn every_server_function_is_in_the_access_table_and_refuses_who_it_must() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/sfn/").to_string())
        .collect();
    let table = server_functions();
    let listed: BTreeSet<String> = table.iter().map(|(name, _, _)| name.to_string()).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "server functions without an entry in the access table: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "entries for server functions that no longer exist: {stale:?}"
    );

    let cast = cast(Engine::Sqlite).await;
    let mut wrong = Vec::new();
    for (name, access, args) in &table {
        let form: Vec<(&str, String)> = args
            .iter()
            .map(|(key, value)| (*key, value.replace("{slug}", &cast.slug)))
            .collect();
        let form: Vec<(&str, &str)> = form
            .iter()
            .map(|(key, value)| (*key, value.as_str()))
            .collect();
        let send = |credential: Option<&str>, origin: Option<&str>| {
            let body = form
                .iter()
                .map(|(key, value)| format!("{key}={}", urlencoding(value)))
                .collect::<Vec<_>>()
                .join("&");
            let mut builder = Request::builder()
                .method(Method::POST)
                .uri(format!("/sfn/{name}"))
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json");
            if let Some(token) = credential {
                builder = builder.header(header::COOKIE, format!("{}={token}", app::ACCESS_COOKIE));
            }
            if let Some(origin) = origin {
                builder = builder.header(header::ORIGIN, origin);
            }
            cast.app
                .send(builder.body(Body::from(body)).expect("request"))
        };
        // Every server function changes or reads state through POST: a foreign page may not.
        let answer = send(Some(&cast.owner), Some("https://evil.example")).await;
        if answer.status != StatusCode::FORBIDDEN {
            wrong.push(format!("{name} cross-origin: {}", answer.status));
        }
        // The arguments are given where the check comes after decoding them.
        if *access != Public && !args.is_empty() || matches!(access, Account) {
            let answer = send(None, None).await;
            if answer.status != StatusCode::UNAUTHORIZED {
                wrong.push(format!(
                    "{name} anonymous: {} {}",
                    answer.status,
                    answer.text.chars().take(120).collect::<String>()
                ));
            }
        }
        if matches!(access, Member | Owner) && !args.is_empty() {
            let answer = send(Some(&cast.stranger), None).await;
            if answer.status != StatusCode::NOT_FOUND {
                wrong.push(format!(
                    "{name} as another shop's merchant: {}",
                    answer.status
                ));
            }
        }
        if *access == Owner {
            let answer = send(Some(&cast.staff), None).await;
            if answer.status != StatusCode::FORBIDDEN {
                wrong.push(format!("{name} as staff: {}", answer.status));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} refusals missing:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn urlencoding(raw: &str) -> String {
    raw.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
