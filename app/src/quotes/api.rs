//! Server functions of the merchant's quote pages and of the business terms of a variant.

use super::model::{QuoteDetail, QuoteRow};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "list_quotes")]
pub async fn list_quotes(
    slug: String,
    #[server(default)] status: String,
) -> Result<Vec<QuoteRow>, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .customers
                .list_quotes(&session, &slug, &status)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_quote")]
pub async fn get_quote(slug: String, id: i64) -> Result<QuoteDetail, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.customers.quote(&session, &slug, id).await
        }
        .await,
    )
}

/// The merchant's answer or revision: one unit price per line, an expiry date, a note and
/// whether to hold the stock (the form's fields are `answer[…]`).
#[server(prefix = "/sfn", endpoint = "answer_quote")]
pub async fn answer_quote(
    slug: String,
    id: i64,
    answer: super::model::QuoteAnswerInput,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .customers
                .answer_quote(&session, &slug, id, answer)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "merchant_quote_message")]
pub async fn merchant_quote_message(
    slug: String,
    id: i64,
    body: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .customers
                .merchant_quote_message(&session, &slug, id, &body)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "save_variant_terms")]
pub async fn save_variant_terms(
    slug: String,
    variant_id: i64,
    #[server(default)] min_quantity: String,
    #[server(default)] pack_size: String,
    #[server(default)] price_breaks: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            let input = VariantTermsInput {
                min_quantity,
                pack_size,
                price_breaks,
            };
            services()?
                .customers
                .set_variant_terms(&session, &slug, variant_id, input)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_variant_terms")]
pub async fn get_variant_terms(
    slug: String,
    product_id: i64,
) -> Result<Vec<crate::portal::model::VariantTermsDto>, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .customers
                .variant_terms(&session, &slug, product_id)
                .await
        }
        .await,
    )
}
