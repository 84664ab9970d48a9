//! The summary order status (see `lifecycle` for the state machine), totals arithmetic, and the parsing of order lines
//! and tracking lists typed by people.

use crate::error::AppError;
use crate::money::{line_total, MAX_AMOUNT_MINOR};
use crate::products::rules::{parse_quantity, Sku};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Paid,
    Approved,
    PartiallyShipped,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Cannot {action} an order that is {from}{hint}")]
pub struct InvalidTransition {
    pub from: &'static str,
    pub action: &'static str,
    pub hint: &'static str,
}

impl From<InvalidTransition> for AppError {
    fn from(error: InvalidTransition) -> Self {
        AppError::Conflict(error.to_string())
    }
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        Self::Pending,
        Self::Paid,
        Self::Approved,
        Self::PartiallyShipped,
        Self::Shipped,
        Self::Delivered,
        Self::Cancelled,
        Self::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Approved => "approved",
            Self::PartiallyShipped => "partially_shipped",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Paid => "Paid",
            Self::Approved => "Approved",
            Self::PartiallyShipped => "Partially shipped",
            Self::Shipped => "Shipped",
            Self::Delivered => "Delivered",
            Self::Cancelled => "Cancelled",
            Self::Refunded => "Refunded",
        }
    }

    pub fn parse(raw: &str) -> Result<OrderStatus, AppError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw.trim())
            .ok_or_else(|| AppError::invalid("status", format!("\"{raw}\" is not an order status")))
    }

    /// The status in a sentence ("an order that is partially shipped").
    pub(crate) fn label_lower(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Approved => "approved",
            Self::PartiallyShipped => "partially shipped",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }
}

/// Why an order is cancelled: `(code, what the merchant reads)`.
pub const CANCEL_REASONS: [(&str, &str); 6] = [
    ("customer", "Customer changed their mind"),
    ("unavailable", "Items unavailable"),
    ("payment", "Payment declined or not received"),
    ("fraud", "Suspected fraud"),
    ("duplicate", "Duplicate order"),
    ("other", "Other"),
];

/// Why money is given back: `(code, what the merchant reads)`.
pub const REFUND_REASONS: [(&str, &str); 5] = [
    ("returned", "Items returned"),
    ("damaged", "Damaged or faulty"),
    ("not_received", "Not received"),
    ("goodwill", "Goodwill"),
    ("other", "Other"),
];

/// The label of a reason code from `reasons`; none when empty (the API may leave it out).
pub fn reason_label(
    code: &str,
    reasons: &[(&'static str, &'static str)],
) -> Result<Option<&'static str>, AppError> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    reasons
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, label)| Some(*label))
        .ok_or_else(|| {
            let codes: Vec<&str> = reasons.iter().map(|(known, _)| *known).collect();
            AppError::invalid(
                "reason",
                format!("\"{code}\" is not a reason (one of {})", codes.join(", ")),
            )
        })
}

