//! A shop's own hosts (`<slug>.<base domain>` and its verified custom domains) serve its customer
//! portal: page requests are redirected into `/s/<slug>/…`, where the portal's routes live, so
//! links and hydration work the same on every host. Another shop's portal is not served on a
//! shop's host, and neither is the API or a server function addressed to another shop: this
//! layer is the one place that holds a shop host to its own shop. The merchant's session cookies
//! are not honoured there at all (the dashboard lives on the platform's host).
//!
//! The platform's own hosts (the base domain, IP addresses, `localhost` names, single-label
//! names) pass through untouched and cost no lookup. Any other host that is no active shop's
//! (an unknown subdomain, an unverified or unknown custom domain) serves nothing: 404.

use crate::error::ApiError;
use crate::state::AppState;
use app::error::AppError;
use app::shops::rules::{normalise_host, ShopStatus};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::IpAddr;

/// The largest server-function body read on a shop host to check which shop it addresses.
pub const MAX_SHOP_HOST_SFN_BODY: usize = 4 * 1024 * 1024;

/// Whether `host` (normalised, no port) could be a shop's host rather than the platform's.
pub fn may_be_shop_host(host: &str, base_domain: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let under_base = host.ends_with(&format!(".{base_domain}"));
    !(host.is_empty()
        || host == base_domain
        || !host.contains('.')
        || (host.ends_with(".localhost") && !under_base)
        || bare.parse::<IpAddr>().is_ok())
}

/// Whether an `/api/…` path may be served on shop `slug`'s own host: the shop's own
/// `/api/v1/shops/{slug}/…` routes and the routes that name no shop, never the list of a
/// merchant's shops or another shop's routes.
pub fn api_path_serves_shop(slug: &str, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/shops") else {
        return true;
    };
    if rest.is_empty() || rest == "/" {
        return false;
    }
    match rest.strip_prefix('/') {
        Some(rest) => rest.split('/').next() == Some(slug),
        // `/api/v1/shopsX`: no such route, answered by the API's own 404.
        None => true,
    }
}

/// Whether every argument that names a shop (`shop` in the portal's server functions, `slug` in
/// the dashboard's) names shop `slug`.
pub fn sfn_args_serve_shop<'a>(
    slug: &str,
    args: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> bool {
    args.into_iter()
        .filter(|(name, _)| matches!(*name, "shop" | "slug"))
        .all(|(_, value)| value == slug)
}

/// The `Cookie` header without the merchant's session cookies.
fn without_merchant_cookies(header: &str) -> String {
    header
        .split(';')
        .map(str::trim)
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default().trim();
            name != app::ACCESS_COOKIE && name != app::REFRESH_COOKIE
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn strip_merchant_cookies(request: &mut Request<Body>) {
    let kept: Vec<String> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(without_merchant_cookies)
        .filter(|value| !value.is_empty())
        .collect();
    let headers = request.headers_mut();
    headers.remove(header::COOKIE);
    for value in kept {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(header::COOKIE, value);
        }
    }
}

fn not_served(path: &str, message: &str) -> Response {
    if path.starts_with("/api/") || path.starts_with("/sfn/") {
        ApiError(AppError::NotFound(message.into())).into_response()
    } else {
        (StatusCode::NOT_FOUND, message.to_string()).into_response()
    }
}

/// The arguments of a server-function call: its query string and the body's fields read every
/// way a server function might decode it (as a form and as a JSON object), so that no reading
/// of the call escapes the check. `Err` with the response to send when the call cannot be read
/// or is in an encoding whose arguments cannot be checked.
async fn sfn_call_args(
    request: Request<Body>,
) -> Result<(Request<Body>, Vec<(String, String)>), Response> {
    let bad_form = |field: &str| {
        ApiError(AppError::invalid(field, "is not a valid form encoding")).into_response()
    };
    let mut args: Vec<(String, String)> = match request.uri().query() {
        Some(query) => serde_urlencoded::from_str(query).map_err(|_| bad_form("query"))?,
        None => Vec::new(),
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_SHOP_HOST_SFN_BODY)
        .await
        .map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large",
            )
                .into_response()
        })?;
    if !bytes.is_empty() {
        if !matches!(
            content_type.as_str(),
            "application/x-www-form-urlencoded" | "application/json"
        ) {
            return Err(not_served(
                parts.uri.path(),
                "This server function is not served at this address",
            ));
        }
        match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) {
            Ok(form) => args.extend(form),
            Err(_) if content_type == "application/x-www-form-urlencoded" => {
                return Err(bad_form("body"))
            }
            Err(_) => {}
        }
        if let Ok(serde_json::Value::Object(fields)) =
            serde_json::from_slice::<serde_json::Value>(&bytes)
        {
            args.extend(fields.into_iter().map(|(name, value)| {
                let value = match value {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                (name, value)
            }));
        }
    }
    Ok((Request::from_parts(parts, Body::from(bytes)), args))
}

