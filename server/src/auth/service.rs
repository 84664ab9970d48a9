//! The account service: sign-up, log-in with rate limiting, refresh-token rotation with reuse
//! detection, log-out and password change.

use super::passwords::{hash_password, hash_password_blocking, verify_password_blocking};
use super::tokens::{hash_refresh_token, new_refresh_token, now_secs, TokenKeys};
use crate::db::{is_unique_violation, now_ms, Database};
use crate::error::internal;
use crate::tenancy::registry::audit;
use app::auth::model::{AccountDto, Session, SignUpInput, UserDto};
use app::auth::rules::{parse_person_name, Email, NewPassword};
use app::error::AppError;
use app::services::{AccountService, AuthOutcome, ClientInfo, TokenPair};
use app::shops::rules::Role;
use async_trait::async_trait;
use rand::RngCore;
use sqlx::{Any, Transaction};
use std::sync::Arc;

/// Failed log-ins allowed per e-mail address, and per client address, within the window.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 30;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// A refresh token presented again this soon after its rotation is a parallel request of the same
/// browser, not a theft: it authenticates without issuing new tokens.
const ROTATION_GRACE_MS: i64 = 30 * 1000;

pub struct Accounts {
    pub db: Database,
    pub keys: Arc<TokenKeys>,
    pub refresh_ttl_secs: i64,
    pub secure_cookies: bool,
    /// Queues the verification mail (see [`super::verification`]).
    pub mailer: crate::mail::Mailer,
    /// Verified against when the e-mail is unknown, so response time does not reveal accounts.
    pub(crate) dummy_hash: String,
}

pub enum RefreshOutcome {
    Rotated { session: Session, tokens: TokenPair },
    AlreadyRotated { session: Session },
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    id: i64,
    user_id: i64,
    email: String,
    family: String,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

fn invalid_credentials() -> AppError {
    AppError::Unauthorized("Invalid email or password".into())
}

fn session_expired() -> AppError {
    AppError::Unauthorized("Your session has expired; please log in again".into())
}

impl Accounts {
    pub fn new(
        db: Database,
        keys: Arc<TokenKeys>,
        refresh_ttl_secs: i64,
        secure_cookies: bool,
        mailer: crate::mail::Mailer,
    ) -> anyhow::Result<Self> {
        let mut random = [0_u8; 16];
        rand::thread_rng().fill_bytes(&mut random);
        let dummy_hash = hash_password(&format!("{random:?}"))?;
        Ok(Accounts {
            db,
            keys,
            refresh_ttl_secs,
            secure_cookies,
            mailer,
            dummy_hash,
        })
    }

    async fn issue_tokens(
        &self,
        tx: &mut Transaction<'static, Any>,
        user_id: i64,
        email: &str,
        family: Option<&str>,
    ) -> Result<TokenPair, AppError> {
        let access_token = self
            .keys
            .issue_access(user_id, email, now_secs())
            .map_err(internal)?;
        let refresh_token = new_refresh_token();
        let family = family.map(str::to_string).unwrap_or_else(new_refresh_token);
        let now = now_ms();
        sqlx::query(
            "INSERT INTO refresh_tokens (user_id, token_hash, family, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(hash_refresh_token(&refresh_token))
        .bind(&family)
        .bind(now + self.refresh_ttl_secs * 1000)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
        Ok(TokenPair {
            access_token,
            access_expires_in_secs: self.keys.access_ttl_secs,
            refresh_token,
            refresh_expires_in_secs: self.refresh_ttl_secs,
        })
    }

    async fn user_by_id(&self, user_id: i64) -> Result<UserRow, AppError> {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, email, name, password_hash FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(internal)?
        .ok_or_else(AppError::unauthenticated)
    }

    /// Refuses a log-in attempt (429) while the e-mail or the client has failed too often in
    /// the last 15 minutes. Shared by merchant and customer log-ins (their keys differ).
    pub(crate) async fn check_login_limits(
        &self,
        email_key: &str,
        client_key: Option<&str>,
    ) -> Result<(), AppError> {
        let since = now_ms() - FAILURE_WINDOW_MS;
        let too_many = AppError::TooManyRequests(
            "Too many failed log-in attempts. Please wait 15 minutes and try again.".into(),
        );
        if self.failures_since(email_key, since).await? >= MAX_FAILURES_PER_EMAIL {
            return Err(too_many);
        }
        if let Some(key) = client_key {
            if self.failures_since(key, since).await? >= MAX_FAILURES_PER_CLIENT {
                return Err(too_many);
            }
        }
        Ok(())
    }

    async fn failures_since(&self, key: &str, since: i64) -> Result<i64, AppError> {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM login_failures WHERE limiter_key = $1 AND at > $2",
        )
        .bind(key)
        .bind(since)
        .fetch_one(&self.db.pool)
        .await
        .map_err(internal)
    }

