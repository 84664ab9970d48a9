//! Sign-up by link, for merchants and shop customers alike. Typing an address proves nothing, so
//! a sign-up only records a request (with the password already hashed) and mails a one-time link
//! to the address; the account is created when the link is opened. An address that already has
//! an account gets a note saying so instead. Both answer the same to the caller, so sign-up
//! reveals no accounts.
//!
//! The request and its mail are written in one transaction of the platform database; the link
//! carries 256 random bits of which only a SHA-256 is kept.

use super::verification::{hash_link_token, new_link_token, VERIFICATION_TTL_MS};
use crate::db::now_ms;
use crate::mail::{templates, Mail, Mailer};
use app::error::AppError;
use sqlx::AnyConnection;

/// At most this many confirmation mails go to one address per hour, whoever asks; further
/// sign-ups are answered the same but mail nothing, so sign-up cannot flood someone's inbox.
pub const MAILS_PER_ADDRESS_PER_HOUR: i64 = 5;

const HOUR_MS: i64 = 3_600_000;

/// Whose account a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpKind {
    Merchant,
    /// A customer login in the shop with this id.
    Customer {
        shop_id: i64,
    },
}

impl SignUpKind {
    fn as_str(self) -> &'static str {
        match self {
            SignUpKind::Merchant => "merchant",
            SignUpKind::Customer { .. } => "customer",
        }
    }

    fn shop_id(self) -> Option<i64> {
        match self {
            SignUpKind::Merchant => None,
            SignUpKind::Customer { shop_id } => Some(shop_id),
        }
    }
}

/// What a sign-up asked for, as the confirmation link finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignUpRequest {
    pub token_hash: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    /// The customer's account type and company, as JSON (empty for merchants).
    pub details: String,
    pub next_path: String,
}

/// One sign-up to record: the link leads to `confirm_path?token=…`.
pub struct NewSignUp<'a> {
    pub kind: SignUpKind,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub details: &'a str,
    pub next_path: &'a str,
    /// Where the account is made: "Cartwright" or the shop (for the mail's wording).
    pub place: &'a str,
    pub confirm_path: &'a str,
}

/// Records `sign_up` and queues its confirmation mail inside the caller's transaction (call
/// `mailer.wake()` after the commit). Past [`MAILS_PER_ADDRESS_PER_HOUR`] it records nothing.
pub async fn record(
    connection: &mut AnyConnection,
    mailer: &Mailer,
    sign_up: &NewSignUp<'_>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    if recent_mails(connection, sign_up.email, now).await? >= MAILS_PER_ADDRESS_PER_HOUR {
        tracing::info!("sign-up mail limit of an address reached; nothing sent");
        return Ok(());
    }
    let token = new_link_token();
    sqlx::query(
        "INSERT INTO sign_up_requests (token_hash, kind, shop_id, email, name, password_hash, \
         details, next_path, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(hash_link_token(&token))
    .bind(sign_up.kind.as_str())
    .bind(sign_up.kind.shop_id())
    .bind(sign_up.email)
    .bind(sign_up.name)
    .bind(sign_up.password_hash)
    .bind(sign_up.details)
    .bind(sign_up.next_path)
    .bind(now + VERIFICATION_TTL_MS)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    let link = mailer.link(&format!("{}?token={token}", sign_up.confirm_path));
    let mail = templates::sign_up_confirmation(
        sign_up.email,
        sign_up.name,
        sign_up.place,
        &link,
        VERIFICATION_TTL_MS / HOUR_MS,
    );
    mailer.enqueue(&mut *connection, &mail).await
}

/// Queues the note for an address that already has an account (same limit as [`record`]: the
/// note counts as one of the address's sign-up mails).
pub async fn note_existing_account(
    connection: &mut AnyConnection,
    mailer: &Mailer,
    email: &str,
    place: &str,
    log_in_path: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    if recent_mails(connection, email, now).await? >= MAILS_PER_ADDRESS_PER_HOUR {
        return Ok(());
    }
    // A used, expired row counts the note against the address's hourly limit.
    sqlx::query(
        "INSERT INTO sign_up_requests (token_hash, kind, email, name, password_hash, expires_at, \
         used_at, created_at) VALUES ($1, 'note', $2, '', '', $3, $3, $3)",
    )
    .bind(hash_link_token(&new_link_token()))
    .bind(email)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    let mail: Mail = templates::already_registered(email, place, &mailer.link(log_in_path));
    mailer.enqueue(&mut *connection, &mail).await
}

async fn recent_mails(
    connection: &mut AnyConnection,
    email: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM sign_up_requests WHERE email = $1 AND created_at > $2",
    )
    .bind(email)
    .bind(now - HOUR_MS)
    .fetch_one(&mut *connection)
    .await
}

/// 409 for a sign-up link opened after it made its account.
pub fn already_used() -> AppError {
    AppError::Conflict(
        "This sign-up link was already used: log in with the address and password you chose."
            .into(),
    )
}

fn invalid_link() -> AppError {
    AppError::NotFound(
        "This sign-up link is not valid. Open the newest link we sent you, or sign up again."
            .into(),
    )
}

/// The open request behind `token` for `kind`: 404 for an unknown link (or one of another
/// shop), 409 for a used or expired one.
pub async fn find_open(
    connection: &mut AnyConnection,
    kind: SignUpKind,
    token: &str,
) -> Result<SignUpRequest, AppError> {
    // A real token is 43 characters; anything far off is not worth a query.
    if token.is_empty() || token.len() > 100 {
        return Err(invalid_link());
    }
    let row = sqlx::query_as::<
        _,
        (
            String,
            String,
            String,
            String,
            String,
            String,
            Option<i64>,
            i64,
            Option<i64>,
        ),
    >(
        "SELECT token_hash, email, name, password_hash, details, next_path, shop_id, expires_at, \
         used_at FROM sign_up_requests WHERE token_hash = $1 AND kind = $2",
    )
    .bind(hash_link_token(token))
    .bind(kind.as_str())
    .fetch_optional(&mut *connection)
    .await
    .map_err(crate::error::internal)?
    .ok_or_else(invalid_link)?;
    let (token_hash, email, name, password_hash, details, next_path, shop_id, expires_at, used_at) =
        row;
    if shop_id != kind.shop_id() {
        return Err(invalid_link());
    }
    if used_at.is_some() {
        return Err(already_used());
    }
    if expires_at <= now_ms() {
        return Err(AppError::Conflict(
            "This sign-up link has expired: sign up again to get a new one.".into(),
        ));
    }
    Ok(SignUpRequest {
        token_hash,
        email,
        name,
        password_hash,
        details,
        next_path,
    })
}

/// Checks that `password` is the one chosen at sign-up (400 naming `password` otherwise).
pub async fn check_password(
    passwords: &super::passwords::PasswordWork,
    request: &SignUpRequest,
    password: &str,
) -> Result<(), AppError> {
    if password.is_empty() || password.len() > 1024 {
        return Err(wrong_password());
    }
    if passwords
        .verify(password.to_string(), request.password_hash.clone())
        .await?
    {
        Ok(())
    } else {
        Err(wrong_password())
    }
}

fn wrong_password() -> AppError {
    AppError::invalid(
        "password",
        "This is not the password you chose when signing up. If you did not sign up yourself, ignore the mail: no account is made.",
    )
}

/// Marks the request used; `false` when another opening of the same link marked it first.
pub async fn mark_used(
    connection: &mut AnyConnection,
    request: &SignUpRequest,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE sign_up_requests SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(now_ms())
    .bind(&request.token_hash)
    .execute(&mut *connection)
    .await?;
    Ok(result.rows_affected() == 1)
}
