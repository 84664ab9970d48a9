//! The backend interfaces that server functions call, implemented once in the `server` crate and
//! shared with the JSON API so both apply the same rules and permission checks.

use crate::auth::model::{Session, SignUpInput, UserDto};
use crate::error::AppError;
use crate::orders::model::{
    BulkOutcome, NewOrderInput, OrderDetail, OrderPage, OrderQuery, TransitionInput,
};
use crate::products::model::{
    AdjustmentDto, AdjustmentInput, ImportStatus, InventoryLevel, ProductDetail, ProductInput,
    ProductPage, ProductQuery, VariantInput,
};
use crate::shops::model::{
    NewShopInput, ProvisioningStatus, ShopDetail, ShopOverview, ShopSummary, UpdateShopInput,
};
use async_trait::async_trait;
use leptos::prelude::*;
use std::sync::Arc;

/// A freshly issued access token and refresh token.
pub struct TokenPair {
    pub access_token: String,
    pub access_expires_in_secs: i64,
    pub refresh_token: String,
    pub refresh_expires_in_secs: i64,
}

pub struct AuthOutcome {
    pub user: UserDto,
    pub tokens: TokenPair,
}

/// Facts about the caller used for rate limiting and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
}

#[async_trait]
pub trait AccountService: Send + Sync + 'static {
    async fn sign_up(
        &self,
        input: SignUpInput,
        client: &ClientInfo,
    ) -> Result<AuthOutcome, AppError>;
    async fn log_in(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<AuthOutcome, AppError>;
    /// Revokes the refresh token (and so the session) if one is given.
    async fn log_out(&self, refresh_token: Option<&str>) -> Result<(), AppError>;
    async fn change_password(
        &self,
        session: &Session,
        current_password: &str,
        new_password: &str,
    ) -> Result<TokenPair, AppError>;
    async fn current_user(&self, session: &Session) -> Result<UserDto, AppError>;
    /// `Set-Cookie` values that carry the tokens to a browser.
    fn session_cookies(&self, tokens: &TokenPair) -> Vec<String>;
    /// `Set-Cookie` values that remove the session cookies.
    fn cleared_session_cookies(&self) -> Vec<String>;
}

#[async_trait]
pub trait ShopService: Send + Sync + 'static {
    async fn list_shops(&self, session: &Session) -> Result<Vec<ShopSummary>, AppError>;
    /// Registers the shop and starts provisioning; returns as soon as the registry row exists.
    async fn create_shop(
        &self,
        session: &Session,
        input: NewShopInput,
    ) -> Result<ShopSummary, AppError>;
    async fn provisioning_status(
        &self,
        session: &Session,
        slug: &str,
    ) -> Result<ProvisioningStatus, AppError>;
    async fn shop_detail(&self, session: &Session, slug: &str) -> Result<ShopDetail, AppError>;
    async fn update_shop(
        &self,
        session: &Session,
        slug: &str,
        input: UpdateShopInput,
    ) -> Result<ShopDetail, AppError>;
    async fn set_suspended(
        &self,
        session: &Session,
        slug: &str,
        suspended: bool,
    ) -> Result<ShopDetail, AppError>;
    async fn add_domain(
        &self,
        session: &Session,
        slug: &str,
        hostname: &str,
    ) -> Result<ShopDetail, AppError>;
    async fn remove_domain(
        &self,
        session: &Session,
        slug: &str,
        hostname: &str,
    ) -> Result<ShopDetail, AppError>;
    async fn invite_member(
        &self,
        session: &Session,
        slug: &str,
        email: &str,
    ) -> Result<ShopDetail, AppError>;
    async fn remove_member(
        &self,
        session: &Session,
        slug: &str,
        email: &str,
    ) -> Result<ShopDetail, AppError>;
    async fn overview(&self, session: &Session, slug: &str) -> Result<ShopOverview, AppError>;
}