    pub(crate) async fn record_failure(&self, keys: &[String]) -> Result<(), AppError> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (limiter_key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        // Old entries are of no further use.
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - FAILURE_WINDOW_MS)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    /// Exchanges a refresh token for new tokens; a token used twice revokes its whole family.
    pub async fn refresh(&self, refresh_token: &str) -> Result<RefreshOutcome, AppError> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        let row = sqlx::query_as::<_, RefreshRow>(
            "SELECT t.id, t.user_id, u.email, t.family, t.expires_at, t.used_at, t.revoked_at \
             FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(hash_refresh_token(refresh_token))
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?
        .ok_or_else(session_expired)?;
        let session = Session {
            user_id: row.user_id,
            email: row.email.clone(),
        };
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Err(session_expired());
        }
        if let Some(used_at) = row.used_at {
            if now - used_at < ROTATION_GRACE_MS {
                return Ok(RefreshOutcome::AlreadyRotated { session });
            }
            sqlx::query("UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(&row.family)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            audit(
                &mut *tx,
                Some(row.user_id),
                None,
                "auth.refresh_token_reused",
                "family revoked",
            )
            .await
            .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            tracing::warn!(
                user_id = row.user_id,
                "refresh token reused; session family revoked"
            );
            return Err(session_expired());
        }
        sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(row.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let tokens = self
            .issue_tokens(&mut tx, row.user_id, &row.email, Some(&row.family))
            .await?;
        tx.commit().await.map_err(internal)?;
        Ok(RefreshOutcome::Rotated { session, tokens })
    }

    fn cookie(&self, name: &str, value: &str, max_age_secs: i64) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
    }
}

