//! The JSON API of what arrives by mail: e-mail verification links and staff invitations.

use super::{ApiJson, ApiResult, Caller};
use crate::state::AppState;
use app::services::{AccountService, ShopService};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/verify-email", post(verify_email))
        .route("/auth/verification-mail", post(resend_verification))
        .route("/invitations/{token}", get(invitation))
        .route("/invitations/{token}/accept", post(accept_invitation))
        .route(
            "/shops/{slug}/invitations/{email}",
            delete(revoke_invitation),
        )
}

async fn invitation(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(token): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.shops.invitation(&session, &token).await?))
}

async fn accept_invitation(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(token): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.shops.accept_invitation(&session, &token).await?))
}

async fn revoke_invitation(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, email)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .shops
            .revoke_invitation(&session, &slug, &email)
            .await?,
    ))
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
