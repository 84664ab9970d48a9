//! Stock held for a quote until its offer expires (issue 15, part 7).
//!
//! When the merchant answers with "hold the quoted stock", each line's quantity is added to its
//! variant's `reserved` (as an open order's is) and recorded in `quote_holds` with the offer's
//! expiry. A hold ends in the transaction of what ends it:
//! - the buyer accepts: the hold is released and the order reserves the same stock, so nothing
//!   can take it in between;
//! - the buyer declines, or the merchant answers again (a revision holds anew if asked to);
//! - the offer expires: [`sweep`] (every minute, over the shops marked in the platform's
//!   `shop_holds_due`) releases it, and an order that finds its stock short releases the expired
//!   holds of that variant at once ([`release_expired_of_variant`]), so an expired hold never
//!   refuses an order even between two sweeps.
//!
//! Variant rows are always updated in id order, so two transactions never wait on each other's
//! rows in opposite orders (PostgreSQL would end one of them with a deadlock error).

use crate::db::{now_ms, Database};
use crate::error::internal;
use crate::tenancy::pools::ShopPools;
use crate::tenancy::registry::Registry;
use app::error::AppError;
use sqlx::{Any, AnyConnection, Transaction};
use std::time::Duration;

/// One quote line to hold: its variant, SKU (for messages) and quantity.
#[derive(Debug, Clone)]
pub struct HoldLine {
    pub variant_id: i64,
    pub sku: String,
    pub quantity: i64,
}