/// Paths every host serves as they are: assets, the API, server functions, health checks.
fn passes_through(path: &str) -> bool {
    ["/pkg/", "/api/", "/sfn/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || matches!(path, "/healthz" | "/readyz" | "/favicon.ico")
}

/// Where a request for `path_and_query` on shop `slug`'s host goes: `None` serves it as it is,
/// `Some(Ok(target))` redirects there, `Some(Err(()))` is not served on this host.
pub fn storefront_target(
    slug: &str,
    path: &str,
    query: Option<&str>,
) -> Option<Result<String, ()>> {
    let own = format!("/s/{slug}");
    if passes_through(path) || path == own || path.starts_with(&format!("{own}/")) {
        return None;
    }
    if path == "/s" || path.starts_with("/s/") {
        return Some(Err(()));
    }
    let rest = if path == "/" { "" } else { path };
    let query = query.map(|query| format!("?{query}")).unwrap_or_default();
    Some(Ok(format!("{own}{rest}{query}")))
}

pub async fn storefront_host_layer(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(normalise_host)
        .unwrap_or_default();
    if !may_be_shop_host(&host, &state.config.base_domain) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    if matches!(path.as_str(), "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    let shop = match state.resolver.resolve(&host).await {
        Ok(Some(shop)) => shop,
        // A host that is no shop's (an unverified custom domain among them) serves nothing.
        Ok(None) => return not_served(&path, "No shop is served at this address"),
        Err(error) => {
            tracing::error!(%error, host, "resolving a storefront host failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The shop cannot be reached right now; please try again shortly.",
            )
                .into_response();
        }
    };
    if shop.status != ShopStatus::Active {
        return not_served(&path, "This shop is not open.");
    }
    if path.starts_with("/api/") || path.starts_with("/sfn/") {
        strip_merchant_cookies(&mut request);
        if !api_path_serves_shop(&shop.slug, &path) {
            return not_served(&path, "Not found");
        }
        if path.starts_with("/sfn/") {
            let (checked, args) = match sfn_call_args(request).await {
                Ok(call) => call,
                Err(response) => return response,
            };
            if !sfn_args_serve_shop(
                &shop.slug,
                args.iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
            ) {
                return not_served(&path, "Shop not found");
            }
            request = checked;
        }
    }
    match storefront_target(&shop.slug, request.uri().path(), request.uri().query()) {
        None => next.run(request).await,
        Some(Ok(target)) => Redirect::to(&target).into_response(),
        Some(Err(())) => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_hosts_need_no_lookup() {
        let base = "cartwright.localhost";
        assert!(!may_be_shop_host("cartwright.localhost", base));
        assert!(!may_be_shop_host("127.0.0.1", base));
        assert!(!may_be_shop_host("[::1]", base));
        assert!(!may_be_shop_host("localhost", base));
        assert!(!may_be_shop_host("app.localhost", base));
        assert!(!may_be_shop_host("cartwright-internal", base));
        assert!(may_be_shop_host("acme.cartwright.localhost", base));
        assert!(may_be_shop_host("shop.example.com", base));
    }

    #[test]
    fn the_api_on_a_shop_host_serves_that_shop_only() {
        assert!(api_path_serves_shop("acme", "/api/v1/shops/acme/catalog"));
        assert!(api_path_serves_shop("acme", "/api/v1/shops/acme"));
        assert!(api_path_serves_shop("acme", "/api/v1/storefront"));
        assert!(api_path_serves_shop("acme", "/api/v1/auth/login"));
        assert!(!api_path_serves_shop("acme", "/api/v1/shops/other/catalog"));
        assert!(!api_path_serves_shop("acme", "/api/v1/shops/acmeX/catalog"));
        assert!(!api_path_serves_shop(
            "acme",
            "/api/v1/shops/%61cme/catalog"
        ));
        assert!(!api_path_serves_shop("acme", "/api/v1/shops"));
        assert!(!api_path_serves_shop("acme", "/api/v1/shops/"));
        assert!(!api_path_serves_shop("acme", "/api/v1/shops//acme"));
    }

    #[test]
    fn server_function_arguments_must_name_the_hosts_shop() {
        assert!(sfn_args_serve_shop(
            "acme",
            [("shop", "acme"), ("q", "bolt")]
        ));
        assert!(sfn_args_serve_shop("acme", [("slug", "acme")]));
        assert!(sfn_args_serve_shop("acme", [("email", "a@b.c")]));
        assert!(!sfn_args_serve_shop("acme", [("shop", "other")]));
        assert!(!sfn_args_serve_shop(
            "acme",
            [("shop", "acme"), ("shop", "other")]
        ));
        assert!(!sfn_args_serve_shop("acme", [("slug", "other")]));
        assert!(!sfn_args_serve_shop("acme", [("slug", " acme")]));
    }

    #[test]
    fn merchant_cookies_are_dropped_and_others_kept() {
        assert_eq!(
            without_merchant_cookies("cw_access=a; portal=b; cw_refresh=c"),
            "portal=b"
        );
        assert_eq!(without_merchant_cookies("cw_access=a"), "");
    }

    #[test]
    fn shop_hosts_redirect_into_their_own_portal_only() {
        assert_eq!(
            storefront_target("acme", "/", None),
            Some(Ok("/s/acme".into()))
        );
        assert_eq!(
            storefront_target("acme", "/bulk", Some("reorder=4")),
            Some(Ok("/s/acme/bulk?reorder=4".into()))
        );
        assert_eq!(storefront_target("acme", "/s/acme/quotes", None), None);
        assert_eq!(storefront_target("acme", "/s/acme", None), None);
        assert_eq!(
            storefront_target("acme", "/pkg/cartwright.wasm", None),
            None
        );
        assert_eq!(storefront_target("acme", "/sfn/portal_quotes", None), None);
        assert_eq!(
            storefront_target("acme", "/s/other/quotes", None),
            Some(Err(()))
        );
        assert_eq!(storefront_target("acme", "/s/acmeX", None), Some(Err(())));
    }
}
