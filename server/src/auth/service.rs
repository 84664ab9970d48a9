//! The account service: sign-up, log-in with rate limiting, refresh-token rotation with reuse
//! detection, log-out and password change, and the check that ends access tokens at log-out
//! and password change.

use super::cutoffs::{issued_in_time, SessionCutoffs};
use super::passwords::{hash_password, PasswordWork};
use super::sign_up_requests::{self, NewSignUp, SignUpKind};
use super::tokens::{hash_refresh_token, new_refresh_token, AccessClaims, TokenKeys};
use crate::db::{is_unique_violation, now_ms, Database, Engine};
use crate::error::internal;
use crate::tenancy::registry::audit;
use app::auth::model::{AccountDto, Session, SignUpInput, SignUpReceipt, UserDto};
use app::auth::rules::{parse_person_name, Email, NewPassword};
use app::error::AppError;
use app::services::{is_same_origin_path, AccountService, AuthOutcome, ClientInfo, TokenPair};
use app::shops::rules::Role;
use async_trait::async_trait;
use rand::RngCore;
use sqlx::{Any, Transaction};
use std::sync::Arc;

/// Failed log-ins allowed per e-mail address, and per client address, within the window.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 30;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Sign-ups (merchant and customer together) allowed per client address within the window, by
/// default (`Config::sign_ups_per_client_per_hour`).
pub const MAX_SIGN_UPS_PER_CLIENT: i64 = 10;
pub const SIGN_UP_WINDOW_MS: i64 = 60 * 60 * 1000;
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
    /// The one bound on concurrent argon2 work, merchant and customer paths alike.
    pub passwords: PasswordWork,
    /// `users.sessions_valid_after` of recently seen users (see [`SessionCutoffs`]).
    pub cutoffs: SessionCutoffs,
    /// Sign-ups allowed per client address per hour; `0`: no limit.
    pub sign_ups_per_client_per_hour: i64,
}

/// One rate limit: at most `max` attempts for `key` in a fixed window of `window_ms`.
pub(crate) struct Limit {
    pub key: String,
    pub max: i64,
    pub window_ms: i64,
}

