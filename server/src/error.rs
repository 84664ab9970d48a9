//! Mapping internal failures to the shared `AppError`: the detail goes to the log, the caller
//! gets a clear message and status.

use app::error::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Logs an unexpected failure and returns the opaque internal error.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %error, "internal error");
    AppError::Internal
}

/// `AppError` as a JSON API response: `{"error": {"code", "message", "field"?}}`.
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let field = match &self.0 {
            AppError::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        let body = serde_json::json!({
            "error": { "code": self.0.code(), "message": self.0.to_string(), "field": field }
        });
        (status, Json(body)).into_response()
    }
}
