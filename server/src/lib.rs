//! Cartwright's server: configuration, startup, tenancy, data access, authentication, the JSON
//! API and the services behind the dashboard's server functions.

#![recursion_limit = "512"]

pub mod access;
pub mod api;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod db;
pub mod demo;
pub mod dns;
pub mod error;
pub mod idempotency;
pub mod machine;
pub mod mail;
pub mod orders;
pub mod portal;
pub mod serve;
pub mod shops;
pub mod sql;
pub mod startup;
pub mod state;
pub mod tenancy;