/// Parses an action name from a form or the API.
pub fn parse_action_name(raw: &str) -> Result<&'static str, AppError> {
    const NAMES: [&str; 6] = [
        "mark_paid",
        "approve",
        "ship",
        "deliver",
        "cancel",
        "refund",
    ];
    NAMES
        .into_iter()
        .find(|name| *name == raw.trim())
        .ok_or_else(|| {
            AppError::invalid(
                "action",
                format!("\"{raw}\" is not an action (one of {})", NAMES.join(", ")),
            )
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotals {
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
}

impl OrderTotals {
    /// `total = subtotal − discount + shipping + tax`; the discount cannot exceed the subtotal.
    pub fn compute(
        lines: &[(i64, i64)],
        discount_minor: i64,
        shipping_minor: i64,
        tax_minor: i64,
    ) -> Result<OrderTotals, AppError> {
        let mut subtotal: i64 = 0;
        for (unit_price, quantity) in lines {
            subtotal = subtotal
                .checked_add(line_total(*unit_price, *quantity)?)
                .filter(|sum| *sum <= MAX_AMOUNT_MINOR)
                .ok_or_else(|| AppError::invalid("lines", "the order total is too large"))?;
        }
        if discount_minor < 0 || shipping_minor < 0 || tax_minor < 0 {
            return Err(AppError::invalid(
                "discount",
                "amounts must not be negative",
            ));
        }
        if discount_minor > subtotal {
            return Err(AppError::invalid(
                "discount",
                "cannot be larger than the subtotal",
            ));
        }
        let total = subtotal - discount_minor + shipping_minor + tax_minor;
        if total > MAX_AMOUNT_MINOR {
            return Err(AppError::invalid("lines", "the order total is too large"));
        }
        Ok(OrderTotals {
            subtotal_minor: subtotal,
            discount_minor,
            shipping_minor,
            tax_minor,
            total_minor: total,
        })
    }
}

/// How much a refund of `amount` may be, given what was paid and already refunded.
pub fn check_refund(
    amount_minor: i64,
    paid_minor: i64,
    refunded_minor: i64,
) -> Result<bool, AppError> {
    let refundable = paid_minor - refunded_minor;
    if refundable <= 0 {
        return Err(AppError::Conflict(
            "Nothing is left to refund on this order".into(),
        ));
    }
    if amount_minor <= 0 {
        return Err(AppError::invalid("amount", "must be more than zero"));
    }
    if amount_minor > refundable {
        return Err(AppError::invalid(
            "amount",
            "is more than what is left to refund",
        ));
    }
    Ok(amount_minor == refundable)
}

/// One `SKU, quantity` line typed or pasted by a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedLine {
    /// 1-based line in the text.
    pub line: usize,
    pub sku: Sku,
    pub quantity: i64,
}

/// Parses `SKU, quantity` lines (comma, semicolon or tab separated; blank lines skipped).
/// Every bad line is reported with its number; the same SKU twice is merged into one line.
pub fn parse_order_lines(text: &str) -> Result<Vec<RequestedLine>, AppError> {
    let mut lines: Vec<RequestedLine> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let mut parts = raw.split([',', ';', '\t']).map(str::trim);
        let (sku_text, quantity_text) = (parts.next().unwrap_or(""), parts.next().unwrap_or("1"));
        if parts.next().is_some() {
            problems.push(format!("line {number}: expected \"SKU, quantity\""));
            continue;
        }
        let sku = match Sku::parse(sku_text) {
            Ok(sku) => sku,
            Err(error) => {
                problems.push(format!("line {number}: {error}"));
                continue;
            }
        };
        let quantity = match parse_quantity(quantity_text, "quantity") {
            Ok(quantity) => quantity,
            Err(error) => {
                problems.push(format!("line {number}: {error}"));
                continue;
            }
        };
        match lines.iter_mut().find(|known| known.sku == sku) {
            Some(known) => known.quantity += quantity,
            None => lines.push(RequestedLine {
                line: number,
                sku,
                quantity,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::invalid("lines", problems.join("; ")));
    }
    if lines.is_empty() {
        return Err(AppError::invalid(
            "lines",
            "add at least one line (SKU, quantity)",
        ));
    }
    Ok(lines)
}

/// One `order number, carrier, tracking number[, tracking URL]` line of a bulk shipping list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingLine {
    pub line: usize,
    pub order_number: i64,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
}

pub fn parse_tracking_list(text: &str) -> Result<Vec<TrackingLine>, AppError> {
    let mut result = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let parts: Vec<&str> = raw.split([',', '\t', ';']).map(str::trim).collect();
        if parts.len() < 3 || parts.len() > 4 {
            problems.push(format!(
                "line {number}: expected \"order number, carrier, tracking number[, tracking URL]\""
            ));
            continue;
        }
        let Ok(order_number) = parts[0].trim_start_matches('#').parse::<i64>() else {
            problems.push(format!(
                "line {number}: \"{}\" is not an order number",
                parts[0]
            ));
            continue;
        };
        if parts[1].is_empty() || parts[2].is_empty() {
            problems.push(format!(
                "line {number}: carrier and tracking number are required"
            ));
            continue;
        }
        result.push(TrackingLine {
            line: number,
            order_number,
            carrier: parts[1].to_string(),
            tracking_number: parts[2].to_string(),
            tracking_url: parts.get(3).map(|url| url.to_string()).unwrap_or_default(),
        });
    }
    if !problems.is_empty() {
        return Err(AppError::invalid("tracking", problems.join("; ")));
    }
    if result.is_empty() {
        return Err(AppError::invalid("tracking", "add one line per order"));
    }
    Ok(result)
}

