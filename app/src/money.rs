//! Money as integer minor units of the shop's currency: parsing what people type ("12.50",
//! "1,299.00") and checked arithmetic. Never `f64`.

use crate::error::AppError;
pub use crate::shops::rules::{currency_exponent, format_money, push_amount, push_integer};

/// Parses a decimal amount into minor units of `currency`, naming `field` in errors.
/// Accepts an optional thousands separator (`,`) and at most as many decimals as the currency has.
pub fn parse_amount(text: &str, currency: &str, field: &str) -> Result<i64, AppError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if trimmed.starts_with('-') {
        return Err(AppError::invalid(field, "must not be negative"));
    }
    let exponent = usize::from(currency_exponent(currency));
    let cleaned: String = trimmed.chars().filter(|c| *c != ',').collect();
    let (whole, fraction) = match cleaned.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (cleaned.as_str(), ""),
    };
    let digits_only = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits_only(whole) || !digits_only(fraction) {
        return Err(AppError::invalid(
            field,
            format!("\"{trimmed}\" is not an amount (use digits and a decimal point, e.g. 12.50)"),
        ));
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
        let error = parse_amount("12.505", "EUR", "price").expect_err("3 decimals");
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
}
