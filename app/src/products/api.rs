//! Server functions for the catalog. Each reads the session and calls `CatalogService`, which
//! checks membership of the shop the slug names.

use super::model::{
    ImportStatus, ProductDetail, ProductInput, ProductPage, ProductQuery, StockHistory,
    VariantInput,
};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "list_products")]
pub async fn list_products(slug: String, query: ProductQuery) -> Result<ProductPage, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .catalog
                .list_products(&session, &slug, query)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "search_variants")]
pub async fn search_variants(
    slug: String,
    q: String,
) -> Result<Vec<super::model::VariantChoice>, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .catalog
                .search_variants(&session, &slug, &q)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_product")]
pub async fn get_product(slug: String, id: i64) -> Result<ProductDetail, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.catalog.product(&session, &slug, id).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "create_product")]
pub async fn create_product(
    slug: String,
    product: ProductInput,
    variant: VariantInput,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            let created = services()?
                .catalog
                .create_product(&session, &slug, product, vec![variant])
                .await?;
            redirect(&format!("/shops/{slug}/products/{}", created.id))?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "update_product")]
pub async fn update_product(
    slug: String,
    id: i64,
    version: i64,
    product: ProductInput,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .catalog
                .update_product(&session, &slug, id, version, product)
                .await
                .map(|_| ())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "add_variant")]
pub async fn add_variant(
    slug: String,
    product_id: i64,
    variant: VariantInput,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .catalog
                .add_variant(&session, &slug, product_id, variant)
                .await
                .map(|_| ())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "update_variant")]
pub async fn update_variant(
    slug: String,
    variant_id: i64,
    variant: VariantInput,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .catalog
                .update_variant(&session, &slug, variant_id, variant)
                .await
                .map(|_| ())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "adjust_inventory")]
pub async fn adjust_inventory(
    slug: String,
    sku: String,
    delta: String,
    reason: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .catalog
                .adjust_inventory(
                    &session,
                    &slug,
                    super::model::AdjustmentInput { sku, delta, reason },
                )
                .await
                .map(|_| ())
        }
        .await,
    )
}

/// A variant's stock history, for the variant of `product_id` (another product's variant, or
/// another shop's, is not found).
#[server(prefix = "/sfn", endpoint = "get_stock_history")]
pub async fn get_stock_history(
    slug: String,
    product_id: i64,
    variant_id: i64,
) -> Result<StockHistory, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .catalog
                .stock_history(&session, &slug, product_id, variant_id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "import_status")]
pub async fn get_import_status(slug: String, id: i64) -> Result<ImportStatus, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.catalog.import_status(&session, &slug, id).await
        }
        .await,
    )
}