/// Checks a shipment against what is left to ship per line: `(ordered, shipped, to_ship)`.
/// Returns whether everything will have shipped afterwards.
pub fn check_shipment(lines: &[(i64, i64, i64)]) -> Result<bool, AppError> {
    if lines.iter().all(|(_, _, to_ship)| *to_ship == 0) {
        return Err(AppError::invalid(
            "lines",
            "choose at least one item to ship",
        ));
    }
    for (ordered, shipped, to_ship) in lines {
        if *to_ship < 0 {
            return Err(AppError::invalid("quantity", "must not be negative"));
        }
        if shipped + to_ship > *ordered {
            return Err(AppError::invalid(
                "quantity",
                format!("only {} left to ship on a line", ordered - shipped),
            ));
        }
    }
    Ok(lines
        .iter()
        .all(|(ordered, shipped, to_ship)| shipped + to_ship == *ordered))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_codes_from_their_list_and_an_unknown_one_is_named() {
        assert_eq!(
            reason_label("fraud", &CANCEL_REASONS),
            Ok(Some("Suspected fraud"))
        );
        assert_eq!(reason_label(" ", &CANCEL_REASONS), Ok(None));
        let error = reason_label("bored", &REFUND_REASONS).expect_err("unknown");
        assert!(error
            .to_string()
            .starts_with("reason: \"bored\" is not a reason (one of returned"));
    }

    #[test]
    fn totals_add_up_in_minor_units() {
        let totals = OrderTotals::compute(&[(1250, 2), (399, 3)], 500, 490, 380).expect("valid");
        assert_eq!(totals.subtotal_minor, 3697);
        assert_eq!(totals.total_minor, 3697 - 500 + 490 + 380);
        assert!(OrderTotals::compute(&[(100, 1)], 101, 0, 0).is_err());
        assert!(OrderTotals::compute(&[(i64::MAX / 4, 4)], 0, 0, 0).is_err());
        assert!(OrderTotals::compute(&[(100, 1)], 0, -1, 0).is_err());
    }

    #[test]
    fn refunds_are_limited_to_what_was_paid_and_not_yet_refunded() {
        assert_eq!(check_refund(500, 1000, 0), Ok(false));
        assert_eq!(check_refund(500, 1000, 500), Ok(true));
        assert!(check_refund(501, 1000, 500).is_err());
        assert!(check_refund(0, 1000, 0).is_err());
        assert_eq!(check_refund(1, 0, 0).map_err(|e| e.status_code()), Err(409));
    }

    #[test]
    fn order_lines_are_parsed_with_line_numbers_and_duplicates_merged() {
        let lines = parse_order_lines("TEE-M, 2\n\nMUG;1\nTEE-M\t3").expect("valid");
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0].sku.as_str(), lines[0].quantity, lines[0].line),
            ("TEE-M", 5, 1)
        );
        let error = parse_order_lines("TEE-M, 2\nbad sku, 1\nMUG, 1.5\nCAP, -1").expect_err("bad");
        let message = error.to_string();
        assert!(message.starts_with("lines: line 2: sku"), "{message}");
        assert!(message.contains("line 3: quantity"), "{message}");
        assert!(
            message.contains("line 4: quantity: must be at least 1"),
            "{message}"
        );
        assert!(parse_order_lines("  \n").is_err());
    }

    #[test]
    fn tracking_lists_need_order_carrier_and_number() {
        let lines =
            parse_tracking_list("#1001, DHL, JD0001\n1002,UPS,1Z999,https://ups.example/1Z999")
                .expect("valid");
        assert_eq!(lines[0].order_number, 1001);
        assert_eq!(lines[1].tracking_url, "https://ups.example/1Z999");
        assert!(parse_tracking_list("1001, DHL")
            .expect_err("short")
            .to_string()
            .contains("line 1"));
        assert!(parse_tracking_list("abc, DHL, 1").is_err());
    }

    #[test]
    fn shipments_cannot_exceed_what_is_left() {
        assert_eq!(check_shipment(&[(3, 0, 3), (2, 1, 1)]), Ok(true));
        assert_eq!(check_shipment(&[(3, 0, 1), (2, 0, 0)]), Ok(false));
        assert!(check_shipment(&[(3, 2, 2)]).is_err());
        assert!(check_shipment(&[(3, 0, 0)]).is_err());
    }
}
