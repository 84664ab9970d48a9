//! Types exchanged about the catalog between the dashboard, the API and the services.

use super::rules::ProductStatus;
use serde::{Deserialize, Deserializer, Serialize};

/// Accepts a JSON string or number for fields that forms send as text, so that `1.5` reaches
/// the validation (and its clear message) instead of failing as a type error.
pub fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Integer(i64),
        Float(f64),
    }
    Ok(match TextOrNumber::deserialize(deserializer)? {
        TextOrNumber::Text(text) => text,
        TextOrNumber::Integer(value) => value.to_string(),
        TextOrNumber::Float(value) => value.to_string(),
    })
}

/// Filters, sort and page of the product list. Every field is optional text (query string).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductQuery {
    /// Matches title, handle or SKU.
    #[serde(default)]
    pub q: String,
    /// `draft`, `active`, `archived` or empty for all.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub tag: String,
    /// `title` (default), `-title`, `updated`, `-updated`.
    #[serde(default)]
    pub sort: String,
    /// Opaque cursor from the previous page.
    #[serde(default)]
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i64,
    pub handle: String,
    pub title: String,
    pub status: ProductStatus,
    pub tags: Vec<String>,
    pub variant_count: i64,
    pub available: i64,
    pub price_min_minor: i64,
    pub price_max_minor: i64,
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductPage {
    pub currency: String,
    pub products: Vec<ProductRow>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantDto {
    pub id: i64,
    pub sku: String,
    pub option1: String,
    pub option2: String,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub weight_grams: i64,
    pub barcode: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub id: i64,
    pub handle: String,
    pub title: String,
    pub description: String,
    pub status: ProductStatus,
    pub tags: Vec<String>,
    pub images: Vec<String>,
    pub option1_name: String,
    pub option2_name: String,
    /// Incremented on every change; edits must name the version they started from.
    pub version: i64,
    pub currency: String,
    pub variants: Vec<VariantDto>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// Product fields as typed in a form or sent to the API (text, validated by the service).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProductInput {
    pub title: String,
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    /// Comma-separated.
    #[serde(default)]
    pub tags: String,
    /// Space- or newline-separated URLs.
    #[serde(default)]
    pub images: String,
    #[serde(default)]
    pub option1_name: String,
    #[serde(default)]
    pub option2_name: String,
}

/// Variant fields as typed: prices are decimal text in the shop's currency ("12.50").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VariantInput {
    pub sku: String,
    #[serde(default)]
    pub option1: String,
    #[serde(default)]
    pub option2: String,
    #[serde(deserialize_with = "text_or_number")]
    pub price: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub compare_at_price: String,
    #[serde(default, deserialize_with = "text_or_number")]
    pub weight_grams: String,
    #[serde(default)]
    pub barcode: String,
    /// Initial stock for a new variant; ignored on update (use an inventory adjustment).
    #[serde(default, deserialize_with = "text_or_number")]
    pub on_hand: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryLevel {
    pub variant_id: i64,
    pub product_id: i64,
    pub sku: String,
    pub title: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjustmentDto {
    pub delta: i64,
    pub on_hand_after: i64,
    pub reason: String,
    pub actor: String,
    pub created_at_ms: i64,
}

/// A variant found by the new-order form's product search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantChoice {
    pub sku: String,
    /// The product's title, with the variant's options (`Tee — M / Red`).
    pub title: String,
    pub price_minor: i64,
    pub available: i64,
}

/// A variant's stock and the changes that led to it, newest first (the last 200).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockHistory {
    pub product_id: i64,
    pub product_title: String,
    pub variant: VariantDto,
    pub entries: Vec<AdjustmentDto>,
}

/// An inventory change: by SKU, a signed whole number, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdjustmentInput {
    pub sku: String,
    #[serde(deserialize_with = "text_or_number")]
    pub delta: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportState {
    Queued,
    Running,
    Finished,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRowError {
    /// The line in the file (the header is line 1).
    pub line: i64,
    /// The row's SKU as written, so the row can be found by it too; empty when it had none.
    #[serde(default)]
    pub sku: String,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportStatus {
    pub id: i64,
    pub file_name: String,
    pub state: ImportState,
    pub rows_read: i64,
    pub rows_created: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub rows_failed: i64,
    pub bytes_read: i64,
    pub bytes_total: i64,
    /// Why the whole file was refused (bad encoding, bad header); empty otherwise.
    pub failure: String,
    /// The first rows that were refused (at most 500), with line numbers.
    pub errors: Vec<ImportRowError>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}
