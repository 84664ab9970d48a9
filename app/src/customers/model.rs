//! Types exchanged about shop customers between the portal, the dashboard, the API and the
//! services.

use super::rules::{AccountType, Verification};
use crate::orders::model::{Address, OrderRow};
use crate::quotes::model::QuoteRow;
use serde::{Deserialize, Serialize};

/// A customer's sign-up on a shop's portal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CustomerSignUpInput {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: String,
    /// `individual` or `business`.
    pub account_type: String,
    #[serde(default)]
    pub company_name: String,
    /// EU VAT number or US EIN; required for business accounts.
    #[serde(default)]
    pub tax_id: String,
    #[serde(default)]
    pub billing_address: Address,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyDto {
    pub id: i64,
    pub name: String,
    pub tax_id: String,
    pub billing_address: Address,
    pub verification: Verification,
    /// Why the merchant rejected the business (shown to the customer).
    pub rejection_reason: String,
    /// When the company pays for its orders (set by the shop's owners); the merchant's view
    /// has it, the portal's does not read it.
    #[serde(default)]
    pub payment_terms: Option<crate::orders::lifecycle::PaymentTerms>,
}

/// The logged-in customer as the portal shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerProfile {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub account_type: AccountType,
    pub company: Option<CompanyDto>,
    /// `admin` or `buyer` inside the company; empty for individuals.
    pub company_role: String,
    /// True when the quote and bulk-order features are open to this customer.
    pub business_access: bool,
}

/// A customer session: the token (audience: this shop) and who it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortalSession {
    pub token: String,
    pub expires_in_secs: i64,
    pub customer: CustomerProfile,
}

/// Filters of the merchant's customer list (text: they come from the query string).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerQuery {
    /// Email, name or company name contains.
    #[serde(default)]
    pub q: String,
    /// `individual` or `business`.
    #[serde(default)]
    pub account_type: String,
    /// `pending`, `verified` or `rejected`.
    #[serde(default)]
    pub verification: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub account_type: AccountType,
    pub company_id: Option<i64>,
    pub company_name: String,
    pub tax_id: String,
    pub verification: Verification,
    /// Whether the customer has a portal log-in (customers created by orders have none).
    pub has_login: bool,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub customer: CustomerRow,
    pub company: Option<CompanyDto>,
    /// The business price list assigned to the customer's company.
    pub price_list: Option<PriceListDto>,
    pub currency: String,
    pub orders: Vec<OrderRow>,
    pub quotes: Vec<QuoteRow>,
}

/// The merchant's decision about a business: `verify` or `reject` (with a reason).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VerificationInput {
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// A member of a company account as its admin sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerDto {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `admin` or `buyer`.
    pub role: String,
    /// `None`: no limit.
    pub spending_limit_minor: Option<i64>,
    /// `month` or `quarter`.
    pub limit_period: String,
    /// Orders placed by this member in the current period (after refunds, without cancelled).
    pub spent_in_period_minor: i64,
    /// Invited, has not set a password yet.
    pub invited: bool,
}

/// A buyer's order over their limit, waiting for the company admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDto {
    pub id: i64,
    pub buyer_email: String,
    pub buyer_name: String,
    pub lines: String,
    pub notes: String,
    pub total_minor: i64,
    /// `waiting`, `approved` or `declined`.
    pub status: String,
    pub order_number: Option<i64>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyAccount {
    pub company: CompanyDto,
    pub currency: String,
    pub buyers: Vec<BuyerDto>,
    pub approvals: Vec<ApprovalDto>,
}

/// An invitation for a new buyer: the link is shown to the admin to pass on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationDto {
    pub email: String,
    pub link: String,
}

/// A named business price list: fixed prices per SKU for the companies it is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListDto {
    pub name: String,
    /// (SKU, price in minor units), by SKU.
    pub items: Vec<(String, i64)>,
}
