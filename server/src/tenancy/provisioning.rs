//! Creating a shop: registry row (`provisioning`) → database created → tenant migrations →
//! `active`. Every step can be re-run, so a crash half-way is completed at the next start.

use super::placement::{Placement, SQLITE_SERVER};
use super::registry::{audit, Registry, ShopRecord};
use crate::db::{self, is_unique_violation, now_ms, Database, PoolShape};
use crate::error::internal;
use anyhow::Context;
use app::error::AppError;
use app::shops::model::NewShopInput;
use app::shops::rules::{
    parse_currency, parse_shop_name, parse_timezone, ProvisioningStep, Role, ShopEvent, ShopStatus,
    Slug,
};
use sqlx::migrate::MigrateDatabase;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Provisioner {
    pub registry: Registry,
    pub placement: Arc<Placement>,
    /// Shops one account may create (`limits.max_shops_per_account`).
    pub max_shops_per_account: i64,
    /// Shops provisioned at once (`limits.provisioning_concurrency`): creating a database and
    /// migrating it is the heaviest thing a request can start, so a burst of new shops queues
    /// here instead of running all at once.
    pub provisioning_turns: Arc<tokio::sync::Semaphore>,
}

/// A one-connection pool for provisioning work, closed afterwards.
fn provisioning_shape() -> PoolShape {
    PoolShape {
        max_connections: 1,
        idle_timeout: Duration::from_secs(5),
    }
}

