//! Opening a shop's database for a merchant: the slug is looked up inside the caller's
//! memberships (anything else is "not found"), then the shop's pool is handed out.

use crate::db::Database;
use crate::error::internal;
use crate::tenancy::pools::ShopPools;
use crate::tenancy::registry::{Registry, ShopRecord};
use app::auth::model::Session;
use app::error::AppError;
use app::shops::rules::{Role, ShopStatus};
use std::sync::Arc;

#[derive(Clone)]
pub struct ShopAccess {
    pub registry: Registry,
    pub pools: Arc<ShopPools>,
}

/// A shop the caller may work in, with its database.
pub struct OpenShop {
    pub shop: ShopRecord,
    pub role: Role,
    pub db: Database,
    /// Who acts, as recorded in histories and timelines.
    pub actor: String,
}

impl ShopAccess {
    pub async fn open(&self, session: &Session, slug: &str) -> Result<OpenShop, AppError> {
        let member = self
            .registry
            .member_shop(session.user_id, slug)
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::NotFound("Shop not found".into()))?;
        if member.shop.status == ShopStatus::Provisioning {
            return Err(AppError::Conflict("The shop is still being set up".into()));
        }
        let db = self.pools.get(&member.shop).map_err(internal)?;
        Ok(OpenShop {
            shop: member.shop,
            role: member.role,
            db,
            actor: session.email.clone(),
        })
    }
}
