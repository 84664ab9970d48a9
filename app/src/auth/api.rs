//! Server functions for merchant accounts. Thin: read the request, call `AccountService`.

use super::model::UserDto;
use crate::error::AppError;
use leptos::prelude::*;

/// Records a sign-up; the account is made when the link mailed to the address is opened
/// ([`confirm_sign_up`]). Answers the same whether or not the address has an account.
#[server(prefix = "/sfn", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<super::model::SignUpReceipt, AppError> {
    use crate::auth::model::SignUpInput;
    use crate::services::*;
    respond(
        async {
            let services = services()?;
            let input = SignUpInput {
                name,
                email,
                password,
                next: next.unwrap_or_default(),
            };
            services.accounts.sign_up(input, &client_info()).await
        }
        .await,
    )
}

/// Opens a sign-up link (`/signup/confirm?token=…`, by its button: a mail scanner fetching the
/// link creates nothing): makes the account, logs it in, and continues where the sign-up
/// started (an invitation link) or to the shops.
#[server(prefix = "/sfn", endpoint = "confirm_sign_up")]
pub async fn confirm_sign_up(token: String, password: String) -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let services = services()?;
            let (outcome, next) = services.accounts.confirm_sign_up(&token, &password).await?;
            append_set_cookies(services.accounts.session_cookies(&outcome.tokens));
            redirect(&safe_next_path(Some(next.as_str())))?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "log_in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let services = services()?;
            let outcome = services
                .accounts
                .log_in(&email, &password, &client_info())
                .await?;
            append_set_cookies(services.accounts.session_cookies(&outcome.tokens));
            redirect(&safe_next_path(next.as_deref()))?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let services = services()?;
            let session = current_session().ok();
            let refresh = cookie(crate::REFRESH_COOKIE);
            services
                .accounts
                .log_out(session.as_ref(), refresh.as_deref())
                .await?;
            append_set_cookies(services.accounts.cleared_session_cookies());
            redirect("/login")?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            let services = services()?;
            let tokens = services
                .accounts
                .change_password(&session, &current_password, &new_password)
                .await?;
            // Every other session was revoked; this browser continues with fresh tokens.
            append_set_cookies(services.accounts.session_cookies(&tokens));
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "current_user")]
pub async fn current_user() -> Result<UserDto, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.accounts.current_user(&session).await
        }
        .await,
    )
}

/// The signed-in merchant's email from the verified session token, without a database read:
/// the page frame shows it on every page.
#[server(prefix = "/sfn", endpoint = "session_email")]
pub async fn session_email() -> Result<String, AppError> {
    use crate::services::*;
    respond(current_session().map(|session| session.email))
}

/// The signed-in merchant's account and whether its e-mail address is verified.
#[server(prefix = "/sfn", endpoint = "account_status")]
pub async fn account_status() -> Result<super::model::AccountDto, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.accounts.account(&session).await
        }
        .await,
    )
}

/// Opens a verification link (`/verify-email?token=…`); returns the verified address.
#[server(prefix = "/sfn", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<String, AppError> {
    use crate::services::*;
    respond(
        async {
            let services = services()?;
            services.accounts.verify_email(&token).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.accounts.resend_verification(&session).await
        }
        .await,
    )
}
