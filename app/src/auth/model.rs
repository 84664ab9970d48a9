//! Types exchanged about merchant users and their sessions.

use serde::{Deserialize, Serialize};

/// The merchant user a request acts for, established on the server from a verified token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user_id: i64,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDto {
    pub id: i64,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignUpInput {
    pub name: String,
    pub email: String,
    pub password: String,
    /// Where the confirmation link leads after the account is made (an invitation link);
    /// checked to be a same-origin path.
    #[serde(default)]
    pub next: String,
}

/// What sign-up answers, whether or not the address already has an account: the rest goes by
/// mail (a confirmation link, or a note that the address has an account), so sign-up reveals
/// no accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpReceipt {
    /// The address the mail went to, as it was understood (trimmed, lower-case).
    pub email: String,
}

/// The signed-in merchant's account as the account page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDto {
    pub email: String,
    pub name: String,
    /// Whether the merchant opened the verification link sent to `email`.
    pub email_verified: bool,
}
