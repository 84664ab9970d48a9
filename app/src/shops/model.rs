//! Types exchanged about shops between the dashboard, the API and the services.

use super::rules::{ProvisioningStep, Role, ShopStatus};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopSummary {
    pub slug: String,
    pub name: String,
    pub currency: String,
    pub timezone: String,
    /// How the shop's pages write amounts (`1.234,56`, …).
    #[serde(default)]
    pub amount_style: crate::money::AmountStyle,
    pub status: ShopStatus,
    pub role: Role,
}

/// What the frame of a shop's pages shows: the signed-in merchant (top bar) and their shops
/// (header and shop switcher). One value, so the frame needs one resource and one Suspense
/// boundary on every shop page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopFrame {
    pub email: String,
    pub shops: Vec<ShopSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewShopInput {
    pub name: String,
    pub slug: String,
    pub currency: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateShopInput {
    pub name: String,
    pub timezone: String,
    /// `point`, `comma`, `space_comma` or `apostrophe`; empty keeps the current one.
    #[serde(default)]
    pub amount_style: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainDto {
    pub hostname: String,
    /// `subdomain` (derived from the slug) or `custom` (registered by the merchant).
    pub kind: String,
    /// Whether the domain serves the shop: subdomains always, custom domains once their owner
    /// has proven control with a DNS TXT record.
    #[serde(default)]
    pub verified: bool,
    /// What to publish to verify a custom domain; `None` once verified.
    #[serde(default)]
    pub verification: Option<DomainVerification>,
}

/// The DNS TXT record that proves control of a custom domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainVerification {
    /// `_cartwright-verify.<hostname>`
    pub record_name: String,
    /// The per-domain random token the record must hold.
    pub record_value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDto {
    pub email: String,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopDetail {
    pub shop: ShopSummary,
    pub domains: Vec<DomainDto>,
    pub members: Vec<MemberDto>,
    /// Invitations not accepted yet; shown to owners only (empty for staff).
    pub pending_invitations: Vec<PendingInvitation>,
    pub created_at_ms: i64,
}

/// A staff invitation that has not been accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub email: String,
    pub expires_at_ms: i64,
    /// Past its expiry: the link no longer works (revoke it and invite again).
    pub expired: bool,
}

/// What the invitation page shows to the logged-in user the invitation was sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub shop_name: String,
    pub email: String,
    pub invited_by: String,
    pub role: Role,
    pub expires_at_ms: i64,
    /// `false`: the user must verify their e-mail address before accepting.
    pub email_verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    pub step: ProvisioningStep,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisioningStatus {
    pub slug: String,
    pub name: String,
    pub status: ShopStatus,
    pub steps: Vec<StepState>,
}

/// Headline numbers of a shop's own database, shown on its overview page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopOverview {
    pub shop: ShopSummary,
    pub product_count: i64,
    pub customer_count: i64,
    pub order_count: i64,
    pub revenue_minor: i64,
    pub recent_orders: Vec<RecentOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentOrder {
    #[serde(default)]
    pub id: i64,
    pub number: i64,
    pub customer_name: String,
    pub status: String,
    pub total_minor: i64,
    pub placed_at_ms: i64,
}

/// What a tenant-resolved request (custom domain or `<slug>.<base domain>`) may show publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicShop {
    pub slug: String,
    pub name: String,
    pub currency: String,
}
