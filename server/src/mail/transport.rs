//! SMTP delivery with lettre over rustls: implicit TLS (`smtps://`) or STARTTLS
//! (`smtp://…?tls=required`), chosen by the configured URL. Unencrypted SMTP is accepted only
//! for a server on this machine (a local relay or a test stand-in), so credentials and links
//! never cross a network in the clear. The URL (with its credentials) is a [`Secret`] and is
//! never logged.

use crate::config::Secret;
use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::net::IpAddr;
use std::time::Duration;

/// Each SMTP command waits at most this long for the server's answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);
/// One whole delivery (connect, TLS, AUTH, MAIL, RCPT, DATA) takes at most this long.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a delivery failed: worth another try later, or never.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Network trouble, a timeout or a 4xx answer.
    #[error("{0}")]
    Transient(String),
    /// A 5xx answer or a message that cannot be built (e.g. an unusable address).
    #[error("permanent: {0}")]
    Permanent(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::Transient(message) | SendError::Permanent(message) => message,
        }
    }
}

/// What the worker hands over for one delivery.
pub struct Outgoing<'a> {
    pub message_id: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
}

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Refuses SMTP URLs that would send mail or credentials unencrypted over a network.
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "smtp_url is not a URL".to_string())?;
    let tls = parsed
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.to_string());
    let host = parsed
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| "smtp_url has no host".to_string())?;
    match (parsed.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", Some("required")) => Ok(()),
        ("smtp", None | Some("opportunistic")) if is_loopback(host) => Ok(()),
        ("smtp", None | Some("opportunistic")) => Err(format!(
            "smtp_url: {host} is not on this machine, so use smtps:// or smtp://…?tls=required \
             (unencrypted SMTP is only allowed to a local server)"
        )),
        (scheme, tls) => Err(format!(
            "smtp_url: unsupported scheme {scheme:?} or tls={tls:?} (use smtps:// or \
             smtp://…?tls=required)"
        )),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl SmtpSender {
    pub fn new(url: &Secret, from: &str) -> anyhow::Result<SmtpSender> {
        check_smtp_url(url.expose()).map_err(anyhow::Error::msg)?;
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("mail_from {from:?} is not a mail address"))?;
        // lettre's error for a bad URL does not repeat the URL, so the password stays out of it.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .context("reading smtp_url")?
            .timeout(Some(COMMAND_TIMEOUT))
            .build();
        Ok(SmtpSender { transport, from })
    }

    /// Delivers one message; every step is bounded by [`SEND_TIMEOUT`].
    #[tracing::instrument(skip_all, fields(message_id = mail.message_id), err(level = "info"))]
    pub async fn send(&self, mail: &Outgoing<'_>) -> Result<(), SendError> {
        let message = build_message(&self.from, mail)?;
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Err(_) => Err(SendError::Transient(format!(
                "no answer from the SMTP server within {} s",
                SEND_TIMEOUT.as_secs()
            ))),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) if error.is_permanent() => Err(SendError::Permanent(error.to_string())),
            Ok(Err(error)) => Err(SendError::Transient(error.to_string())),
        }
    }
}

fn build_message(from: &Mailbox, mail: &Outgoing<'_>) -> Result<Message, SendError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| SendError::Permanent(format!("{:?} is not a mail address", mail.to)))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject)
        .message_id(Some(mail.message_id.to_string()))
        .date_now();
    let built = match mail.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            mail.text.to_string(),
            html.to_string(),
        )),
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.to_string()),
    };
    built.map_err(|error| SendError::Permanent(format!("building the message: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_urls_are_accepted_for_any_host() {
        assert!(check_smtp_url("smtps://user:pw@smtp.example.com:465").is_ok());
        assert!(check_smtp_url("smtp://user:pw@smtp.example.com:587?tls=required").is_ok());
    }

    #[test]
    fn unencrypted_smtp_is_only_allowed_to_this_machine() {
        assert!(check_smtp_url("smtp://127.0.0.1:2525").is_ok());
        assert!(check_smtp_url("smtp://localhost:25").is_ok());
        assert!(check_smtp_url("smtp://[::1]:25").is_ok());
        let remote = check_smtp_url("smtp://user:hunter2@smtp.example.com:25")
            .expect_err("plain SMTP over a network");
        assert!(remote.contains("smtp.example.com"), "{remote}");
        assert!(!remote.contains("hunter2"), "the password is not repeated");
        assert!(check_smtp_url("smtp://smtp.example.com:587?tls=opportunistic").is_err());
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        assert!(check_smtp_url("http://smtp.example.com").is_err());
        assert!(check_smtp_url("smtp://smtp.example.com?tls=maybe").is_err());
        assert!(check_smtp_url("not a url").is_err());
    }

    #[test]
    fn a_message_carries_the_stored_message_id() {
        let from: Mailbox = "Cartwright <no-reply@example.com>".parse().expect("from");
        let message = build_message(
            &from,
            &Outgoing {
                message_id: "<abc@example.com>",
                to: "ana@example.com",
                subject: "Hello",
                text: "Plain",
                html: Some("<p>Rich</p>"),
            },
        )
        .expect("builds");
        let raw = String::from_utf8_lossy(&message.formatted()).to_string();
        assert!(raw.contains("Message-ID: <abc@example.com>"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
    }

    #[test]
    fn an_unusable_recipient_is_a_permanent_failure() {
        let from: Mailbox = "no-reply@example.com".parse().expect("from");
        let error = build_message(
            &from,
            &Outgoing {
                message_id: "<abc@example.com>",
                to: "not an address",
                subject: "Hello",
                text: "Plain",
                html: None,
            },
        )
        .expect_err("refused");
        assert!(matches!(error, SendError::Permanent(_)));
    }
}
