//! Request-level security: establishes the session (bearer token or cookies, refreshing an expired
//! access token from the refresh cookie), refuses cross-origin state-changing requests, and sends
//! anonymous visitors of dashboard pages to the log-in page.

use super::service::RefreshOutcome;
use crate::state::AppState;
use app::auth::model::Session;
use app::services::{AccountService, ClientInfo};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

pub use app::services::cookie_in as cookie_value;

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
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
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    request.extensions_mut().insert(ClientInfo { ip });

    let mut set_cookies: Vec<String> = Vec::new();
    let session: Option<Session> = if let Some(token) = bearer {
        // API clients refresh explicitly; a bad bearer token is simply no session (401 later).
        state.keys.verify_access(&token).ok()
    } else {
        let from_access = access_cookie.and_then(|token| state.keys.verify_access(&token).ok());
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
