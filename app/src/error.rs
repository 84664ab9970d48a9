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

    /// The message as a person reads it: the field in words rather than its key
    /// (`orders: select at least one order` becomes `Orders: select at least one order`,
    /// `returns[1].quantity: …` becomes `Returns, line 1, quantity: …`).
    pub fn for_people(&self) -> String {
        match self {
            AppError::Invalid { field, message } if !field.is_empty() => {
                format!("{}: {message}", field_in_words(field))
            }
            AppError::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
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

/// A field key (`shipping_address.postal_code`, `lines[2].sku`) in words, capitalised.
fn field_in_words(field: &str) -> String {
    let mut words = String::with_capacity(field.len() + 8);
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' => words.push(' '),
            '.' => words.push_str(", "),
            '[' => {
                words.push_str(", line ");
                while let Some(&digit) = chars.peek() {
                    chars.next();
                    if digit == ']' {
                        break;
                    }
                    words.push(digit);
                }
            }
            other => words.push(other),
        }
    }
    let mut letters = words.chars();
    match letters.next() {
        Some(first) => first.to_uppercase().chain(letters).collect(),
        None => words,
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

/// A value read from a database column that no variant of its type names: the row was written by
/// something other than this code (a hand edit, or a newer version). Decoding a row with one fails
/// the query (an internal error, logged with this text) instead of guessing a variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?} stored in the database")]
pub struct UnknownStoredValue {
    pub what: &'static str,
    pub value: String,
}

/// The refusals of a form's independent checks, gathered so that one answer names every problem
/// (a merchant fixes them all at once instead of one per submit).
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<(String, String)>,
    /// A failure that is not about the input (it is returned before any problem).
    other: Option<AppError>,
}

impl Problems {
    /// The value of a check that passed; a refusal is noted (`None`).
    pub fn check<T>(&mut self, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(AppError::Invalid { field, message }) => {
                self.found.push((field, message));
                None
            }
            Err(other) => {
                self.other.get_or_insert(other);
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.found.push((field.to_string(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty() && self.other.is_none()
    }

    /// Nothing found: `Ok`. Otherwise one `Invalid` naming the first field, whose message goes on
    /// with every other problem, each with its field in words.
    pub fn into_result(self) -> Result<(), AppError> {
        if let Some(other) = self.other {
            return Err(other);
        }
        let mut found = self.found.into_iter();
        let Some((field, message)) = found.next() else {
            return Ok(());
        };
        let rest: Vec<String> = found
            .map(|(field, message)| {
                if field.is_empty() {
                    message
                } else {
                    format!("{}: {message}", field_in_words(&field))
                }
            })
            .collect();
        let message = if rest.is_empty() {
            message
        } else {
            format!("{message}; also {}", rest.join("; "))
        };
        Err(AppError::Invalid { field, message })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn problems_are_reported_together_naming_each_field() {
        assert_eq!(Problems::default().into_result(), Ok(()));
        let mut problems = Problems::default();
        assert_eq!(problems.check(Ok::<_, AppError>(3)), Some(3));
        assert_eq!(
            problems.check::<i64>(Err(AppError::invalid(
                "customer_email",
                "is not a valid e-mail address"
            ))),
            None
        );
        problems.push("shipping", "\"12,345\" could mean 12345 or 12.345");
        problems.push("lines", "unknown SKU NOPE");
        let error = problems.into_result().expect_err("three problems");
        assert_eq!(
            error.for_people(),
            "Customer email: is not a valid e-mail address; also Shipping: \"12,345\" could mean 12345 or 12.345; Lines: unknown SKU NOPE"
        );
        assert!(matches!(&error, AppError::Invalid { field, .. } if field == "customer_email"));
        let mut failed = Problems::default();
        failed.push("sku", "is required");
        failed.check::<()>(Err(AppError::Internal));
        assert_eq!(failed.into_result(), Err(AppError::Internal));
    }

    use super::*;

    #[test]
    fn invalid_input_names_the_field_and_is_a_400() {
        let error = AppError::invalid("slug", "must be at least 3 characters");
        assert_eq!(error.to_string(), "slug: must be at least 3 characters");
        assert_eq!(error.status_code(), 400);
    }

    #[test]
    fn people_read_fields_in_words_not_keys() {
        assert_eq!(
            AppError::invalid("orders", "select at least one order").for_people(),
            "Orders: select at least one order"
        );
        assert_eq!(
            AppError::invalid("shipping_address.postal_code", "is too long").for_people(),
            "Shipping address, postal code: is too long"
        );
        assert_eq!(
            AppError::invalid("returns[1].quantity", "at most 2").for_people(),
            "Returns, line 1, quantity: at most 2"
        );
        assert_eq!(AppError::not_found().for_people(), "Not found");
    }

    #[test]
    fn internal_errors_never_carry_detail() {
        assert_eq!(
            AppError::Internal.to_string(),
            "Something went wrong on our side. Please try again."
        );
    }
}
