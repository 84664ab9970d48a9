//! Money as integer minor units of the shop's currency: parsing what people type ("12.50",
//! "1,299.00") and checked arithmetic. Never `f64`.

use crate::error::AppError;
use crate::shops::rules::push_amount_marked;
pub use crate::shops::rules::{currency_exponent, format_money, push_amount, push_integer};
use serde::{Deserialize, Serialize};

/// How a shop writes amounts on its pages: which mark groups thousands and which is the decimal
/// mark. Reading is the same for every shop ([`parse_amount`] takes all of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountStyle {
    /// `1,234.56` (English, and the API's JSON text everywhere).
    #[default]
    Point,
    /// `1.234,56` (German, Spanish, Italian, Dutch, …).
    Comma,
    /// `1 234,56` with a narrow no-break space (French, Nordic, Polish, Czech, …).
    SpaceComma,
    /// `1'234.56` (Swiss).
    Apostrophe,
}

impl AmountStyle {
    pub const ALL: [AmountStyle; 4] = [
        AmountStyle::Point,
        AmountStyle::Comma,
        AmountStyle::SpaceComma,
        AmountStyle::Apostrophe,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            AmountStyle::Point => "point",
            AmountStyle::Comma => "comma",
            AmountStyle::SpaceComma => "space_comma",
            AmountStyle::Apostrophe => "apostrophe",
        }
    }

    pub fn parse(raw: &str, field: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        AmountStyle::ALL
            .into_iter()
            .find(|style| style.as_str() == raw)
            .ok_or_else(|| {
                AppError::invalid(
                    field,
                    format!("\"{raw}\" is not one of point (1,234.56), comma (1.234,56), space_comma (1 234,56), apostrophe (1'234.56)"),
                )
            })
    }

    /// How 1234.56 looks in this style, for choosing one.
    pub fn example(self) -> String {
        let mut text = String::new();
        self.push_amount(&mut text, 123_456, 2);
        text
    }

    fn marks(self) -> (&'static str, char) {
        match self {
            AmountStyle::Point => (",", '.'),
            AmountStyle::Comma => (".", ','),
            AmountStyle::SpaceComma => ("\u{202f}", ','),
            AmountStyle::Apostrophe => ("'", '.'),
        }
    }

    /// Appends the amount (`1.234,56`) without the currency.
    pub fn push_amount(self, out: &mut String, minor: i64, exponent: u8) {
        let (group, decimal) = self.marks();
        push_amount_marked(out, minor, exponent, group, decimal);
    }

    /// `EUR 1.234,56`: the currency code, then the amount in this style.
    pub fn money(self, minor: i64, currency: &str) -> String {
        let mut text = String::with_capacity(currency.len() + 16);
        text.push_str(currency);
        text.push(' ');
        self.push_amount(&mut text, minor, currency_exponent(currency));
        text
    }
}

/// Parses an amount as people type it into minor units of `currency`, naming `field` in errors.
///
/// One rule for every money field (forms, API, CSV, quotes, price lists):
/// - `12.50` and `12,50` are 12.50: a single `.` or `,` followed by one, two (or, for a
///   currency with three decimals, three) digits is the decimal mark;
/// - `1,250.00`, `1.250,00`, `1 250,00` and `1'250.00` are 1250.00: with both marks, the last one
///   is the decimal mark and the other groups thousands; spaces (also no-break spaces) and
///   apostrophes group thousands too; groups are checked (threes after the first);
/// - `1,250` or `1.250` (one mark, exactly three digits after it) could be 1250 or 1.25, so it is
///   refused with both readings, unless the currency has no decimals (JPY: 1250);
/// - at most as many decimals as the currency has; no signs, letters or currency symbols.
pub fn parse_amount(text: &str, currency: &str, field: &str) -> Result<i64, AppError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if trimmed.starts_with('-') {
        return Err(AppError::invalid(field, "must not be negative"));
    }
    let exponent = usize::from(currency_exponent(currency));
    let not_an_amount = || {
        AppError::invalid(
            field,
            format!("\"{trimmed}\" is not an amount (write it like 12.50, 12,50 or 1,250.00)"),
        )
    };
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || is_group_space(c))
    {
        return Err(not_an_amount());
    }
    let (integer, fraction) = split_decimal(trimmed, exponent, field)?;
    let whole = grouped_digits(integer).ok_or_else(|| {
        AppError::invalid(
            field,
            format!("\"{trimmed}\" is not an amount: group thousands in threes (1,250,000.00) or leave them out (1250000.00)"),
        )
    })?;
    if !fraction.chars().all(|c| c.is_ascii_digit()) || whole.is_empty() && fraction.is_empty() {
        return Err(not_an_amount());
    }
    if fraction.len() > exponent {
        return Err(AppError::invalid(
            field,
            match exponent {
                0 => format!("{currency} amounts have no decimals (got \"{trimmed}\")"),
                n => format!("has more than {n} decimals (got \"{trimmed}\")"),
            },
        ));
    }
    let too_large = || AppError::invalid(field, "is too large");
    let whole_value: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let fraction_value: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<exponent$}")
            .parse()
            .map_err(|_| too_large())?
    };
    whole_value
        .checked_mul(10_i64.pow(exponent as u32))
        .and_then(|value| value.checked_add(fraction_value))
        .filter(|value| *value <= MAX_AMOUNT_MINOR)
        .ok_or_else(too_large)
}

