//! Customer accounts of a shop: account types, tax ids, the merchant's verification of business
//! accounts, and the server-side rule that decides who may use the business (B2B) features.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Individual,
    Business,
}

impl AccountType {
    pub fn parse(raw: &str) -> Result<AccountType, AppError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "individual" => Ok(AccountType::Individual),
            "business" => Ok(AccountType::Business),
            _ => Err(AppError::invalid(
                "account_type",
                "choose individual or business",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Individual => "individual",
            AccountType::Business => "business",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountType::Individual => "Individual",
            AccountType::Business => "Business",
        }
    }
}

/// Where a business account stands with the merchant. Individual accounts stay `NotRequired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    NotRequired,
    Pending,
    Verified,
    Rejected,
}

/// What the merchant decides about a business account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationDecision {
    Verify,
    Reject { reason: String },
}

impl Verification {
    pub fn initial(account_type: AccountType) -> Verification {
        match account_type {
            AccountType::Individual => Verification::NotRequired,
            AccountType::Business => Verification::Pending,
        }
    }

    /// A customer's standing from their account type and their company's stored state: a
    /// business without a company (or with an unreadable state) is never verified.
    pub fn of_account(account_type: AccountType, company_state: Option<&str>) -> Verification {
        match account_type {
            AccountType::Individual => Verification::NotRequired,
            AccountType::Business => company_state
                .and_then(|raw| Verification::parse(raw).ok())
                .unwrap_or(Verification::Pending),
        }
    }

    pub fn parse(raw: &str) -> Result<Verification, AppError> {
        match raw {
            "not_required" => Ok(Verification::NotRequired),
            "pending" => Ok(Verification::Pending),
            "verified" => Ok(Verification::Verified),
            "rejected" => Ok(Verification::Rejected),
            _ => Err(AppError::invalid(
                "verification",
                "expected pending, verified or rejected",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verification::NotRequired => "not_required",
            Verification::Pending => "pending",
            Verification::Verified => "verified",
            Verification::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verification::NotRequired => "Not required",
            Verification::Pending => "Awaiting verification",
            Verification::Verified => "Verified",
            Verification::Rejected => "Rejected",
        }
    }

    /// The one place a verification state changes. A pending business can be verified or
    /// rejected (a reason is required: the customer sees it); a rejected one can be verified
    /// after all, and a verified one can be rejected later (its B2B access ends at once).
    pub fn transition(self, decision: &VerificationDecision) -> Result<Verification, AppError> {
        match (self, decision) {
            (Verification::NotRequired, _) => Err(AppError::Conflict(
                "Individual accounts are not verified".into(),
            )),
            (_, VerificationDecision::Reject { reason }) if reason.trim().is_empty() => {
                Err(AppError::invalid(
                    "reason",
                    "say why the business is rejected: the customer sees it",
                ))
            }
            (_, VerificationDecision::Reject { reason }) if reason.chars().count() > 500 => {
                Err(AppError::invalid("reason", "at most 500 characters"))
            }
            (Verification::Verified, VerificationDecision::Verify) => Err(AppError::Conflict(
                "The business is already verified".into(),
            )),
            (Verification::Rejected, VerificationDecision::Reject { .. }) => Err(
                AppError::Conflict("The business is already rejected".into()),
            ),
            (_, VerificationDecision::Verify) => Ok(Verification::Verified),
            (_, VerificationDecision::Reject { .. }) => Ok(Verification::Rejected),
        }
    }
}

/// What the server knows about a caller of the customer portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerStanding {
    pub account_type: AccountType,
    pub verification: Verification,
    pub rejection_reason: String,
}

/// The guard of every business (B2B) operation: only a verified business account passes.
/// Anonymous callers never get here (they are refused with 401 before).
pub fn require_verified_business(standing: &CustomerStanding) -> Result<(), AppError> {
    match (standing.account_type, standing.verification) {
        (AccountType::Business, Verification::Verified) => Ok(()),
        (AccountType::Individual, _) => Err(AppError::Forbidden(
            "Quotes and bulk orders are for business accounts; this is an individual account"
                .into(),
        )),
        (AccountType::Business, Verification::Rejected) => Err(AppError::Forbidden(format!(
            "The shop did not verify this business account: {}",
            standing.rejection_reason
        ))),
        (AccountType::Business, _) => Err(AppError::Forbidden(
            "This business account is waiting for the shop to verify it".into(),
        )),
    }
}

/// The period a buyer's spending limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitPeriod {
    Month,
    Quarter,
}

