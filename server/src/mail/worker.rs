//! The mail worker: claims due rows of `mail_outbox`, sends them, and marks them sent, or
//! retries them later with exponential backoff and jitter, up to [`MAX_ATTEMPTS`], then marks
//! them failed with the last error.
//!
//! Claiming takes a lease (`claimed_until`) in one short write transaction (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so several instances never claim the same row; on SQLite the write
//! transaction serialises claimers). If the process dies between claiming and marking, the row
//! is claimed again once its lease has run out: nothing is lost.
//!
//! Delivery is therefore **at least once**, not exactly once: a crash after the SMTP server
//! accepted a message but before the row was marked sent makes the next claim send it again.
//! That window is small, and every attempt of one mail carries the same stored `Message-ID`, so a
//! receiving system that deduplicates by `Message-ID` (most do, as do mail clients' threads)
//! drops the duplicate. SMTP offers nothing better: there is no idempotent submission.

use super::transport::{Outgoing, SendError, SmtpSender, SEND_TIMEOUT};
use super::Mailer;
use crate::db::{now_ms, Database, Engine};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

/// Attempts before a mail is marked failed (about three hours of retries).
pub const MAX_ATTEMPTS: i64 = 15;
/// The first retry waits about this long; each further one twice as long, up to [`MAX_DELAY_MS`].
const FIRST_DELAY_MS: i64 = 1_000;
const MAX_DELAY_MS: i64 = 3_600_000;
/// How long a claim holds a row: well beyond one delivery's time limit.
const LEASE_MS: i64 = 2 * SEND_TIMEOUT.as_millis() as i64;
/// Rows claimed at once.
const BATCH: i64 = 20;
/// The worker looks for due mail at least this often (mail queued by another instance, retries).
const POLL: Duration = Duration::from_secs(5);

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: exponential, with the
/// upper half randomised (`jitter` in `0.0..1.0`) so that many mails failing together do not
/// retry together.
pub fn retry_delay_ms(attempts: i64, jitter: f64) -> i64 {
    let exponent = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let full = FIRST_DELAY_MS
        .saturating_mul(1_i64 << exponent)
        .min(MAX_DELAY_MS);
    let half = full / 2;
    half + (half as f64 * jitter.clamp(0.0, 1.0)) as i64
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    message_id: String,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    attempts: i64,
}

/// Runs until the platform database is closed (at shutdown, or when a test restarts the app).
pub fn spawn(db: Database, mailer: Mailer, sender: Option<Arc<SmtpSender>>) {
    tokio::spawn(async move {
        let wake = mailer.notified();
        loop {
            if db.pool.is_closed() {
                break;
            }
            let result = match &sender {
                Some(sender) => deliver_due(&db, sender).await,
                None => keep_queued(&db).await.map(|_| 0),
            };
            let claimed = match result {
                Ok(claimed) => claimed,
                Err(sqlx::Error::PoolClosed) => break,
                Err(error) => {
                    tracing::warn!(%error, "mail worker could not read the outbox");
                    0
                }
            };
            if claimed == BATCH {
                continue;
            }
            let wait = match next_due_in(&db).await {
                Ok(Some(wait)) => wait.min(POLL),
                _ => POLL,
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        tracing::debug!("mail worker stopped");
    });
}

/// Without SMTP, queued mail is kept for the development mailbox.
async fn keep_queued(db: &Database) -> Result<u64, sqlx::Error> {
    let kept = sqlx::query("UPDATE mail_outbox SET status = 'kept' WHERE status = 'queued'")
        .execute(&db.pool)
        .await?
        .rows_affected();
    if kept > 0 {
        tracing::info!(
            kept,
            "no smtp_url configured: mail kept (see /dev/mailbox in development mode)"
        );
    }
    Ok(kept)
}

/// How long until the next queued mail is due (zero if one is due now), `None` if none is queued.
async fn next_due_in(db: &Database) -> Result<Option<Duration>, sqlx::Error> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_attempt_at \
         THEN claimed_until ELSE next_attempt_at END) FROM mail_outbox WHERE status = 'queued'",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(next.map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))))
}

