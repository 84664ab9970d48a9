//! Proof of e-mail for merchants: a one-time link mailed at sign-up (and on request) that
//! expires after [`VERIFICATION_TTL_MS`]. The link carries 256 random bits; the database keeps
//! only their SHA-256, so a copy of the database opens no link, and a link cannot be guessed or
//! forged. What waits for a verified address checks it with [`require_verified`].

use super::service::Accounts;
use crate::db::{now_ms, Database};
use crate::error::internal;
use crate::mail::{templates, Mailer};
use crate::tenancy::registry::audit;
use app::auth::model::{AccountDto, Session};
use app::error::AppError;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

/// How long a verification link works.
pub const VERIFICATION_TTL_MS: i64 = 48 * 3600 * 1000;

/// A fresh one-time link token: 32 random bytes, URL-safe base64.
pub fn new_link_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a link token.
pub fn hash_link_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub fn verify_first() -> AppError {
    AppError::Forbidden("Verify your e-mail address first".into())
}

/// 403 "Verify your e-mail address first" unless `user_id` has verified their address.
pub async fn require_verified(db: &Database, user_id: i64) -> Result<(), AppError> {
    let verified_at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT email_verified_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await
            .map_err(internal)?;
    match verified_at {
        Some(Some(_)) => Ok(()),
        Some(None) => Err(verify_first()),
        None => Err(AppError::unauthenticated()),
    }
}

/// Writes a verification link for `email` and queues its mail, inside the caller's transaction
/// (call `mailer.wake()` after the commit).
pub async fn issue(
    connection: &mut AnyConnection,
    mailer: &Mailer,
    user_id: i64,
    email: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    let token = new_link_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO email_verifications (token_hash, user_id, email, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_link_token(&token))
    .bind(user_id)
    .bind(email)
    .bind(now + VERIFICATION_TTL_MS)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    let link = mailer.link(&format!("/verify-email?token={token}"));
    let mail = templates::email_verification(email, name, &link, VERIFICATION_TTL_MS / 3_600_000);
    mailer.enqueue(&mut *connection, &mail).await
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    user_id: i64,
    email: String,
    expires_at: i64,
    used_at: Option<i64>,
    current_email: String,
}

impl Accounts {
    pub(crate) async fn account_of(&self, session: &Session) -> Result<AccountDto, AppError> {
        let row = sqlx::query_as::<_, (String, String, Option<i64>)>(
            "SELECT email, name, email_verified_at FROM users WHERE id = $1",
        )
        .bind(session.user_id)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(internal)?
        .ok_or_else(AppError::unauthenticated)?;
        Ok(AccountDto {
            email: row.0,
            name: row.1,
            email_verified: row.2.is_some(),
        })
    }

    pub(crate) async fn open_verification_link(&self, token: &str) -> Result<String, AppError> {
        let invalid = || {
            AppError::NotFound(
                "This verification link is not valid. Open the newest link we sent you, or \
                 ask for a new one on your account page."
                    .into(),
            )
        };
        // A real token is 43 characters; anything far off is not worth a query.
        if token.is_empty() || token.len() > 100 {
            return Err(invalid());
        }
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        let link = sqlx::query_as::<_, LinkRow>(
            "SELECT v.user_id, v.email, v.expires_at, v.used_at, u.email AS current_email \
             FROM email_verifications v JOIN users u ON u.id = v.user_id WHERE v.token_hash = $1",
        )
        .bind(hash_link_token(token))
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?
        .ok_or_else(invalid)?;
        if link.used_at.is_some() {
            return Err(AppError::Conflict(
                "This verification link was already used.".into(),
            ));
        }
        if link.expires_at <= now {
            return Err(AppError::Conflict(
                "This verification link has expired. Log in and ask for a new one on your \
                 account page."
                    .into(),
            ));
        }
        if link.email != link.current_email {
            return Err(invalid());
        }
        // Conditional, so that two parallel openings cannot both count.
        let used = sqlx::query(
            "UPDATE email_verifications SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(hash_link_token(token))
        .execute(&mut *tx)
        .await
        .map_err(internal)?
        .rows_affected();
        if used != 1 {
            return Err(AppError::Conflict(
                "This verification link was already used.".into(),
            ));
        }
        sqlx::query(
            "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1), updated_at = $1 \
             WHERE id = $2",
        )
        .bind(now)
        .bind(link.user_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        audit(
            &mut *tx,
            Some(link.user_id),
            None,
            "auth.email_verified",
            &link.email,
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(link.email)
    }

    pub(crate) async fn send_new_verification(&self, session: &Session) -> Result<(), AppError> {
        let account = self.account_of(session).await?;
        if account.email_verified {
            return Err(AppError::Conflict(
                "Your e-mail address is already verified.".into(),
            ));
        }
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        // One live link at a time: the older ones stop working.
        sqlx::query("DELETE FROM email_verifications WHERE user_id = $1 AND used_at IS NULL")
            .bind(session.user_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        issue(
            &mut tx,
            &self.mailer,
            session.user_id,
            &account.email,
            &account.name,
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        self.mailer.wake();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_long_random_and_url_safe() {
        let first = new_link_token();
        assert_eq!(first.len(), 43);
        assert!(first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(first, new_link_token());
    }

    #[test]
    fn only_a_hash_of_the_token_is_stored() {
        let token = new_link_token();
        let hash = hash_link_token(&token);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
        assert_eq!(hash, hash_link_token(&token), "stable");
    }
}
