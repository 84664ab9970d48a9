//! A shop's customer portal at `/s/<slug>/…` (and at the shop's own hosts, which redirect
//! there): sign-up and log-in, the catalog, and for verified businesses quotes and bulk orders.

pub mod api;
pub mod model;
pub mod pages;

/// The start of every shop's customer session cookie name.
pub const CUSTOMER_COOKIE_PREFIX: &str = "cw_c_";

/// The cookie holding a customer's session token for shop `slug`.
pub fn customer_cookie_name(slug: &str) -> String {
    format!("{CUSTOMER_COOKIE_PREFIX}{slug}")
}
