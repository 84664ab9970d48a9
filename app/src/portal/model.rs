//! Types exchanged about the portal's catalog and orders.

use serde::{Deserialize, Serialize};

/// A product as the portal lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalVariant {
    pub sku: String,
    pub title: String,
    pub price_minor: i64,
    pub available: i64,
    pub min_quantity: i64,
    pub pack_size: i64,
    pub price_breaks: Vec<crate::bulk::rules::PriceBreak>,
}

impl From<crate::bulk::rules::VariantTerms> for PortalVariant {
    fn from(terms: crate::bulk::rules::VariantTerms) -> Self {
        PortalVariant {
            sku: terms.sku,
            title: terms.title,
            price_minor: terms.base_price_minor,
            available: terms.available,
            min_quantity: terms.min_quantity,
            pack_size: terms.pack_size,
            price_breaks: terms.price_breaks,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalCatalog {
    pub shop_name: String,
    pub currency: String,
    pub variants: Vec<PortalVariant>,
}

/// A placed order as the portal reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub id: i64,
    pub number: i64,
    pub total_minor: i64,
    pub currency: String,
}

/// A variant's business terms as the merchant enters them (text from forms or JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VariantTermsInput {
    #[serde(default, deserialize_with = "crate::products::model::text_or_number")]
    pub min_quantity: String,
    #[serde(default, deserialize_with = "crate::products::model::text_or_number")]
    pub pack_size: String,
    /// `quantity: percent` lines, e.g. `10: 5` and `100: 12`.
    #[serde(default)]
    pub price_breaks: String,
}

/// What every portal page needs: the shop and the logged-in customer (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalContext {
    pub shop_name: String,
    pub currency: String,
    /// The shop's IANA time zone: the portal shows times on the shop's clocks.
    #[serde(default)]
    pub timezone: String,
    /// How the shop writes amounts.
    #[serde(default)]
    pub amount_style: crate::money::AmountStyle,
    pub customer: Option<crate::customers::model::CustomerProfile>,
}

/// The bulk-order page's answer: the checked lines, and the order if one was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOrderResult {
    pub check: crate::bulk::rules::BulkCheck,
    pub placed: Option<BulkSubmission>,
    pub currency: String,
}

/// A variant's business terms as the merchant's product page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantTermsDto {
    pub variant_id: i64,
    pub sku: String,
    pub min_quantity: i64,
    pub pack_size: i64,
    pub price_breaks: Vec<crate::bulk::rules::PriceBreak>,
}

/// What submitting a bulk order did: placed an order, or (for a buyer over their spending limit)
/// filed it for the company admin's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkSubmission {
    pub order: Option<PlacedOrder>,
    pub approval_id: Option<i64>,
    pub message: String,
}

/// The customer's cart, checked and priced like a bulk order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartView {
    pub check: crate::bulk::rules::BulkCheck,
    pub currency: String,
    /// Business pricing and terms apply (a verified business); checkout uses the company address.
    pub business: bool,
}

/// One of the buyer's own orders as the portal shows it: what was ordered, what it costs, where
/// it is. None of the shop's notes, tags, timeline or staff names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalOrder {
    pub id: i64,
    pub number: i64,
    pub placed_at_ms: i64,
    pub status: crate::orders::rules::OrderStatus,
    pub payment_status: crate::orders::lifecycle::PaymentStatus,
    pub fulfilment_status: crate::orders::lifecycle::FulfilmentStatus,
    pub payment_terms: crate::orders::lifecycle::PaymentTerms,
    pub payment_due_at_ms: Option<i64>,
    pub overdue: bool,
    pub currency: String,
    pub company_name: String,
    pub shipping_address: crate::orders::model::Address,
    pub lines: Vec<crate::orders::model::OrderLineDto>,
    pub totals: crate::orders::rules::OrderTotals,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    pub shipments: Vec<PortalShipment>,
}

/// A parcel of a buyer's order: carrier, tracking and what is in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalShipment {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    /// `(sku, quantity)` in this parcel.
    pub items: Vec<(String, i64)>,
    pub shipped_at_ms: i64,
}

impl From<crate::orders::model::OrderDetail> for PortalOrder {
    fn from(order: crate::orders::model::OrderDetail) -> Self {
        PortalOrder {
            id: order.id,
            number: order.number,
            placed_at_ms: order.placed_at_ms,
            status: order.status,
            payment_status: order.payment_status,
            fulfilment_status: order.fulfilment_status,
            payment_terms: order.payment_terms,
            payment_due_at_ms: order.payment_due_at_ms,
            overdue: order.overdue,
            currency: order.currency,
            company_name: order.company_name,
            shipping_address: order.shipping_address,
            lines: order.lines,
            totals: order.totals,
            paid_minor: order.paid_minor,
            refunded_minor: order.refunded_minor,
            shipments: order
                .shipments
                .into_iter()
                .map(|shipment| PortalShipment {
                    carrier: shipment.carrier,
                    tracking_number: shipment.tracking_number,
                    tracking_url: shipment.tracking_url,
                    items: shipment.items,
                    shipped_at_ms: shipment.created_at_ms,
                })
                .collect(),
        }
    }
}
