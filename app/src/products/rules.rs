//! Catalog rules: SKUs, handles, statuses, tags, image URLs and quantities, parsed once.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A stock-keeping unit: unique per shop, 1–64 letters, digits, `-`, `_`, `.` or `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sku(String);

impl Sku {
    pub fn parse(raw: &str) -> Result<Sku, AppError> {
        let sku = raw.trim();
        if sku.is_empty() {
            return Err(AppError::invalid("sku", "is required"));
        }
        if sku.chars().count() > 64 {
            return Err(AppError::invalid("sku", "must be at most 64 characters"));
        }
        if let Some(bad) = sku
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
        {
            return Err(AppError::invalid(
                "sku",
                format!("\"{sku}\" contains {bad:?}; use letters, digits, - _ . /"),
            ));
        }
        Ok(Sku(sku.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 3] = [Self::Draft, Self::Active, Self::Archived];

    pub fn parse(raw: &str) -> Result<ProductStatus, AppError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "draft" => Ok(Self::Draft),
            "active" => Ok(Self::Active),
            "archived" => Ok(Self::Archived),
            other => Err(AppError::invalid(
                "status",
                format!("\"{other}\" is not a product status (draft, active or archived)"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }
}

/// A product title: 1–200 characters.
pub fn parse_title(raw: &str) -> Result<String, AppError> {
    let title = raw.trim();
    match title.chars().count() {
        0 => Err(AppError::invalid("title", "is required")),
        n if n > 200 => Err(AppError::invalid("title", "must be at most 200 characters")),
        _ => Ok(title.to_string()),
    }
}

/// A product handle (its stable key in CSV files and URLs); derived from the title when blank.
pub fn parse_handle(raw: &str, title: &str) -> Result<String, AppError> {
    let source = if raw.trim().is_empty() { title } else { raw };
    let mut handle = String::new();
    for c in source.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            handle.push(c);
        } else if !handle.ends_with('-') && !handle.is_empty() {
            handle.push('-');
        }
    }
    let handle = handle.trim_end_matches('-').to_string();
    if handle.is_empty() {
        return Err(AppError::invalid(
            "handle",
            "needs at least one letter or digit",
        ));
    }
    if handle.len() > 120 {
        return Err(AppError::invalid(
            "handle",
            "must be at most 120 characters",
        ));
    }
    Ok(handle)
}

/// Tags from comma-separated text: trimmed, empty ones dropped, duplicates removed, in order.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, AppError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',').map(str::trim).filter(|tag| !tag.is_empty()) {
        if tag.chars().count() > 40 {
            return Err(AppError::invalid(
                "tags",
                format!("\"{tag}\" is longer than 40 characters"),
            ));
        }
        if !tags.iter().any(|known| known.eq_ignore_ascii_case(tag)) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > 50 {
        return Err(AppError::invalid("tags", "at most 50 tags"));
    }
    Ok(tags)
}

/// Image URLs separated by spaces or new lines; each must be http(s).
pub fn parse_images(raw: &str) -> Result<Vec<String>, AppError> {
    let images: Vec<String> = raw.split_whitespace().map(str::to_string).collect();
    for url in &images {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        if !rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/')) {
            return Err(AppError::invalid(
                "images",
                format!("\"{url}\" is not an http(s) URL"),
            ));
        }
    }
    if images.len() > 20 {
        return Err(AppError::invalid("images", "at most 20 images"));
    }
    Ok(images)
}

/// A whole, non-negative count (stock, weight in grams).
pub fn parse_count(raw: &str, field: &str) -> Result<i64, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(0);
    }
    parse_signed(text, field).and_then(|value| {
        if value < 0 {
            Err(AppError::invalid(field, "must not be negative"))
        } else {
            Ok(value)
        }
    })
}

/// A whole number that may be negative (an inventory adjustment such as `-3`).
pub fn parse_signed(raw: &str, field: &str) -> Result<i64, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::invalid(
            field,
            format!("\"{text}\" is not a whole number"),
        ));
    }
    let value: i64 = text
        .parse()
        .map_err(|_| AppError::invalid(field, "is too large"))?;
    if value.abs() > 1_000_000_000 {
        return Err(AppError::invalid(field, "is too large"));
    }
    Ok(value)
}