/// Holds every line's quantity until `expires_at`, all lines or none: a line whose stock is
/// short is named with what is available, and nothing is held. The caller released the quote's
/// earlier hold first, so its own units count as available.
pub async fn hold(
    tx: &mut Transaction<'static, Any>,
    quote_id: i64,
    lines: &[HoldLine],
    expires_at: i64,
) -> Result<(), AppError> {
    // One quantity per variant, in variant order (a quote may name a SKU on two lines).
    let mut per_variant: Vec<(i64, &str, i64)> = Vec::new();
    for line in lines {
        match per_variant
            .iter_mut()
            .find(|(id, ..)| *id == line.variant_id)
        {
            Some(entry) => entry.2 += line.quantity,
            None => per_variant.push((line.variant_id, &line.sku, line.quantity)),
        }
    }
    per_variant.sort_by_key(|(id, ..)| *id);
    let mut short: Vec<String> = Vec::new();
    for (variant_id, sku, quantity) in &per_variant {
        if crate::orders::reserve(tx, *variant_id, *quantity, sku).await? {
            continue;
        }
        let available =
            sqlx::query_scalar::<_, i64>("SELECT on_hand - reserved FROM variants WHERE id = $1")
                .bind(variant_id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(internal)?
                .unwrap_or(0)
                .max(0);
        short.push(format!(
            "{sku}: only {available} available to hold, {quantity} quoted"
        ));
    }
    if !short.is_empty() {
        // The caller's transaction is dropped with this error, undoing the lines held so far.
        return Err(AppError::invalid(
            "hold_stock",
            format!(
                "{}; send the offer without holding stock, or add stock first",
                short.join("; ")
            ),
        ));
    }
    for (variant_id, _, quantity) in &per_variant {
        sqlx::query(
            "INSERT INTO quote_holds (quote_id, variant_id, quantity, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(quote_id)
        .bind(variant_id)
        .bind(quantity)
        .bind(expires_at)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    }
    Ok(())
}

/// Releases whatever `quote_id` holds; returns the units released.
pub async fn release_quote(
    tx: &mut Transaction<'static, Any>,
    quote_id: i64,
) -> Result<i64, AppError> {
    let released = sqlx::query_as::<_, (i64, i64)>(
        "DELETE FROM quote_holds WHERE quote_id = $1 RETURNING variant_id, quantity",
    )
    .bind(quote_id)
    .fetch_all(&mut **tx)
    .await
    .map_err(internal)?;
    give_back(tx, released).await
}

/// Releases the holds of `variant_id` whose offer expired by `now`; returns the units released.
pub async fn release_expired_of_variant(
    connection: &mut AnyConnection,
    variant_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let released = sqlx::query_as::<_, (i64, i64)>(
        "DELETE FROM quote_holds WHERE variant_id = $1 AND expires_at <= $2 RETURNING variant_id, quantity",
    )
    .bind(variant_id)
    .bind(now)
    .fetch_all(&mut *connection)
    .await
    .map_err(internal)?;
    give_back(connection, released).await
}

/// Releases every hold whose offer expired by `now`, in one transaction; returns the units
/// released and the earliest expiry among the holds that remain.
pub async fn release_expired(db: &Database, now: i64) -> Result<(i64, Option<i64>), AppError> {
    let mut tx = db.begin_write().await.map_err(internal)?;
    let released = sqlx::query_as::<_, (i64, i64)>(
        "DELETE FROM quote_holds WHERE expires_at <= $1 RETURNING variant_id, quantity",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let units = give_back(&mut tx, released).await?;
    let next = sqlx::query_scalar::<_, Option<i64>>("SELECT MIN(expires_at) FROM quote_holds")
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok((units, next))
}

/// Takes released quantities off their variants' `reserved`, in variant order.
async fn give_back(
    connection: &mut AnyConnection,
    mut released: Vec<(i64, i64)>,
) -> Result<i64, AppError> {
    released.sort_unstable();
    let mut units = 0;
    for (variant_id, quantity) in released {
        // MAX(…, 0): a reservation is never negative, even if stock was corrected by hand.
        sqlx::query(
            "UPDATE variants SET reserved = CASE WHEN reserved > $1 THEN reserved - $1 ELSE 0 END WHERE id = $2",
        )
        .bind(quantity)
        .bind(variant_id)
        .execute(&mut *connection)
        .await
        .map_err(internal)?;
        units += quantity;
    }
    Ok(units)
}

/// Records in the platform database that `shop_id` holds stock until `due_at` (keeping an
/// earlier mark). Called before the shop transaction that makes the hold and again after it.
pub async fn mark_due(platform: &Database, shop_id: i64, due_at: i64) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO shop_holds_due (shop_id, due_at) VALUES ($1, $2) \
         ON CONFLICT (shop_id) DO UPDATE SET due_at = \
         CASE WHEN excluded.due_at < shop_holds_due.due_at THEN excluded.due_at ELSE shop_holds_due.due_at END",
    )
    .bind(shop_id)
    .bind(due_at)
    .execute(&platform.pool)
    .await
    .map_err(internal)?;
    Ok(())
}

/// Releases the expired holds of every shop whose mark is due by `now`. A shop's mark is moved
/// to its next expiry, or removed when it holds nothing more (unless marked again meanwhile: a
/// hold made during the sweep keeps its mark). Returns the units released.
pub async fn sweep(
    platform: &Database,
    registry: &Registry,
    pools: &ShopPools,
    now: i64,
) -> anyhow::Result<i64> {
    let due = sqlx::query_as::<_, (i64, i64)>(
        "SELECT shop_id, due_at FROM shop_holds_due WHERE due_at <= $1 ORDER BY due_at LIMIT 100",
    )
    .bind(now)
    .fetch_all(&platform.pool)
    .await?;
    let mut units = 0;
    for (shop_id, due_at) in due {
        let next = match registry.shop_by_id(shop_id).await? {
            Some(shop) => {
                let db = pools.get(&shop)?;
                let (released, next) = release_expired(&db, now).await.map_err(|error| {
                    anyhow::anyhow!("releasing holds of shop {shop_id}: {error}")
                })?;
                units += released;
                next
            }
            None => None,
        };
        sqlx::query("DELETE FROM shop_holds_due WHERE shop_id = $1 AND due_at = $2")
            .bind(shop_id)
            .bind(due_at)
            .execute(&platform.pool)
            .await?;
        if let Some(next) = next {
            mark_due(platform, shop_id, next)
                .await
                .map_err(|error| anyhow::anyhow!("marking shop {shop_id}: {error}"))?;
        }
    }
    Ok(units)
}

/// Runs [`sweep`] every minute.
pub fn spawn_sweeper(platform: Database, registry: Registry, pools: std::sync::Arc<ShopPools>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            if platform.pool.is_closed() {
                break;
            }
            match sweep(&platform, &registry, &pools, now_ms()).await {
                Ok(0) => {}
                Ok(units) => tracing::info!(units, "released stock held for expired quotes"),
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "quote hold sweep failed")
                }
            }
        }
    });
}