impl Provisioner {
    /// Validates the input and writes the registry row, the owner's membership and an audit entry
    /// in one transaction. The shop is `provisioning` until [`Provisioner::provision`] finishes.
    pub async fn register(
        &self,
        owner_id: i64,
        input: NewShopInput,
    ) -> Result<ShopRecord, AppError> {
        let name = parse_shop_name(&input.name)?;
        let slug = Slug::parse(&input.slug)?;
        let currency = parse_currency(&input.currency)?;
        let timezone = parse_timezone(&input.timezone)?;
        // Placement only weighs PostgreSQL servers; SQLite shops need no count.
        let counts = if self.placement.servers.is_empty() {
            Vec::new()
        } else {
            self.registry
                .shop_counts_by_server()
                .await
                .map_err(internal)?
        };
        let spot = self.placement.choose(slug.as_str(), &counts);
        let now = now_ms();

        let mut tx = self.registry.db.begin_write().await.map_err(internal)?;
        // The quota is counted inside the transaction that adds the shop. On SQLite the write
        // lock taken by `begin_write` serializes creations; on PostgreSQL the owner's row is
        // locked so that two parallel creations cannot both see room for one more.
        if self.registry.db.engine == db::Engine::Postgres {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(owner_id)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        let owned =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM shops WHERE created_by = $1")
                .bind(owner_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?;
        if owned >= self.max_shops_per_account {
            return Err(AppError::Forbidden(format!(
                "An account can create at most {} shops, and this one has {owned}; remove a shop \
                 or ask us to raise the limit",
                self.max_shops_per_account
            )));
        }
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO shops (slug, name, currency, timezone, status, provisioning_step, \
             db_server, db_name, schema_version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $10) RETURNING id",
        )
        .bind(slug.as_str())
        .bind(&name)
        .bind(&currency)
        .bind(&timezone)
        .bind(ShopStatus::Provisioning.as_str())
        .bind(ProvisioningStep::Registered.as_str())
        .bind(&spot.db_server)
        .bind(&spot.db_name)
        .bind(owner_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let shop_id = match inserted {
            Ok(id) => id,
            Err(error) if is_unique_violation(&error) => {
                return Err(AppError::Conflict(format!(
                    "The slug '{}' is already taken",
                    slug.as_str()
                )))
            }
            Err(error) => return Err(internal(error)),
        };
        sqlx::query(
            "INSERT INTO memberships (shop_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(shop_id)
        .bind(owner_id)
        .bind(Role::Owner.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        audit(
            &mut *tx,
            Some(owner_id),
            Some(shop_id),
            "shop.created",
            slug.as_str(),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        self.registry.memberships_changed();

        self.registry
            .shop_by_id(shop_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::Internal)
    }

    /// Runs the remaining steps of a shop's provisioning. Safe to call again at any point.
    #[tracing::instrument(skip(self), err)]
    pub async fn provision(&self, shop_id: i64) -> anyhow::Result<()> {
        let _turn = self
            .provisioning_turns
            .acquire()
            .await
            .context("provisioning turns closed")?;
        let shop = self
            .registry
            .shop_by_id(shop_id)
            .await?
            .with_context(|| format!("shop {shop_id} vanished during provisioning"))?;
        if shop.status != ShopStatus::Provisioning {
            return Ok(());
        }
        let url = self.placement.url(&shop.db_server, &shop.db_name)?;

        self.create_database(&shop, &url).await?;
        if shop.provisioning_step < ProvisioningStep::DatabaseCreated {
            self.registry
                .set_step(shop.id, ProvisioningStep::DatabaseCreated)
                .await?;
        }

        let tenant = Database::connect(&url, &provisioning_shape()).await?;
        let migrated = tenant.migrate_tenant().await;
        tenant.close().await;
        migrated?;
        self.registry
            .set_schema_version(shop.id, db::latest_tenant_version(tenant.engine))
            .await?;
        self.registry
            .set_step(shop.id, ProvisioningStep::Migrated)
            .await?;

        let active = ShopStatus::Provisioning.transition(ShopEvent::ProvisioningFinished)?;
        if !self.registry.finish_provisioning(shop.id, active).await? {
            // Another instance (or the start-up catch-up) finished it first.
            return Ok(());
        }
        audit(
            &self.registry.db.pool,
            None,
            Some(shop.id),
            "shop.activated",
            &shop.slug,
        )
        .await?;
        tracing::info!(shop = %shop.slug, "shop provisioned");
        Ok(())
    }

    async fn create_database(&self, shop: &ShopRecord, url: &str) -> anyhow::Result<()> {
        db::install_drivers();
        if shop.db_server == SQLITE_SERVER {
            let directory = self.placement.data_dir.join("shops");
            tokio::fs::create_dir_all(&directory)
                .await
                .with_context(|| format!("creating {}", directory.display()))?;
            // Opening with mode=rwc creates the file and switches it to WAL.
            let database = Database::connect(url, &provisioning_shape()).await?;
            database.ping().await?;
            database.close().await;
            return Ok(());
        }
        if sqlx::Any::database_exists(url).await? {
            return Ok(());
        }
        if let Err(error) = sqlx::Any::create_database(url).await {
            // Another instance may have created it between the check and the create.
            if !sqlx::Any::database_exists(url).await.unwrap_or(false) {
                return Err(error).context("CREATE DATABASE for a shop");
            }
        }
        Ok(())
    }

    /// Finishes every shop a crash left half-provisioned.
    pub async fn resume_unfinished(&self) -> anyhow::Result<usize> {
        let unfinished = self
            .registry
            .shops_in_status(ShopStatus::Provisioning)
            .await?;
        for shop in &unfinished {
            tracing::info!(shop = %shop.slug, step = shop.provisioning_step.as_str(), "resuming provisioning");
            self.provision(shop.id).await?;
        }
        Ok(unfinished.len())
    }

    /// Applies new tenant migrations to every shop created by an older version.
    pub async fn upgrade_all(&self) -> anyhow::Result<usize> {
        // Both engines' folders carry the same version numbers; a shop is outdated below either.
        let latest = db::latest_tenant_version(db::Engine::Sqlite)
            .max(db::latest_tenant_version(db::Engine::Postgres));
        let outdated = self.registry.shops_below_schema(latest).await?;
        for shop in &outdated {
            let url = self.placement.url(&shop.db_server, &shop.db_name)?;
            let latest = db::latest_tenant_version(db::engine_of(&url));
            let tenant = Database::connect(&url, &provisioning_shape()).await?;
            let migrated = tenant.migrate_tenant().await;
            tenant.close().await;
            migrated.with_context(|| format!("upgrading shop {}", shop.slug))?;
            self.registry.set_schema_version(shop.id, latest).await?;
            tracing::info!(shop = %shop.slug, version = latest, "shop schema upgraded");
        }
        Ok(outdated.len())
    }
}