/// A quantity to order or ship: a whole number of at least 1.
pub fn parse_quantity(raw: &str, field: &str) -> Result<i64, AppError> {
    let value = parse_signed(raw, field)?;
    if value < 1 {
        return Err(AppError::invalid(field, "must be at least 1"));
    }
    Ok(value)
}

/// Stock that can still be promised: on hand minus what open orders reserved.
pub fn available(on_hand: i64, reserved: i64) -> i64 {
    on_hand - reserved
}

/// Checks an inventory adjustment: on hand may not drop below zero or below what is reserved.
pub fn adjusted_on_hand(on_hand: i64, reserved: i64, delta: i64) -> Result<i64, AppError> {
    if delta == 0 {
        return Err(AppError::invalid("delta", "must not be zero"));
    }
    let after = on_hand + delta;
    if after < 0 {
        return Err(AppError::invalid(
            "delta",
            format!("would leave {after} on hand (there are {on_hand})"),
        ));
    }
    if after < reserved {
        return Err(AppError::invalid(
            "delta",
            format!("would leave {after} on hand, below the {reserved} reserved by open orders and quotes"),
        ));
    }
    Ok(after)
}

/// A free-text option value or name (size, colour…): at most 60 characters.
pub fn parse_option(raw: &str, field: &str) -> Result<String, AppError> {
    let value = raw.trim();
    if value.chars().count() > 60 {
        return Err(AppError::invalid(field, "must be at most 60 characters"));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_trimmed_and_limited_to_safe_characters() {
        assert_eq!(
            Sku::parse(" TEE-RED/M ").map(|s| s.0),
            Ok("TEE-RED/M".into())
        );
        assert!(Sku::parse("").is_err());
        assert!(Sku::parse("tee red").is_err());
        assert!(Sku::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn handles_are_derived_from_titles() {
        assert_eq!(
            parse_handle("", "Alpine Down Jacket!"),
            Ok("alpine-down-jacket".into())
        );
        assert_eq!(parse_handle("My Handle", "x"), Ok("my-handle".into()));
        assert!(parse_handle("", "!!!").is_err());
    }

    #[test]
    fn tags_are_deduplicated_case_insensitively() {
        assert_eq!(
            parse_tags("winter, Sale ,sale,,wool"),
            Ok(vec!["winter".into(), "Sale".into(), "wool".into()])
        );
    }

    #[test]
    fn image_urls_must_be_http() {
        assert_eq!(
            parse_images("https://a.example/1.jpg\nhttp://b.example/2.png").map(|v| v.len()),
            Ok(2)
        );
        assert!(parse_images("ftp://a.example/x").is_err());
        assert!(parse_images("https:///x").is_err());
    }

    #[test]
    fn quantities_must_be_whole_and_positive() {
        assert_eq!(parse_quantity("3", "quantity"), Ok(3));
        for bad in ["0", "-1", "1.5", "two", ""] {
            let error = parse_quantity(bad, "quantity").expect_err(bad);
            assert!(error.to_string().starts_with("quantity:"), "{error}");
        }
        assert_eq!(parse_count("", "on_hand"), Ok(0));
        assert!(parse_count("-2", "on_hand").is_err());
        assert_eq!(parse_signed("-2", "delta"), Ok(-2));
        assert_eq!(parse_signed("+5", "delta"), Ok(5));
    }

    #[test]
    fn adjustments_cannot_take_stock_below_zero_or_below_reservations() {
        assert_eq!(adjusted_on_hand(10, 2, -5), Ok(5));
        assert!(adjusted_on_hand(10, 2, -11).is_err());
        assert!(adjusted_on_hand(10, 8, -3).is_err());
        assert!(adjusted_on_hand(10, 0, 0).is_err());
        assert_eq!(available(10, 3), 7);
    }

    #[test]
    fn statuses_parse_case_insensitively_and_name_the_field() {
        assert_eq!(ProductStatus::parse("Active"), Ok(ProductStatus::Active));
        assert!(ProductStatus::parse("live")
            .expect_err("unknown")
            .to_string()
            .starts_with("status:"));
    }
}
