//! Merchant accounts: sign-up, log-in, log-out, password change.

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
