//! Queries on the platform database about shops, memberships, invitations and domains.

use super::memberships::{MembershipCache, UserShops, MEMBERSHIP_TTL};
use crate::db::{now_ms, Database};
use app::money::AmountStyle;
use app::shops::rules::{ProvisioningStep, Role, ShopStatus};
use sqlx::{Any, Executor};
use std::sync::Arc;

/// A row of the `shops` table.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShopRecord {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub currency: String,
    pub timezone: String,
    /// How the shop's pages write amounts. The three enum columns decode fallibly: a value no
    /// variant names fails the query (logged as an internal error) rather than being guessed.
    #[sqlx(try_from = "String")]
    pub amount_style: AmountStyle,
    #[sqlx(try_from = "String")]
    pub status: ShopStatus,
    #[sqlx(try_from = "String")]
    pub provisioning_step: ProvisioningStep,
    pub db_server: String,
    pub db_name: String,
    pub schema_version: i64,
    pub created_at: i64,
}

/// A row of the `domains` table: a shop's claim on a custom domain.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DomainRecord {
    pub id: i64,
    pub shop_id: i64,
    pub hostname: String,
    /// What `_cartwright-verify.<hostname>` must hold; shown to the shop's members only.
    pub verification_token: String,
    /// When the owner proved control of the name; `None` until then, and the domain serves
    /// nothing.
    pub verified_at: Option<i64>,
}

/// A shop together with the caller's role in it.
#[derive(Debug, Clone)]
pub struct MemberShop {
    pub shop: ShopRecord,
    pub role: Role,
}

pub const SHOP_COLUMNS: &str =
    "s.id, s.slug, s.name, s.currency, s.timezone, s.amount_style, s.status, \
     s.provisioning_step, s.db_server, s.db_name, s.schema_version, s.created_at";

#[derive(sqlx::FromRow)]
struct MemberShopRow {
    #[sqlx(flatten)]
    shop: ShopRecord,
    role: String,
}

impl From<MemberShopRow> for MemberShop {
    fn from(row: MemberShopRow) -> Self {
        MemberShop {
            shop: row.shop,
            role: Role::parse(&row.role).unwrap_or(Role::Staff),
        }
    }
}

#[derive(Clone)]
pub struct Registry {
    pub db: Database,
    memberships: Arc<MembershipCache>,
}

impl Registry {
    pub fn new(db: Database) -> Registry {
        Registry {
            db,
            memberships: Arc::new(MembershipCache::new(MEMBERSHIP_TTL)),
        }
    }

    /// Drops the cached memberships; call after committing a change to shops or memberships
    /// made outside this type's own methods.
    pub fn memberships_changed(&self) {
        self.memberships.clear();
    }

    pub async fn shop_by_id(&self, id: i64) -> Result<Option<ShopRecord>, sqlx::Error> {
        sqlx::query_as::<_, ShopRecord>(sqlx::AssertSqlSafe(format!(
            "SELECT {SHOP_COLUMNS} FROM shops s WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await
    }

    pub async fn shop_by_slug(&self, slug: &str) -> Result<Option<ShopRecord>, sqlx::Error> {
        sqlx::query_as::<_, ShopRecord>(sqlx::AssertSqlSafe(format!(
            "SELECT {SHOP_COLUMNS} FROM shops s WHERE s.slug = $1"
        )))
        .bind(slug)
        .fetch_optional(&self.db.pool)
        .await
    }

    /// The shop a custom domain serves: only a verified domain serves anything (at most one shop
    /// has verified a hostname, by a unique index).
    pub async fn shop_by_custom_domain(
        &self,
        hostname: &str,
    ) -> Result<Option<ShopRecord>, sqlx::Error> {
        sqlx::query_as::<_, ShopRecord>(sqlx::AssertSqlSafe(format!(
            "SELECT {SHOP_COLUMNS} FROM shops s JOIN domains d ON d.shop_id = s.id \
             WHERE d.hostname = $1 AND d.verified_at IS NOT NULL"
        )))
        .bind(hostname)
        .fetch_optional(&self.db.pool)
        .await
    }

    /// The shop named by `slug`, only if `user_id` is a member; otherwise `None` (never revealing
    /// whether the shop exists).
    /// The shop with this slug if the user is a member of it (from the user's cached shops).
    pub async fn member_shop(
        &self,
        user_id: i64,
        slug: &str,
    ) -> Result<Option<MemberShop>, sqlx::Error> {
        let shops = self.member_shops(user_id).await?;
        Ok(shops
            .iter()
            .find(|member| member.shop.slug == slug)
            .cloned())
    }

    /// The user's shops with their roles, by name; cached for a few seconds (see
    /// [`MembershipCache`]).
    pub async fn member_shops(&self, user_id: i64) -> Result<UserShops, sqlx::Error> {
        if let Some(shops) = self.memberships.get(user_id) {
            return Ok(shops);
        }
        let read_at = self.memberships.generation();
        let rows = sqlx::query_as::<_, MemberShopRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {SHOP_COLUMNS}, m.role FROM shops s \
             JOIN memberships m ON m.shop_id = s.id \
             WHERE m.user_id = $1 ORDER BY s.name, s.id"
        )))
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        let shops: UserShops = Arc::new(rows.into_iter().map(MemberShop::from).collect());
        self.memberships.store(user_id, read_at, shops.clone());
        Ok(shops)
    }

