//! One effect per intent (issue 15, part 2): a request that carries an idempotency key is run
//! once per caller and key; sending it again returns the first answer and changes nothing.
//!
//! - The JSON API takes the key in the `Idempotency-Key` header on its POSTs, with the semantics
//!   of Stripe's (`../shared/PROTOCOLS.md`): the same key and request give the stored answer
//!   (marked `Idempotent-Replayed: true`); the same key with another request is `422`.
//! - Dashboard and portal forms carry the key as their `form_token` field, made when the form
//!   is rendered (`app::components::OnceForm`), so a double click, a resubmitted page or a
//!   retried server-function call places one order, not two.
//!
//! A key is claimed (a `running` row, unique per scope and key) before the handler runs and
//! settled with the answer after it. Only successful answers are kept: every handler does its
//! work in one transaction, so a refused or failed request wrote nothing and its key is
//! released to be sent again (with corrected input, for a form). A request that arrives while
//! its first copy is still running waits for that copy's answer (up to [`WAIT_FOR_FIRST`]), then
//! is told to retry (`409`). If the process stops between the handler's commit and the
//! settling, the key stays `running`: later copies get `409` saying so, never a second effect.
//! Keys are forgotten 24 hours after they were claimed ([`prune`]).
//!
//! The caller's scope: the merchant's user id when a session is present (API token or
//! dashboard cookie), else a hash of the portal customer's bearer token or session cookies.
//! A request with no caller at all (sign-up, log-in) is passed through: there is nothing of
//! theirs to protect, and those endpoints are safe to repeat.

use crate::db::{now_ms, Database};
use crate::error::{internal, ApiError};
use app::auth::model::Session;
use app::error::AppError;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The header API clients send their key in.
pub const KEY_HEADER: &str = "idempotency-key";
/// The header on a replayed answer.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The form field dashboard and portal forms send their key in.
pub const FORM_FIELD: &str = app::once::FORM_TOKEN_FIELD;
/// Request bodies this layer reads to compare requests; larger bodies are refused (413) when
/// they carry a key. Matches the server-function body limit of shop hosts.
const MAX_REQUEST_BODY: usize = crate::portal::host::MAX_SHOP_HOST_SFN_BODY;
/// Answers larger than this are returned but not kept (the key is released).
const MAX_KEPT_ANSWER: usize = 1024 * 1024;
/// How long a copy waits for its first copy's answer before it is told to retry.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);
const WAIT_STEP: Duration = Duration::from_millis(50);
/// How long a key is remembered.
pub const KEEP_FOR_MS: i64 = 24 * 60 * 60 * 1000;
/// The answer headers kept and replayed (never `Set-Cookie`: a replay starts no session).
const KEPT_HEADERS: [&str; 3] = ["content-type", "location", "serverfnredirect"];

/// Where a request with a key may come: the JSON API and server functions.
fn is_keyed_route(path: &str) -> bool {
    path.starts_with("/api/v1/") || path.starts_with("/sfn/")
}

/// The caller a key belongs to, or `None` for a request without one.
fn scope_of(request: &Request) -> Option<String> {
    if let Some(session) = request.extensions().get::<Session>() {
        return Some(format!("user:{}", session.user_id));
    }
    let headers = request.headers();
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim().to_string())
    {
        return Some(format!("token:{}", sha256_hex(bearer.as_bytes())));
    }
    let mut customer_cookies: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .map(str::trim)
        .filter(|pair| {
            pair.split_once('=').is_some_and(|(name, value)| {
                name.starts_with(app::portal::CUSTOMER_COOKIE_PREFIX) && !value.is_empty()
            })
        })
        .map(str::to_string)
        .collect();
    if customer_cookies.is_empty() {
        return None;
    }
    customer_cookies.sort();
    Some(format!(
        "cookies:{}",
        sha256_hex(customer_cookies.join(";").as_bytes())
    ))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A key as sent: 1 to 255 visible ASCII characters.