/// Attempts counted by [`Accounts::reserve`]: the key and the window each was counted in.
#[must_use = "a reservation is kept (counted) unless it is released"]
pub(crate) struct Reservation(Vec<(String, i64)>);

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
            passwords: PasswordWork::for_this_machine(),
            cutoffs: SessionCutoffs::default(),
            sign_ups_per_client_per_hour: MAX_SIGN_UPS_PER_CLIENT,
        })
    }

    /// The same accounts with another sign-up allowance per client address and hour.
    pub fn with_sign_up_limit(mut self, per_client_per_hour: i64) -> Self {
        self.sign_ups_per_client_per_hour = per_client_per_hour;
        self
    }

    /// Whether a verified access token was issued after its user's last log-out or password
    /// change. Answered from [`SessionCutoffs`] when its copy is fresh, else from the database.
    /// Fails closed: an unknown user or a failed read is no session.
    pub async fn session_is_current(&self, claims: &AccessClaims) -> bool {
        let user_id = claims.session.user_id;
        if let Some(valid_after) = self.cutoffs.fresh(user_id) {
            return issued_in_time(claims.issued_at_ms, valid_after);
        }
        let read = async {
            let mut connection = self.db.read().await?;
            let cutoff = sqlx::query_scalar::<_, i64>(
                "SELECT sessions_valid_after FROM users WHERE id = $1",
            )
            .bind(user_id)
            .fetch_optional(&mut *connection)
            .await?;
            connection.finish();
            Ok::<_, sqlx::Error>(cutoff)
        };
        match read.await {
            Ok(Some(valid_after)) => {
                self.cutoffs.remember(user_id, valid_after);
                issued_in_time(claims.issued_at_ms, valid_after)
            }
            Ok(None) => {
                self.cutoffs.remember(user_id, i64::MAX);
                false
            }
            Err(error) => {
                tracing::error!(%error, user_id, "reading the session cut-off");
                false
            }
        }
    }

    /// Ends every access token of these users issued up to now (`sessions_valid_after` is set
    /// to the next millisecond), in `tx`; call [`Accounts::cutoffs_committed`] after commit.
    async fn end_access_tokens(
        tx: &mut Transaction<'static, Any>,
        user_ids: &[i64],
        valid_after: i64,
    ) -> Result<(), AppError> {
        for user_id in user_ids {
            sqlx::query(
                "UPDATE users SET sessions_valid_after = $1 \
                 WHERE id = $2 AND sessions_valid_after < $1",
            )
            .bind(valid_after)
            .bind(user_id)
            .execute(&mut **tx)
            .await
            .map_err(internal)?;
        }
        Ok(())
    }

    /// This instance refuses the ended tokens at once (others within the cut-off TTL).
    fn cutoffs_committed(&self, user_ids: &[i64], valid_after: i64) {
        for user_id in user_ids {
            self.cutoffs.remember(*user_id, valid_after);
        }
    }

    async fn issue_tokens(
        &self,
        tx: &mut Transaction<'static, Any>,
        user_id: i64,
        email: &str,
        family: Option<&str>,
        issued_at_ms: i64,
    ) -> Result<TokenPair, AppError> {
        let access_token = self
            .keys
            .issue_access_at_ms(user_id, email, issued_at_ms)
            .map_err(internal)?;
        let refresh_token = new_refresh_token();
        let family = family.map(str::to_string).unwrap_or_else(new_refresh_token);
        let now = issued_at_ms;
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

    /// The log-in limits of one attempt: per e-mail (the key names the shop for customers) and
    /// per client address. Shared by merchant and customer log-ins.
    pub(crate) fn login_limits(email_key: String, client_key: Option<String>) -> Vec<Limit> {
        std::iter::once(Limit {
            key: email_key,
            max: MAX_FAILURES_PER_EMAIL,
            window_ms: FAILURE_WINDOW_MS,
        })
        .chain(client_key.map(|key| Limit {
            key,
            max: MAX_FAILURES_PER_CLIENT,
            window_ms: FAILURE_WINDOW_MS,
        }))
        .collect()
    }

    /// Reserves a log-in attempt before its password is checked (429 while the e-mail or the
    /// client has used up its failures in the window). A failed attempt keeps its reservation
    /// (it is the recorded failure); a successful one releases it.
    pub(crate) async fn reserve_login(
        &self,
        email_key: String,
        client_key: Option<String>,
    ) -> Result<Reservation, AppError> {
        self.reserve(
            &Self::login_limits(email_key, client_key),
            "Too many failed log-in attempts. Please wait 15 minutes and try again.",
        )
        .await
    }

    /// Counts a sign-up of this client before any hashing (429 past the hourly allowance).
    /// Without a known client address (no socket, e.g. the demo seeding) there is no limit.
    pub(crate) async fn reserve_sign_up(&self, client: &ClientInfo) -> Result<(), AppError> {
        let Some(ip) = &client.ip else {
            return Ok(());
        };
        if self.sign_ups_per_client_per_hour <= 0 {
            return Ok(());
        }
        let limit = Limit {
            key: format!("signup:ip:{ip}"),
            max: self.sign_ups_per_client_per_hour,
            window_ms: SIGN_UP_WINDOW_MS,
        };
        let _kept = self
            .reserve(
                &[limit],
                "Too many sign-ups from your network. Please try again in an hour.",
            )
            .await?;
        Ok(())
    }

    /// Counts one attempt against every limit, all or none: each counter is decided and
    /// incremented by one upsert (`... DO UPDATE ... WHERE attempts < max RETURNING`), which
    /// on PostgreSQL locks the counter row until commit and on SQLite runs under the write lock,
    /// so parallel attempts are counted one after the other and never all pass one check.
    /// Keys are always taken in the same order (e-mail, then client), so two attempts cannot
    /// wait for each other.
    pub(crate) async fn reserve(
        &self,
        limits: &[Limit],
        refusal: &str,
    ) -> Result<Reservation, AppError> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        let mut reserved = Vec::with_capacity(limits.len());
        for limit in limits {
            let window = sqlx::query_scalar::<_, i64>(
                "INSERT INTO rate_limits (limiter_key, window_start, attempts) VALUES ($1, $2, 1) \
                 ON CONFLICT (limiter_key) DO UPDATE SET \
                 window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
                     ELSE rate_limits.window_start END, \
                 attempts = CASE WHEN rate_limits.window_start <= $3 THEN 1 \
                     ELSE rate_limits.attempts + 1 END \
                 WHERE rate_limits.window_start <= $3 OR rate_limits.attempts < $4 \
                 RETURNING window_start",
            )
            .bind(&limit.key)
            .bind(now)
            .bind(now - limit.window_ms)
            .bind(limit.max)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
            match window {
                Some(window_start) => reserved.push((limit.key.clone(), window_start)),
                None => {
                    tx.rollback().await.map_err(internal)?;
                    return Err(AppError::TooManyRequests(refusal.into()));
                }
            }
        }
        tx.commit().await.map_err(internal)?;
        if rand::random::<u8>() < 4 {
            self.forget_old_limits(now).await;
        }
        Ok(Reservation(reserved))
    }

    /// Gives reserved attempts back (a log-in that succeeded), unless their window has
    /// started over since.
    pub(crate) async fn release(
        &self,
        tx: &mut Transaction<'static, Any>,
        reservation: Reservation,
    ) -> Result<(), AppError> {
        for (key, window_start) in reservation.0 {
            sqlx::query(
                "UPDATE rate_limits SET attempts = attempts - 1 \
                 WHERE limiter_key = $1 AND window_start = $2 AND attempts > 0",
            )
            .bind(key)
            .bind(window_start)
            .execute(&mut **tx)
            .await
            .map_err(internal)?;
        }
        Ok(())
    }

    /// [`Accounts::release`] in a transaction of its own.
    pub(crate) async fn release_now(&self, reservation: Reservation) -> Result<(), AppError> {
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        self.release(&mut tx, reservation).await?;
        tx.commit().await.map_err(internal)
    }

    /// Drops counters whose window ended long ago (now and then, not on every attempt).
    /// Best effort: a failure is logged and changes nothing for the request.
    async fn forget_old_limits(&self, now: i64) {
        let cutoff = now - 2 * SIGN_UP_WINDOW_MS.max(FAILURE_WINDOW_MS);
        // On PostgreSQL, rows another attempt holds are skipped rather than waited for.
        let sql = match self.db.engine {
            Engine::Postgres => {
                "DELETE FROM rate_limits WHERE limiter_key IN (SELECT limiter_key FROM \
                 rate_limits WHERE window_start < $1 LIMIT 1000 FOR UPDATE SKIP LOCKED)"
            }
            Engine::Sqlite => "DELETE FROM rate_limits WHERE window_start < $1",
        };
        if let Err(error) = sqlx::query(sql).bind(cutoff).execute(&self.db.pool).await {
            tracing::warn!(%error, "forgetting old rate-limit counters");
        }
    }

    /// The refresh token with this hash and its user, read on the pool (no write lock).
    async fn refresh_row(&self, token_hash: &str) -> Result<Option<RefreshRow>, AppError> {
        sqlx::query_as::<_, RefreshRow>(
            "SELECT t.id, t.user_id, u.email, t.family, t.expires_at, t.used_at, t.revoked_at \
             FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(internal)
    }

    /// Exchanges a refresh token for new tokens; a token used twice revokes its whole family.
    ///
    /// The token is looked up read-only first, so a bogus or dead cookie (every request of a
    /// stranger can carry one) never waits for or takes the platform database's write lock.
    /// The rotation itself is conditional (`used_at IS NULL`): of parallel refreshes with one
    /// token exactly one rotates it; the others get the grace-period answer.
    pub async fn refresh(&self, refresh_token: &str) -> Result<RefreshOutcome, AppError> {
        let now = now_ms();
        let token_hash = hash_refresh_token(refresh_token);
        let row = self
            .refresh_row(&token_hash)
            .await?
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
            return self.revoke_reused_family(&row, now).await;
        }
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        let claimed = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 \
             WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(row.id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?
        .rows_affected();
        if claimed != 1 {
            // A parallel request rotated (or a log-out revoked) it since the read.
            tx.rollback().await.map_err(internal)?;
            let now = now_ms();
            return match self.refresh_row(&token_hash).await? {
                Some(RefreshRow {
                    used_at: Some(used_at),
                    revoked_at: None,
                    ..
                }) if now - used_at < ROTATION_GRACE_MS => {
                    Ok(RefreshOutcome::AlreadyRotated { session })
                }
                _ => Err(session_expired()),
            };
        }
        let tokens = self
            .issue_tokens(&mut tx, row.user_id, &row.email, Some(&row.family), now)
            .await?;
        tx.commit().await.map_err(internal)?;
        Ok(RefreshOutcome::Rotated { session, tokens })
    }

    /// A rotated token presented again after the grace period: a copy is in someone else's
    /// hands, so the whole family ends.
    async fn revoke_reused_family(
        &self,
        row: &RefreshRow,
        now: i64,
    ) -> Result<RefreshOutcome, AppError> {
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
        )
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
        Err(session_expired())
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
    ) -> Result<SignUpReceipt, AppError> {
        let name = parse_person_name(&input.name)?;
        let email = Email::parse(&input.email)?;
        let password = NewPassword::parse("password", &input.password)?;
        let next_path = if is_same_origin_path(&input.next) {
            input.next.clone()
        } else {
            String::new()
        };
        self.reserve_sign_up(client).await?;
        // Hashed whether or not the address has an account, so the answer takes as long.
        let password_hash = self.passwords.hash(password.expose().to_string()).await?;
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        let detail = client.ip.clone().unwrap_or_default();
        audit(&mut *tx, None, None, "auth.sign_up_requested", &detail)
            .await
            .map_err(internal)?;
        let existing = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
        match existing {
            Some(_) => {
                sign_up_requests::note_existing_account(
                    &mut tx,
                    &self.mailer,
                    email.as_str(),
                    "Cartwright",
                    "/login",
                )
                .await
            }
            None => {
                let request = NewSignUp {
                    kind: SignUpKind::Merchant,
                    email: email.as_str(),
                    name: &name,
                    password_hash: &password_hash,
                    details: "",
                    next_path: &next_path,
                    place: "Cartwright",
                    confirm_path: "/signup/confirm",
                };
                sign_up_requests::record(&mut tx, &self.mailer, &request).await
            }
        }
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        self.mailer.wake();
        Ok(SignUpReceipt {
            email: email.as_str().into(),
        })
    }

    #[tracing::instrument(skip_all, err(level = "info"))]
    async fn confirm_sign_up(
        &self,
        token: &str,
        password: &str,
    ) -> Result<(AuthOutcome, String), AppError> {
        // Checked outside the write transaction: argon2 takes a while.
        let mut connection = self.db.pool.acquire().await.map_err(internal)?;
        let request =
            sign_up_requests::find_open(&mut connection, SignUpKind::Merchant, token).await?;
        drop(connection);
        sign_up_requests::check_password(&self.passwords, &request, password).await?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        if !sign_up_requests::mark_used(&mut tx, &request)
            .await
            .map_err(internal)?
        {
            return Err(sign_up_requests::already_used());
        }
        // Opening the link proves the address: the account starts verified.
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (email, name, password_hash, created_at, updated_at, email_verified_at) \
             VALUES ($1, $2, $3, $4, $4, $4) RETURNING id",
        )
        .bind(&request.email)
        .bind(&request.name)
        .bind(&request.password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let user_id = match inserted {
            Ok(id) => id,
            // Two sign-ups of one address, both confirmed: the first made the account.
            Err(error) if is_unique_violation(&error) => {
                return Err(AppError::Conflict(
                    "An account with this e-mail already exists: log in instead".into(),
                ))
            }
            Err(error) => return Err(internal(error)),
        };
        // Invitations to this address stay invitations: they are accepted by their own link
        // (shops::invitations).
        audit(
            &mut *tx,
            Some(user_id),
            None,
            "auth.signed_up",
            "confirmed by link",
        )
        .await
        .map_err(internal)?;
        let tokens = self
            .issue_tokens(&mut tx, user_id, &request.email, None, now)
            .await?;
        tx.commit().await.map_err(internal)?;
        let outcome = AuthOutcome {
            user: UserDto {
                id: user_id,
                email: request.email,
                name: request.name,
            },
            tokens,
        };
        Ok((outcome, request.next_path))
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
        let reservation = self.reserve_login(email_key, client_key).await?;
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
        let verified = match self
            .passwords
            .verify(password.to_string(), stored_hash)
            .await
        {
            Ok(verified) => verified,
            // Not checked (the server was busy): not a failure.
            Err(error) => {
                self.release_now(reservation).await?;
                return Err(error);
            }
        };
        let user = match user {
            Some(user) if verified => user,
            // The reservation stays: it is this failure's count.
            _ => return Err(invalid_credentials()),
        };
        let now = now_ms();
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        self.release(&mut tx, reservation).await?;
        let detail = client.ip.clone().unwrap_or_default();
        audit(&mut *tx, Some(user.id), None, "auth.logged_in", &detail)
            .await
            .map_err(internal)?;
        let tokens = self
            .issue_tokens(&mut tx, user.id, &user.email, None, now)
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

    async fn log_out(
        &self,
        session: Option<&Session>,
        refresh_token: Option<&str>,
    ) -> Result<(), AppError> {
        let token_hash = refresh_token.map(hash_refresh_token);
        // Read first: a log-out with an unknown token and no session writes nothing.
        let token_owner = match &token_hash {
            Some(hash) => self.refresh_row(hash).await?.map(|row| row.user_id),
            None => None,
        };
        let mut user_ids: Vec<i64> = session.map(|s| s.user_id).into_iter().collect();
        user_ids.extend(token_owner.filter(|owner| !user_ids.contains(owner)));
        if user_ids.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        // Tokens issued in this very millisecond end too.
        let valid_after = now + 1;
        let mut tx = self.db.begin_write().await.map_err(internal)?;
        if let (Some(hash), Some(_)) = (&token_hash, token_owner) {
            sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND family = \
                 (SELECT family FROM refresh_tokens WHERE token_hash = $2)",
            )
            .bind(now)
            .bind(hash)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        }
        Self::end_access_tokens(&mut tx, &user_ids, valid_after).await?;
        tx.commit().await.map_err(internal)?;
        self.cutoffs_committed(&user_ids, valid_after);
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
        if !self
            .passwords
            .verify(current_password.to_string(), user.password_hash.clone())
            .await?
        {
            return Err(AppError::invalid(
                "current_password",
                "is not your current password",
            ));
        }
        let new_password = NewPassword::parse("new_password", new_password)?;
        let new_hash = self
            .passwords
            .hash(new_password.expose().to_string())
            .await?;
        let now = now_ms();
        // Every access token issued up to now ends; the fresh one below is issued at the
        // cut-off itself, so it stays valid.
        let valid_after = now + 1;
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
        Self::end_access_tokens(&mut tx, &[user.id], valid_after).await?;
        audit(&mut *tx, Some(user.id), None, "auth.password_changed", "")
            .await
            .map_err(internal)?;
        let tokens = self
            .issue_tokens(&mut tx, user.id, &user.email, None, valid_after)
            .await?;
        tx.commit().await.map_err(internal)?;
        self.cutoffs_committed(&[user.id], valid_after);
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
