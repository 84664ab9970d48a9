//! Shops (tenants): creation and provisioning, settings, domains and team.

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
