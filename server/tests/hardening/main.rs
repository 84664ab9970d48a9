//! Issue 14's hardening tests: each finding of the security review has a test here that failed
//! before its fix. Races are fired concurrently on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod domains;
mod limits;
mod mail;
mod once;
mod races;
mod routes;
mod sign_up;
