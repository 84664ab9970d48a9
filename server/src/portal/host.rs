//! A shop's own hosts (`<slug>.<base domain>` and its custom domains) serve its customer portal:
//! page requests are redirected into `/s/<slug>/…`, where the portal's routes live, so links and
//! hydration work the same on every host. Another shop's portal is not served on a shop's host.
//! The platform's own hosts (the base domain, IP addresses, `localhost`) pass through untouched
//! and cost no lookup.

use crate::state::AppState;
use app::shops::rules::{normalise_host, ShopStatus};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::IpAddr;

/// Whether `host` (normalised, no port) could be a shop's host rather than the platform's.
pub fn may_be_shop_host(host: &str, base_domain: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    !(host.is_empty()
        || host == base_domain
        || host == "localhost"
        || bare.parse::<IpAddr>().is_ok())
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
    request: Request<Body>,
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
    let shop = match state.resolver.resolve(&host).await {
        Ok(Some(shop)) => shop,
        // An unknown host is served as the platform; a lookup failure is logged and likewise.
        Ok(None) => return next.run(request).await,
        Err(error) => {
            tracing::error!(%error, host, "resolving a storefront host failed");
            return next.run(request).await;
        }
    };
    if shop.status() != ShopStatus::Active {
        return (StatusCode::NOT_FOUND, "This shop is not open.").into_response();
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
        assert!(may_be_shop_host("acme.cartwright.localhost", base));
        assert!(may_be_shop_host("shop.example.com", base));
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
