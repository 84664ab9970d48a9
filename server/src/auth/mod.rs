//! Merchant identity: password hashing, tokens, the account service and request sessions.

pub mod cutoffs;
pub mod middleware;
pub mod passwords;
pub mod service;
pub mod sign_up_requests;
pub mod tokens;
pub mod verification;
