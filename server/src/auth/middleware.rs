//! Request-level security: establishes the session (bearer token or cookies, refreshing an expired
//! access token from the refresh cookie), refuses cross-origin state-changing requests, and sends
//! anonymous visitors of dashboard pages to the log-in page. Also decides the client address
//! (the TCP peer, or what a trusted proxy forwarded).

use super::service::RefreshOutcome;
use crate::config::IpRange;
use crate::state::AppState;
use app::auth::model::Session;
use app::services::{AccountService, ClientInfo};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};

pub use app::services::cookie_in as cookie_value;

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy; then the rightmost
/// `X-Forwarded-For` entry that is not itself a trusted proxy (entries left of it were written
/// by the client and prove nothing). An entry that is not an address ends the walk at the
/// proxy that passed it on. Without a known peer (no socket) there is no address.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpRange]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for entry in forwarded.into_iter().rev() {
        let Some(hop) = parse_forwarded_address(entry) else {
            return Some(nearest);
        };
        if !is_trusted(hop) {
            return Some(hop);
        }
        nearest = hop;
    }
    Some(nearest)
}

/// `203.0.113.7`, `2001:db8::1`, or either with a port (`203.0.113.7:4711`, `[2001:db8::1]:80`).
fn parse_forwarded_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The session of a verified access token that was issued after its user's last log-out or
/// password change.
async fn current_session(state: &AppState, token: &str) -> Option<Session> {
    let claims = state.keys.verify(token).ok()?;
    state
        .accounts
        .session_is_current(&claims)
        .await
        .then_some(claims.session)
}

fn is_dashboard_page(path: &str) -> bool {
    path == "/shops" || path.starts_with("/shops/") || path == "/account"
}

/// Establishes `Session` (if any) and `ClientInfo` in the request extensions.
pub async fn session_layer(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let bearer = bearer_token(request.headers());
    let access_cookie = cookie_value(request.headers(), app::ACCESS_COOKIE);
    let refresh_cookie = cookie_value(request.headers(), app::REFRESH_COOKIE);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let ip =
        client_ip(peer, request.headers(), &state.config.trusted_proxies).map(|ip| ip.to_string());
    request.extensions_mut().insert(ClientInfo { ip });

    let mut set_cookies: Vec<String> = Vec::new();
    let session: Option<Session> = if let Some(token) = bearer {
        // API clients refresh explicitly; a bad bearer token is simply no session (401 later).
        current_session(&state, &token).await
    } else {
        let from_access = match access_cookie {
            Some(token) => current_session(&state, &token).await,
            None => None,
        };
        match (from_access, refresh_cookie) {
            (Some(session), _) => Some(session),
            (None, Some(refresh)) => match state.accounts.refresh(&refresh).await {
                Ok(RefreshOutcome::Rotated { session, tokens }) => {
                    set_cookies = state.accounts.session_cookies(&tokens);
                    Some(session)
                }
                Ok(RefreshOutcome::AlreadyRotated { session }) => Some(session),
                Err(_) => {
                    set_cookies = state.accounts.cleared_session_cookies();
                    None
                }
            },
            (None, None) => None,
        }
    };

    let path = request.uri().path().to_string();
    let is_page_read = request.method() == Method::GET;
    let response = match &session {
        None if is_page_read && is_dashboard_page(&path) => {
            let target = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or("/shops");
            Redirect::to(&format!("/login?next={}", percent_encode(target))).into_response()
        }
        Some(_) if is_page_read && matches!(path.as_str(), "/" | "/login" | "/signup") => {
            Redirect::to("/shops").into_response()
        }
        _ => {
            if let Some(session) = session {
                request.extensions_mut().insert(session);
            }
            next.run(request).await
        }
    };
    with_cookies(response, set_cookies)
}

