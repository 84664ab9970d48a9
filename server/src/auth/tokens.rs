//! Access tokens (HS256 JWT, short-lived, algorithm pinned, `exp`/`iss`/`aud`/`sub` required) and
//! refresh tokens (random, stored only as a SHA-256 hash, rotated on every use).

use app::auth::model::Session;
use base64::Engine as _;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ISSUER: &str = "cartwright";
pub const DASHBOARD_AUDIENCE: &str = "cartwright-dashboard";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    email: String,
    iss: String,
    aud: String,
    iat: i64,
    /// Issue time in milliseconds, compared with the user's `sessions_valid_after` (the
    /// seconds of `iat` are too coarse: a log-out in the same second as the log-in would not
    /// end that session). Absent in tokens issued before it was added: `iat` is used then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat_ms: Option<i64>,
    exp: i64,
}

/// A verified access token: the session and when the token was issued (ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub session: Session,
    pub issued_at_ms: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid")]
    Invalid,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[DASHBOARD_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs,
        }
    }

    pub fn issue_access(&self, user_id: i64, email: &str, now_secs: i64) -> anyhow::Result<String> {
        self.issue_access_at_ms(user_id, email, now_secs.saturating_mul(1000))
    }

    /// An access token issued at `now_ms` (its `iat_ms`, and `iat`/`exp` in seconds).
    pub fn issue_access_at_ms(
        &self,
        user_id: i64,
        email: &str,
        now_ms: i64,
    ) -> anyhow::Result<String> {
        let now_secs = now_ms.div_euclid(1000);
        let claims = Claims {
            sub: user_id.to_string(),
            email: email.to_string(),
            iss: ISSUER.into(),
            aud: DASHBOARD_AUDIENCE.into(),
            iat: now_secs,
            iat_ms: Some(now_ms),
            exp: now_secs + self.access_ttl_secs,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify_access(&self, token: &str) -> Result<Session, TokenError> {
        self.verify(token).map(|claims| claims.session)
    }

    /// Checks signature, algorithm, `exp`, `iss`, `aud` and `sub`; gives the session and the
    /// issue time (which the caller compares with the user's `sessions_valid_after`).
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(
                |error| match error.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                },
            )?;
        let user_id = data
            .claims
            .sub
            .parse::<i64>()
            .map_err(|_| TokenError::Invalid)?;
        let issued_at_ms = data
            .claims
            .iat_ms
            .unwrap_or_else(|| data.claims.iat.saturating_mul(1000));
        Ok(AccessClaims {
            session: Session {
                user_id,
                email: data.claims.email,
            },
            issued_at_ms,
        })
    }
}

/// A new refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a refresh token: its SHA-256, hex-encoded.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub fn now_secs() -> i64 {
    crate::db::now_ms() / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"test secret of enough length 0123456789", 900)
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let token = keys()
            .issue_access(7, "a@example.com", now_secs())
            .expect("issue");
        let session = keys().verify_access(&token).expect("valid");
        assert_eq!(session.user_id, 7);
        assert_eq!(session.email, "a@example.com");
    }

    #[test]
    fn an_expired_token_is_refused_as_expired() {
        let token = keys()
            .issue_access(7, "a@example.com", now_secs() - 3600)
            .expect("issue");
        assert_eq!(keys().verify_access(&token), Err(TokenError::Expired));
    }

    #[test]
    fn a_tampered_or_foreign_token_is_refused() {
        let token = keys()
            .issue_access(7, "a@example.com", now_secs())
            .expect("issue");
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(keys().verify_access(&tampered), Err(TokenError::Invalid));
        let other = TokenKeys::new(b"another secret entirely, also long", 900);
        assert_eq!(other.verify_access(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_with_another_algorithm_or_audience_is_refused() {
        let secret = b"test secret of enough length 0123456789";
        let claims = Claims {
            sub: "7".into(),
            email: "a@example.com".into(),
            iss: ISSUER.into(),
            aud: "shop:somewhere".into(),
            iat: now_secs(),
            iat_ms: None,
            exp: now_secs() + 60,
        };
        let wrong_audience = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .expect("encode");
        assert_eq!(
            keys().verify_access(&wrong_audience),
            Err(TokenError::Invalid)
        );
        let claims = Claims {
            aud: DASHBOARD_AUDIENCE.into(),
            ..claims
        };
        let wrong_algorithm = encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .expect("encode");
        assert_eq!(
            keys().verify_access(&wrong_algorithm),
            Err(TokenError::Invalid)
        );
    }

    /// A token with exactly these claims, correctly signed with the test key.
    fn signed(claims: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"test secret of enough length 0123456789"),
        )
        .expect("encode")
    }

    #[test]
    fn our_own_token_passes_with_its_millisecond_issue_time() {
        let now = crate::db::now_ms();
        let token = keys()
            .issue_access_at_ms(7, "a@example.com", now)
            .expect("issue");
        let claims = keys().verify(&token).expect("valid");
        assert_eq!(claims.session.user_id, 7);
        assert_eq!(claims.issued_at_ms, now);
    }

    #[test]
    fn a_correctly_signed_token_whose_exp_is_a_string_is_refused() {
        let now = now_secs();
        let claims = |exp: serde_json::Value| {
            serde_json::json!({
                "sub": "7", "email": "a@example.com", "iss": ISSUER, "aud": DASHBOARD_AUDIENCE,
                "iat": now, "exp": exp,
            })
        };
        assert!(keys()
            .verify(&signed(claims(serde_json::json!(now + 60))))
            .is_ok());
        for exp in [
            serde_json::json!("9999999999"),
            serde_json::json!((now + 60).to_string()),
            serde_json::json!(null),
            serde_json::json!(9_999_999_999.5),
        ] {
            assert_eq!(
                keys().verify(&signed(claims(exp.clone()))),
                Err(TokenError::Invalid),
                "exp = {exp}"
            );
        }
        let without_exp = serde_json::json!({
            "sub": "7", "email": "a@example.com", "iss": ISSUER, "aud": DASHBOARD_AUDIENCE,
            "iat": now,
        });
        assert_eq!(
            keys().verify(&signed(without_exp)),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn a_token_without_iat_ms_falls_back_to_iat_seconds() {
        let now = now_secs();
        let token = signed(serde_json::json!({
            "sub": "7", "email": "a@example.com", "iss": ISSUER, "aud": DASHBOARD_AUDIENCE,
            "iat": now, "exp": now + 60,
        }));
        assert_eq!(
            keys().verify(&token).map(|c| c.issued_at_ms),
            Ok(now * 1000)
        );
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let first = new_refresh_token();
        assert_ne!(first, new_refresh_token());
        let hash = hash_refresh_token(&first);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&first));
    }
}