fn checked_key(raw: &str, field: &str) -> Result<String, AppError> {
    if raw.is_empty() || raw.len() > 255 || !raw.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(AppError::invalid(
            field,
            "must be 1 to 255 visible ASCII characters (a UUID, for example)",
        ));
    }
    Ok(raw.to_string())
}

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Runs keyed POSTs once per caller and key (see the module documentation).
pub async fn layer(State(platform): State<Database>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !is_keyed_route(request.uri().path()) {
        return next.run(request).await;
    }
    let media = media_type(request.headers());
    let is_form = media == "application/x-www-form-urlencoded";
    let header_key = match request.headers().get(KEY_HEADER) {
        Some(value) => match value.to_str() {
            Ok(text) => Some(text.trim().to_string()),
            Err(_) => return refused(AppError::invalid("Idempotency-Key", "must be ASCII")),
        },
        None => None,
    };
    // Only a form body can hold a form token; anything else (JSON, a file upload) is read
    // only when the header names a key.
    if header_key.is_none() && !is_form {
        return next.run(request).await;
    }
    if header_key.is_some() && media.starts_with("multipart/") {
        // An upload is not kept whole for comparison: each import is its own job already.
        return refused(AppError::invalid(
            "Idempotency-Key",
            "is not accepted on file uploads; each upload starts one import",
        ));
    }
    let Some(scope) = scope_of(&request) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_REQUEST_BODY).await else {
        return refused(AppError::PayloadTooLarge(
            "The request body is too large".into(),
        ));
    };
    let key = match header_key {
        Some(raw) => checked_key(&raw, "Idempotency-Key"),
        None => match form_token(&bytes) {
            Some(raw) => checked_key(&raw, FORM_FIELD),
            None => {
                let request = Request::from_parts(parts, Body::from(bytes));
                return next.run(request).await;
            }
        },
    };
    let key = match key {
        Ok(key) => key,
        Err(error) => return refused(error),
    };
    let request_hash = {
        let mut hasher = Sha256::new();
        hasher.update(parts.method.as_str().as_bytes());
        hasher.update(b" ");
        hasher.update(
            parts
                .uri
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or_default()
                .as_bytes(),
        );
        hasher.update(b"\n");
        hasher.update(&bytes);
        hex(&hasher.finalize())
    };
    let ledger = Ledger {
        db: &platform,
        scope: &scope,
        key: &key,
    };
    match ledger.claim(&request_hash).await {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Done(answer)) => return answer.replay(),
        Err(error) => return refused(error),
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = next.run(request).await;
    ledger.settle(response).await
}

/// The `form_token` field of a URL-encoded body, if it has one.
fn form_token(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(name, value)| name == FORM_FIELD && !value.is_empty())
        .map(|(_, value)| value)
}

fn refused(error: AppError) -> Response {
    ApiError(error).into_response()
}

enum Claim {
    Fresh,
    Done(KeptAnswer),
}

/// A kept answer, as stored.
struct KeptAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl KeptAnswer {
    fn replay(self) -> Response {
        let mut response = (
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK),
            self.body,
        )
            .into_response();
        let headers = response.headers_mut();
        headers.remove(header::CONTENT_TYPE);
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.insert(name, value);
            }
        }
        headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
        response
    }
}

/// Whether an answer is one to keep: a 2xx, or a redirect that is not a server function's
/// way of reporting an error to a plain form (`__err` in the address it sends the browser to).
fn is_success(response: &Response) -> bool {
    let status = response.status();
    if status.is_success() {
        return true;
    }
    status.is_redirection()
        && !response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|location| location.contains("__err="))
}

struct Ledger<'a> {
    db: &'a Database,
    scope: &'a str,
    key: &'a str,
}