/// The catalog of one shop: every call checks the caller's membership of `slug` first.
#[async_trait]
pub trait CatalogService: Send + Sync + 'static {
    async fn list_products(
        &self,
        session: &Session,
        slug: &str,
        query: ProductQuery,
    ) -> Result<ProductPage, AppError>;
    async fn product(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
    ) -> Result<ProductDetail, AppError>;
    /// Creates a product with its variants (at least one) in one transaction.
    async fn create_product(
        &self,
        session: &Session,
        slug: &str,
        product: ProductInput,
        variants: Vec<VariantInput>,
    ) -> Result<ProductDetail, AppError>;
    async fn update_product(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        expected_version: i64,
        product: ProductInput,
    ) -> Result<ProductDetail, AppError>;
    async fn add_variant(
        &self,
        session: &Session,
        slug: &str,
        product_id: i64,
        variant: VariantInput,
    ) -> Result<ProductDetail, AppError>;
    /// Changes a variant's fields; stock changes go through `adjust_inventory`.
    async fn update_variant(
        &self,
        session: &Session,
        slug: &str,
        variant_id: i64,
        variant: VariantInput,
    ) -> Result<ProductDetail, AppError>;
    /// Inventory levels, optionally only SKUs starting with `sku_prefix`.
    async fn inventory(
        &self,
        session: &Session,
        slug: &str,
        sku_prefix: &str,
    ) -> Result<Vec<InventoryLevel>, AppError>;
    async fn adjust_inventory(
        &self,
        session: &Session,
        slug: &str,
        input: AdjustmentInput,
    ) -> Result<InventoryLevel, AppError>;
    async fn inventory_history(
        &self,
        session: &Session,
        slug: &str,
        variant_id: i64,
    ) -> Result<Vec<AdjustmentDto>, AppError>;
    async fn import_status(
        &self,
        session: &Session,
        slug: &str,
        import_id: i64,
    ) -> Result<ImportStatus, AppError>;
}

/// The orders of one shop: every call checks the caller's membership of `slug` first.
#[async_trait]
pub trait OrderService: Send + Sync + 'static {
    async fn list_orders(
        &self,
        session: &Session,
        slug: &str,
        query: OrderQuery,
    ) -> Result<OrderPage, AppError>;
    async fn order(&self, session: &Session, slug: &str, id: i64) -> Result<OrderDetail, AppError>;
    /// Places an order, reserving stock for every line (all or nothing).
    async fn create_order(
        &self,
        session: &Session,
        slug: &str,
        input: NewOrderInput,
    ) -> Result<OrderDetail, AppError>;
    async fn transition(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        input: TransitionInput,
    ) -> Result<OrderDetail, AppError>;
    /// Applies `approve`, `cancel` or `mark_paid` to each order; each succeeds or fails alone.
    async fn bulk_transition(
        &self,
        session: &Session,
        slug: &str,
        ids: Vec<i64>,
        action: &str,
    ) -> Result<Vec<BulkOutcome>, AppError>;
    /// Ships everything left on each listed order (`number, carrier, tracking[, url]` lines).
    async fn bulk_ship(
        &self,
        session: &Session,
        slug: &str,
        tracking_list: &str,
    ) -> Result<Vec<BulkOutcome>, AppError>;
}

/// The service implementations, provided once as Leptos context by the server.
#[derive(Clone)]
pub struct Services {
    pub accounts: Arc<dyn AccountService>,
    pub shops: Arc<dyn ShopService>,
    pub catalog: Arc<dyn CatalogService>,
    pub orders: Arc<dyn OrderService>,
}

pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from the Leptos context");
        AppError::Internal
    })
}

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The merchant session the server established for this request, or 401.
pub fn current_session() -> Result<Session, AppError> {
    request_parts()
        .and_then(|parts| parts.extensions.get::<Session>().cloned())
        .ok_or_else(AppError::unauthenticated)
}

pub fn client_info() -> ClientInfo {
    ClientInfo {
        ip: request_parts().and_then(|parts| parts.extensions.get::<ClientInfo>().cloned()?.ip),
    }
}

/// The value of cookie `name` in request headers (empty values count as absent).
pub fn cookie_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The value of cookie `name` in the current request.
pub fn cookie(name: &str) -> Option<String> {
    cookie_in(&request_parts()?.headers, name)
}

pub fn append_set_cookies(cookies: Vec<String>) {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    for cookie in cookies {
        if let Ok(value) = http::HeaderValue::from_str(&cookie) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
}

/// Passes a result through, giving the HTTP response the error's status code.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(error.status_code()) {
                response.set_status(status);
            }
        }
    }
    result
}

/// Only same-site relative paths are followed after log-in, never another origin.
pub fn safe_next_path(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/shops".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next_path;

    #[test]
    fn next_path_after_login_never_leaves_the_site() {
        assert_eq!(safe_next_path(Some("/shops/a")), "/shops/a");
        assert_eq!(safe_next_path(Some("//evil.example")), "/shops");
        assert_eq!(safe_next_path(Some("https://evil.example")), "/shops");
        assert_eq!(safe_next_path(Some("/\\evil.example")), "/shops");
        assert_eq!(safe_next_path(None), "/shops");
    }
}
