//! Pure rules about shops: slugs, currencies, time zones, host names, roles and the shop lifecycle.

use crate::error::{AppError, UnknownStoredValue};
use serde::{Deserialize, Serialize};

/// Words that would collide with routes, infrastructure host names or our own brand.
const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "billing",
    "blog",
    "cartwright",
    "cdn",
    "dashboard",
    "dev",
    "docs",
    "ftp",
    "healthz",
    "help",
    "login",
    "logout",
    "mail",
    "new",
    "pkg",
    "readyz",
    "root",
    "settings",
    "shop",
    "shops",
    "signup",
    "smtp",
    "static",
    "status",
    "support",
    "system",
    "test",
    "www",
];

/// A shop's URL name: 3–40 of `a-z`, `0-9` and `-`, not starting or ending with `-`, not reserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let slug = raw.trim();
        let invalid = |message: &str| AppError::invalid("slug", message);
        let length = slug.chars().count();
        if length < 3 {
            return Err(invalid("must be at least 3 characters"));
        }
        if length > 40 {
            return Err(invalid("must be at most 40 characters"));
        }
        if !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid(
                "may contain only lowercase letters, digits and hyphens",
            ));
        }
        if slug.starts_with('-') || slug.ends_with('-') {
            return Err(invalid("must not start or end with a hyphen"));
        }
        if slug.contains("--") {
            return Err(invalid("must not contain two hyphens in a row"));
        }
        if RESERVED_SLUGS.contains(&slug) {
            return Err(invalid("is a reserved word; choose another"));
        }
        Ok(Slug(slug.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Currencies a shop can sell in, with the number of decimals of their minor unit (ISO 4217).
pub const CURRENCIES: &[(&str, u8)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("JPY", 0),
];

pub fn parse_currency(raw: &str) -> Result<String, AppError> {
    let code = raw.trim().to_ascii_uppercase();
    if CURRENCIES.iter().any(|(known, _)| *known == code) {
        Ok(code)
    } else {
        Err(AppError::invalid(
            "currency",
            format!("'{}' is not a supported currency", raw.trim()),
        ))
    }
}

/// Minor-unit exponent of a supported currency (2 for EUR, 0 for JPY).
pub fn currency_exponent(code: &str) -> u8 {
    CURRENCIES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, exponent)| *exponent)
        .unwrap_or(2)
}

/// Formats integer minor units for display, e.g. `123456, "EUR"` → `EUR 1,234.56`.
pub fn format_money(minor: i64, currency: &str) -> String {
    crate::money::AmountStyle::Point.money(minor, currency)
}

/// Appends the amount part of [`format_money`] (`-1,234.56`: sign, thousands grouped, `exponent`
/// decimals) to `out`, without allocating.
pub fn push_amount(out: &mut String, minor: i64, exponent: u8) {
    push_amount_marked(out, minor, exponent, ",", '.');
}

/// [`push_amount`] with `group` between thousands and `decimal` as the decimal mark
/// (`1.234,56`, `1 234,56`).
pub fn push_amount_marked(out: &mut String, minor: i64, exponent: u8, group: &str, decimal: char) {
    let divisor = 10_u64.pow(u32::from(exponent));
    let absolute = minor.unsigned_abs();
    let (whole, fraction) = (absolute / divisor, absolute % divisor);
    if minor < 0 {
        out.push('-');
    }
    let (digits, count) = decimal_digits(whole);
    for place in (0..count).rev() {
        out.push(char::from(digits[place]));
        if place > 0 && place % 3 == 0 {
            out.push_str(group);
        }
    }
    if exponent > 0 {
        out.push(decimal);
        for place in (0..u32::from(exponent)).rev() {
            out.push(char::from(b'0' + (fraction / 10_u64.pow(place) % 10) as u8));
        }
    }
}

/// Appends `value` in decimal (`-1234`, no grouping) to `out`, without `format!`.
pub fn push_integer(out: &mut String, value: i64) {
    if value < 0 {
        out.push('-');
    }
    let (digits, count) = decimal_digits(value.unsigned_abs());
    for &digit in digits[..count].iter().rev() {
        out.push(char::from(digit));
    }
}

/// The ASCII decimal digits of `value`, least significant first, and how many there are (a
/// `u64` has at most 20).
fn decimal_digits(value: u64) -> ([u8; 20], usize) {
    let mut digits = [0_u8; 20];
    let mut count = 0;
    let mut rest = value;
    loop {
        digits[count] = b'0' + (rest % 10) as u8;
        count += 1;
        rest /= 10;
        if rest == 0 {
            return (digits, count);
        }
    }
}

