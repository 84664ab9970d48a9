//! Hardening tests: each finding of issue 14's security review has a test here that failed
//! before its fix, and issue 15's safety of daily work (one effect per intent, payment apart
//! from fulfilment) is checked here too. Races are fired concurrently on SQLite and on
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod confirmations;
mod domains;
mod limits;
mod mail;
mod once;
mod payment_terms;
mod races;
mod routes;
mod sign_up;
