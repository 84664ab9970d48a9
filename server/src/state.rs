//! The one application state, handed to axum and to Leptos.

use crate::auth::service::Accounts;
use crate::auth::tokens::TokenKeys;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::db::Database;
use crate::mail::Mailer;
use crate::orders::Orders;
use crate::portal::merchant::CustomerAdmin;
use crate::portal::Portal;
use crate::shops::Shops;
use crate::tenancy::page_turns::PageTurns;
use crate::tenancy::pools::ShopPools;
use crate::tenancy::provisioning::Provisioner;
use crate::tenancy::resolver::TenantResolver;
use app::services::Services;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::ops::Deref;
use std::sync::Arc;

/// The one application state. axum clones it for every middleware and extractor of every
/// request, so it is a single shared pointer: cloning it is one reference count, not one per
/// field (cloning and dropping the fields was 0.5 % of the orders list's profile).
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl AppState {
    pub fn new(inner: AppStateInner) -> Self {
        AppState(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// What Leptos' axum integration reads from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The parts of [`AppState`].
pub struct AppStateInner {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub platform: Database,
    pub keys: Arc<TokenKeys>,
    pub accounts: Arc<Accounts>,
    pub shops: Arc<Shops>,
    pub catalog: Arc<Catalog>,
    pub orders: Arc<Orders>,
    pub portal: Arc<Portal>,
    pub customers: Arc<CustomerAdmin>,
    pub provisioner: Provisioner,
    pub pools: Arc<ShopPools>,
    pub resolver: Arc<TenantResolver>,
    /// Turns for server-rendered pages, per shop (see [`PageTurns`]).
    pub page_turns: Arc<PageTurns>,
    /// Queues transactional mail (see [`crate::mail`]).
    pub mailer: Mailer,
}

impl AppStateInner {
    /// The service implementations as the shared interfaces server functions use.
    pub fn services(&self) -> Services {
        Services {
            accounts: self.accounts.clone(),
            shops: self.shops.clone(),
            catalog: self.catalog.clone(),
            orders: self.orders.clone(),
            portal: self.portal.clone(),
            customers: self.customers.clone(),
        }
    }
}
