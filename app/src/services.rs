//! The backend interfaces that server functions call, implemented once in the `server` crate and
//! shared with the JSON API so both apply the same rules and permission checks.

use crate::auth::model::{AccountDto, Session, SignUpInput, SignUpReceipt, UserDto};
use crate::bulk::rules::BulkCheck;
use crate::customers::model::{
    CompanyAccount, CustomerDetail, CustomerProfile, CustomerQuery, CustomerRow,
    CustomerSignUpInput, InvitationDto, PortalSession, PriceListDto, VerificationInput,
};
use crate::error::AppError;
use crate::orders::model::{
    BulkOutcome, NewOrderInput, OrderDetail, OrderPage, OrderQuery, TransitionInput,
};
pub use crate::portal::model::{
    BulkSubmission, CartView, PlacedOrder, PortalCatalog, PortalContext, PortalVariant,
    VariantTermsDto, VariantTermsInput,
};
use crate::products::model::{
    AdjustmentDto, AdjustmentInput, ImportStatus, InventoryLevel, ProductDetail, ProductInput,
    ProductPage, ProductQuery, VariantInput,
};
use crate::quotes::model::{QuoteAnswerInput, QuoteDetail, QuoteRequestInput, QuoteRow};
use crate::shops::model::{
    InvitationView, NewShopInput, ProvisioningStatus, ShopDetail, ShopOverview, ShopSummary,
    UpdateShopInput,
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
    /// Records a sign-up and mails its confirmation link (or, for an address that has an
    /// account, a note saying so); answers the same either way.
    async fn sign_up(
        &self,
        input: SignUpInput,
        client: &ClientInfo,
    ) -> Result<SignUpReceipt, AppError>;
    /// Opens a sign-up confirmation link with the password chosen at sign-up (so that whoever
    /// typed someone else's address cannot have its owner confirm an account whose password
    /// they know): creates the account (its address is proven) and starts a session. Also
    /// returns the path the sign-up asked to continue to.
    async fn confirm_sign_up(
        &self,
        token: &str,
        password: &str,
    ) -> Result<(AuthOutcome, String), AppError>;
    async fn log_in(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<AuthOutcome, AppError>;
    /// Ends the caller's access tokens (those of the session's user and of the refresh token's
    /// user, issued up to now) and revokes the refresh token's family, if one is given.
    async fn log_out(
        &self,
        session: Option<&Session>,
        refresh_token: Option<&str>,
    ) -> Result<(), AppError>;
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
    // Proof of e-mail (issue 14).
    /// The account with its verification state.
    async fn account(&self, session: &Session) -> Result<AccountDto, AppError>;
    /// Opens a verification link: marks its address verified and returns it. A used, expired
    /// or unknown link is refused with a message saying which.
    async fn verify_email(&self, token: &str) -> Result<String, AppError>;
    /// Sends a fresh verification link (the older ones stop working).
    async fn resend_verification(&self, session: &Session) -> Result<(), AppError>;
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
    /// Looks up the domain's `_cartwright-verify` TXT record and, if it holds the domain's
    /// token, marks the domain verified: from then on it serves the shop.
    async fn verify_domain(
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
    // Staff invitations by link (issue 14).
    /// Owners only: the invitation to `email` stops working.
    async fn revoke_invitation(
        &self,
        session: &Session,
        slug: &str,
        email: &str,
    ) -> Result<ShopDetail, AppError>;
    /// The invitation behind a link, for the logged-in user it was sent to (403 for anyone
    /// else, 404 for a link that was revoked, used or never existed, 409 once expired).
    async fn invitation(&self, session: &Session, token: &str) -> Result<InvitationView, AppError>;
    /// Turns the invitation into a membership, if the caller's verified e-mail is the invited one.
    async fn accept_invitation(
        &self,
        session: &Session,
        token: &str,
    ) -> Result<ShopSummary, AppError>;
}

/// The catalog of one shop: every call checks the caller's membership of `slug` first.
#[async_trait]
pub trait CatalogService: Send + Sync + 'static {
    /// Up to 20 sellable variants (not archived) whose SKU starts with, or whose product title
    /// contains, `search` (without case), for choosing items of a new order.
    async fn search_variants(
        &self,
        session: &Session,
        slug: &str,
        search: &str,
    ) -> Result<Vec<crate::products::model::VariantChoice>, AppError>;
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
    /// A variant of `product_id` with its stock history (another product's variant is not found).
    async fn stock_history(
        &self,
        session: &Session,
        slug: &str,
        product_id: i64,
        variant_id: i64,
    ) -> Result<crate::products::model::StockHistory, AppError>;
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

/// A caller of a shop's customer portal: the shop and the customer token they hold (if any).
#[derive(Debug, Clone)]
pub struct PortalCaller {
    pub slug: String,
    pub token: Option<String>,
}

/// The customer side of a shop: accounts, catalog, quotes and bulk orders. Every call resolves
/// the shop from `caller.slug` and checks the token's audience; business operations check that
/// the caller is a verified business of this shop (`require_verified_business`).
#[async_trait]
pub trait PortalService: Send + Sync + 'static {
    /// Records a customer sign-up and mails its confirmation link (or a note that the address
    /// has an account at this shop); answers the same either way.
    async fn sign_up(
        &self,
        slug: &str,
        input: CustomerSignUpInput,
        client: &ClientInfo,
    ) -> Result<SignUpReceipt, AppError>;
    /// Opens a customer sign-up confirmation link of shop `slug`: creates the login (or attaches
    /// it to the customer row the shop already has for that address, now that the address is
    /// proven) and starts a session.
    async fn confirm_sign_up(
        &self,
        slug: &str,
        token: &str,
        password: &str,
    ) -> Result<PortalSession, AppError>;
    async fn log_in(
        &self,
        slug: &str,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<PortalSession, AppError>;
    /// Ends every session of the customer (tokens issued before now are refused).
    async fn log_out(&self, caller: &PortalCaller) -> Result<(), AppError>;
    /// The `Set-Cookie` value carrying a customer token of shop `slug` (none: removes it).
    fn session_cookie(&self, slug: &str, session: Option<&PortalSession>) -> String;
    async fn me(&self, caller: &PortalCaller) -> Result<CustomerProfile, AppError>;
    /// The shop and the customer, if the caller is logged in to this shop (public).
    async fn context(&self, caller: &PortalCaller) -> Result<PortalContext, AppError>;
    /// The caller's profile if they may use the business features (401/403 otherwise).
    async fn business_profile(&self, caller: &PortalCaller) -> Result<CustomerProfile, AppError>;
    /// The shop's active catalog at the caller's prices (public).
    async fn catalog(&self, caller: &PortalCaller, search: &str)
        -> Result<PortalCatalog, AppError>;
    async fn my_orders(&self, caller: &PortalCaller) -> Result<OrderPage, AppError>;
    /// One of the caller's own orders; another customer's is not found.
    async fn my_order(
        &self,
        caller: &PortalCaller,
        order_id: i64,
    ) -> Result<crate::portal::model::PortalOrder, AppError>;
    /// `SKU, quantity` lines of a past order of the caller's company, for a new bulk order.
    async fn reorder_lines(&self, caller: &PortalCaller, order_id: i64)
        -> Result<String, AppError>;
    async fn request_quote(
        &self,
        caller: &PortalCaller,
        input: QuoteRequestInput,
    ) -> Result<QuoteDetail, AppError>;
    async fn my_quotes(&self, caller: &PortalCaller) -> Result<Vec<QuoteRow>, AppError>;
    async fn my_quote(&self, caller: &PortalCaller, id: i64) -> Result<QuoteDetail, AppError>;
    /// Accepts the current offer: one order at the quoted prices, once.
    async fn accept_quote(
        &self,
        caller: &PortalCaller,
        id: i64,
        expected_version: i64,
    ) -> Result<QuoteDetail, AppError>;
    async fn decline_quote(
        &self,
        caller: &PortalCaller,
        id: i64,
        expected_version: i64,
    ) -> Result<QuoteDetail, AppError>;
    async fn customer_quote_message(
        &self,
        caller: &PortalCaller,
        id: i64,
        body: &str,
    ) -> Result<QuoteDetail, AppError>;
    /// Checks and prices every line without placing anything.
    async fn check_bulk_order(
        &self,
        caller: &PortalCaller,
        lines: &str,
    ) -> Result<BulkCheck, AppError>;
    /// Places one order (invoice, pay later) if every line is orderable (else 400 naming the
    /// lines); a buyer's order over their spending limit waits for the company admin instead.
    async fn submit_bulk_order(
        &self,
        caller: &PortalCaller,
        lines: &str,
        notes: &str,
    ) -> Result<BulkSubmission, AppError>;
    /// The logged-in customer's cart at their prices.
    async fn cart(&self, caller: &PortalCaller) -> Result<CartView, AppError>;
    /// Adds `quantity` of a SKU (`add`), or sets its quantity (0 removes it).
    async fn change_cart(
        &self,
        caller: &PortalCaller,
        sku: &str,
        quantity: &str,
        add: bool,
    ) -> Result<CartView, AppError>;
    /// Places the cart as one order (invoice, pay later); businesses use the company address.
    async fn checkout(
        &self,
        caller: &PortalCaller,
        shipping_address: crate::orders::model::Address,
        notes: &str,
    ) -> Result<BulkSubmission, AppError>;
    /// The company account (members, limits, orders waiting for approval): company admins only.
    async fn company_account(&self, caller: &PortalCaller) -> Result<CompanyAccount, AppError>;
    async fn invite_buyer(
        &self,
        caller: &PortalCaller,
        email: &str,
        name: &str,
    ) -> Result<InvitationDto, AppError>;
    /// An invited buyer sets name and password; the invitation works once.
    async fn accept_invitation(
        &self,
        slug: &str,
        token: &str,
        name: &str,
        password: &str,
    ) -> Result<PortalSession, AppError>;
    /// `limit` is a decimal amount or empty for none, per `period`.
    async fn set_buyer_limit(
        &self,
        caller: &PortalCaller,
        buyer_id: i64,
        limit: &str,
        period: crate::customers::rules::LimitPeriod,
    ) -> Result<CompanyAccount, AppError>;
    async fn decide_company_order(
        &self,
        caller: &PortalCaller,
        approval_id: i64,
        approve: bool,
    ) -> Result<CompanyAccount, AppError>;
}

/// The merchant side of customers and quotes: every call checks the caller's membership first.
#[async_trait]
pub trait CustomerService: Send + Sync + 'static {
    async fn list_customers(
        &self,
        session: &Session,
        slug: &str,
        query: CustomerQuery,
    ) -> Result<Vec<CustomerRow>, AppError>;
    async fn customer(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
    ) -> Result<CustomerDetail, AppError>;
    /// Verifies or rejects the company of customer `id`.
    async fn decide_verification(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        input: VerificationInput,
    ) -> Result<CustomerDetail, AppError>;
    async fn list_quotes(
        &self,
        session: &Session,
        slug: &str,
        status: &str,
    ) -> Result<Vec<QuoteRow>, AppError>;
    async fn quote(&self, session: &Session, slug: &str, id: i64) -> Result<QuoteDetail, AppError>;
    /// Sends prices (the first answer or a revision: a new version).
    async fn answer_quote(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        input: QuoteAnswerInput,
    ) -> Result<QuoteDetail, AppError>;
    async fn merchant_quote_message(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        body: &str,
    ) -> Result<QuoteDetail, AppError>;
    /// Creates or replaces price list `name` from `SKU, price` lines (every line checked first).
    async fn save_price_list(
        &self,
        session: &Session,
        slug: &str,
        name: &str,
        lines: &str,
    ) -> Result<PriceListDto, AppError>;
    /// Assigns price list `name` (empty: none) to the company of customer `id`.
    async fn assign_price_list(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        name: &str,
    ) -> Result<CustomerDetail, AppError>;
    /// Sets the payment terms of the company of customer `id` (owners only): the terms its next
    /// portal orders are placed on.
    async fn set_payment_terms(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        terms: &str,
    ) -> Result<CustomerDetail, AppError>;
    /// The business terms of every variant of a product.
    async fn variant_terms(
        &self,
        session: &Session,
        slug: &str,
        product_id: i64,
    ) -> Result<Vec<VariantTermsDto>, AppError>;
    /// Sets a variant's minimum order quantity, pack size and volume price breaks.
    async fn set_variant_terms(
        &self,
        session: &Session,
        slug: &str,
        variant_id: i64,
        input: VariantTermsInput,
    ) -> Result<PortalVariant, AppError>;
}

/// The service implementations, provided once as Leptos context by the server.
#[derive(Clone)]
pub struct Services {
    pub accounts: Arc<dyn AccountService>,
    pub shops: Arc<dyn ShopService>,
    pub catalog: Arc<dyn CatalogService>,
    pub orders: Arc<dyn OrderService>,
    pub portal: Arc<dyn PortalService>,
    pub customers: Arc<dyn CustomerService>,
}

pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from the Leptos context");
        AppError::Internal
    })
}

