//! The one error type shared by server functions, the JSON API and the UI.

use serde::{Deserialize, Serialize};

/// Every failure a caller can see. The message is safe to show; internal detail goes to the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input that cannot be accepted; names the field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// An idempotency key sent again with a different request (422).
    #[error("{0}")]
    KeyReused(String),
    /// A request body over the size the endpoint accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The client took too long to send its request.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// Transport or encoding failure between browser and server.
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        AppError::NotFound("Not found".into())
    }

    pub fn unauthenticated() -> Self {
        AppError::Unauthorized("Please log in".into())
    }

    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 400,
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::KeyReused(_) => 422,
            AppError::PayloadTooLarge(_) => 413,
            AppError::RequestTimeout(_) => 408,
            AppError::Internal => 500,
            AppError::Transport(_) => 400,
        }
    }

    /// A short machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::KeyReused(_) => "idempotency_key_reused",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::RequestTimeout(_) => "request_timeout",
            AppError::Internal => "internal",
            AppError::Transport(_) => "bad_request",
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_names_the_field_and_is_a_400() {
        let error = AppError::invalid("slug", "must be at least 3 characters");
        assert_eq!(error.to_string(), "slug: must be at least 3 characters");
        assert_eq!(error.status_code(), 400);
    }

    #[test]
    fn internal_errors_never_carry_detail() {
        assert_eq!(
            AppError::Internal.to_string(),
            "Something went wrong on our side. Please try again."
        );
    }
}