    pub async fn shops_in_status(
        &self,
        status: ShopStatus,
    ) -> Result<Vec<ShopRecord>, sqlx::Error> {
        sqlx::query_as::<_, ShopRecord>(sqlx::AssertSqlSafe(format!(
            "SELECT {SHOP_COLUMNS} FROM shops s WHERE s.status = $1 ORDER BY s.id"
        )))
        .bind(status.as_str())
        .fetch_all(&self.db.pool)
        .await
    }

    pub async fn shops_below_schema(&self, version: i64) -> Result<Vec<ShopRecord>, sqlx::Error> {
        sqlx::query_as::<_, ShopRecord>(sqlx::AssertSqlSafe(format!(
            "SELECT {SHOP_COLUMNS} FROM shops s \
             WHERE s.schema_version < $1 AND s.status <> 'provisioning' ORDER BY s.id"
        )))
        .bind(version)
        .fetch_all(&self.db.pool)
        .await
    }

    /// How many shops each database server holds, for placement.
    pub async fn shop_counts_by_server(&self) -> Result<Vec<(String, i64)>, sqlx::Error> {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT db_server, COUNT(*) FROM shops GROUP BY db_server",
        )
        .fetch_all(&self.db.pool)
        .await
    }

    pub async fn set_step(&self, shop_id: i64, step: ProvisioningStep) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE shops SET provisioning_step = $1, updated_at = $2 WHERE id = $3")
            .bind(step.as_str())
            .bind(now_ms())
            .bind(shop_id)
            .execute(&self.db.pool)
            .await?;
        self.memberships.clear();
        Ok(())
    }

    pub async fn set_schema_version(&self, shop_id: i64, version: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE shops SET schema_version = $1 WHERE id = $2")
            .bind(version)
            .bind(shop_id)
            .execute(&self.db.pool)
            .await?;
        self.memberships.clear();
        Ok(())
    }

    /// Writes a status only if it is still `from`, so concurrent changes cannot both win.
    pub async fn set_status(
        &self,
        shop_id: i64,
        from: ShopStatus,
        to: ShopStatus,
    ) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "UPDATE shops SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(to.as_str())
        .bind(now_ms())
        .bind(shop_id)
        .bind(from.as_str())
        .execute(&self.db.pool)
        .await?;
        self.memberships.clear();
        Ok(result.rows_affected() == 1)
    }

    /// Marks provisioning finished: status and last step in one statement, so no reader sees an
    /// active shop with a pending step. `false` if another instance finished it first.
    pub async fn finish_provisioning(
        &self,
        shop_id: i64,
        to: ShopStatus,
    ) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "UPDATE shops SET status = $1, provisioning_step = $2, updated_at = $3 \
             WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(ProvisioningStep::Activated.as_str())
        .bind(now_ms())
        .bind(shop_id)
        .bind(ShopStatus::Provisioning.as_str())
        .execute(&self.db.pool)
        .await?;
        self.memberships.clear();
        Ok(result.rows_affected() == 1)
    }

    pub async fn update_details(
        &self,
        shop_id: i64,
        name: &str,
        timezone: &str,
        amount_style: AmountStyle,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE shops SET name = $1, timezone = $2, amount_style = $3, updated_at = $4 WHERE id = $5")
            .bind(name)
            .bind(timezone)
            .bind(amount_style.as_str())
            .bind(now_ms())
            .bind(shop_id)
            .execute(&self.db.pool)
            .await?;
        self.memberships.clear();
        Ok(())
    }

    pub async fn custom_domains(&self, shop_id: i64) -> Result<Vec<DomainRecord>, sqlx::Error> {
        sqlx::query_as::<_, DomainRecord>(
            "SELECT id, shop_id, hostname, verification_token, verified_at FROM domains \
             WHERE shop_id = $1 ORDER BY hostname",
        )
        .bind(shop_id)
        .fetch_all(&self.db.pool)
        .await
    }

    pub async fn custom_domain(
        &self,
        shop_id: i64,
        hostname: &str,
    ) -> Result<Option<DomainRecord>, sqlx::Error> {
        sqlx::query_as::<_, DomainRecord>(
            "SELECT id, shop_id, hostname, verification_token, verified_at FROM domains \
             WHERE shop_id = $1 AND hostname = $2",
        )
        .bind(shop_id)
        .bind(hostname)
        .fetch_optional(&self.db.pool)
        .await
    }

    /// Whether a shop other than `shop_id` has verified `hostname`.
    pub async fn verified_elsewhere(
        &self,
        shop_id: i64,
        hostname: &str,
    ) -> Result<bool, sqlx::Error> {
        let count = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM domains \
             WHERE hostname = $1 AND shop_id <> $2 AND verified_at IS NOT NULL",
        )
        .bind(hostname)
        .bind(shop_id)
        .fetch_one(&self.db.pool)
        .await?;
        Ok(count > 0)
    }

    /// Registers an unverified claim on `hostname` with its verification token; a unique
    /// violation means this shop has already claimed it.
    pub async fn add_domain(
        &self,
        shop_id: i64,
        hostname: &str,
        verification_token: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO domains (shop_id, hostname, verification_token, verified_at, created_at) \
             VALUES ($1, $2, $3, NULL, $4)",
        )
        .bind(shop_id)
        .bind(hostname)
        .bind(verification_token)
        .bind(now_ms())
        .execute(&self.db.pool)
        .await
        .map(|_| ())
    }

    /// Marks a claim verified; `false` if it was removed (or verified) meanwhile. A unique
    /// violation means another shop verified the hostname first.
    pub async fn mark_domain_verified(&self, domain_id: i64) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "UPDATE domains SET verified_at = $1 WHERE id = $2 AND verified_at IS NULL",
        )
        .bind(now_ms())
        .bind(domain_id)
        .execute(&self.db.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn remove_domain(&self, shop_id: i64, hostname: &str) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("DELETE FROM domains WHERE shop_id = $1 AND hostname = $2")
            .bind(shop_id)
            .bind(hostname)
            .execute(&self.db.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn members(
        &self,
        shop_id: i64,
    ) -> Result<Vec<(String, String, String)>, sqlx::Error> {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.shop_id = $1 ORDER BY m.role, u.email",
        )
        .bind(shop_id)
        .fetch_all(&self.db.pool)
        .await
    }

    /// Invitations not accepted yet, with their expiry (`now` decides which have expired).
    pub async fn pending_invitations(
        &self,
        shop_id: i64,
        now: i64,
    ) -> Result<Vec<app::shops::model::PendingInvitation>, sqlx::Error> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT email, expires_at FROM invitations WHERE shop_id = $1 ORDER BY email",
        )
        .bind(shop_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(email, expires_at_ms)| app::shops::model::PendingInvitation {
                    email,
                    expires_at_ms,
                    expired: expires_at_ms <= now,
                },
            )
            .collect())
    }
}

/// Appends to the audit log inside the caller's transaction or on a pool.
pub async fn audit<'e, E>(
    executor: E,
    user_id: Option<i64>,
    shop_id: Option<i64>,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, shop_id, action, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now_ms())
    .bind(user_id)
    .bind(shop_id)
    .bind(action)
    .bind(detail)
    .execute(executor)
    .await
    .map(|_| ())
}