/// Appends `Set-Cookie` headers to a response.
pub fn with_cookies(mut response: Response, cookies: Vec<String>) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn percent_encode(raw: &str) -> String {
    raw.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Refuses state-changing requests that a browser sent from another origin. Requests carrying a
/// bearer token are exempt: a foreign page cannot make the browser attach one.
pub async fn same_origin_layer(request: Request<Body>, next: Next) -> Response {
    let safe_method = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe_method || bearer_token(request.headers()).is_some() {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok());
    let allowed = match (origin, host) {
        (Some(origin), Some(host)) => {
            origin_host(origin).is_some_and(|origin_host| origin_host.eq_ignore_ascii_case(host))
        }
        (Some(_), None) => false,
        // No Origin: a non-browser client, unless the browser says it is cross-site.
        (None, _) => fetch_site != Some("cross-site"),
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(
            ?origin,
            ?host,
            "cross-origin state-changing request refused"
        );
        crate::error::ApiError(app::error::AppError::Forbidden(
            "Cross-origin requests that change data are not allowed".into(),
        ))
        .into_response()
    }
}

fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    Some(rest.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_bearer_tokens_are_read_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; cw_access=tok; b=2"),
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(cookie_value(&headers, "cw_access").as_deref(), Some("tok"));
        assert_eq!(cookie_value(&headers, "missing"), None);
        assert_eq!(bearer_token(&headers).as_deref(), Some("abc"));
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("value"),
            );
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_ip(Some(ip("198.51.100.1")), &headers, &[]),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(client_ip(None, &headers, &[]), None);
        let trusted = crate::config::parse_trusted_proxies("10.0.0.0/8").expect("valid");
        assert_eq!(
            client_ip(Some(ip("198.51.100.1")), &headers, &trusted),
            Some(ip("198.51.100.1")),
            "an untrusted peer's header is ignored"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_forwarded_address_is_the_client() {
        let trusted = crate::config::parse_trusted_proxies("10.0.0.0/8, ::1").expect("valid");
        let peer = Some(ip("10.0.0.2"));
        // The client wrote the first entry itself; the proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 203.0.113.7, 10.0.0.9"]);
        assert_eq!(client_ip(peer, &headers, &trusted), Some(ip("203.0.113.7")));
        let split = forwarded(&["1.1.1.1", "203.0.113.7:4711, 10.0.0.9"]);
        assert_eq!(client_ip(peer, &split, &trusted), Some(ip("203.0.113.7")));
        let v6 = forwarded(&["[2001:db8::7]:80"]);
        assert_eq!(
            client_ip(Some(ip("::1")), &v6, &trusted),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(
            client_ip(
                Some(ip("::ffff:10.0.0.2")),
                &forwarded(&["203.0.113.8"]),
                &trusted
            ),
            Some(ip("203.0.113.8")),
            "an IPv4-mapped peer is its IPv4 address"
        );
    }

    #[test]
    fn behind_trusted_proxies_missing_or_bad_entries_fall_back_to_the_nearest_proxy() {
        let trusted = crate::config::parse_trusted_proxies("10.0.0.0/8").expect("valid");
        let peer = Some(ip("10.0.0.2"));
        assert_eq!(
            client_ip(peer, &HeaderMap::new(), &trusted),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            client_ip(
                peer,
                &forwarded(&["203.0.113.7, garbage, 10.0.0.9"]),
                &trusted
            ),
            Some(ip("10.0.0.9"))
        );
        assert_eq!(
            client_ip(peer, &forwarded(&["10.0.0.8, 10.0.0.9"]), &trusted),
            Some(ip("10.0.0.8")),
            "all hops trusted: the leftmost"
        );
    }

    #[test]
    fn origin_host_strips_the_scheme() {
        assert_eq!(origin_host("http://127.0.0.1:3000"), Some("127.0.0.1:3000"));
        assert_eq!(origin_host("null"), None);
    }

    #[test]
    fn login_redirect_target_is_encoded() {
        assert_eq!(
            percent_encode("/shops/a?x=1&y=2"),
            "/shops/a%3Fx%3D1%26y%3D2"
        );
    }
}
