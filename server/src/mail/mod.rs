//! Transactional mail: written to the platform database's `mail_outbox` in the same transaction
//! as the change that causes it, then sent over SMTP by a background worker ([`worker`]), or
//! kept for the development mailbox ([`mailbox`]) when no SMTP server is configured.
//!
//! Nothing is sent from inside a request: a request only inserts a row, so a rolled-back change
//! never mails anyone, and a committed one is delivered even if the process dies right after.

pub mod mailbox;
pub mod shop_outbox;
pub mod templates;
pub mod transport;
pub mod worker;

use crate::db::now_ms;
use rand::RngCore;
use sqlx::{Any, Executor};
use std::sync::Arc;
use tokio::sync::Notify;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Writes mail into the outbox and tells the worker about it. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    /// `https://admin.example.com`: where links in mail point (no trailing slash).
    pub public_origin: String,
    /// The domain of the `From` address, used for `Message-ID`s.
    id_domain: String,
    wake: Arc<Notify>,
}

impl Mailer {
    pub fn new(public_origin: &str, from: &str) -> Mailer {
        Mailer {
            public_origin: public_origin.trim_end_matches('/').to_string(),
            id_domain: id_domain(from),
            wake: Arc::new(Notify::new()),
        }
    }

    /// An absolute link to `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.public_origin)
    }

    /// Queues `mail` inside the caller's transaction: it is sent only if that transaction
    /// commits. Call [`Mailer::wake`] after the commit so the worker picks it up at once.
    pub async fn enqueue<'e, E>(&self, executor: E, mail: &Mail) -> Result<(), sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO mail_outbox (message_id, recipient, subject, body_text, body_html, \
             status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $6)",
        )
        .bind(new_message_id(&self.id_domain))
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(mail.html.as_deref())
        .bind(now)
        .execute(executor)
        .await
        .map(|_| ())
    }

    /// A fresh `Message-ID` for a mail of this sender.
    pub(crate) fn new_message_id(&self) -> String {
        new_message_id(&self.id_domain)
    }

    /// Tells the worker that mail was committed (a no-op if it is busy: it looks again anyway).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn notified(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

/// The part after `@` of a `From` such as `Name <user@host>` (or `localhost`).
fn id_domain(from: &str) -> String {
    from.rsplit_once('@')
        .map(|(_, rest)| rest.trim_end_matches('>').trim().to_string())
        .filter(|domain| {
            !domain.is_empty()
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .unwrap_or_else(|| "localhost".to_string())
}

/// `<32 hex digits@domain>`: generated once per mail and stored, so that every delivery attempt
/// of that mail carries the same `Message-ID`.
fn new_message_id(domain: &str) -> String {
    let mut bytes = [0_u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("<{hex}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_unique_and_use_the_senders_domain() {
        let first = new_message_id(&id_domain("Cartwright <no-reply@shops.example.com>"));
        let second = new_message_id(&id_domain("Cartwright <no-reply@shops.example.com>"));
        assert!(first.starts_with('<') && first.ends_with("@shops.example.com>"));
        assert_eq!(first.len(), "<@shops.example.com>".len() + 32);
        assert_ne!(first, second);
    }

    #[test]
    fn an_odd_from_address_falls_back_to_localhost_in_message_ids() {
        assert_eq!(id_domain("no-reply@example.com"), "example.com");
        assert_eq!(id_domain("nobody"), "localhost");
        assert_eq!(id_domain("x <a@b c>"), "localhost");
    }

    #[test]
    fn links_are_absolute_without_a_double_slash() {
        let mailer = Mailer::new("https://admin.example.com/", "a@example.com");
        assert_eq!(
            mailer.link("/verify-email?token=abc"),
            "https://admin.example.com/verify-email?token=abc"
        );
    }
}
