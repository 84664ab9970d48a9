//! Issue 14's hardening tests: each finding of the security review has a test here that failed
//! before its fix. Races are fired concurrently on SQLite and on PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod limits;
mod mail;
mod races;