/// Time zones offered when creating a shop (IANA names).
pub const TIMEZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Zurich",
    "Europe/Vienna",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Warsaw",
    "Europe/Prague",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Australia/Sydney",
    "Pacific/Auckland",
];

pub fn parse_timezone(raw: &str) -> Result<String, AppError> {
    let zone = raw.trim();
    if TIMEZONES.contains(&zone) {
        Ok(zone.to_string())
    } else {
        Err(AppError::invalid(
            "timezone",
            format!("'{zone}' is not a supported time zone"),
        ))
    }
}

pub fn parse_shop_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "is required"));
    }
    if name.chars().count() > 80 {
        return Err(AppError::invalid("name", "must be at most 80 characters"));
    }
    Ok(name.to_string())
}

/// A custom domain a merchant registers for a shop, e.g. `shop.example.com`.
pub fn parse_hostname(raw: &str) -> Result<String, AppError> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let invalid = |message: &str| AppError::invalid("hostname", message);
    if host.is_empty() {
        return Err(invalid("is required"));
    }
    if host.len() > 253 {
        return Err(invalid("must be at most 253 characters"));
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return Err(invalid(
            "must be a full domain name such as shop.example.com",
        ));
    }
    for label in &labels {
        let label_ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !label_ok {
            return Err(invalid("is not a valid domain name"));
        }
    }
    Ok(host)
}

/// The label under which a custom domain's owner publishes its verification token:
/// `_cartwright-verify.<hostname>` must hold a TXT record with exactly the token.
pub const VERIFICATION_LABEL: &str = "_cartwright-verify";

/// The DNS name whose TXT record proves control of `hostname`.
pub fn verification_record_name(hostname: &str) -> String {
    format!("{VERIFICATION_LABEL}.{hostname}")
}

/// Whether one of the TXT strings found at the verification name is the token. Surrounding
/// spaces and quotes are ignored, as some DNS panels add them to what the owner pasted.
pub fn txt_proves_token(records: &[String], token: &str) -> bool {
    !token.is_empty()
        && records
            .iter()
            .any(|record| record.trim().trim_matches('"').trim() == token)
}

/// A custom domain a merchant may claim: a valid domain name that is none of the platform's own
/// hosts (`base_domain` and anything under it, `localhost` and `*.localhost`, IP literals in any
/// spelling a browser accepts, and `platform_hosts`, the hosts the platform itself is served on).
pub fn parse_custom_domain(
    raw: &str,
    base_domain: &str,
    platform_hosts: &[String],
) -> Result<String, AppError> {
    let invalid = |message: String| AppError::invalid("hostname", message);
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Err(invalid(
            "an IP address cannot be a shop's domain; use a domain name such as shop.example.com"
                .into(),
        ));
    }
    if host == "localhost" || host.ends_with(".localhost") {
        return Err(invalid(format!(
            "{host} is a local name of this machine and cannot be claimed"
        )));
    }
    let host = parse_hostname(&host)?;
    // Browsers read a host whose last label is a number (`127.1`, `0x7f.1`) as an IPv4 address.
    let last = host.rsplit('.').next().unwrap_or_default();
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|digits| digits.chars().all(|c| c.is_ascii_hexdigit()));
    if last.chars().all(|c| c.is_ascii_digit()) || hex {
        return Err(invalid(
            "must end in a top-level domain such as .com, not a number".into(),
        ));
    }
    let base = base_domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host == base || host.ends_with(&format!(".{base}")) {
        return Err(invalid(format!(
            "addresses under {base} are assigned automatically"
        )));
    }
    if platform_hosts
        .iter()
        .any(|platform| normalise_host(platform).trim_end_matches('.') == host)
    {
        return Err(invalid(format!(
            "{host} is an address of the platform itself and cannot be claimed"
        )));
    }
    Ok(host)
}

/// Strips the port from a `Host` header value and lower-cases it.
pub fn normalise_host(host_header: &str) -> String {
    let host = host_header.trim().to_ascii_lowercase();
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
        _ => host,
    }
}