impl Ledger<'_> {
    /// Claims the key for this request, or finds the answer of its first copy (waiting for it
    /// while that copy is running).
    async fn claim(&self, request_hash: &str) -> Result<Claim, AppError> {
        let waited_until = tokio::time::Instant::now() + WAIT_FOR_FIRST;
        loop {
            let now = now_ms();
            let inserted = sqlx::query(
                "INSERT INTO request_keys (scope, idempotency_key, request_hash, state, created_at) \
                 VALUES ($1, $2, $3, 'running', $4) ON CONFLICT (scope, idempotency_key) DO NOTHING",
            )
            .bind(self.scope)
            .bind(self.key)
            .bind(request_hash)
            .bind(now)
            .execute(&self.db.pool)
            .await
            .map_err(internal)?;
            if inserted.rows_affected() == 1 {
                return Ok(Claim::Fresh);
            }
            let row = sqlx::query_as::<
                _,
                (
                    String,
                    String,
                    Option<i64>,
                    Option<String>,
                    Option<String>,
                    i64,
                ),
            >(
                "SELECT request_hash, state, status, headers, body, created_at FROM request_keys \
                 WHERE scope = $1 AND idempotency_key = $2",
            )
            .bind(self.scope)
            .bind(self.key)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(internal)?;
            let Some((kept_hash, state, status, headers, body, created_at)) = row else {
                // Released between the insert and the read: claim again.
                continue;
            };
            if created_at < now - KEEP_FOR_MS {
                // Forgotten, though not yet pruned: this is a new request.
                sqlx::query(
                    "DELETE FROM request_keys WHERE scope = $1 AND idempotency_key = $2 \
                     AND created_at = $3",
                )
                .bind(self.scope)
                .bind(self.key)
                .bind(created_at)
                .execute(&self.db.pool)
                .await
                .map_err(internal)?;
                continue;
            }
            if kept_hash != request_hash {
                return Err(AppError::KeyReused(
                    "This idempotency key was already used for a different request; \
                     send a new key (on a form: reload the page) to make a new one"
                        .into(),
                ));
            }
            if state == "done" {
                let headers = headers
                    .and_then(|text| serde_json::from_str(&text).ok())
                    .unwrap_or_default();
                return Ok(Claim::Done(KeptAnswer {
                    status: status
                        .and_then(|status| u16::try_from(status).ok())
                        .unwrap_or(200),
                    headers,
                    body: body.unwrap_or_default(),
                }));
            }
            if tokio::time::Instant::now() >= waited_until {
                return Err(AppError::Conflict(
                    "This request is already being processed (or an earlier copy of it was \
                     interrupted); check whether it took effect before sending it again"
                        .into(),
                ));
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
    }

    /// Keeps a successful answer for replay, or releases the key of one that failed, and
    /// returns the answer.
    async fn settle(&self, response: Response) -> Response {
        if !is_success(&response) {
            self.release().await;
            return response;
        }
        let (parts, body) = response.into_parts();
        let bytes = match to_bytes(body, MAX_KEPT_ANSWER).await {
            Ok(bytes) => bytes,
            Err(error) => {
                // The answer was already made and cannot be returned whole any more.
                tracing::error!(%error, "an answer to a keyed request was too large to keep");
                self.release().await;
                return ApiError(AppError::Internal).into_response();
            }
        };
        let kept_headers: Vec<(String, String)> = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = parts.headers.get(*name)?.to_str().ok()?;
                Some((name.to_string(), value.to_string()))
            })
            .collect();
        match std::str::from_utf8(&bytes) {
            Ok(text) => {
                let headers = serde_json::to_string(&kept_headers).unwrap_or_default();
                let stored = sqlx::query(
                    "UPDATE request_keys SET state = 'done', status = $1, headers = $2, body = $3, \
                     finished_at = $4 WHERE scope = $5 AND idempotency_key = $6",
                )
                .bind(i64::from(parts.status.as_u16()))
                .bind(headers)
                .bind(text)
                .bind(now_ms())
                .bind(self.scope)
                .bind(self.key)
                .execute(&self.db.pool)
                .await;
                if let Err(error) = stored {
                    // The key stays claimed: a copy is told to check rather than run again.
                    tracing::error!(%error, "could not keep the answer to a keyed request");
                }
            }
            Err(_) => self.release().await,
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    async fn release(&self) {
        let released = sqlx::query(
            "DELETE FROM request_keys WHERE scope = $1 AND idempotency_key = $2 AND state = 'running'",
        )
        .bind(self.scope)
        .bind(self.key)
        .execute(&self.db.pool)
        .await;
        if let Err(error) = released {
            tracing::error!(%error, "could not release the key of a failed request");
        }
    }
}

/// Forgets keys claimed more than [`KEEP_FOR_MS`] ago; returns how many.
pub async fn prune(platform: &Database) -> anyhow::Result<u64> {
    let deleted = sqlx::query("DELETE FROM request_keys WHERE created_at < $1")
        .bind(now_ms() - KEEP_FOR_MS)
        .execute(&platform.pool)
        .await?;
    Ok(deleted.rows_affected())
}

/// Runs [`prune`] every hour.
pub fn spawn_pruner(platform: Database) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(3600));
        loop {
            interval.tick().await;
            match prune(&platform).await {
                Ok(0) => {}
                Ok(count) => tracing::debug!(count, "forgot old idempotency keys"),
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "idempotency key pruning failed")
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_to_255_visible_ascii_characters() {
        assert!(checked_key("8f14e45f-ceea-4e7a-9f3b-1c2d3e4f5a6b", "k").is_ok());
        assert!(checked_key(&"a".repeat(255), "k").is_ok());
        for bad in ["", " ", "with space", "tab\t", "ü", &"a".repeat(256)] {
            let error = checked_key(bad, "Idempotency-Key").expect_err(bad);
            assert!(error.to_string().starts_with("Idempotency-Key:"), "{error}");
        }
    }

    #[test]
    fn the_form_token_is_read_from_a_url_encoded_body() {
        assert_eq!(
            form_token(b"slug=a&form_token=abc123&lines=X%2C1").as_deref(),
            Some("abc123")
        );
        assert_eq!(form_token(b"slug=a&form_token="), None);
        assert_eq!(form_token(b"slug=a"), None);
    }

    #[test]
    fn a_redirect_carrying_a_server_function_error_is_not_kept() {
        let ok = Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, "/shops/a/orders/7")
            .body(Body::empty())
            .expect("response");
        assert!(is_success(&ok));
        let failed = Response::builder()
            .status(StatusCode::FOUND)
            .header(
                header::LOCATION,
                "/shops/a/orders/new?__path=%2Fsfn&__err=eyJ9",
            )
            .body(Body::empty())
            .expect("response");
        assert!(!is_success(&failed));
        let refused = Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .body(Body::empty())
            .expect("response");
        assert!(!is_success(&refused));
    }
}