/// Claims a batch of due mail and delivers it; returns how many rows were claimed.
async fn deliver_due(db: &Database, sender: &SmtpSender) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    let lease = now + LEASE_MS;
    let lock = match db.engine {
        Engine::Postgres => "FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query_as::<_, Claimed>(sqlx::AssertSqlSafe(format!(
        "UPDATE mail_outbox SET claimed_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'queued' \
         AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2) \
         ORDER BY next_attempt_at, id LIMIT $3 {lock}) \
         RETURNING id, message_id, recipient, subject, body_text, body_html, attempts"
    )))
    .bind(lease)
    .bind(now)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let count = claimed.len() as i64;
    for mail in claimed {
        let outcome = sender
            .send(&Outgoing {
                message_id: &mail.message_id,
                to: &mail.recipient,
                subject: &mail.subject,
                text: &mail.body_text,
                html: mail.body_html.as_deref(),
            })
            .await;
        record(db, &mail, lease, outcome).await?;
    }
    Ok(count)
}

/// Writes the outcome of one attempt, only while this worker's lease is the row's lease (a row
/// whose lease ran out may have been claimed by someone else meanwhile).
async fn record(
    db: &Database,
    mail: &Claimed,
    lease: i64,
    outcome: Result<(), SendError>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let query = match &outcome {
        Ok(()) => sqlx::query(
            "UPDATE mail_outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, \
             last_error = NULL WHERE id = $2 AND claimed_until = $3",
        )
        .bind(now),
        Err(error) => {
            let give_up = matches!(error, SendError::Permanent(_)) || mail.attempts >= MAX_ATTEMPTS;
            let next = now + retry_delay_ms(mail.attempts, rand::thread_rng().gen::<f64>());
            tracing::warn!(
                mail_id = mail.id,
                attempts = mail.attempts,
                give_up,
                error = error.message(),
                "mail delivery failed"
            );
            sqlx::query(
                "UPDATE mail_outbox SET status = $1, next_attempt_at = $2, claimed_until = NULL, \
                 last_error = $3 WHERE id = $4 AND claimed_until = $5",
            )
            .bind(if give_up { "failed" } else { "queued" })
            .bind(next)
            .bind(error.message().chars().take(1000).collect::<String>())
        }
    };
    let updated = query
        .bind(mail.id)
        .bind(lease)
        .execute(&db.pool)
        .await?
        .rows_affected();
    if updated == 0 {
        tracing::warn!(
            mail_id = mail.id,
            "mail outcome not recorded: the lease ran out and the row was claimed again"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_in_the_upper_half() {
        assert_eq!(retry_delay_ms(1, 0.0), 500);
        assert_eq!(retry_delay_ms(1, 1.0), 1_000);
        assert_eq!(retry_delay_ms(2, 0.0), 1_000);
        assert_eq!(retry_delay_ms(3, 0.5), 3_000);
        let delay = retry_delay_ms(4, 0.25);
        assert!((4_000..=8_000).contains(&delay), "{delay}");
    }

    #[test]
    fn retry_delays_are_capped_at_an_hour() {
        assert_eq!(retry_delay_ms(40, 1.0), MAX_DELAY_MS);
        assert_eq!(retry_delay_ms(i64::MAX, 1.0), MAX_DELAY_MS);
        assert_eq!(
            retry_delay_ms(0, 1.0),
            1_000,
            "no attempt yet: the first delay"
        );
    }

    #[test]
    fn all_retries_together_take_hours_not_minutes() {
        let total: i64 = (1..MAX_ATTEMPTS).map(|n| retry_delay_ms(n, 0.0)).sum();
        assert!(total > 3_600_000, "{total}");
    }
}