/// Given a request host and the platform's base domain, the shop slug it names, if any.
pub fn subdomain_slug(host: &str, base_domain: &str) -> Option<String> {
    let host = normalise_host(host);
    let suffix = format!(".{}", base_domain.to_ascii_lowercase());
    let label = host.strip_suffix(&suffix)?;
    if label.contains('.') {
        return None;
    }
    Slug::parse(label).ok().map(|slug| slug.0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "owner" => Some(Role::Owner),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopStatus {
    Provisioning,
    Active,
    Suspended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopEvent {
    ProvisioningFinished,
    Suspend,
    Reactivate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a shop that is {from:?} cannot {event:?}")]
pub struct InvalidTransition {
    pub from: ShopStatus,
    pub event: ShopEvent,
}

impl From<InvalidTransition> for AppError {
    fn from(error: InvalidTransition) -> Self {
        let message = match (error.from, error.event) {
            (ShopStatus::Provisioning, _) => "The shop is still being set up",
            (ShopStatus::Suspended, ShopEvent::Suspend) => "The shop is already suspended",
            (ShopStatus::Active, ShopEvent::Reactivate) => "The shop is already active",
            _ => "That change is not possible for this shop",
        };
        AppError::Conflict(message.into())
    }
}

impl ShopStatus {
    /// The only way a shop's status changes.
    pub fn transition(self, event: ShopEvent) -> Result<ShopStatus, InvalidTransition> {
        match (self, event) {
            (ShopStatus::Provisioning, ShopEvent::ProvisioningFinished) => Ok(ShopStatus::Active),
            (ShopStatus::Active, ShopEvent::Suspend) => Ok(ShopStatus::Suspended),
            (ShopStatus::Suspended, ShopEvent::Reactivate) => Ok(ShopStatus::Active),
            (from, event) => Err(InvalidTransition { from, event }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ShopStatus::Provisioning => "provisioning",
            ShopStatus::Active => "active",
            ShopStatus::Suspended => "suspended",
        }
    }

    pub fn parse(raw: &str) -> Option<ShopStatus> {
        match raw {
            "provisioning" => Some(ShopStatus::Provisioning),
            "active" => Some(ShopStatus::Active),
            "suspended" => Some(ShopStatus::Suspended),
            _ => None,
        }
    }
}

/// The steps of provisioning, in order. Each is idempotent so a crash is finished by re-running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningStep {
    Registered,
    DatabaseCreated,
    Migrated,
    Activated,
}

impl ProvisioningStep {
    pub const ALL: [ProvisioningStep; 4] = [
        ProvisioningStep::Registered,
        ProvisioningStep::DatabaseCreated,
        ProvisioningStep::Migrated,
        ProvisioningStep::Activated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ProvisioningStep::Registered => "Registry entry created",
            ProvisioningStep::DatabaseCreated => "Database created",
            ProvisioningStep::Migrated => "Schema migrated",
            ProvisioningStep::Activated => "Shop active",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProvisioningStep::Registered => "registered",
            ProvisioningStep::DatabaseCreated => "database_created",
            ProvisioningStep::Migrated => "migrated",
            ProvisioningStep::Activated => "activated",
        }
    }

    pub fn parse(raw: &str) -> Option<ProvisioningStep> {
        Self::ALL.into_iter().find(|step| step.as_str() == raw)
    }
}

/// Decoding of the platform database's `shops.status` column (see [`UnknownStoredValue`]).
impl TryFrom<String> for ShopStatus {
    type Error = UnknownStoredValue;
    fn try_from(stored: String) -> Result<Self, Self::Error> {
        ShopStatus::parse(&stored).ok_or(UnknownStoredValue {
            what: "shop status",
            value: stored,
        })
    }
}

/// Decoding of the platform database's `shops.provisioning_step` column.
impl TryFrom<String> for ProvisioningStep {
    type Error = UnknownStoredValue;
    fn try_from(stored: String) -> Result<Self, Self::Error> {
        ProvisioningStep::parse(&stored).ok_or(UnknownStoredValue {
            what: "provisioning step",
            value: stored,
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_stored_status_or_step_that_no_variant_names_fails_to_decode() {
        assert_eq!(
            ShopStatus::try_from("suspended".to_string()),
            Ok(ShopStatus::Suspended)
        );
        let error = ShopStatus::try_from("frozen".to_string()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown shop status \"frozen\" stored in the database"
        );
        assert_eq!(
            ProvisioningStep::try_from("migrated".to_string()),
            Ok(ProvisioningStep::Migrated)
        );
        assert!(ProvisioningStep::try_from("Migrated".to_string()).is_err());
    }
    use super::*;

    #[test]
    fn slug_accepts_lowercase_digits_and_hyphens() {
        assert_eq!(
            Slug::parse("north-wind-42").expect("valid").as_str(),
            "north-wind-42"
        );
    }

    #[test]
    fn slug_rules_are_enforced_with_a_message_naming_the_field() {
        for raw in [
            "ab",
            "Bad Slug!",
            "UPPER",
            "-lead",
            "trail-",
            "dou--ble",
            &"a".repeat(41),
            "api",
            "www",
        ] {
            let error = Slug::parse(raw).expect_err(raw);
            assert!(
                matches!(&error, AppError::Invalid { field, .. } if field == "slug"),
                "{raw}"
            );
        }
        assert!(Slug::parse(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn shop_lifecycle_allows_only_listed_transitions() {
        use ShopEvent::*;
        use ShopStatus::*;
        assert_eq!(Provisioning.transition(ProvisioningFinished), Ok(Active));
        assert_eq!(Active.transition(Suspend), Ok(Suspended));
        assert_eq!(Suspended.transition(Reactivate), Ok(Active));
        for (from, event) in [
            (Provisioning, Suspend),
            (Provisioning, Reactivate),
            (Active, ProvisioningFinished),
            (Active, Reactivate),
            (Suspended, Suspend),
            (Suspended, ProvisioningFinished),
        ] {
            assert_eq!(
                from.transition(event),
                Err(InvalidTransition { from, event })
            );
        }
    }

    #[test]
    fn currency_must_be_supported() {
        assert_eq!(parse_currency("eur").expect("valid"), "EUR");
        assert!(parse_currency("XYZ").is_err());
    }

    #[test]
    fn money_is_formatted_by_the_currency_exponent() {
        assert_eq!(format_money(123_456, "EUR"), "EUR 1,234.56");
        assert_eq!(format_money(5, "USD"), "USD 0.05");
        assert_eq!(format_money(1_234_567, "JPY"), "JPY 1,234,567");
        assert_eq!(format_money(-250, "GBP"), "GBP -2.50");
        assert_eq!(format_money(0, "EUR"), "EUR 0.00");
        assert_eq!(format_money(99_999, "EUR"), "EUR 999.99");
        assert_eq!(format_money(100_000, "EUR"), "EUR 1,000.00");
        assert_eq!(format_money(-123_456_789, "JPY"), "JPY -123,456,789");
        let mut three_decimals = String::from("x");
        push_amount(&mut three_decimals, 1_000_500, 3);
        assert_eq!(three_decimals, "x1,000.500");
        assert_eq!(
            format_money(i64::MIN, "USD"),
            "USD -92,233,720,368,547,758.08"
        );
    }

    #[test]
    fn hostnames_are_validated_and_normalised() {
        assert_eq!(
            parse_hostname("Shop.Example.com.").expect("valid"),
            "shop.example.com"
        );
        for raw in ["", "localhost", "bad_host.com", "-a.com", "a..com"] {
            assert!(parse_hostname(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn the_platforms_own_hosts_cannot_be_claimed() {
        let platform = vec!["admin.cartwright.example".to_string()];
        let claim = |raw: &str| parse_custom_domain(raw, "cartwright.test", &platform);
        assert_eq!(
            claim("Shop.Example.com.").expect("valid"),
            "shop.example.com"
        );
        for raw in [
            "localhost",
            "LOCALHOST.",
            "shop.localhost",
            "a.b.localhost",
            "127.0.0.1",
            "10.0.0.1",
            "[::1]",
            "::1",
            "127.1",
            "0x7f.0.0.1",
            "cartwright.test",
            "shop.cartwright.test",
            "a.b.cartwright.test",
            "admin.cartwright.example",
            "bad_host.example.com",
            "",
        ] {
            let error = claim(raw).expect_err(raw);
            assert!(
                matches!(&error, AppError::Invalid { field, .. } if field == "hostname"),
                "{raw}: {error:?}"
            );
        }
    }

    #[test]
    fn only_the_exact_token_proves_a_domain() {
        let token = "0123abcd";
        assert_eq!(
            verification_record_name("shop.example.com"),
            "_cartwright-verify.shop.example.com"
        );
        assert!(txt_proves_token(
            &["v=spf1 -all".into(), "0123abcd".into()],
            token
        ));
        assert!(txt_proves_token(&[" \"0123abcd\" ".into()], token));
        assert!(!txt_proves_token(&["0123abcd-extra".into()], token));
        assert!(!txt_proves_token(&["0123ABCD0".into()], token));
        assert!(!txt_proves_token(&[], token));
        assert!(!txt_proves_token(&["".into()], ""));
    }

    #[test]
    fn subdomain_of_the_base_domain_names_a_shop() {
        assert_eq!(
            subdomain_slug("north-wind.cartwright.test:3000", "cartwright.test"),
            Some("north-wind".into())
        );
        assert_eq!(subdomain_slug("cartwright.test", "cartwright.test"), None);
        assert_eq!(
            subdomain_slug("a.b.cartwright.test", "cartwright.test"),
            None
        );
        assert_eq!(
            subdomain_slug("www.cartwright.test", "cartwright.test"),
            None
        );
        assert_eq!(subdomain_slug("shop.example.com", "cartwright.test"), None);
    }

    #[test]
    fn provisioning_steps_are_ordered() {
        assert!(ProvisioningStep::Registered < ProvisioningStep::Activated);
        for step in ProvisioningStep::ALL {
            assert_eq!(ProvisioningStep::parse(step.as_str()), Some(step));
        }
    }
}
