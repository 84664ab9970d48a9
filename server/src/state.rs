//! The one application state, handed to axum and to Leptos.

use crate::auth::service::Accounts;
use crate::auth::tokens::TokenKeys;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::db::Database;
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
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
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
}

impl AppState {
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