impl LimitPeriod {
    pub fn parse(raw: &str) -> Result<LimitPeriod, AppError> {
        match raw.trim() {
            "" | "month" => Ok(LimitPeriod::Month),
            "quarter" => Ok(LimitPeriod::Quarter),
            _ => Err(AppError::invalid("period", "month or quarter")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LimitPeriod::Month => "month",
            LimitPeriod::Quarter => "quarter",
        }
    }

    /// The first millisecond (UTC) of the month or quarter that contains `now_ms`.
    pub fn start_ms(self, now_ms: i64) -> i64 {
        let (year, month, _) = crate::dates::civil_from_ms(now_ms);
        let first_month = match self {
            LimitPeriod::Month => month,
            LimitPeriod::Quarter => (month - 1) / 3 * 3 + 1,
        };
        crate::dates::days_from_civil(year, first_month, 1) * 86_400_000
    }
}

/// A company buyer's order against their limit: what they spent in the period so far plus this
/// order must stay within the limit. `Err` carries what is left in the period.
pub fn within_limit(
    limit_minor: Option<i64>,
    spent_minor: i64,
    order_minor: i64,
) -> Result<(), i64> {
    match limit_minor {
        None => Ok(()),
        Some(limit) if spent_minor.saturating_add(order_minor) <= limit => Ok(()),
        Some(limit) => Err((limit - spent_minor).max(0)),
    }
}

/// A member's role in a company account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyRole {
    Admin,
    Buyer,
}

impl CompanyRole {
    pub fn parse(raw: &str) -> Option<CompanyRole> {
        match raw {
            "admin" => Some(CompanyRole::Admin),
            "buyer" => Some(CompanyRole::Buyer),
            _ => None,
        }
    }
}

/// Company administration (buyers, limits, approvals) is for the company's admin only; a role
/// that is missing or unknown never passes.
pub fn require_company_admin(role: &str) -> Result<(), AppError> {
    match CompanyRole::parse(role) {
        Some(CompanyRole::Admin) => Ok(()),
        _ => Err(AppError::Forbidden(
            "Only the company's admin can manage buyers, limits and approvals".into(),
        )),
    }
}

/// A tax id as entered, normalised (upper case, no spaces, dots or dashes) and checked: an EU
/// VAT number (country prefix + that country's format) or a US EIN (nine digits, valid prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxId {
    EuVat(String),
    UsEin(String),
}

impl TaxId {
    pub fn parse(raw: &str) -> Result<TaxId, AppError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}'))
            .collect::<String>()
            .to_ascii_uppercase();
        let hint = "enter an EU VAT number (e.g. DE123456789) or a US EIN (e.g. 12-3456789)";
        if compact.is_empty() {
            return Err(AppError::invalid(
                "tax_id",
                format!("required for business accounts: {hint}"),
            ));
        }
        if compact.len() == 9 && compact.bytes().all(|b| b.is_ascii_digit()) {
            return check_ein(&compact).map(TaxId::UsEin);
        }
        if compact.len() > 2 && compact.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic) {
            return check_eu_vat(&compact).map(TaxId::EuVat);
        }
        Err(AppError::invalid(
            "tax_id",
            format!("not a recognised tax id: {hint}"),
        ))
    }

    /// The stored form: `DE123456789`, `12-3456789`.
    pub fn as_text(&self) -> String {
        match self {
            TaxId::EuVat(vat) => vat.clone(),
            TaxId::UsEin(ein) => format!("{}-{}", &ein[..2], &ein[2..]),
        }
    }
}

/// EIN prefixes the IRS has never assigned.
const UNUSED_EIN_PREFIXES: [&str; 17] = [
    "00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89", "96",
    "97",
];

fn check_ein(digits: &str) -> Result<String, AppError> {
    if UNUSED_EIN_PREFIXES.contains(&&digits[..2]) {
        return Err(AppError::invalid(
            "tax_id",
            format!("{} is not a valid EIN prefix", &digits[..2]),
        ));
    }
    Ok(digits.to_string())
}

