//! Types exchanged about orders between the dashboard, the API and the services.

use super::lifecycle::{FulfilmentStatus, OrderState, PaymentStatus, PaymentTerms};
use super::rules::{OrderStatus, OrderTotals};
use crate::products::model::text_or_number;
use serde::{Deserialize, Serialize};

/// Filters, sort and page of the order list (all text: they come from the query string).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderQuery {
    /// Order number (`1001` or `#1001`), customer email or name, or an exact SKU.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    /// A payment status (`pending`, `paid`, `partially_refunded`, ...).
    #[serde(default)]
    pub payment: String,
    /// A fulfilment status (`unfulfilled`, `partially_fulfilled`, `fulfilled`, `delivered`).
    #[serde(default)]
    pub fulfilment: String,
    /// `true` (or `on`, from a checkbox): only invoices past their due date and not paid.
    #[serde(default)]
    pub overdue: String,
    /// `dashboard`, `portal`, `api`, `marketplace`.
    #[serde(default)]
    pub channel: String,
    /// `business` or `individual`.
    #[serde(default)]
    pub customer_type: String,
    /// `YYYY-MM-DD`, inclusive: days on the shop's clocks (its time zone).
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// `newest` (default), `oldest`, `total_desc`, `total_asc`.
    #[serde(default)]
    pub sort: String,
    /// The cursor of the next page (`next_cursor` of the page before it).
    #[serde(default)]
    pub after: String,
    /// The cursor of the previous page (`prev_cursor` of the page after it); not with `after`.
    #[serde(default)]
    pub before: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    pub id: i64,
    pub number: i64,
    pub placed_at_ms: i64,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_type: String,
    pub status: OrderStatus,
    pub channel: String,
    pub total_minor: i64,
    pub payment_status: PaymentStatus,
    pub fulfilment_status: FulfilmentStatus,
    /// When an invoice is due (orders on payment terms).
    pub payment_due_at_ms: Option<i64>,
    /// Past its due date and not paid.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    pub currency: String,
    pub orders: Vec<OrderRow>,
    pub next_cursor: Option<String>,
    /// Set on every page after the first: `before` for the page in front of this one.
    #[serde(default)]
    pub prev_cursor: Option<String>,
    /// How many orders match the filters, counted up to [`MATCH_COUNT_LIMIT`].
    #[serde(default)]
    pub match_count: i64,
    /// More than [`MATCH_COUNT_LIMIT`] orders match.
    #[serde(default)]
    pub more_matches: bool,
}

/// How far the orders list counts the orders matching its filters: enough to say how many there
/// are in any list a merchant reads, without counting a large shop's history on every page.
pub const MATCH_COUNT_LIMIT: i64 = 1_000;

