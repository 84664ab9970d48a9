//! A shop's customer portal at `/s/<slug>/…` (and at the shop's own hosts, which redirect
//! there): sign-up and log-in, the catalog, and for verified businesses quotes and bulk orders.

pub mod api;
pub mod model;
pub mod pages;

/// The cookie holding a customer's session token for shop `slug`.
pub fn customer_cookie_name(slug: &str) -> String {
    format!("cw_c_{slug}")
}