/// Characters that group thousands besides `,` and `.`: spaces (also no-break and narrow
/// no-break spaces) and apostrophes (Switzerland).
fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '\u{2019}')
}

/// Splits `text` at its decimal mark: `(integer part with its grouping, fraction digits)`.
fn split_decimal<'a>(
    text: &'a str,
    exponent: usize,
    field: &str,
) -> Result<(&'a str, &'a str), AppError> {
    let commas = text.matches(',').count();
    let dots = text.matches('.').count();
    let last_mark = text.rfind([',', '.']);
    let Some(at) = last_mark else {
        return Ok((text, ""));
    };
    let (mark, other) = if text[at..].starts_with(',') {
        (',', '.')
    } else {
        ('.', ',')
    };
    let (marks, others) = if mark == ',' {
        (commas, dots)
    } else {
        (dots, commas)
    };
    let (before, after) = (&text[..at], &text[at + 1..]);
    if others > 0 {
        // Both marks: the last one is the decimal mark, written once, after every group mark.
        if marks > 1 || before.contains(mark) {
            return Err(AppError::invalid(
                field,
                format!("\"{text}\" is not an amount (more than one decimal mark)"),
            ));
        }
        if before.contains(other) || before.chars().any(is_group_space) {
            return Ok((before, after));
        }
    }
    if marks > 1 {
        // One mark, written more than once: it groups thousands (1.250.000).
        return Ok((text, ""));
    }
    if after.len() == 3 && !before.is_empty() && after.chars().all(|c| c.is_ascii_digit()) {
        if exponent == 0 {
            return Ok((text, ""));
        }
        {
            let digits = before.replace(is_group_space, "");
            let example: String = after.chars().take(exponent).collect();
            return Err(AppError::invalid(
                field,
                format!(
                    "\"{text}\" could mean {digits}{after} or {digits}.{after}: write {digits}{after} (or {digits}{after}.00) for thousands, or at most {exponent} decimals (like {digits}.{example})"
                ),
            ));
        }
    }
    Ok((before, after))
}

/// The digits of an integer part, its group marks (`,` `.` spaces apostrophes) checked: the first
/// group has one to three digits, every later group exactly three. `None` for a bad grouping.
fn grouped_digits(integer: &str) -> Option<String> {
    let groups: Vec<&str> = integer
        .split(|c: char| c == ',' || c == '.' || is_group_space(c))
        .collect();
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|group| group.len() == 3);
        if !first_ok || !rest_ok {
            return None;
        }
    }
    let digits: String = groups.concat();
    digits.chars().all(|c| c.is_ascii_digit()).then_some(digits)
}

/// An optional amount: blank means absent.
pub fn parse_optional_amount(
    text: &str,
    currency: &str,
    field: &str,
) -> Result<Option<i64>, AppError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_amount(text, currency, field).map(Some)
    }
}

/// Minor units written back as the decimal text `parse_amount` reads (no separators).
pub fn amount_text(minor: i64, currency: &str) -> String {
    let exponent = u32::from(currency_exponent(currency));
    if exponent == 0 {
        return minor.to_string();
    }
    let divisor = 10_i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let absolute = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        absolute / divisor.unsigned_abs(),
        absolute % divisor.unsigned_abs(),
        width = exponent as usize
    )
}

/// The largest amount accepted anywhere (10^13 minor units): far above any real order, far
/// below where sums of many lines could overflow `i64`.
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;