impl OrderPage {
    /// "1 order", "37 orders", "1,000+ orders".
    pub fn match_count_text(&self) -> String {
        let mut count = String::new();
        crate::shops::rules::push_amount(&mut count, self.match_count, 0);
        match (self.more_matches, self.match_count) {
            (true, _) => format!("{count}+ orders"),
            (false, 1) => "1 order".to_string(),
            (false, _) => format!("{count} orders"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: String,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.line1.is_empty() && self.city.is_empty() && self.country.is_empty()
    }

    pub fn one_line(&self) -> String {
        [
            &self.name,
            &self.line1,
            &self.line2,
            &format!("{} {}", self.postal_code, self.city)
                .trim()
                .to_string(),
            &self.region,
            &self.country,
        ]
        .into_iter()
        .filter(|part| !part.trim().is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLineDto {
    pub id: i64,
    pub variant_id: Option<i64>,
    pub sku: String,
    pub title: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub shipped_quantity: i64,
    /// Units that came back with a refund and went back in stock.
    #[serde(default)]
    pub returned_quantity: i64,
    pub line_total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentDto {
    /// `payment` or `refund`.
    pub kind: String,
    pub amount_minor: i64,
    pub method: String,
    pub note: String,
    pub actor: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentDto {
    pub id: i64,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    /// `(sku, quantity)` shipped in this parcel.
    pub items: Vec<(String, i64)>,
    pub actor: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderEventDto {
    pub kind: String,
    pub message: String,
    pub actor: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub id: i64,
    pub number: i64,
    /// The summary of the fields below, as one status.
    pub status: OrderStatus,
    pub state: OrderState,
    pub payment_status: PaymentStatus,
    pub fulfilment_status: FulfilmentStatus,
    pub approved_at_ms: Option<i64>,
    pub payment_terms: PaymentTerms,
    pub payment_due_at_ms: Option<i64>,
    pub overdue: bool,
    /// Incremented on every change; a transition must name the version it was decided on.
    pub version: i64,
    pub channel: String,
    pub currency: String,
    /// The shop's customer record the order belongs to.
    #[serde(default)]
    pub customer_id: Option<i64>,
    pub customer_email: String,
    pub customer_name: String,
    pub customer_type: String,
    pub company_name: String,
    pub shipping_address: Address,
    pub billing_address: Address,
    pub lines: Vec<OrderLineDto>,
    pub totals: OrderTotals,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    pub notes: String,
    pub tags: Vec<String>,
    pub payments: Vec<PaymentDto>,
    pub shipments: Vec<ShipmentDto>,
    pub events: Vec<OrderEventDto>,
    /// Action names (`mark_paid`, `approve`, `ship`, `deliver`, `cancel`, `refund`) allowed now.
    pub actions: Vec<String>,
    pub placed_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewOrderLine {
    pub sku: String,
    #[serde(deserialize_with = "text_or_number")]
    pub quantity: String,
}

/// An order as entered by the merchant (or sent to the API); amounts are decimal text.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewOrderInput {
    pub customer_email: String,
    #[serde(default)]
    pub customer_name: String,
    /// `individual` (default) or `business`.
    #[serde(default)]
    pub customer_type: String,
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub shipping_address: Address,
    #[serde(default)]
    pub billing_address: Option<Address>,
    pub lines: Vec<NewOrderLine>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub discount: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub shipping: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub tax: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub tags: String,
    /// `prepaid` (default: paid before approval), or an invoice: `due_on_receipt`, `net_15`,
    /// `net_30`, `net_60` (business customers only).
    #[serde(default)]
    pub payment_terms: String,
    /// Set by the server: `dashboard` for the dashboard, `api` for the API.
    #[serde(skip)]
    pub channel: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShipLine {
    pub line_id: i64,
    #[serde(deserialize_with = "text_or_number")]
    pub quantity: String,
}

/// A request to move an order through its lifecycle.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TransitionInput {
    /// `mark_paid`, `approve`, `ship`, `deliver`, `cancel` or `refund`.
    pub action: String,
    /// The version the caller saw; a different current version is a 409 conflict.
    pub expected_version: i64,
    /// Refund or payment amount as decimal text; a payment defaults to the amount due.
    #[serde(default, deserialize_with = "text_or_number")]
    pub amount: String,
    /// Payment method, cancellation or refund reason.
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub carrier: String,
    #[serde(default)]
    pub tracking_number: String,
    #[serde(default)]
    pub tracking_url: String,
    /// Items to ship; everything left when absent.
    #[serde(default)]
    pub lines: Option<Vec<ShipLine>>,
    /// Cancel or refund: a reason code (`CANCEL_REASONS`, `REFUND_REASONS`); `note` adds detail.
    #[serde(default)]
    pub reason: String,
    /// Cancel: put the reserved items back in stock (default), or write them off (`false`:
    /// lost or damaged).
    #[serde(default)]
    pub restock: Option<bool>,
    /// Refund: units of shipped lines that came back, put back in stock.
    #[serde(default)]
    pub returns: Option<Vec<ShipLine>>,
    /// Refund: mail the customer that money is on its way back.
    #[serde(default)]
    pub notify: bool,
}

/// What happened to one order of a bulk action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub number: i64,
    pub ok: bool,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(match_count: i64, more_matches: bool) -> OrderPage {
        OrderPage {
            currency: "EUR".into(),
            orders: Vec::new(),
            next_cursor: None,
            prev_cursor: None,
            match_count,
            more_matches,
        }
    }

    #[test]
    fn the_match_count_reads_as_words_and_says_when_it_stopped_counting() {
        assert_eq!(page(0, false).match_count_text(), "0 orders");
        assert_eq!(page(1, false).match_count_text(), "1 order");
        assert_eq!(page(37, false).match_count_text(), "37 orders");
        assert_eq!(
            page(MATCH_COUNT_LIMIT, true).match_count_text(),
            "1,000+ orders"
        );
    }
}
