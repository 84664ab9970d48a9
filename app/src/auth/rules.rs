//! Parsing of the values a merchant types when signing up or logging in.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A syntactically valid, normalised (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let email = raw.trim().to_lowercase();
        let invalid = |message: &str| AppError::invalid("email", message);
        if email.is_empty() {
            return Err(invalid("is required"));
        }
        if email.len() > 254 {
            return Err(invalid("must be at most 254 characters"));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(invalid("must contain an @"));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.len() > 64 || email.chars().any(char::is_whitespace) {
            return Err(invalid("is not a valid e-mail address"));
        }
        if !domain_ok {
            return Err(invalid("has an invalid domain"));
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 128;

/// A password that meets the policy. Never serialised, never logged.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let length = raw.chars().count();
        if length < MIN_PASSWORD_LEN {
            return Err(AppError::invalid(
                field,
                format!("must be at least {MIN_PASSWORD_LEN} characters"),
            ));
        }
        if length > MAX_PASSWORD_LEN {
            return Err(AppError::invalid(
                field,
                format!("must be at most {MAX_PASSWORD_LEN} characters"),
            ));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// A display name: trimmed, 1 to 100 characters.
pub fn parse_person_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "is required"));
    }
    if name.chars().count() > 100 {
        return Err(AppError::invalid("name", "must be at most 100 characters"));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let email = Email::parse("  Ada@Example.COM ").expect("valid email");
        assert_eq!(email.as_str(), "ada@example.com");
    }

    #[test]
    fn email_without_at_or_domain_is_refused_naming_the_field() {
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@exa..mple.com",
        ] {
            let error = Email::parse(raw).expect_err(raw);
            assert!(
                matches!(&error, AppError::Invalid { field, .. } if field == "email"),
                "{raw}: {error:?}"
            );
        }
    }

    #[test]
    fn password_shorter_than_policy_is_refused() {
        assert!(NewPassword::parse("password", "short").is_err());
        assert!(NewPassword::parse("password", "long enough pass").is_ok());
        assert!(NewPassword::parse("password", &"x".repeat(129)).is_err());
    }

    #[test]
    fn password_debug_output_hides_the_secret() {
        let password = NewPassword::parse("password", "correct horse battery").expect("valid");
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn name_is_required() {
        assert!(parse_person_name("   ").is_err());
        assert_eq!(parse_person_name(" Ada ").expect("valid"), "Ada");
    }
}