/// Reads the current request's head in place: `use_context` would clone its headers and
/// extensions on every call, several times per page.
fn with_request_parts<R>(read: impl FnOnce(&http::request::Parts) -> R) -> Option<R> {
    with_context::<http::request::Parts, R>(read)
}

/// The merchant session the server established for this request, or 401.
pub fn current_session() -> Result<Session, AppError> {
    with_request_parts(|parts| parts.extensions.get::<Session>().cloned())
        .flatten()
        .ok_or_else(AppError::unauthenticated)
}

pub fn client_info() -> ClientInfo {
    ClientInfo {
        ip: with_request_parts(|parts| parts.extensions.get::<ClientInfo>()?.ip.clone()).flatten(),
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

/// The caller of a portal server function: the shop and the customer cookie of that shop. The
/// slug comes from the client and ends up in cookie names and redirects, so it is checked here,
/// at the edge: anything that is not a well-formed slug is a shop that does not exist (404).
pub fn portal_caller(slug: &str) -> Result<PortalCaller, AppError> {
    let slug = checked_slug(slug)?;
    Ok(PortalCaller {
        token: cookie(&crate::portal::customer_cookie_name(&slug)),
        slug,
    })
}

/// A shop slug sent by a client, exactly as a shop could have it; anything else is 404.
pub fn checked_slug(raw: &str) -> Result<String, AppError> {
    match crate::shops::rules::Slug::parse(raw) {
        Ok(slug) if slug.as_str() == raw => Ok(raw.to_string()),
        _ => Err(AppError::NotFound("Shop not found".into())),
    }
}

/// Sends the browser on to `path` after a form post (a 302 for a plain form, the
/// server-function redirect header for the hydrated client). `leptos_axum::redirect` panics on
/// a value that cannot be a header; a target that is not a plain path of this site is refused
/// with a 400 instead.
pub fn redirect(path: &str) -> Result<(), AppError> {
    if !is_same_origin_path(path) || http::HeaderValue::from_str(path).is_err() {
        tracing::warn!(
            path,
            "refused a redirect to something that is not a page of this site"
        );
        return Err(AppError::invalid("next", "is not a page of this site"));
    }
    leptos_axum::redirect(path);
    Ok(())
}

/// The value of cookie `name` in the current request.
pub fn cookie(name: &str) -> Option<String> {
    with_request_parts(|parts| cookie_in(&parts.headers, name)).flatten()
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
        Some(path) if is_same_origin_path(path) => path.to_string(),
        _ => "/shops".to_string(),
    }
}

/// Whether `path` can only ever lead to this site: an absolute path (one `/`, then not `/` or
/// `\`), with no whitespace or control characters anywhere (browsers silently drop tab, CR and
/// LF, so `/\t/evil.example` would become `//evil.example`), no backslash (browsers read it as
/// `/`), and so no scheme or host. After one round of percent-decoding (in case anything on the
/// way decodes it again) it must still start that way and hold no control characters. At most
/// 2,000 bytes.
pub fn is_same_origin_path(path: &str) -> bool {
    /// One `/` and then neither `/` nor `\`, once what browsers drop is dropped.
    fn starts_as_a_path(path: &str) -> bool {
        let mut kept = path.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r'));
        kept.next() == Some('/') && !matches!(kept.next(), Some('/' | '\\'))
    }
    let decoded = percent_decode(path);
    path.len() <= 2000
        && starts_as_a_path(path)
        && !path
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && starts_as_a_path(&decoded)
        && !decoded.chars().any(char::is_control)
}

/// Decodes `%XX` escapes once; anything else (including bad escapes) is kept as it is.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escape = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{checked_slug, is_same_origin_path, safe_next_path};

    #[test]
    fn a_slug_from_the_client_must_be_exactly_a_shop_slug() {
        assert_eq!(checked_slug("acme-supply").as_deref(), Ok("acme-supply"));
        for bad in [
            "",
            " acme",
            "acme\r\nSet-Cookie: x=1",
            "Acme",
            "a/b",
            "ac me",
            "acme\n",
        ] {
            let refused = checked_slug(bad).expect_err(bad);
            assert_eq!(refused.status_code(), 404, "{bad:?}");
        }
    }

    #[test]
    fn next_path_after_login_never_leaves_the_site() {
        assert_eq!(safe_next_path(Some("/shops/a")), "/shops/a");
        assert_eq!(safe_next_path(Some("//evil.example")), "/shops");
        assert_eq!(safe_next_path(Some("https://evil.example")), "/shops");
        assert_eq!(safe_next_path(Some("/\\evil.example")), "/shops");
        assert_eq!(safe_next_path(None), "/shops");
    }

    #[test]
    fn the_known_open_redirect_shapes_are_refused() {
        for bypass in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " /evil.example",
            "/ /evil.example",
            "\\/evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "//evil.example",
            "///evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D/evil.example",
            "/%2f/evil.example",
            "/%5cevil.example",
            "%2f%2fevil.example",
            "https:evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,hi",
            "evil.example",
            "/shops\u{0}/x",
            "/shops/\u{3000}x",
            "",
        ] {
            assert!(!is_same_origin_path(bypass), "{bypass:?} was accepted");
            assert_eq!(safe_next_path(Some(bypass)), "/shops", "{bypass:?}");
        }
        assert!(!is_same_origin_path(&format!("/{}", "a".repeat(2000))));
    }

    #[test]
    fn same_origin_paths_with_queries_and_fragments_pass() {
        for path in [
            "/",
            "/shops",
            "/shops/acme/orders?status=paid&page=2",
            "/shops/acme/orders?q=a%20b#top",
            "/account",
            "/shops/acme/products/%C3%A9t%C3%A9",
            "/s/acme/quotes?next=/s/acme",
        ] {
            assert!(is_same_origin_path(path), "{path:?} was refused");
            assert_eq!(safe_next_path(Some(path)), path);
        }
    }
}