/// Character classes of a VAT number's body: `d` digit, `a` letter, `x` letter or digit,
/// `+` letter or `+`/`*` (Irish numbers).
const VAT_FORMATS: &[(&str, &[&str])] = &[
    ("AT", &["Udddddddd"]),
    ("BE", &["dddddddddd"]),
    ("BG", &["ddddddddd", "dddddddddd"]),
    ("CY", &["dddddddda"]),
    ("CZ", &["dddddddd", "ddddddddd", "dddddddddd"]),
    ("DE", &["ddddddddd"]),
    ("DK", &["dddddddd"]),
    ("EE", &["ddddddddd"]),
    ("EL", &["ddddddddd"]),
    ("ES", &["xdddddddx"]),
    ("FI", &["dddddddd"]),
    ("FR", &["xxddddddddd"]),
    ("HR", &["ddddddddddd"]),
    ("HU", &["dddddddd"]),
    ("IE", &["ddddddda", "dddddddaa", "d+ddddda"]),
    ("IT", &["ddddddddddd"]),
    ("LT", &["ddddddddd", "dddddddddddd"]),
    ("LU", &["dddddddd"]),
    ("LV", &["ddddddddddd"]),
    ("MT", &["dddddddd"]),
    ("NL", &["dddddddddBdd"]),
    ("PL", &["dddddddddd"]),
    ("PT", &["ddddddddd"]),
    (
        "RO",
        &[
            "dd",
            "ddd",
            "dddd",
            "ddddd",
            "dddddd",
            "ddddddd",
            "dddddddd",
            "ddddddddd",
            "dddddddddd",
        ],
    ),
    ("SE", &["dddddddddd01"]),
    ("SI", &["dddddddd"]),
    ("SK", &["dddddddddd"]),
    ("XI", &["ddddddddd", "dddddddddddd", "GDddd", "HAddd"]),
];

fn matches_format(body: &str, format: &str) -> bool {
    body.len() == format.len()
        && body.bytes().zip(format.bytes()).all(|(c, f)| match f {
            b'd' => c.is_ascii_digit(),
            b'a' => c.is_ascii_alphabetic(),
            b'x' => c.is_ascii_alphanumeric(),
            b'+' => c.is_ascii_alphabetic() || c == b'+' || c == b'*',
            literal => c == literal,
        })
}

fn check_eu_vat(compact: &str) -> Result<String, AppError> {
    let (country, body) = compact.split_at(2);
    let country = if country == "GR" { "EL" } else { country };
    let Some((_, formats)) = VAT_FORMATS.iter().find(|(code, _)| *code == country) else {
        return Err(AppError::invalid(
            "tax_id",
            format!("{country} is not an EU VAT country prefix (Greece is EL)"),
        ));
    };
    if !formats.iter().any(|format| matches_format(body, format)) {
        return Err(AppError::invalid(
            "tax_id",
            format!(
                "not a valid {country} VAT number ({country} followed by {})",
                describe(formats)
            ),
        ));
    }
    if country == "DE" && !german_check_digit_ok(body) {
        return Err(AppError::invalid(
            "tax_id",
            "not a valid DE VAT number (check digit does not match)",
        ));
    }
    Ok(format!("{country}{body}"))
}

fn describe(formats: &[&str]) -> String {
    let digits_only = formats.iter().all(|f| f.bytes().all(|b| b == b'd'));
    if digits_only {
        let mut lengths: Vec<usize> = formats.iter().map(|f| f.len()).collect();
        lengths.sort_unstable();
        let lengths: Vec<String> = lengths.iter().map(usize::to_string).collect();
        format!("{} digits", lengths.join(" or "))
    } else {
        "the country's format".into()
    }
}

