//! The development mailbox: `/dev/mailbox` lists the newest mail of the outbox (kept, queued,
//! sent or failed) with its links clickable, `/dev/mailbox/{id}` shows one message. Read-only,
//! and only in development mode (`dev_mode`); otherwise both answer 404 as if they did not exist.

use crate::state::AppState;
use app::dates::format_date_time;
use app::html::escape_into;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Messages listed on the mailbox page.
const LISTED: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dev/mailbox", get(list))
        .route("/dev/mailbox/{id}", get(one))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    recipient: String,
    subject: String,
    body_text: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
}

const COLUMNS: &str = "id, recipient, subject, body_text, status, attempts, last_error, created_at";

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found").into_response()
}

fn failed(error: sqlx::Error) -> Response {
    tracing::error!(%error, "reading the development mailbox");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The mailbox could not be read",
    )
        .into_response()
}

async fn list(State(state): State<AppState>) -> Response {
    if !state.config.dev_mode {
        return not_found();
    }
    let rows = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mail_outbox ORDER BY id DESC LIMIT $1"
    )))
    .bind(LISTED)
    .fetch_all(&state.platform.pool)
    .await;
    match rows {
        Ok(rows) => Html(page(&rows)).into_response(),
        Err(error) => failed(error),
    }
}

async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !state.config.dev_mode {
        return not_found();
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    let row = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&state.platform.pool)
    .await;
    match row {
        Ok(Some(row)) => Html(page(std::slice::from_ref(&row))).into_response(),
        Ok(None) => not_found(),
        Err(error) => failed(error),
    }
}

fn page(rows: &[Row]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Development mailbox · Cartwright</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}\
         article{border:1px solid #ccc;border-radius:6px;padding:0.5rem 1rem;margin:1rem 0}\
         pre{white-space:pre-wrap;font-family:inherit}dt{font-weight:600}</style></head><body>\
         <h1>Development mailbox</h1>\
         <p>Mail the server would send. Shown only in development mode; \
         set <code>smtp_url</code> to deliver it.</p>",
    );
    if rows.is_empty() {
        html.push_str("<p>No mail yet.</p>");
    }
    for row in rows {
        html.push_str("<article><h2><a href=\"/dev/mailbox/");
        html.push_str(&row.id.to_string());
        html.push_str("\">");
        escape_into(&mut html, &row.subject);
        html.push_str("</a></h2><dl><dt>To</dt><dd>");
        escape_into(&mut html, &row.recipient);
        html.push_str("</dd><dt>Time</dt><dd>");
        html.push_str(&format_date_time(row.created_at));
        html.push_str(" UTC</dd><dt>Status</dt><dd>");
        escape_into(&mut html, &row.status);
        if row.attempts > 0 {
            html.push_str(&format!(" ({} attempts)", row.attempts));
        }
        if let Some(error) = &row.last_error {
            html.push_str(" · last error: ");
            escape_into(&mut html, error);
        }
        html.push_str("</dd></dl><pre>");
        html.push_str(&linkify(&row.body_text));
        html.push_str("</pre></article>");
    }
    html.push_str("</body></html>");
    html
}

/// `text` escaped as HTML, with every `http://` and `https://` address made a link.
pub fn linkify(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    escape_into(&mut escaped, text);
    let mut out = String::with_capacity(escaped.len() + 64);
    let mut rest = escaped.as_str();
    while let Some(start) = ["http://", "https://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        out.push_str(&rest[..start]);
        let url_and_more = &rest[start..];
        // Escaped text has no raw quotes or angle brackets, so a link ends at white space.
        let end = url_and_more
            .find(char::is_whitespace)
            .unwrap_or(url_and_more.len());
        let url = &url_and_more[..end];
        out.push_str("<a href=\"");
        out.push_str(url);
        out.push_str("\">");
        out.push_str(url);
        out.push_str("</a>");
        rest = &url_and_more[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_mail_become_clickable() {
        assert_eq!(
            linkify("Open http://127.0.0.1:3000/verify-email?token=a&b=c now."),
            "Open <a href=\"http://127.0.0.1:3000/verify-email?token=a&amp;b=c\">\
             http://127.0.0.1:3000/verify-email?token=a&amp;b=c</a> now."
        );
        assert_eq!(
            linkify("https://a.example\nhttps://b.example"),
            "<a href=\"https://a.example\">https://a.example</a>\n\
             <a href=\"https://b.example\">https://b.example</a>"
        );
    }

    #[test]
    fn markup_in_mail_is_shown_not_run() {
        let html = linkify("<script>alert(1)</script> https://x.example/\"onmouseover=\"x");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("\"onmouseover"), "{html}");
        assert_eq!(linkify("no links here"), "no links here");
    }
}