#[async_trait]
impl AccountService for Accounts {
    #[tracing::instrument(skip_all, err(level = "info"))]
    async fn sign_up(
        &self,
        input: SignUpInput,
        client: &ClientInfo,
    ) -> Result<AuthOutcome, AppError> {
        let name = parse_person_name(&input.name)?;
        let email = Email::parse(&input.email)?;
        let password = NewPassword::parse("password", &input.password)?;
        let password_hash = hash_password_blocking(password.expose().to_string())
            .await
            .map_err(internal)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (email, name, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(email.as_str())
        .bind(&name)
        .bind(&password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let user_id = match inserted {
            Ok(id) => id,
            Err(error) if is_unique_violation(&error) => {
                return Err(AppError::Conflict(
                    "An account with this email already exists".into(),
                ))
            }
            Err(error) => return Err(internal(error)),
        };
        // Invitations to this address stay invitations: typing an address proves nothing, so
        // they are accepted by link once the address is verified (shops::invitations).
        let detail = client.ip.clone().unwrap_or_default();
        audit(&mut *tx, Some(user_id), None, "auth.signed_up", &detail)
            .await
            .map_err(internal)?;
        // The proof of the address travels in the same transaction as the account.
        super::verification::issue(&mut tx, &self.mailer, user_id, email.as_str(), &name)
            .await
            .map_err(internal)?;
        let tokens = self
            .issue_tokens(&mut tx, user_id, email.as_str(), None)
            .await?;
        tx.commit().await.map_err(internal)?;
        self.mailer.wake();
        Ok(AuthOutcome {
            user: UserDto {
                id: user_id,
                email: email.as_str().into(),
                name,
            },
            tokens,
        })
    }

    #[tracing::instrument(skip_all, err(level = "info"))]
    async fn log_in(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<AuthOutcome, AppError> {
        let email = Email::parse(email)?;
        let email_key = format!("email:{}", email.as_str());
        let client_key = client.ip.as_ref().map(|ip| format!("ip:{ip}"));
        self.check_login_limits(&email_key, client_key.as_deref())
            .await?;
        let user = sqlx::query_as::<_, UserRow>(
            "SELECT id, email, name, password_hash FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.db.pool)
        .await
        .map_err(internal)?;
        let stored_hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| self.dummy_hash.clone());
        let verified = verify_password_blocking(password.to_string(), stored_hash).await;
        let user = match user {
            Some(user) if verified => user,
            _ => {
                let keys: Vec<String> = std::iter::once(email_key).chain(client_key).collect();
                self.record_failure(&keys).await?;
                return Err(invalid_credentials());
            }
        };
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        sqlx::query("DELETE FROM login_failures WHERE limiter_key = $1")
            .bind(&email_key)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let detail = client.ip.clone().unwrap_or_default();
        audit(&mut *tx, Some(user.id), None, "auth.logged_in", &detail)
            .await
            .map_err(internal)?;
        let tokens = self
            .issue_tokens(&mut tx, user.id, &user.email, None)
            .await?;
        tx.commit().await.map_err(internal)?;
        Ok(AuthOutcome {
            user: UserDto {
                id: user.id,
                email: user.email,
                name: user.name,
            },
            tokens,
        })
    }

    async fn log_out(&self, refresh_token: Option<&str>) -> Result<(), AppError> {
        let Some(token) = refresh_token else {
            return Ok(());
        };
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND family = \
             (SELECT family FROM refresh_tokens WHERE token_hash = $2)",
        )
        .bind(now_ms())
        .bind(hash_refresh_token(token))
        .execute(&self.db.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err(level = "info"))]
    async fn change_password(
        &self,
        session: &Session,
        current_password: &str,
        new_password: &str,
    ) -> Result<TokenPair, AppError> {
        let user = self.user_by_id(session.user_id).await?;
        if !verify_password_blocking(current_password.to_string(), user.password_hash.clone()).await
        {
            return Err(AppError::invalid(
                "current_password",
                "is not your current password",
            ));
        }
        let new_password = NewPassword::parse("new_password", new_password)?;
        let new_hash = hash_password_blocking(new_password.expose().to_string())
            .await
            .map_err(internal)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(&new_hash)
            .bind(now)
            .bind(user.id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        // Every existing session ends; the caller gets a fresh one.
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user.id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        audit(&mut *tx, Some(user.id), None, "auth.password_changed", "")
            .await
            .map_err(internal)?;
        let tokens = self
            .issue_tokens(&mut tx, user.id, &user.email, None)
            .await?;
        tx.commit().await.map_err(internal)?;
        Ok(tokens)
    }

    async fn current_user(&self, session: &Session) -> Result<UserDto, AppError> {
        let user = self.user_by_id(session.user_id).await?;
        Ok(UserDto {
            id: user.id,
            email: user.email,
            name: user.name,
        })
    }

    fn session_cookies(&self, tokens: &TokenPair) -> Vec<String> {
        vec![
            self.cookie(
                app::ACCESS_COOKIE,
                &tokens.access_token,
                tokens.access_expires_in_secs,
            ),
            self.cookie(
                app::REFRESH_COOKIE,
                &tokens.refresh_token,
                tokens.refresh_expires_in_secs,
            ),
        ]
    }

    fn cleared_session_cookies(&self) -> Vec<String> {
        vec![
            self.cookie(app::ACCESS_COOKIE, "", 0),
            self.cookie(app::REFRESH_COOKIE, "", 0),
        ]
    }

    async fn account(&self, session: &Session) -> Result<AccountDto, AppError> {
        self.account_of(session).await
    }

    #[tracing::instrument(skip_all, err(level = "info"))]
    async fn verify_email(&self, token: &str) -> Result<String, AppError> {
        self.open_verification_link(token).await
    }

    #[tracing::instrument(skip_all, fields(user_id = session.user_id), err(level = "info"))]
    async fn resend_verification(&self, session: &Session) -> Result<(), AppError> {
        self.send_new_verification(session).await
    }
}

/// The role a member has, for use in permission checks.
pub fn require_owner(role: Role, what: &str) -> Result<(), AppError> {
    if role == Role::Owner {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Only the shop owner can {what}"
        )))
    }
}