/// `price × quantity`, refusing overflow instead of wrapping.
pub fn line_total(unit_price_minor: i64, quantity: i64) -> Result<i64, AppError> {
    unit_price_minor
        .checked_mul(quantity)
        .filter(|total| *total <= MAX_AMOUNT_MINOR)
        .ok_or_else(|| AppError::invalid("quantity", "the line total is too large"))
}

/// Decoding of the platform database's `shops.amount_style` column (see
/// [`crate::error::UnknownStoredValue`]).
impl TryFrom<String> for AmountStyle {
    type Error = crate::error::UnknownStoredValue;
    fn try_from(stored: String) -> Result<Self, Self::Error> {
        AmountStyle::parse(&stored, "amount_style").map_err(|_| crate::error::UnknownStoredValue {
            what: "amount style",
            value: stored,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_into_minor_units_by_currency_exponent() {
        assert_eq!(parse_amount("12.50", "EUR", "price"), Ok(1250));
        assert_eq!(parse_amount("12.5", "EUR", "price"), Ok(1250));
        assert_eq!(parse_amount("12", "USD", "price"), Ok(1200));
        assert_eq!(parse_amount(".99", "USD", "price"), Ok(99));
        assert_eq!(parse_amount("1,299.00", "USD", "price"), Ok(129_900));
        assert_eq!(parse_amount(" 0 ", "USD", "price"), Ok(0));
        assert_eq!(parse_amount("1280", "JPY", "price"), Ok(1280));
    }

    #[test]
    fn too_many_decimals_negative_and_junk_amounts_are_refused_naming_the_field() {
        let error = parse_amount("12.5055", "EUR", "price").expect_err("4 decimals");
        assert_eq!(error.status_code(), 400);
        assert!(error
            .to_string()
            .starts_with("price: has more than 2 decimals"));
        assert!(parse_amount("12.5", "JPY", "price")
            .expect_err("JPY has no decimals")
            .to_string()
            .contains("JPY amounts have no decimals"));
        assert!(parse_amount("-1", "EUR", "price")
            .expect_err("negative")
            .to_string()
            .contains("negative"));
        for junk in ["", "abc", "1.2.3", "1e3", "€12", "."] {
            assert!(parse_amount(junk, "EUR", "price").is_err(), "{junk:?}");
        }
        assert!(parse_amount("99999999999999999999", "EUR", "price").is_err());
    }

    #[test]
    fn amount_text_round_trips_through_parse() {
        for (minor, currency) in [(1250, "EUR"), (5, "USD"), (0, "GBP"), (128_000, "JPY")] {
            let text = amount_text(minor, currency);
            assert_eq!(parse_amount(&text, currency, "price"), Ok(minor), "{text}");
        }
        assert_eq!(amount_text(1250, "EUR"), "12.50");
    }

    #[test]
    fn line_totals_refuse_overflow() {
        assert_eq!(line_total(1250, 3), Ok(3750));
        assert!(line_total(i64::MAX / 2, 3).is_err());
    }

    #[test]
    fn optional_amounts_treat_blank_as_absent() {
        assert_eq!(
            parse_optional_amount("  ", "EUR", "compare_at_price"),
            Ok(None)
        );
        assert_eq!(
            parse_optional_amount("3", "EUR", "compare_at_price"),
            Ok(Some(300))
        );
    }

    #[test]
    fn a_decimal_comma_is_a_decimal_mark_never_hundreds() {
        assert_eq!(parse_amount("12,50", "EUR", "price"), Ok(1250));
        assert_eq!(parse_amount("12,5", "EUR", "price"), Ok(1250));
        assert_eq!(parse_amount("179,00", "USD", "price"), Ok(17_900));
        assert_eq!(parse_amount("0,99", "EUR", "price"), Ok(99));
        assert_eq!(parse_amount(",99", "EUR", "price"), Ok(99));
    }

    #[test]
    fn thousands_are_read_in_every_common_writing() {
        for text in [
            "1,250.00",
            "1.250,00",
            "1 250,00",
            "1\u{a0}250,00",
            "1\u{202f}250.00",
            "1'250.00",
            "1250",
            "1250.00",
            "1250,00",
        ] {
            assert_eq!(parse_amount(text, "EUR", "price"), Ok(125_000), "{text:?}");
        }
        assert_eq!(
            parse_amount("1.250.000,50", "EUR", "price"),
            Ok(125_000_050)
        );
        assert_eq!(parse_amount("1,250,000", "USD", "price"), Ok(125_000_000));
        assert_eq!(parse_amount("1,250", "JPY", "price"), Ok(1250));
        assert_eq!(parse_amount("1.250", "JPY", "price"), Ok(1250));
    }

    #[test]
    fn an_amount_with_two_readings_is_refused_with_both() {
        for text in ["1,250", "1.250", "12.000", "1 250,000"] {
            let error = parse_amount(text, "EUR", "shipping").expect_err(text);
            let message = error.to_string();
            assert!(message.starts_with("shipping: "), "{message}");
            assert!(message.contains("could mean"), "{message}");
        }
        let message = parse_amount("1,250", "EUR", "price")
            .expect_err("ambiguous")
            .to_string();
        assert!(
            message.contains("1250") && message.contains("1.250"),
            "{message}"
        );
    }

    #[test]
    fn bad_groupings_and_doubled_decimal_marks_are_refused() {
        for text in [
            "12 50",
            "1,25.00",
            "1.250.000.00,5",
            "1,250.000.00",
            "1,2,3",
            "1..5",
            "12,50,",
        ] {
            let error = parse_amount(text, "EUR", "price").expect_err(text);
            assert_eq!(error.status_code(), 400, "{text}");
            assert!(error.to_string().starts_with("price: "), "{text}: {error}");
        }
        assert!(parse_amount("12,50", "JPY", "price")
            .expect_err("JPY has no decimals")
            .to_string()
            .contains("JPY amounts have no decimals"));
    }

    /// The amount as every shop style shows it (`1,234.56`, `1.234,56`, `1 234,56`, `1'234.56`),
    /// and with a plain space as a merchant types the spaced style.
    fn writings(minor: i64, exponent: u8) -> Vec<String> {
        let mut shown: Vec<String> = AmountStyle::ALL
            .into_iter()
            .map(|style| {
                let mut text = String::new();
                style.push_amount(&mut text, minor, exponent);
                text
            })
            .collect();
        let typed = shown[2].replace('\u{202f}', " ");
        shown.push(typed);
        shown
    }

    #[test]
    fn each_style_writes_its_marks_and_reads_back() {
        let written: Vec<String> = AmountStyle::ALL
            .into_iter()
            .map(|style| style.money(-123_456_789, "EUR"))
            .collect();
        assert_eq!(
            written,
            vec![
                "EUR -1,234,567.89",
                "EUR -1.234.567,89",
                "EUR -1\u{202f}234\u{202f}567,89",
                "EUR -1'234'567.89"
            ]
        );
        assert_eq!(AmountStyle::Comma.money(125_000, "JPY"), "JPY 125.000");
        assert_eq!(
            AmountStyle::Point.money(125_000, "JPY"),
            format_money(125_000, "JPY")
        );
        for style in AmountStyle::ALL {
            assert_eq!(
                AmountStyle::parse(style.as_str(), "amount_style"),
                Ok(style)
            );
            assert_eq!(
                parse_amount(&style.example(), "EUR", "price"),
                Ok(123_456),
                "{style:?}"
            );
        }
        assert!(AmountStyle::parse("european", "amount_style").is_err());
        assert_eq!(
            AmountStyle::try_from("comma".to_string()),
            Ok(AmountStyle::Comma)
        );
        assert!(AmountStyle::try_from("european".to_string()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn formatting_then_parsing_gives_every_amount_back(
            minor in 0_i64..=MAX_AMOUNT_MINOR,
            currency in proptest::sample::select(
                crate::shops::rules::CURRENCIES.iter().map(|(code, _)| *code).collect::<Vec<_>>()
            ),
        ) {
            let exponent = currency_exponent(currency);
            for text in writings(minor, exponent) {
                proptest::prop_assert_eq!(parse_amount(&text, currency, "price"), Ok(minor), "{}", text);
            }
            let plain = amount_text(minor, currency);
            proptest::prop_assert_eq!(parse_amount(&plain, currency, "price"), Ok(minor));
        }

        #[test]
        fn d_comma_dd_is_never_hundreds(whole in 0_i64..1_000_000, cents in 0_i64..100) {
            let text = format!("{whole},{cents:02}");
            proptest::prop_assert_eq!(parse_amount(&text, "EUR", "price"), Ok(whole * 100 + cents));
            let one_decimal = format!("{whole},{}", cents / 10);
            proptest::prop_assert_eq!(
                parse_amount(&one_decimal, "EUR", "price"),
                Ok(whole * 100 + cents / 10 * 10)
            );
        }
    }
}
