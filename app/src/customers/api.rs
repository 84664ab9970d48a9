//! Server functions of the merchant's customer pages. Each reads the session and calls
//! `CustomerService`, which checks membership of the shop first.

use super::model::{CustomerDetail, CustomerQuery, CustomerRow};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "list_customers")]
pub async fn list_customers(
    slug: String,
    query: CustomerQuery,
) -> Result<Vec<CustomerRow>, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .customers
                .list_customers(&session, &slug, query)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_customer")]
pub async fn get_customer(slug: String, id: i64) -> Result<CustomerDetail, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.customers.customer(&session, &slug, id).await
        }
        .await,
    )
}

/// Verifies (`decision = verify`) or rejects (`reject`, with a reason) a business.
#[server(prefix = "/sfn", endpoint = "decide_business")]
pub async fn decide_business(
    slug: String,
    id: i64,
    decision: String,
    #[server(default)] reason: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use super::model::VerificationInput;
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .customers
                .decide_verification(&session, &slug, id, VerificationInput { decision, reason })
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Saves price list `name` from `SKU, price` lines and assigns it to the customer's company.
/// The payment terms of a business customer's company (owners only).
#[server(prefix = "/sfn", endpoint = "set_customer_payment_terms")]
pub async fn set_customer_payment_terms(
    slug: String,
    id: i64,
    payment_terms: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .customers
                .set_payment_terms(&session, &slug, id, &payment_terms)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "save_customer_price_list")]
pub async fn save_customer_price_list(
    slug: String,
    id: i64,
    name: String,
    #[server(default)] lines: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            let customers = services()?.customers;
            if !name.trim().is_empty() {
                customers
                    .save_price_list(&session, &slug, &name, &lines)
                    .await?;
            }
            customers
                .assign_price_list(&session, &slug, id, &name)
                .await?;
            Ok(())
        }
        .await,
    )
}