/// German VAT numbers (USt-IdNr.) carry an ISO 7064 MOD 11,10 check digit.
fn german_check_digit_ok(body: &str) -> bool {
    let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
    let mut product = 10;
    for digit in &digits[..8] {
        let mut sum = (digit + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (2 * sum) % 11;
    }
    let check = (11 - product) % 10;
    check == digits[8]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(error: AppError) -> String {
        match error {
            AppError::Invalid { field, .. } => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn eu_vat_numbers_are_normalised_and_checked_per_country() {
        assert_eq!(
            TaxId::parse("de 136 695 976").map(|t| t.as_text()),
            Ok("DE136695976".into())
        );
        assert_eq!(
            TaxId::parse("NL 8530.16.491.B01").map(|t| t.as_text()),
            Ok("NL853016491B01".into())
        );
        assert_eq!(
            TaxId::parse("FRXX123456789").map(|t| t.as_text()),
            Ok("FRXX123456789".into())
        );
        assert_eq!(
            TaxId::parse("ATU12345678").map(|t| t.as_text()),
            Ok("ATU12345678".into())
        );
        assert_eq!(
            TaxId::parse("GR123456789").map(|t| t.as_text()),
            Ok("EL123456789".into())
        );
        assert_eq!(
            TaxId::parse("IE1234567T").map(|t| t.as_text()),
            Ok("IE1234567T".into())
        );
        // Wrong length, wrong characters, a check digit that does not match, no such country.
        for bad in [
            "DE12345678",
            "NL123456789X01",
            "ATX12345678",
            "DE136695977",
            "ZZ123456789",
            "IT1234",
        ] {
            assert_eq!(field(TaxId::parse(bad).expect_err(bad)), "tax_id", "{bad}");
        }
        let message = TaxId::parse("PL123").expect_err("short").to_string();
        assert!(message.contains("10 digits"), "{message}");
    }

    #[test]
    fn us_eins_need_nine_digits_and_an_assigned_prefix() {
        assert_eq!(
            TaxId::parse("12-3456789").map(|t| t.as_text()),
            Ok("12-3456789".into())
        );
        assert_eq!(
            TaxId::parse("123456789"),
            Ok(TaxId::UsEin("123456789".into()))
        );
        assert!(TaxId::parse("07-3456789").is_err());
        assert!(TaxId::parse("12-345678").is_err());
        assert!(TaxId::parse("")
            .expect_err("empty")
            .to_string()
            .contains("required"));
        assert!(TaxId::parse("hello").is_err());
    }

    #[test]
    fn verification_moves_only_through_the_transition_function() {
        use Verification::*;
        let verify = VerificationDecision::Verify;
        let reject = VerificationDecision::Reject {
            reason: "No trade register entry".into(),
        };
        let blank = VerificationDecision::Reject {
            reason: "  ".into(),
        };
        assert_eq!(Verification::initial(AccountType::Business), Pending);
        assert_eq!(Verification::initial(AccountType::Individual), NotRequired);
        assert_eq!(Pending.transition(&verify), Ok(Verified));
        assert_eq!(Pending.transition(&reject), Ok(Rejected));
        assert_eq!(Rejected.transition(&verify), Ok(Verified));
        assert_eq!(Verified.transition(&reject), Ok(Rejected));
        assert!(matches!(
            Verified.transition(&verify),
            Err(AppError::Conflict(_))
        ));
        assert!(matches!(
            Rejected.transition(&reject),
            Err(AppError::Conflict(_))
        ));
        assert!(matches!(
            NotRequired.transition(&verify),
            Err(AppError::Conflict(_))
        ));
        assert_eq!(
            field(Pending.transition(&blank).expect_err("blank")),
            "reason"
        );
    }

    #[test]
    fn only_verified_businesses_pass_the_business_guard() {
        let standing = |account_type, verification| CustomerStanding {
            account_type,
            verification,
            rejection_reason: "Tax id does not match the company".into(),
        };
        assert_eq!(
            require_verified_business(&standing(AccountType::Business, Verification::Verified)),
            Ok(())
        );
        for (account_type, verification) in [
            (AccountType::Individual, Verification::NotRequired),
            (AccountType::Individual, Verification::Verified),
            (AccountType::Business, Verification::Pending),
            (AccountType::Business, Verification::Rejected),
        ] {
            let refused = require_verified_business(&standing(account_type, verification));
            assert!(
                matches!(refused, Err(AppError::Forbidden(_))),
                "{account_type:?} {verification:?}"
            );
        }
        let rejected =
            require_verified_business(&standing(AccountType::Business, Verification::Rejected));
        assert!(rejected
            .expect_err("rejected")
            .to_string()
            .contains("does not match"));
    }

    #[test]
    fn limit_periods_start_at_the_month_or_quarter() {
        // 2026-11-22 12:00 UTC.
        let now = crate::dates::days_from_civil(2026, 11, 22) * 86_400_000 + 43_200_000;
        assert_eq!(
            LimitPeriod::Month.start_ms(now),
            crate::dates::days_from_civil(2026, 11, 1) * 86_400_000
        );
        assert_eq!(
            LimitPeriod::Quarter.start_ms(now),
            crate::dates::days_from_civil(2026, 10, 1) * 86_400_000
        );
        let february = crate::dates::days_from_civil(2027, 2, 28) * 86_400_000;
        assert_eq!(
            LimitPeriod::Quarter.start_ms(february),
            crate::dates::days_from_civil(2027, 1, 1) * 86_400_000
        );
        assert!(LimitPeriod::parse("year").is_err());
    }

    #[test]
    fn the_limit_counts_what_was_already_spent() {
        assert_eq!(within_limit(None, 1_000_000, 5), Ok(()));
        assert_eq!(within_limit(Some(10_000), 6_000, 4_000), Ok(()));
        assert_eq!(within_limit(Some(10_000), 6_000, 4_001), Err(4_000));
        assert_eq!(within_limit(Some(10_000), 12_000, 1), Err(0));
    }

    #[test]
    fn only_a_company_admin_administers_the_company() {
        assert_eq!(require_company_admin("admin"), Ok(()));
        for role in ["buyer", "", "Admin", "owner"] {
            assert!(
                matches!(require_company_admin(role), Err(AppError::Forbidden(_))),
                "{role}"
            );
        }
    }
}
