//! Customer session tokens: HS256 JWTs whose audience is one shop, so a token of one shop is
//! refused by every other shop. Algorithm, issuer and expiry are checked strictly.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "cartwright";

pub fn shop_audience(shop_id: i64) -> String {
    format!("cartwright-shop:{shop_id}")
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    iat: i64,
    /// Issue time in milliseconds: compared with the customer's `sessions_valid_after`.
    iat_ms: i64,
    exp: i64,
}

/// A token that passed the checks: the customer and when it was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerClaims {
    pub customer_id: i64,
    pub issued_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerTokenError {
    /// Expired, tampered, signed with another key or algorithm, or not a customer token.
    Invalid,
    /// A genuine customer token, but of another shop.
    OtherShop,
}

pub struct CustomerTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl_secs: i64,
}

impl CustomerTokens {
    pub fn new(secret: &[u8], ttl_secs: i64) -> Self {
        CustomerTokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_secs,
        }
    }

    pub fn issue(&self, shop_id: i64, customer_id: i64, now_ms: i64) -> anyhow::Result<String> {
        let claims = Claims {
            sub: customer_id.to_string(),
            iss: ISSUER.into(),
            aud: shop_audience(shop_id),
            iat: now_ms / 1000,
            iat_ms: now_ms,
            exp: now_ms / 1000 + self.ttl_secs,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks signature, algorithm, issuer and expiry, then that the audience is `shop_id`.
    pub fn verify(&self, token: &str, shop_id: i64) -> Result<CustomerClaims, CustomerTokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // The audience is compared below, to tell "another shop's customer" from "no customer".
        validation.validate_aud = false;
        validation.leeway = 5;
        let data = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| CustomerTokenError::Invalid)?;
        let claims = data.claims;
        if claims.aud != shop_audience(shop_id) {
            return Err(if claims.aud.starts_with("cartwright-shop:") {
                CustomerTokenError::OtherShop
            } else {
                CustomerTokenError::Invalid
            });
        }
        let customer_id = claims
            .sub
            .parse::<i64>()
            .map_err(|_| CustomerTokenError::Invalid)?;
        Ok(CustomerClaims {
            customer_id,
            issued_at_ms: claims.iat_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test secret of enough length 0123456789";

    #[test]
    fn a_token_is_accepted_by_its_shop_only() {
        let tokens = CustomerTokens::new(SECRET, 3600);
        let now = crate::db::now_ms();
        let token = tokens.issue(7, 42, now).expect("issue");
        assert_eq!(
            tokens.verify(&token, 7),
            Ok(CustomerClaims {
                customer_id: 42,
                issued_at_ms: now
            })
        );
        assert_eq!(tokens.verify(&token, 8), Err(CustomerTokenError::OtherShop));
    }

    #[test]
    fn expired_tampered_foreign_and_merchant_tokens_are_invalid() {
        let tokens = CustomerTokens::new(SECRET, 3600);
        let now = crate::db::now_ms();
        let expired = tokens.issue(7, 42, now - 7_200_000).expect("issue");
        assert_eq!(tokens.verify(&expired, 7), Err(CustomerTokenError::Invalid));
        let other_key = CustomerTokens::new(b"another secret entirely, also long", 3600);
        let foreign = other_key.issue(7, 42, now).expect("issue");
        assert_eq!(tokens.verify(&foreign, 7), Err(CustomerTokenError::Invalid));
        let merchant = crate::auth::tokens::TokenKeys::new(SECRET, 900)
            .issue_access(42, "m@example.com", now / 1000)
            .expect("issue");
        assert_eq!(
            tokens.verify(&merchant, 7),
            Err(CustomerTokenError::Invalid)
        );
        assert_eq!(
            tokens.verify("not.a.token", 7),
            Err(CustomerTokenError::Invalid)
        );
    }

    #[test]
    fn a_correctly_signed_token_whose_exp_is_a_string_is_refused() {
        let tokens = CustomerTokens::new(SECRET, 3600);
        let now = crate::db::now_ms();
        let signed = |exp: serde_json::Value| {
            let claims = serde_json::json!({
                "sub": "42", "iss": ISSUER, "aud": shop_audience(7),
                "iat": now / 1000, "iat_ms": now, "exp": exp,
            });
            encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(SECRET),
            )
            .expect("encode")
        };
        assert!(tokens
            .verify(&signed(serde_json::json!(now / 1000 + 60)), 7)
            .is_ok());
        for exp in [
            serde_json::json!("9999999999"),
            serde_json::json!((now / 1000 + 60).to_string()),
            serde_json::json!(null),
        ] {
            assert_eq!(
                tokens.verify(&signed(exp.clone()), 7),
                Err(CustomerTokenError::Invalid),
                "exp = {exp}"
            );
        }
    }
}
