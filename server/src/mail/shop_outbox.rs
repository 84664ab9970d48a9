//! Mail caused by a change in a shop's database (an order confirmation, a quote answer, a
//! company buyer's invitation). The platform's `mail_outbox` lives in another database, so the
//! mail is written to the shop's own `mail_outbox` in the same transaction as its cause, then
//! handed over to the platform's, which the worker sends from:
//!
//! 1. [`ShopMail::mark_due`] records in the platform database (`shop_mail_due`) that the shop
//!    may hold mail, committed before the shop's transaction is (`enqueue` does it first);
//! 2. [`ShopMail::enqueue`] writes the mail inside the shop's transaction (a rolled-back change
//!    mails nobody);
//! 3. [`ShopMail::hand_over`], after the commit, copies the shop's mail into the platform outbox
//!    (the `Message-ID` fixed in step 2 makes a repeated copy a no-op) and deletes it from the
//!    shop's.
//!
//! If the process dies between 2 and 3, [`sweep`] finds the mark (older than [`SWEEP_AFTER_MS`],
//! by when every transaction that set it has ended) and hands the mail over. Workers never open
//! a shop's database to look for mail that is not there.

use super::{Mail, Mailer};
use crate::db::{now_ms, Database};
use crate::tenancy::pools::ShopPools;
use crate::tenancy::registry::Registry;
use anyhow::Context;
use sqlx::AnyConnection;
use std::sync::Arc;
use std::time::Duration;

/// A mark this old belongs to transactions that have all ended (requests are cut off long
/// before), so the sweeper may hand over and clear it.
pub const SWEEP_AFTER_MS: i64 = 5 * 60 * 1000;

/// The mail side of one shop.
#[derive(Clone)]
pub struct ShopMail {
    pub mailer: Mailer,
    pub platform: Database,
    pub shop_id: i64,
    pub shop_db: Database,
}

#[derive(sqlx::FromRow)]
struct Held {
    id: i64,
    message_id: String,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    created_at: i64,
}

impl ShopMail {
    /// Step 1 (done by [`ShopMail::enqueue`]).
    pub async fn mark_due(&self) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO shop_mail_due (shop_id, marked_at) VALUES ($1, $2) \
             ON CONFLICT (shop_id) DO UPDATE SET marked_at = excluded.marked_at",
        )
        .bind(self.shop_id)
        .bind(now_ms())
        .execute(&self.platform.pool)
        .await
        .map(|_| ())
    }

    /// Step 2: queues `mail` inside the shop's transaction. Marks the shop due first (step 1,
    /// committed at once in the platform database, so before the shop's transaction commits).
    pub async fn enqueue(
        &self,
        connection: &mut AnyConnection,
        mail: &Mail,
    ) -> Result<(), sqlx::Error> {
        self.enqueue_all(connection, std::slice::from_ref(mail))
            .await
    }

    /// [`ShopMail::enqueue`] for several mails of one transaction, marking the shop due once.
    pub async fn enqueue_all(
        &self,
        connection: &mut AnyConnection,
        mails: &[Mail],
    ) -> Result<(), sqlx::Error> {
        if mails.is_empty() {
            return Ok(());
        }
        self.mark_due().await?;
        for mail in mails {
            self.insert(&mut *connection, mail).await?;
        }
        Ok(())
    }

    async fn insert(&self, connection: &mut AnyConnection, mail: &Mail) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO mail_outbox (message_id, recipient, subject, body_text, body_html, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.mailer.new_message_id())
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(mail.html.as_deref())
        .bind(now_ms())
        .execute(&mut *connection)
        .await
        .map(|_| ())
    }

    /// Step 3: moves the shop's mail to the platform outbox and wakes the worker. Returns how
    /// many mails were moved. Safe to repeat and to run concurrently.
    pub async fn hand_over(&self) -> anyhow::Result<usize> {
        let held = sqlx::query_as::<_, Held>(
            "SELECT id, message_id, recipient, subject, body_text, body_html, created_at \
             FROM mail_outbox ORDER BY id LIMIT 500",
        )
        .fetch_all(&self.shop_db.pool)
        .await
        .context("reading the shop's mail")?;
        for mail in &held {
            sqlx::query(
                "INSERT INTO mail_outbox (message_id, recipient, subject, body_text, body_html, \
                 status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7) ON CONFLICT (message_id) DO NOTHING",
            )
            .bind(&mail.message_id)
            .bind(&mail.recipient)
            .bind(&mail.subject)
            .bind(&mail.body_text)
            .bind(mail.body_html.as_deref())
            .bind(now_ms())
            .bind(mail.created_at)
            .execute(&self.platform.pool)
            .await
            .context("handing mail to the platform outbox")?;
            sqlx::query("DELETE FROM mail_outbox WHERE id = $1")
                .bind(mail.id)
                .execute(&self.shop_db.pool)
                .await
                .context("deleting handed-over mail")?;
        }
        if !held.is_empty() {
            self.mailer.wake();
        }
        Ok(held.len())
    }

    /// Step 3 from a request: a failure is logged, not answered (the change is committed; the
    /// sweeper hands the mail over later).
    pub async fn hand_over_or_log(&self) {
        if let Err(error) = self.hand_over().await {
            tracing::warn!(shop_id = self.shop_id, error = %format!("{error:#}"), "mail hand-over failed; the sweeper retries");
        }
    }
}

/// Hands over the mail of every shop marked longer than [`SWEEP_AFTER_MS`] ago and clears their
/// marks (unless marked again meanwhile). Returns the number of mails moved.
pub async fn sweep(
    platform: &Database,
    registry: &Registry,
    pools: &ShopPools,
    mailer: &Mailer,
) -> anyhow::Result<usize> {
    let due = sqlx::query_as::<_, (i64, i64)>(
        "SELECT shop_id, marked_at FROM shop_mail_due WHERE marked_at < $1 ORDER BY marked_at LIMIT 100",
    )
    .bind(now_ms() - SWEEP_AFTER_MS)
    .fetch_all(&platform.pool)
    .await?;
    let mut moved = 0;
    for (shop_id, marked_at) in due {
        if let Some(shop) = registry.shop_by_id(shop_id).await? {
            let shop_mail = ShopMail {
                mailer: mailer.clone(),
                platform: platform.clone(),
                shop_id,
                shop_db: pools.get(&shop)?,
            };
            moved += shop_mail.hand_over().await?;
        }
        sqlx::query("DELETE FROM shop_mail_due WHERE shop_id = $1 AND marked_at = $2")
            .bind(shop_id)
            .bind(marked_at)
            .execute(&platform.pool)
            .await?;
    }
    Ok(moved)
}

/// Runs [`sweep`] once at start and then every minute.
pub fn spawn_sweeper(
    platform: Database,
    registry: Registry,
    pools: Arc<ShopPools>,
    mailer: Mailer,
) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            match sweep(&platform, &registry, &pools, &mailer).await {
                Ok(0) => {}
                Ok(moved) => tracing::info!(moved, "handed over mail left in shop outboxes"),
                Err(error) => tracing::warn!(error = %format!("{error:#}"), "mail sweep failed"),
            }
        }
    });
}
