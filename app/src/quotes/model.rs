//! Types exchanged about quotes.

use super::rules::QuoteStatus;
use serde::{Deserialize, Serialize};

/// A business customer's request: `SKU, quantity` lines, a message, a needed-by date.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QuoteRequestInput {
    pub lines: String,
    #[serde(default)]
    pub message: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub needed_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRow {
    pub id: i64,
    pub number: i64,
    /// As it stands now (an offer past its expiry shows as expired).
    pub status: QuoteStatus,
    pub company_name: String,
    pub customer_email: String,
    pub line_count: i64,
    /// Total of the current offer; 0 before the first answer.
    pub total_minor: i64,
    pub expires_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineDto {
    pub id: i64,
    pub sku: String,
    pub title: String,
    pub quantity: i64,
    /// The catalog price when the quote was requested.
    pub list_price_minor: i64,
    /// For the merchant: the unit price the company would pay for this quantity now (its price
    /// list and the volume breaks), the answer's suggested price. `None` for the buyer, or when
    /// the variant is no longer sold.
    #[serde(default)]
    pub suggested_price_minor: Option<i64>,
    /// For the merchant: units this quote could hold now (on hand less reserved, plus what the
    /// quote itself holds, which a new answer releases first).
    #[serde(default)]
    pub available: Option<i64>,
    /// Units held for this quote (0 when nothing is held or the hold expired).
    #[serde(default)]
    pub held: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteVersionDto {
    pub version: i64,
    pub expires_at_ms: i64,
    pub note: String,
    pub created_by: String,
    pub created_at_ms: i64,
    /// Unit prices in the order of the quote's lines.
    pub unit_prices_minor: Vec<i64>,
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteMessageDto {
    /// `customer` or `merchant`.
    pub author_kind: String,
    pub author: String,
    pub body: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDetail {
    pub id: i64,
    pub number: i64,
    pub status: QuoteStatus,
    /// Incremented on every change; answers and acceptances name the version they saw.
    pub version: i64,
    pub currency: String,
    pub needed_by: String,
    pub customer_email: String,
    pub customer_name: String,
    pub company_name: String,
    pub lines: Vec<QuoteLineDto>,
    /// Newest first; the first one is the current offer.
    pub versions: Vec<QuoteVersionDto>,
    pub messages: Vec<QuoteMessageDto>,
    pub order_id: Option<i64>,
    pub order_number: Option<i64>,
    pub created_at_ms: i64,
    /// Until when the shop holds the quoted stock (the offer's expiry); `None` when it holds
    /// nothing.
    #[serde(default)]
    pub held_until_ms: Option<i64>,
}

/// The merchant's answer: one unit price per line (decimal text), an expiry date, a note.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QuoteAnswerInput {
    pub expected_version: i64,
    #[serde(default)]
    pub unit_prices: Vec<String>,
    /// `YYYY-MM-DD`: the offer can be accepted until the end of that day on the shop's clocks.
    pub expires_on: String,
    #[serde(default)]
    pub note: String,
    /// Hold the quoted quantities in stock until the offer expires (all lines or none).
    #[serde(default)]
    pub hold_stock: bool,
}
