//! The JSON API of what arrives by mail: e-mail verification links and staff invitations.

use super::{ApiJson, ApiResult, Caller};
use crate::state::AppState;
use app::services::AccountService;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/verify-email", post(verify_email))
        .route("/auth/verification-mail", post(resend_verification))
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

/// Public: the token is the proof.
async fn verify_email(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<impl IntoResponse> {
    let email = state.accounts.verify_email(&body.token).await?;
    Ok(Json(
        serde_json::json!({ "email": email, "email_verified": true }),
    ))
}

async fn resend_verification(
    State(state): State<AppState>,
    Caller(session): Caller,
) -> ApiResult<impl IntoResponse> {
    state.accounts.resend_verification(&session).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "status": "sent" })),
    ))
}
