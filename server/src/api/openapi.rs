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
            "/auth/signup": { "post": operation("Create a merchant account", false, vec![], Some(body("SignUp")), vec![("201", ok("Signed up", Some("Tokens"))), ("400", error("Invalid field")), ("409", error("Email already registered"))]) },
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
                "patch": operation("Change name and time zone", true, vec![slug_param()], Some(body("UpdateShop")), vec![("200", shop_detail()), ("400", error("Invalid field")), ("403", forbidden()), ("404", not_found())])
            },
            "/shops/{slug}/provisioning": { "get": operation("Provisioning progress", true, vec![slug_param()], None, vec![("200", ok("Steps", Some("ProvisioningStatus"))), ("404", not_found())]) },
            "/shops/{slug}/overview": { "get": operation("Headline figures from the shop database", true, vec![slug_param()], None, vec![("200", ok("Figures", Some("ShopOverview"))), ("404", not_found()), ("409", error("Still provisioning"))]) },
            "/shops/{slug}/suspend": { "post": operation("Suspend the shop", true, vec![slug_param()], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found()), ("409", error("Not active"))]) },
            "/shops/{slug}/reactivate": { "post": operation("Reactivate the shop", true, vec![slug_param()], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found()), ("409", error("Not suspended"))]) },
            "/shops/{slug}/domains": { "post": operation("Register a custom domain", true, vec![slug_param()], Some(body("Domain")), vec![("201", shop_detail()), ("400", error("Invalid hostname")), ("403", forbidden()), ("404", not_found()), ("409", error("Domain already registered"))]) },
            "/shops/{slug}/domains/{hostname}": { "delete": operation("Remove a custom domain", true, vec![slug_param(), json!({ "name": "hostname", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found())]) },
            "/shops/{slug}/members": { "post": operation("Invite staff by email", true, vec![slug_param()], Some(body("Member")), vec![("201", shop_detail()), ("400", error("Invalid email")), ("403", forbidden()), ("404", not_found()), ("409", error("Already a member or invited"))]) },
            "/shops/{slug}/members/{email}": { "delete": operation("Remove staff or an invitation", true, vec![slug_param(), json!({ "name": "email", "in": "path", "required": true, "schema": { "type": "string" } })], None, vec![("200", shop_detail()), ("403", forbidden()), ("404", not_found())]) },
            "/storefront": { "get": operation("The shop served at the request's Host (subdomain or custom domain)", false, vec![], None, vec![("200", ok("The shop", Some("PublicShop"))), ("404", error("No active shop at this host"))]) }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "field": { "type": ["string", "null"] } } } } },
                "SignUp": { "type": "object", "required": ["name", "email", "password"], "properties": { "name": { "type": "string" }, "email": { "type": "string", "format": "email" }, "password": { "type": "string", "minLength": 10 } } },
                "Login": { "type": "object", "required": ["email", "password"], "properties": { "email": { "type": "string" }, "password": { "type": "string" } } },
                "Refresh": { "type": "object", "required": ["refresh_token"], "properties": { "refresh_token": { "type": "string" } } },
                "ChangePassword": { "type": "object", "required": ["current_password", "new_password"], "properties": { "current_password": { "type": "string" }, "new_password": { "type": "string", "minLength": 10 } } },
                "User": { "type": "object", "required": ["id", "email", "name"], "properties": { "id": { "type": "integer" }, "email": { "type": "string" }, "name": { "type": "string" } } },
                "Tokens": { "type": "object", "required": ["user", "token_type", "access_token", "expires_in", "refresh_token", "refresh_expires_in"], "properties": { "user": { "$ref": "#/components/schemas/User" }, "token_type": { "const": "Bearer" }, "access_token": { "type": "string" }, "expires_in": { "type": "integer" }, "refresh_token": { "type": "string" }, "refresh_expires_in": { "type": "integer" } } },
                "NewShop": { "type": "object", "required": ["name", "slug", "currency", "timezone"], "properties": { "name": { "type": "string" }, "slug": { "type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$" }, "currency": { "type": "string", "example": "EUR" }, "timezone": { "type": "string", "example": "Europe/Berlin" } } },
                "UpdateShop": { "type": "object", "required": ["name", "timezone"], "properties": { "name": { "type": "string" }, "timezone": { "type": "string" } } },
                "Domain": { "type": "object", "required": ["hostname"], "properties": { "hostname": { "type": "string" } } },
                "Member": { "type": "object", "required": ["email"], "properties": { "email": { "type": "string" } } },
                "ShopSummary": { "type": "object", "required": ["slug", "name", "currency", "timezone", "status", "role"], "properties": { "slug": { "type": "string" }, "name": { "type": "string" }, "currency": { "type": "string" }, "timezone": { "type": "string" }, "status": { "enum": ["provisioning", "active", "suspended"] }, "role": { "enum": ["owner", "staff"] } } },
                "ShopDetail": { "type": "object", "properties": { "shop": { "$ref": "#/components/schemas/ShopSummary" }, "domains": { "type": "array", "items": { "type": "object", "properties": { "hostname": { "type": "string" }, "kind": { "enum": ["subdomain", "custom"] } } } }, "members": { "type": "array", "items": { "type": "object", "properties": { "email": { "type": "string" }, "name": { "type": "string" }, "role": { "enum": ["owner", "staff"] } } } }, "pending_invitations": { "type": "array", "items": { "type": "string" } }, "created_at_ms": { "type": "integer" } } },
                "ProvisioningStatus": { "type": "object", "properties": { "slug": { "type": "string" }, "name": { "type": "string" }, "status": { "enum": ["provisioning", "active", "suspended"] }, "steps": { "type": "array", "items": { "type": "object", "properties": { "step": { "enum": ["registered", "database_created", "migrated", "activated"] }, "done": { "type": "boolean" } } } } } },
                "ShopOverview": { "type": "object", "properties": { "shop": { "$ref": "#/components/schemas/ShopSummary" }, "product_count": { "type": "integer" }, "customer_count": { "type": "integer" }, "order_count": { "type": "integer" }, "revenue_minor": { "type": "integer" }, "recent_orders": { "type": "array", "items": { "type": "object" } } } },
                "PublicShop": { "type": "object", "required": ["slug", "name", "currency"], "properties": { "slug": { "type": "string" }, "name": { "type": "string" }, "currency": { "type": "string" } } }
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
