//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.

use axum::Json;
use serde_json::{json, Value};

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn ok(description: &str, schema: Option<&str>) -> Value {
    match schema {
        Some(schema) => {
            json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
        }
        None => json!({ "description": description }),
    }
}

fn error(description: &str) -> Value {
    ok(description, Some("Error"))
}

fn slug_param() -> Value {
    json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" } })
}

fn query_param(name: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" } })
}

fn id_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer" } })
}

fn operation(
    summary: &str,
    secured: bool,
    params: Vec<Value>,
    request: Option<Value>,
    responses: Vec<(&str, Value)>,
) -> Value {
    let mut op = json!({ "summary": summary, "parameters": params, "responses": {} });
    if let Some(request) = request {
        op["requestBody"] = request;
    }
    if !secured {
        op["security"] = json!([]);
    }
    for (code, response) in responses {
        op["responses"][code] = response;
    }
    if secured {
        op["responses"]["401"] = error("Missing, invalid or expired token");
    }
    op
}

pub fn spec() -> Value {
    let shop_detail = || ok("The shop", Some("ShopDetail"));
    let not_found = || error("Not found, or not a member of this shop");
    let forbidden = || error("Only the owner may do this");
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Cartwright API", "version": "1.0.0",
                  "description": "Multi-tenant commerce back office. Authenticate with `Authorization: Bearer <access_token>` (or the session cookies). Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`." },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/auth/signup": { "post": operation("Ask for a merchant account: a confirmation link is mailed to the address (or, if it has an account already, a note saying so); the answer is the same either way", false, vec![], Some(body("SignUp")), vec![("202", ok("The mail is on its way", Some("SignUpReceipt"))), ("400", error("Invalid field")), ("429", error("Too many sign-ups from this client"))]) },
            "/auth/signup/confirm": { "post": operation("Open a sign-up link (body: {\"token\", \"password\"}, the password chosen at sign-up): creates the account and logs it in", false, vec![], None, vec![("201", ok("Signed up", Some("Tokens"))), ("400", error("Not the password chosen at sign-up")), ("404", error("Unknown link")), ("409", error("Link used or expired, or the address has an account already"))]) },
            "/auth/login": { "post": operation("Log in", false, vec![], Some(body("Login")), vec![("200", ok("Logged in", Some("Tokens"))), ("400", error("Invalid field")), ("401", error("Invalid email or password")), ("429", error("Too many failed attempts"))]) },
            "/auth/refresh": { "post": operation("Exchange a refresh token (rotated on use)", false, vec![], Some(body("Refresh")), vec![("200", ok("New tokens", Some("Tokens"))), ("401", error("Expired, revoked or reused token"))]) },
            "/auth/logout": { "post": operation("Revoke the session", false, vec![], None, vec![("204", ok("Logged out", None))]) },
            "/auth/password": { "post": operation("Change password (ends every other session)", true, vec![], Some(body("ChangePassword")), vec![("200", ok("Changed; new tokens", Some("Tokens"))), ("400", error("Wrong current password or weak new password"))]) },
            "/me": { "get": operation("The current merchant", true, vec![], None, vec![("200", ok("The user", Some("User")))]) },
            "/shops": {
                "get": operation("Shops the caller is a member of", true, vec![], None, vec![("200", json!({ "description": "Shops", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/ShopSummary" } } } } }))]),
                "post": operation("Create a shop; provisioning continues in the background", true, vec![], Some(body("NewShop")), vec![("202", ok("Registered; poll the Location for provisioning", Some("ShopSummary"))), ("400", error("Invalid field")), ("409", error("Slug already taken"))])
            },
            "/shops/{slug}": {
                "get": operation("Shop detail: domains, team", true, vec![slug_param()], None, vec![("200", shop_detail()), ("404", not_found())]),
                "patch": operation("Change name, time zone and how amounts are written", true, vec![slug_param()], Some(body("UpdateShop")), vec![("200", shop_detail()), ("400", error("Invalid field")), ("403", forbidden()), ("404", not_found())])
            },
            "/shops/{slug}/provisioning": { "get": operation("Provisioning progress", true, vec![slug_param()], None, vec![("200", ok("Steps", Some("ProvisioningStatus"))), ("404", not_found())]) },
            "/shops/{slug}/overview": { "get": operation("Headline figures from the shop database", true, vec![slug_param()], None, vec![("200", ok("Figures", Some("ShopOverview"))), ("404", not_found()), ("409", error("Still provisioning"))]) },
            "/shops/{slug}/suspend": { "post": operation("Suspend the shop", true, vec![slug_param()], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found()), ("409", error("Not active"))]) },
            "/shops/{slug}/reactivate": { "post": operation("Reactivate the shop", true, vec![slug_param()], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found()), ("409", error("Not suspended"))]) },
            "/shops/{slug}/domains": { "post": operation("Register a custom domain (unverified: it serves nothing until verified; the platform's own hosts, localhost names and IP addresses are refused)", true, vec![slug_param()], Some(body("Domain")), vec![("201", shop_detail()), ("400", error("Invalid hostname")), ("403", forbidden()), ("404", not_found()), ("409", error("Domain already registered, or verified by another shop"))]) },
            "/shops/{slug}/domains/{hostname}": { "delete": operation("Remove a custom domain", true, vec![slug_param(), json!({ "name": "hostname", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found())]) },
            "/shops/{slug}/domains/{hostname}/verify": { "post": operation("Verify a custom domain: its TXT record _cartwright-verify.<hostname> must hold the domain's verification token (see the domain in the shop detail); only a verified domain serves the shop", true, vec![slug_param(), json!({ "name": "hostname", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found()), ("409", error("The TXT record is missing or holds another value, the DNS server did not answer in time, or another shop has verified the domain"))]) },
            "/shops/{slug}/members": { "post": operation("Invite staff by email", true, vec![slug_param()], Some(body("Member")), vec![("201", shop_detail()), ("400", error("Invalid email")), ("403", forbidden()), ("404", not_found()), ("409", error("Already a member or invited"))]) },
            "/shops/{slug}/members/{email}": { "delete": operation("Remove staff or an invitation", true, vec![slug_param(), json!({ "name": "email", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found())]) },
            "/auth/verify-email": { "post": operation("Open an e-mail verification link (body: {\"token\"})", false, vec![], None, vec![("200", ok("The verified address", None)), ("404", error("Unknown link")), ("409", error("Link used or expired"))]) },
            "/auth/verification-mail": { "post": operation("Mail a new verification link", true, vec![], None, vec![("202", ok("Sent", None)), ("401", error("Not logged in")), ("409", error("Already verified"))]) },
            "/invitations/{token}": { "get": operation("The staff invitation behind a link, for the invited user", true, vec![json!({ "name": "token", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", ok("The invitation", None)), ("403", forbidden()), ("404", not_found()), ("409", error("Expired"))]) },
            "/invitations/{token}/accept": { "post": operation("Accept a staff invitation (verified e-mail must match)", true, vec![json!({ "name": "token", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", ok("The shop joined", Some("ShopSummary"))), ("403", forbidden()), ("404", not_found()), ("409", error("Expired or already a member"))]) },
            "/shops/{slug}/invitations/{email}": { "delete": operation("Revoke a pending invitation (owners)", true, vec![slug_param(), json!({ "name": "email", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found())]) },
            "/storefront": { "get": operation("The shop served at the request's Host (subdomain or custom domain)", false, vec![], None, vec![("200", ok("The shop", Some("PublicShop"))), ("404", error("No active shop at this host"))]) },
            "/shops/{slug}/products": {
                "get": operation("Products: search (q: title, handle or SKU), status, tag, sort (title, -title, updated, -updated), keyset page (after)", true, vec![slug_param(), query_param("q"), query_param("status"), query_param("tag"), query_param("sort"), query_param("after")], None, vec![("200", ok("A page of products", Some("ProductPage"))), ("400", error("Invalid filter")), ("404", not_found())]),
                "post": operation("Create a product with its variants (one transaction)", true, vec![slug_param()], Some(body("NewProduct")), vec![("201", ok("The product", Some("ProductDetail"))), ("400", error("Invalid field, e.g. variants[1].price")), ("404", not_found()), ("409", error("Handle or SKU already used"))])
            },
            "/shops/{slug}/products/{id}": {
                "get": operation("Product with variants and stock", true, vec![slug_param(), id_param("id")], None, vec![("200", ok("The product", Some("ProductDetail"))), ("404", not_found())]),
                "patch": operation("Edit product fields; expected_version must be current", true, vec![slug_param(), id_param("id")], Some(body("UpdateProduct")), vec![("200", ok("The product", Some("ProductDetail"))), ("400", error("Invalid field")), ("404", not_found()), ("409", error("Changed by someone else, or handle taken"))])
            },
            "/shops/{slug}/products/{id}/variants": { "post": operation("Add a variant", true, vec![slug_param(), id_param("id")], Some(body("VariantInput")), vec![("201", ok("The product", Some("ProductDetail"))), ("400", error("Invalid field")), ("404", not_found()), ("409", error("SKU already used"))]) },
            "/shops/{slug}/variants/{id}": { "patch": operation("Edit a variant (stock changes go through /inventory)", true, vec![slug_param(), id_param("id")], Some(body("VariantInput")), vec![("200", ok("The product", Some("ProductDetail"))), ("400", error("Invalid field")), ("404", not_found()), ("409", error("SKU already used"))]) },
            "/shops/{slug}/products/import": { "post": operation("Import products from CSV (the request body, text/csv); runs in the background", true, vec![slug_param(), query_param("file_name")], Some(json!({ "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } })), vec![("202", ok("Import started; poll Location", Some("ImportStatus"))), ("400", error("Empty body")), ("404", not_found())]) },
            "/shops/{slug}/products/imports/{id}": { "get": operation("Import progress, counts and refused rows with line numbers", true, vec![slug_param(), id_param("id")], None, vec![("200", ok("Status", Some("ImportStatus"))), ("404", not_found())]) },
            "/shops/{slug}/products/export": { "get": operation("The catalog as CSV in the import layout", true, vec![slug_param()], None, vec![("200", json!({ "description": "CSV", "content": { "text/csv": { "schema": { "type": "string" } } } })), ("404", not_found())]) },
            "/shops/{slug}/inventory": {
                "get": operation("Stock levels (on hand, reserved, available), optionally by SKU prefix", true, vec![slug_param(), query_param("sku_prefix")], None, vec![("200", json!({ "description": "Levels", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/InventoryLevel" } } } } })), ("404", not_found())]),
                "post": operation("Adjust stock on hand by SKU with a reason", true, vec![slug_param()], Some(body("Adjustment")), vec![("200", ok("The new level", Some("InventoryLevel"))), ("400", error("Unknown SKU, not a whole number, below zero or below reserved")), ("404", not_found())])
            },
            "/shops/{slug}/inventory/{variant_id}/history": { "get": operation("Adjustment history (who, when, why), newest first", true, vec![slug_param(), id_param("variant_id")], None, vec![("200", json!({ "description": "Adjustments", "content": { "application/json": { "schema": { "type": "array", "items": { "type": "object", "properties": { "delta": { "type": "integer" }, "on_hand_after": { "type": "integer" }, "reason": { "type": "string" }, "actor": { "type": "string" }, "created_at_ms": { "type": "integer" } } } } } } })), ("404", not_found())]) },
            "/shops/{slug}/orders": {
                "get": operation("Orders: q (number, email, name or SKU), status, payment (a payment status), fulfilment (a fulfilment status), overdue (true: unpaid invoices past due), channel, customer_type, from/to (YYYY-MM-DD, inclusive, days in the shop's time zone), sort (newest, oldest, total_desc, total_asc), keyset pages (after: next_cursor; before: prev_cursor); 50 per page, with the number of matching orders counted up to 1,000", true, vec![slug_param(), query_param("q"), query_param("status"), query_param("payment"), query_param("fulfilment"), query_param("overdue"), query_param("channel"), query_param("customer_type"), query_param("from"), query_param("to"), query_param("sort"), query_param("after"), query_param("before")], None, vec![("200", ok("A page of orders", Some("OrderPage"))), ("400", error("Invalid filter")), ("404", not_found())]),
                "post": operation("Place an order; stock is reserved for every line or nothing happens", true, vec![slug_param()], Some(body("NewOrder")), vec![("201", ok("The order", Some("OrderDetail"))), ("400", error("Invalid field, unknown SKU or not enough stock")), ("404", not_found())])
            },
            "/shops/{slug}/orders/{id}": { "get": operation("Order with lines, totals, payments, shipments and timeline", true, vec![slug_param(), id_param("id")], None, vec![("200", ok("The order", Some("OrderDetail"))), ("404", not_found())]) },
            "/shops/{slug}/orders/{id}/transitions": { "post": operation("Move the order through its lifecycle", true, vec![slug_param(), id_param("id")], Some(body("Transition")), vec![("200", ok("The order", Some("OrderDetail"))), ("400", error("Invalid field")), ("404", not_found()), ("409", error("Not allowed in the current status, or the order changed since expected_version"))]) }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "field": { "type": ["string", "null"] } } } } },
                "SignUp": { "type": "object", "required": ["name", "email", "password"], "properties": { "name": { "type": "string" }, "email": { "type": "string", "format": "email" }, "password": { "type": "string", "minLength": 10 }, "next": { "type": "string", "description": "a same-origin path to continue to after the link is opened" } } },
                "SignUpReceipt": { "type": "object", "required": ["email"], "properties": { "email": { "type": "string", "description": "where the mail went" } } },
                "Login": { "type": "object", "required": ["email", "password"], "properties": { "email": { "type": "string" }, "password": { "type": "string" } } },
                "Refresh": { "type": "object", "required": ["refresh_token"], "properties": { "refresh_token": { "type": "string" } } },
                "ChangePassword": { "type": "object", "required": ["current_password", "new_password"], "properties": { "current_password": { "type": "string" }, "new_password": { "type": "string", "minLength": 10 } } },
                "User": { "type": "object", "required": ["id", "email", "name"], "properties": { "id": { "type": "integer" }, "email": { "type": "string" }, "name": { "type": "string" } } },
                "Tokens": { "type": "object", "required": ["user", "token_type", "access_token", "expires_in", "refresh_token", "refresh_expires_in"], "properties": { "user": { "$ref": "#/components/schemas/User" }, "token_type": { "const": "Bearer" }, "access_token": { "type": "string" }, "expires_in": { "type": "integer" }, "refresh_token": { "type": "string" }, "refresh_expires_in": { "type": "integer" } } },
                "NewShop": { "type": "object", "required": ["name", "slug", "currency", "timezone"], "properties": { "name": { "type": "string" }, "slug": { "type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$" }, "currency": { "type": "string", "example": "EUR" }, "timezone": { "type": "string", "example": "Europe/Berlin" } } },
                "UpdateShop": { "type": "object", "required": ["name", "timezone"], "properties": { "name": { "type": "string" }, "timezone": { "type": "string" }, "amount_style": { "enum": ["point", "comma", "space_comma", "apostrophe"], "description": "how the shop's pages write amounts: 1,234.56, 1.234,56, 1 234,56 or 1'234.56 (omitted: unchanged); every style is read alike" } } },
                "Domain": { "type": "object", "required": ["hostname"], "properties": { "hostname": { "type": "string" } } },
                "Member": { "type": "object", "required": ["email"], "properties": { "email": { "type": "string" } } },
                "ShopSummary": { "type": "object", "required": ["slug", "name", "currency", "timezone", "status", "role"], "properties": { "slug": { "type": "string" }, "name": { "type": "string" }, "currency": { "type": "string" }, "timezone": { "type": "string" }, "status": { "enum": ["provisioning", "active", "suspended"] }, "role": { "enum": ["owner", "staff"] } } },
                "ShopDetail": { "type": "object", "properties": { "shop": { "$ref": "#/components/schemas/ShopSummary" }, "domains": { "type": "array", "items": { "type": "object", "properties": { "hostname": { "type": "string" }, "kind": { "enum": ["subdomain", "custom"] }, "verified": { "type": "boolean", "description": "Only verified domains serve the shop" }, "verification": { "type": ["object", "null"], "description": "The TXT record to publish; null once verified", "properties": { "record_name": { "type": "string" }, "record_value": { "type": "string" } } } } } }, "members": { "type": "array", "items": { "type": "object", "properties": { "email": { "type": "string" }, "name": { "type": "string" }, "role": { "enum": ["owner", "staff"] } } } }, "pending_invitations": { "type": "array", "description": "Owners only", "items": { "type": "object", "properties": { "email": { "type": "string" }, "expires_at_ms": { "type": "integer" }, "expired": { "type": "boolean" } } } }, "created_at_ms": { "type": "integer" } } },
                "ProvisioningStatus": { "type": "object", "properties": { "slug": { "type": "string" }, "name": { "type": "string" }, "status": { "enum": ["provisioning", "active", "suspended"] }, "steps": { "type": "array", "items": { "type": "object", "properties": { "step": { "enum": ["registered", "database_created", "migrated", "activated"] }, "done": { "type": "boolean" } } } } } },
                "ShopOverview": { "type": "object", "properties": { "shop": { "$ref": "#/components/schemas/ShopSummary" }, "product_count": { "type": "integer" }, "customer_count": { "type": "integer" }, "order_count": { "type": "integer" }, "revenue_minor": { "type": "integer" }, "recent_orders": { "type": "array", "items": { "type": "object" } } } },
                "Money": { "type": "integer", "description": "Integer minor units of the shop currency (cents; yen)" },
                "Decimal": { "type": ["string", "number"], "description": "A decimal amount in the shop currency, e.g. \"12.50\"; more decimals than the currency has are refused" },
                "VariantInput": { "type": "object", "required": ["sku", "price"], "properties": { "sku": { "type": "string" }, "option1": { "type": "string" }, "option2": { "type": "string" }, "price": { "$ref": "#/components/schemas/Decimal" }, "compare_at_price": { "$ref": "#/components/schemas/Decimal" }, "weight_grams": { "type": ["string", "integer"] }, "barcode": { "type": "string" }, "on_hand": { "type": ["string", "integer"], "description": "initial stock (create only)" } } },
                "NewProduct": { "type": "object", "required": ["title", "variants"], "properties": { "title": { "type": "string" }, "handle": { "type": "string" }, "description": { "type": "string" }, "status": { "enum": ["draft", "active", "archived"] }, "tags": { "type": "string", "description": "comma-separated" }, "images": { "type": "string", "description": "space-separated URLs" }, "option1_name": { "type": "string" }, "option2_name": { "type": "string" }, "variants": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/VariantInput" } } } },
                "UpdateProduct": { "type": "object", "required": ["expected_version", "title"], "properties": { "expected_version": { "type": "integer" }, "title": { "type": "string" }, "handle": { "type": "string" }, "description": { "type": "string" }, "status": { "enum": ["draft", "active", "archived"] }, "tags": { "type": "string" }, "images": { "type": "string" }, "option1_name": { "type": "string" }, "option2_name": { "type": "string" } } },
                "Variant": { "type": "object", "properties": { "id": { "type": "integer" }, "sku": { "type": "string" }, "option1": { "type": "string" }, "option2": { "type": "string" }, "price_minor": { "$ref": "#/components/schemas/Money" }, "compare_at_minor": { "type": ["integer", "null"] }, "weight_grams": { "type": "integer" }, "barcode": { "type": "string" }, "on_hand": { "type": "integer" }, "reserved": { "type": "integer" }, "available": { "type": "integer" } } },
                "ProductDetail": { "type": "object", "properties": { "id": { "type": "integer" }, "handle": { "type": "string" }, "title": { "type": "string" }, "description": { "type": "string" }, "status": { "enum": ["draft", "active", "archived"] }, "tags": { "type": "array", "items": { "type": "string" } }, "images": { "type": "array", "items": { "type": "string" } }, "option1_name": { "type": "string" }, "option2_name": { "type": "string" }, "version": { "type": "integer" }, "currency": { "type": "string" }, "variants": { "type": "array", "items": { "$ref": "#/components/schemas/Variant" } }, "created_at_ms": { "type": "integer" }, "updated_at_ms": { "type": "integer" } } },
                "ProductPage": { "type": "object", "properties": { "currency": { "type": "string" }, "products": { "type": "array", "items": { "type": "object" } }, "next_cursor": { "type": ["string", "null"] } } },
                "ImportStatus": { "type": "object", "properties": { "id": { "type": "integer" }, "file_name": { "type": "string" }, "state": { "enum": ["queued", "running", "finished", "failed"] }, "rows_read": { "type": "integer" }, "rows_created": { "type": "integer" }, "rows_updated": { "type": "integer" }, "rows_unchanged": { "type": "integer" }, "rows_failed": { "type": "integer" }, "bytes_read": { "type": "integer" }, "bytes_total": { "type": "integer" }, "failure": { "type": "string" }, "errors": { "type": "array", "items": { "type": "object", "properties": { "line": { "type": "integer" }, "field": { "type": "string" }, "message": { "type": "string" } } } } } },
                "InventoryLevel": { "type": "object", "properties": { "variant_id": { "type": "integer" }, "product_id": { "type": "integer" }, "sku": { "type": "string" }, "title": { "type": "string" }, "on_hand": { "type": "integer" }, "reserved": { "type": "integer" }, "available": { "type": "integer" } } },
                "Adjustment": { "type": "object", "required": ["sku", "delta", "reason"], "properties": { "sku": { "type": "string" }, "delta": { "type": ["string", "integer"], "description": "signed whole number" }, "reason": { "type": "string" } } },
                "Address": { "type": "object", "properties": { "name": { "type": "string" }, "line1": { "type": "string" }, "line2": { "type": "string" }, "city": { "type": "string" }, "region": { "type": "string" }, "postal_code": { "type": "string" }, "country": { "type": "string", "description": "ISO 3166-1 alpha-2" } } },
                "NewOrder": { "type": "object", "required": ["customer_email", "lines"], "properties": { "customer_email": { "type": "string" }, "customer_name": { "type": "string" }, "customer_type": { "enum": ["individual", "business"] }, "company_name": { "type": "string" }, "shipping_address": { "$ref": "#/components/schemas/Address" }, "billing_address": { "$ref": "#/components/schemas/Address" }, "lines": { "type": "array", "items": { "type": "object", "required": ["sku", "quantity"], "properties": { "sku": { "type": "string" }, "quantity": { "type": ["string", "integer"] } } } }, "discount": { "$ref": "#/components/schemas/Decimal" }, "shipping": { "$ref": "#/components/schemas/Decimal" }, "tax": { "$ref": "#/components/schemas/Decimal" }, "notes": { "type": "string" }, "tags": { "type": "string" }, "payment_terms": { "$ref": "#/components/schemas/PaymentTerms" } } },
                "PaymentTerms": { "enum": ["prepaid", "due_on_receipt", "net_15", "net_30", "net_60"], "description": "prepaid (default): paid before approval; otherwise an invoice due that many days after the order (business customers only), which may be approved and shipped unpaid" },
                "PaymentStatus": { "enum": ["pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided"] },
                "FulfilmentStatus": { "enum": ["unfulfilled", "partially_fulfilled", "fulfilled", "delivered"] },
                "Transition": { "type": "object", "required": ["action", "expected_version"], "properties": { "action": { "enum": ["mark_paid", "approve", "ship", "deliver", "cancel", "refund"] }, "expected_version": { "type": "integer" }, "amount": { "$ref": "#/components/schemas/Decimal", "description": "refund: required; mark_paid: the payment received (default: everything due; less is a part payment)" }, "note": { "type": "string", "description": "payment method, cancellation or refund reason" }, "carrier": { "type": "string" }, "tracking_number": { "type": "string" }, "tracking_url": { "type": "string" }, "lines": { "type": "array", "items": { "type": "object", "properties": { "line_id": { "type": "integer" }, "quantity": { "type": ["string", "integer"] } } } } } },
                "OrderStatus": { "enum": ["pending", "paid", "approved", "partially_shipped", "shipped", "delivered", "cancelled", "refunded"], "description": "A summary of state, payment_status, fulfilment_status and the approval: refunded in full, else cancelled, else how far it shipped, else approved, else paid, else pending" },
                "OrderPage": { "type": "object", "properties": { "currency": { "type": "string" }, "orders": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "number": { "type": "integer" }, "placed_at_ms": { "type": "integer" }, "customer_name": { "type": "string" }, "customer_email": { "type": "string" }, "customer_type": { "type": "string" }, "status": { "$ref": "#/components/schemas/OrderStatus" }, "channel": { "type": "string" }, "total_minor": { "$ref": "#/components/schemas/Money" }, "payment_status": { "$ref": "#/components/schemas/PaymentStatus" }, "fulfilment_status": { "$ref": "#/components/schemas/FulfilmentStatus" }, "payment_due_at_ms": { "type": ["integer", "null"] }, "overdue": { "type": "boolean" } } } }, "next_cursor": { "type": ["string", "null"] }, "prev_cursor": { "type": ["string", "null"] }, "match_count": { "type": "integer", "description": "orders matching the filters, counted up to 1,000" }, "more_matches": { "type": "boolean", "description": "more than 1,000 orders match" } } },
                "OrderDetail": { "type": "object", "properties": { "id": { "type": "integer" }, "number": { "type": "integer" }, "status": { "$ref": "#/components/schemas/OrderStatus" }, "state": { "enum": ["open", "closed", "cancelled"] }, "payment_status": { "$ref": "#/components/schemas/PaymentStatus" }, "fulfilment_status": { "$ref": "#/components/schemas/FulfilmentStatus" }, "approved_at_ms": { "type": ["integer", "null"] }, "payment_terms": { "$ref": "#/components/schemas/PaymentTerms" }, "payment_due_at_ms": { "type": ["integer", "null"], "description": "when an order on terms is due" }, "overdue": { "type": "boolean", "description": "due date passed and not paid" }, "version": { "type": "integer" }, "channel": { "type": "string" }, "currency": { "type": "string" }, "customer_email": { "type": "string" }, "lines": { "type": "array", "items": { "type": "object" } }, "totals": { "type": "object", "properties": { "subtotal_minor": { "type": "integer" }, "discount_minor": { "type": "integer" }, "shipping_minor": { "type": "integer" }, "tax_minor": { "type": "integer" }, "total_minor": { "type": "integer" } } }, "paid_minor": { "type": "integer" }, "refunded_minor": { "type": "integer" }, "payments": { "type": "array", "items": { "type": "object" } }, "shipments": { "type": "array", "items": { "type": "object" } }, "events": { "type": "array", "items": { "type": "object" } }, "actions": { "type": "array", "items": { "type": "string" } } } },
                "PublicShop": { "type": "object", "required": ["slug", "name", "currency"], "properties": { "slug": { "type": "string" }, "name": { "type": "string" }, "currency": { "type": "string" } } }
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    let mut document = spec();
    add_portal(&mut document);
    add_idempotency_keys(&mut document);
    Json(document)
}

/// Every POST of a caller (merchant or customer) takes an `Idempotency-Key` (see
/// `crate::idempotency`); endpoints without a caller (sign-up, log-in) need none.
fn add_idempotency_keys(document: &mut Value) {
    let header = json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "1 to 255 visible ASCII characters (a V4 UUID, say), chosen once per intended change. The first successful answer is kept for 24 hours: the same key with the same request returns it again (with `Idempotent-Replayed: true`) and changes nothing; the same key with a different request is 422. A refused request (4xx) keeps nothing, so its key may be sent again. A copy sent while the first is running waits for its answer. Not accepted on file uploads.",
        "schema": { "type": "string", "minLength": 1, "maxLength": 255 }
    });
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(post) = item.get_mut("post") else {
            continue;
        };
        let anonymous = post["security"].as_array().is_some_and(Vec::is_empty);
        let upload = post["requestBody"]["content"]
            .get("multipart/form-data")
            .is_some()
            || post["requestBody"]["content"].get("text/csv").is_some();
        if anonymous || upload {
            continue;
        }
        if let Some(parameters) = post["parameters"].as_array_mut() {
            parameters.push(header.clone());
        }
        post["responses"]["422"] =
            error("The Idempotency-Key was used before for a different request");
    }
}

fn array_of(schema: &str) -> Value {
    json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } })
}

fn ok_array(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": array_of(schema) } } })
}

/// The customer portal (`/customers`, `/quotes`, `/bulk-orders`) and the merchant's side of it.
fn add_portal(document: &mut Value) {
    let guard = || error("Not a verified business customer of this shop (the message says why)");
    let customer_auth = "Customer endpoints take the customer's token from `/customers/login` or `/customers/signup/confirm` (audience: this shop; a token of another shop is refused with 403).";
    let paths = [
        (
            "/shops/{slug}/customers",
            json!({ "get": operation("Merchant: customers, filtered by account_type (individual, business), verification (pending, verified, rejected) and q", true, vec![slug_param(), query_param("account_type"), query_param("verification"), query_param("q")], None, vec![("200", ok_array("Customers", "CustomerRow")), ("400", error("Unknown filter value")), ("404", error("Not found, or not a member of this shop"))]) }),
        ),
        (
            "/shops/{slug}/customers/signup",
            json!({ "post": operation("Customer: ask for an account; a confirmation link is mailed to the address (or a note if it has a login at this shop already); the answer is the same either way. Business accounts start unverified", false, vec![slug_param()], Some(body("CustomerSignUp")), vec![("202", ok("The mail is on its way", Some("SignUpReceipt"))), ("400", error("Invalid field (tax_id, billing_address.city, …)")), ("404", error("No open shop with this slug")), ("429", error("Too many sign-ups from this client"))]) }),
        ),
        (
            "/shops/{slug}/customers/signup/confirm",
            json!({ "post": operation("Customer: open a sign-up link (body: {\"token\", \"password\"}, the password chosen at sign-up): creates the login, or attaches it to the shop's customer row for the proven address", false, vec![slug_param()], None, vec![("201", ok("Signed up", Some("CustomerSession"))), ("400", error("Not the password chosen at sign-up")), ("404", error("Unknown link, or a link of another shop")), ("409", error("Link used or expired, the address has a login, or a company invitation"))]) }),
        ),
        (
            "/shops/{slug}/customers/login",
            json!({ "post": operation("Customer: log in", false, vec![slug_param()], Some(body("Login")), vec![("200", ok("Logged in", Some("CustomerSession"))), ("401", error("Wrong e-mail or password")), ("429", error("Too many failed attempts"))]) }),
        ),
        (
            "/shops/{slug}/customers/logout",
            json!({ "post": operation("Customer: end every session", true, vec![slug_param()], None, vec![("204", ok("Logged out", None))]) }),
        ),
        (
            "/shops/{slug}/customers/me",
            json!({ "get": operation("Customer: the logged-in customer", true, vec![slug_param()], None, vec![("200", ok("The customer", Some("CustomerProfile"))), ("403", error("A token of another shop"))]) }),
        ),
        (
            "/shops/{slug}/customers/me/orders",
            json!({ "get": operation("Customer: orders placed through the portal", true, vec![slug_param()], None, vec![("200", ok("Orders", Some("OrderPage")))]) }),
        ),
        (
            "/shops/{slug}/customers/me/orders/{id}",
            json!({ "get": operation("Customer: one of their orders (lines, totals, payment, shipments with tracking; not the shop's notes or timeline)", true, vec![slug_param(), id_param("id")], None, vec![("200", ok("The order", None)), ("404", error("Not found, or not one of this customer's orders"))]) }),
        ),
        (
            "/shops/{slug}/customers/{id}",
            json!({ "get": operation("Merchant: a customer with company, orders and quotes", true, vec![slug_param(), id_param("id")], None, vec![("200", ok("The customer", Some("CustomerDetail"))), ("404", error("Not found"))]) }),
        ),
        (
            "/shops/{slug}/customers/{id}/verification",
            json!({ "post": operation("Merchant: verify or reject (with a reason) a business", true, vec![slug_param(), id_param("id")], Some(body("VerificationDecision")), vec![("200", ok("The customer", Some("CustomerDetail"))), ("400", error("No reason for a rejection")), ("409", error("Already decided this way, or an individual account"))]) }),
        ),
        (
            "/shops/{slug}/catalog",
            json!({ "get": operation("Public: active variants at the caller's prices with their business terms", false, vec![slug_param(), query_param("q")], None, vec![("200", ok("Catalog", Some("PortalCatalog")))]) }),
        ),
        (
            "/shops/{slug}/quotes",
            json!({
                "get": operation("Merchant (dashboard token): every quote, optionally by status. Verified business: its company's quotes", true, vec![slug_param(), query_param("status")], None, vec![("200", ok_array("Quotes", "QuoteRow")), ("403", guard())]),
                "post": operation("Verified business: request a quote", true, vec![slug_param()], Some(body("QuoteRequest")), vec![("201", ok("The quote", Some("QuoteDetail"))), ("400", error("Unreadable line or unknown SKU (names the line)")), ("403", guard())])
            }),
        ),
        (
            "/shops/{slug}/quotes/{id}",
            json!({ "get": operation("A quote with lines, versions (newest first) and messages", true, vec![slug_param(), id_param("id")], None, vec![("200", ok("The quote", Some("QuoteDetail"))), ("403", guard()), ("404", error("Not found (or another company's)"))]) }),
        ),
        (
            "/shops/{slug}/quotes/{id}/answer",
            json!({ "post": operation("Merchant: quote prices (a new version)", true, vec![slug_param(), id_param("id")], Some(body("QuoteAnswer")), vec![("200", ok("The quote", Some("QuoteDetail"))), ("400", error("Missing or invalid price (unit_prices[n]) or expiry")), ("409", error("Closed, or changed since expected_version"))]) }),
        ),
        (
            "/shops/{slug}/quotes/{id}/accept",
            json!({ "post": operation("Verified business: accept the current offer; places one order at the quoted prices", true, vec![slug_param(), id_param("id")], Some(body("ExpectedVersion")), vec![("200", ok("The quote (with order_id)", Some("QuoteDetail"))), ("400", error("Not enough stock for a line")), ("403", guard()), ("409", error("Expired, already accepted, not yet quoted, or changed since expected_version"))]) }),
        ),
        (
            "/shops/{slug}/quotes/{id}/decline",
            json!({ "post": operation("Verified business: decline", true, vec![slug_param(), id_param("id")], Some(body("ExpectedVersion")), vec![("200", ok("The quote", Some("QuoteDetail"))), ("403", guard()), ("409", error("Closed, or changed since expected_version"))]) }),
        ),
        (
            "/shops/{slug}/quotes/{id}/messages",
            json!({ "post": operation("Merchant or verified business: add a message to the thread", true, vec![slug_param(), id_param("id")], Some(body("Message")), vec![("200", ok("The quote", Some("QuoteDetail"))), ("403", guard())]) }),
        ),
        (
            "/shops/{slug}/bulk-orders/check",
            json!({ "post": operation("Verified business: check and price SKU, quantity lines (pasted or CSV text) without ordering", true, vec![slug_param()], Some(body("BulkOrder")), vec![("200", ok("Every line with its price and problems", Some("BulkCheck"))), ("400", error("More than 10,000 lines, or none")), ("403", guard())]) }),
        ),
        (
            "/shops/{slug}/bulk-orders",
            json!({ "post": operation("Verified business: place one order (invoice, pay later) if every line is fine", true, vec![slug_param()], Some(body("BulkOrder")), vec![("201", ok("The order", Some("BulkSubmission"))), ("202", ok("Over the buyer's spending limit: waits for the company admin", Some("BulkSubmission"))), ("400", error("Lines that need attention, each named")), ("403", guard())]) }),
        ),
        (
            "/shops/{slug}/bulk-orders/reorder/{order_id}",
            json!({ "get": operation("Verified business: a past order's lines for a new bulk order", true, vec![slug_param(), id_param("order_id")], None, vec![("200", ok("{\"lines\": \"SKU, quantity\\n…\"}", None)), ("403", guard()), ("404", error("Not the company's order"))]) }),
        ),
        (
            "/shops/{slug}/cart",
            json!({ "get": operation("Customer: the cart, checked and priced at the customer's prices", true, vec![slug_param()], None, vec![("200", ok("The cart", Some("Cart")))]) }),
        ),
        (
            "/shops/{slug}/cart/items",
            json!({ "post": operation("Customer: add a quantity of a SKU to the cart", true, vec![slug_param()], Some(body("CartItem")), vec![("200", ok("The cart", Some("Cart"))), ("400", error("Unknown SKU or bad quantity"))]) }),
        ),
        (
            "/shops/{slug}/cart/items/{sku}",
            json!({ "put": operation("Customer: set a cart line's quantity (0 removes it)", true, vec![slug_param(), json!({ "name": "sku", "in": "path", "required": true, "schema": { "type": "string" } })], Some(body("CartItem")), vec![("200", ok("The cart", Some("Cart")))]) }),
        ),
        (
            "/shops/{slug}/checkout",
            json!({ "post": operation("Customer: place the cart as one order (invoice, pay later); individuals give a shipping address", true, vec![slug_param()], Some(body("Checkout")), vec![("201", ok("Placed", Some("BulkSubmission"))), ("202", ok("Waiting for the company admin (over the buyer's limit)", Some("BulkSubmission"))), ("400", error("Empty cart, lines that need attention, or a missing address field"))]) }),
        ),
        (
            "/shops/{slug}/company",
            json!({ "get": operation("Company admin: members with limits and spending, orders waiting for approval", true, vec![slug_param()], None, vec![("200", ok("The company account", Some("CompanyAccount"))), ("403", error("Not the company's admin"))]) }),
        ),
        (
            "/shops/{slug}/company/buyers",
            json!({ "post": operation("Company admin: invite a buyer (answers a one-time link)", true, vec![slug_param()], Some(body("Invite")), vec![("201", ok("The invitation", None)), ("403", error("Not the company's admin")), ("409", error("The e-mail already has an account"))]) }),
        ),
        (
            "/shops/{slug}/company/buyers/{id}/limit",
            json!({ "put": operation("Company admin: a buyer's spending limit per month or quarter (empty: none)", true, vec![slug_param(), id_param("id")], Some(body("Limit")), vec![("200", ok("The company account", Some("CompanyAccount"))), ("403", error("Not the company's admin")), ("404", error("No such buyer in the company"))]) }),
        ),
        (
            "/shops/{slug}/company/approvals/{id}",
            json!({ "post": operation("Company admin: approve (places the order for the buyer) or decline a waiting order", true, vec![slug_param(), id_param("id")], Some(body("Decision")), vec![("200", ok("The company account", Some("CompanyAccount"))), ("403", error("Not the company's admin")), ("409", error("Already decided"))]) }),
        ),
        (
            "/shops/{slug}/customers/invitations/accept",
            json!({ "post": operation("Invited buyer: set name and password", false, vec![slug_param()], Some(body("AcceptInvitation")), vec![("200", ok("Logged in", Some("CustomerSession"))), ("404", error("Invalid or used invitation"))]) }),
        ),
        (
            "/shops/{slug}/price-lists/{name}",
            json!({ "put": operation("Merchant: create or replace a business price list from SKU, price lines", true, vec![slug_param(), json!({ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } })], Some(body("PriceListLines")), vec![("200", ok("The price list", None)), ("400", error("A bad line (named) or unknown SKU"))]) }),
        ),
        (
            "/shops/{slug}/customers/{id}/price-list",
            json!({ "put": operation("Merchant: assign a price list (by name; empty for none) to the customer's company", true, vec![slug_param(), id_param("id")], Some(body("Assign")), vec![("200", ok("The customer", Some("CustomerDetail"))), ("400", error("No such price list")), ("409", error("Not a business customer"))]) }),
        ),
        (
            "/shops/{slug}/customers/{id}/payment-terms",
            json!({ "put": operation("Owner: the payment terms of the customer's company (body: {\"payment_terms\": \"prepaid\" | \"due_on_receipt\" | \"net_15\" | \"net_30\" | \"net_60\"}); its next portal orders are placed on them: on an invoice term they can be approved and shipped before payment, and are due that many days after the order", true, vec![slug_param(), id_param("id")], None, vec![("200", ok("The customer", Some("CustomerDetail"))), ("400", error("Unknown terms")), ("403", error("Only the shop's owners may set payment terms")), ("409", error("Not a business customer"))]) }),
        ),
        (
            "/shops/{slug}/variants/{id}/terms",
            json!({ "put": operation("Merchant: minimum quantity, pack size and volume price breaks of a variant", true, vec![slug_param(), id_param("id")], Some(body("VariantTerms")), vec![("200", ok("The terms", Some("PortalVariant"))), ("400", error("Invalid field (price_breaks names the line)"))]) }),
        ),
    ];
    for (path, item) in paths {
        document["paths"][path] = item;
    }
    let address = json!({ "$ref": "#/components/schemas/Address" });
    let schemas = [
        (
            "CustomerSignUp",
            json!({ "type": "object", "required": ["email", "password", "name", "account_type"], "description": customer_auth, "properties": { "email": { "type": "string" }, "password": { "type": "string", "minLength": 10 }, "name": { "type": "string" }, "account_type": { "enum": ["individual", "business"] }, "company_name": { "type": "string" }, "tax_id": { "type": "string", "description": "EU VAT number (e.g. DE136695976) or US EIN (12-3456789); required for business" }, "billing_address": address.clone() } }),
        ),
        (
            "CustomerSession",
            json!({ "type": "object", "properties": { "token_type": { "const": "Bearer" }, "access_token": { "type": "string" }, "expires_in": { "type": "integer" }, "customer": { "$ref": "#/components/schemas/CustomerProfile" } } }),
        ),
        (
            "Company",
            json!({ "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" }, "tax_id": { "type": "string" }, "billing_address": address.clone(), "verification": { "enum": ["pending", "verified", "rejected"] }, "rejection_reason": { "type": "string" } } }),
        ),
        (
            "CustomerProfile",
            json!({ "type": "object", "properties": { "id": { "type": "integer" }, "email": { "type": "string" }, "name": { "type": "string" }, "account_type": { "enum": ["individual", "business"] }, "company": { "oneOf": [{ "$ref": "#/components/schemas/Company" }, { "type": "null" }] }, "company_role": { "type": "string" }, "business_access": { "type": "boolean" } } }),
        ),
        (
            "CustomerRow",
            json!({ "type": "object", "properties": { "id": { "type": "integer" }, "email": { "type": "string" }, "name": { "type": "string" }, "account_type": { "enum": ["individual", "business"] }, "company_id": { "type": ["integer", "null"] }, "company_name": { "type": "string" }, "tax_id": { "type": "string" }, "verification": { "enum": ["not_required", "pending", "verified", "rejected"] }, "has_login": { "type": "boolean" }, "created_at_ms": { "type": "integer" } } }),
        ),
        (
            "CustomerDetail",
            json!({ "type": "object", "properties": { "customer": { "$ref": "#/components/schemas/CustomerRow" }, "company": { "oneOf": [{ "$ref": "#/components/schemas/Company" }, { "type": "null" }] }, "currency": { "type": "string" }, "orders": { "type": "array" }, "quotes": array_of("QuoteRow") } }),
        ),
        (
            "VerificationDecision",
            json!({ "type": "object", "required": ["decision"], "properties": { "decision": { "enum": ["verify", "reject"] }, "reason": { "type": "string", "description": "required for reject; the customer sees it" } } }),
        ),
        (
            "QuoteRequest",
            json!({ "type": "object", "required": ["lines"], "properties": { "lines": { "type": "string", "description": "SKU, quantity per line" }, "message": { "type": "string" }, "needed_by": { "type": "string", "format": "date" } } }),
        ),
        (
            "QuoteRow",
            json!({ "type": "object", "properties": { "id": { "type": "integer" }, "number": { "type": "integer" }, "status": { "enum": ["requested", "quoted", "revised", "accepted", "declined", "expired"] }, "company_name": { "type": "string" }, "customer_email": { "type": "string" }, "line_count": { "type": "integer" }, "total_minor": { "type": "integer" }, "expires_at_ms": { "type": ["integer", "null"] }, "updated_at_ms": { "type": "integer" } } }),
        ),
        (
            "QuoteDetail",
            json!({ "type": "object", "properties": { "id": { "type": "integer" }, "number": { "type": "integer" }, "status": { "enum": ["requested", "quoted", "revised", "accepted", "declined", "expired"] }, "version": { "type": "integer" }, "currency": { "type": "string" }, "needed_by": { "type": "string" }, "lines": { "type": "array" }, "versions": { "type": "array", "description": "newest first; unit_prices_minor follow the order of lines" }, "messages": { "type": "array" }, "order_id": { "type": ["integer", "null"] }, "order_number": { "type": ["integer", "null"] } } }),
        ),
        (
            "QuoteAnswer",
            json!({ "type": "object", "required": ["expected_version", "unit_prices", "expires_on"], "properties": { "expected_version": { "type": "integer" }, "unit_prices": { "type": "array", "items": { "$ref": "#/components/schemas/Decimal" } }, "expires_on": { "type": "string", "format": "date" }, "note": { "type": "string" }, "hold_stock": { "type": "boolean", "description": "Hold the quoted quantities in stock until the offer expires (all lines or none; 400 naming each short SKU)" } } }),
        ),
        (
            "ExpectedVersion",
            json!({ "type": "object", "required": ["expected_version"], "properties": { "expected_version": { "type": "integer" } } }),
        ),
        (
            "Message",
            json!({ "type": "object", "required": ["body"], "properties": { "body": { "type": "string" } } }),
        ),
        (
            "BulkOrder",
            json!({ "type": "object", "required": ["lines"], "properties": { "lines": { "type": "string", "description": "SKU, quantity per line (comma, semicolon or tab; a sku,quantity header is skipped); at most 10,000 lines; repeated SKUs are merged" }, "notes": { "type": "string" } } }),
        ),
        (
            "BulkCheck",
            json!({ "type": "object", "properties": { "lines": { "type": "array", "items": { "type": "object", "properties": { "line": { "type": "integer" }, "merged_lines": { "type": "array", "items": { "type": "integer" } }, "sku": { "type": "string" }, "title": { "type": "string" }, "variant_id": { "type": ["integer", "null"] }, "quantity": { "type": "integer" }, "base_price_minor": { "type": "integer" }, "unit_price_minor": { "type": "integer" }, "discount_bp": { "type": "integer" }, "line_total_minor": { "type": "integer" }, "problems": { "type": "array", "items": { "type": "string" } } } } }, "unreadable": { "type": "array", "items": { "type": "object", "properties": { "line": { "type": "integer" }, "text": { "type": "string" }, "message": { "type": "string" } } } }, "subtotal_minor": { "type": "integer" } } }),
        ),
        (
            "PlacedOrder",
            json!({ "type": "object", "properties": { "id": { "type": "integer" }, "number": { "type": "integer" }, "total_minor": { "type": "integer" }, "currency": { "type": "string" } } }),
        ),
        (
            "PortalVariant",
            json!({ "type": "object", "properties": { "sku": { "type": "string" }, "title": { "type": "string" }, "price_minor": { "type": "integer" }, "available": { "type": "integer" }, "min_quantity": { "type": "integer" }, "pack_size": { "type": "integer" }, "price_breaks": { "type": "array", "items": { "type": "object", "properties": { "min_quantity": { "type": "integer" }, "discount_bp": { "type": "integer", "description": "basis points: 500 = 5 %" } } } } } }),
        ),
        (
            "PortalCatalog",
            json!({ "type": "object", "properties": { "shop_name": { "type": "string" }, "currency": { "type": "string" }, "variants": array_of("PortalVariant") } }),
        ),
        (
            "Cart",
            json!({ "type": "object", "properties": { "check": { "$ref": "#/components/schemas/BulkCheck" }, "currency": { "type": "string" }, "business": { "type": "boolean" } } }),
        ),
        (
            "CartItem",
            json!({ "type": "object", "required": ["quantity"], "properties": { "sku": { "type": "string" }, "quantity": { "type": ["string", "integer"] } } }),
        ),
        (
            "Checkout",
            json!({ "type": "object", "properties": { "shipping_address": address.clone(), "notes": { "type": "string" } } }),
        ),
        (
            "BulkSubmission",
            json!({ "type": "object", "properties": { "order": { "oneOf": [{ "$ref": "#/components/schemas/PlacedOrder" }, { "type": "null" }] }, "approval_id": { "type": ["integer", "null"] }, "message": { "type": "string" } } }),
        ),
        (
            "CompanyAccount",
            json!({ "type": "object", "properties": { "company": { "$ref": "#/components/schemas/Company" }, "currency": { "type": "string" }, "buyers": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "email": { "type": "string" }, "name": { "type": "string" }, "role": { "enum": ["admin", "buyer"] }, "spending_limit_minor": { "type": ["integer", "null"] }, "limit_period": { "enum": ["month", "quarter"] }, "spent_in_period_minor": { "type": "integer" }, "invited": { "type": "boolean" } } } }, "approvals": { "type": "array" } } }),
        ),
        (
            "Invite",
            json!({ "type": "object", "required": ["email", "name"], "properties": { "email": { "type": "string" }, "name": { "type": "string" } } }),
        ),
        (
            "Limit",
            json!({ "type": "object", "properties": { "spending_limit": { "$ref": "#/components/schemas/Decimal" }, "period": { "enum": ["month", "quarter"] } } }),
        ),
        (
            "Decision",
            json!({ "type": "object", "required": ["decision"], "properties": { "decision": { "enum": ["approve", "decline"] } } }),
        ),
        (
            "AcceptInvitation",
            json!({ "type": "object", "required": ["token", "name", "password"], "properties": { "token": { "type": "string" }, "name": { "type": "string" }, "password": { "type": "string" } } }),
        ),
        (
            "PriceListLines",
            json!({ "type": "object", "required": ["lines"], "properties": { "lines": { "type": "string", "description": "SKU, price per line" } } }),
        ),
        (
            "Assign",
            json!({ "type": "object", "properties": { "name": { "type": "string" } } }),
        ),
        (
            "VariantTerms",
            json!({ "type": "object", "properties": { "min_quantity": { "type": ["string", "integer"] }, "pack_size": { "type": ["string", "integer"] }, "price_breaks": { "type": "string", "description": "one per line: quantity: percent off (10: 5)" } } }),
        ),
    ];
    for (name, schema) in schemas {
        document["components"]["schemas"][name] = schema;
    }
}
