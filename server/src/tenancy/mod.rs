//! Tenancy: the shop registry, where each shop's database lives, lazily opened per-shop pools,
//! provisioning, and resolution of a request's host to a shop.

pub mod memberships;
pub mod page_turns;
pub mod placement;
pub mod pools;
pub mod provisioning;
pub mod registry;
pub mod resolver;
