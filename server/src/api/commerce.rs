//! `/api/v1/shops/{slug}/…` for the catalog, inventory and orders, plus the dashboard's CSV
//! upload and export endpoints. Handlers stay thin: authenticate, parse, call the service.

use super::{ApiJson, ApiResult, Caller};
use crate::error::{internal, ApiError};
use crate::state::AppState;
use app::error::AppError;
use app::orders::model::{NewOrderInput, OrderQuery, TransitionInput};
use app::products::model::{AdjustmentInput, ProductInput, ProductQuery, VariantInput};
use app::services::{CatalogService, OrderService};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

/// The upload routes take no `DefaultBodyLimit`: `save_upload` counts the bytes itself against
/// the configured `limits.max_upload_bytes` (a 50,000-row catalog is about 10 MB).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/shops/{slug}/products",
            get(list_products).post(create_product),
        )
        .route("/shops/{slug}/products/export", get(export_products))
        .route(
            "/shops/{slug}/products/import",
            post(import_products).layer(DefaultBodyLimit::disable()),
        )
        .route("/shops/{slug}/products/imports/{id}", get(import_status))
        .route(
            "/shops/{slug}/products/{id}",
            get(product).patch(update_product),
        )
        .route("/shops/{slug}/products/{id}/variants", post(add_variant))
        .route("/shops/{slug}/variants/{id}", patch(update_variant))
        .route(
            "/shops/{slug}/inventory",
            get(inventory).post(adjust_inventory),
        )
        .route(
            "/shops/{slug}/inventory/{variant_id}/history",
            get(inventory_history),
        )
        .route("/shops/{slug}/orders", get(list_orders).post(create_order))
        .route("/shops/{slug}/orders/{id}", get(order))
        .route("/shops/{slug}/orders/{id}/transitions", post(transition))
}

/// Routes outside `/api`: the dashboard's multipart upload (a plain HTML form, so it works
/// before hydration) redirects to the import's progress page.
pub fn dashboard_router() -> Router<AppState> {
    Router::new().route(
        "/shops/{slug}/products/imports",
        post(upload_from_dashboard).layer(DefaultBodyLimit::disable()),
    )
}

async fn list_products(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    Query(query): Query<ProductQuery>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.catalog.list_products(&session, &slug, query).await?,
    ))
}

#[derive(Deserialize)]
struct NewProductBody {
    #[serde(flatten)]
    product: ProductInput,
    variants: Vec<VariantInput>,
}

/// Creates the product with all its variants in one transaction: any refused variant leaves
/// nothing behind.
async fn create_product(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewProductBody>,
) -> ApiResult<Response> {
    // Variant problems name their position in the request (`variants[1].price`).
    let currency = state.catalog.open(&session, &slug).await?.shop.currency;
    for (index, variant) in body.variants.iter().enumerate() {
        crate::catalog::validate_variant(variant, &currency).map_err(|error| match error {
            AppError::Invalid { field, message } => {
                AppError::invalid(&format!("variants[{index}].{field}"), message)
            }
            other => other,
        })?;
    }
    let product = state
        .catalog
        .create_product(&session, &slug, body.product, body.variants)
        .await?;
    Ok((StatusCode::CREATED, Json(product)).into_response())
}

async fn product(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.catalog.product(&session, &slug, id).await?))
}

#[derive(Deserialize)]
struct UpdateProductBody {
    expected_version: i64,
    #[serde(flatten)]
    product: ProductInput,
}

async fn update_product(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<UpdateProductBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .catalog
            .update_product(&session, &slug, id, body.expected_version, body.product)
            .await?,
    ))
}

async fn add_variant(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(variant): ApiJson<VariantInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .catalog
                .add_variant(&session, &slug, id, variant)
                .await?,
        ),
    ))
}

async fn update_variant(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(variant): ApiJson<VariantInput>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .catalog
            .update_variant(&session, &slug, id, variant)
            .await?,
    ))
}

#[derive(Deserialize)]
struct InventoryQuery {
    #[serde(default)]
    sku_prefix: String,
}

async fn inventory(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    Query(query): Query<InventoryQuery>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .catalog
            .inventory(&session, &slug, &query.sku_prefix)
            .await?,
    ))
}

async fn adjust_inventory(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<AdjustmentInput>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .catalog
            .adjust_inventory(&session, &slug, input)
            .await?,
    ))
}

async fn inventory_history(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, variant_id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .catalog
            .inventory_history(&session, &slug, variant_id)
            .await?,
    ))
}

async fn import_status(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.catalog.import_status(&session, &slug, id).await?,
    ))
}

/// Writes an incoming byte stream to a new file in the upload directory, counting bytes as they
/// arrive: `DefaultBodyLimit` does not apply to a raw `Body`, so the limit is enforced here (413)
/// and a client that stops sending for the request time limit gets 408. A refused upload leaves
/// no file behind.
async fn save_upload<S, E>(
    state: &AppState,
    mut stream: S,
) -> Result<(std::path::PathBuf, i64), AppError>
where
    S: Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let limits = &state.config.limits;
    let dir = &state.catalog.upload_dir;
    tokio::fs::create_dir_all(dir).await.map_err(internal)?;
    let name: String = {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        (0..24)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.gen_range(0..36)]))
            .collect()
    };
    let path = dir.join(format!("{name}.csv"));
    let mut file = tokio::fs::File::create(&path).await.map_err(internal)?;
    let written = copy_limited(&mut stream, &mut file, limits).await;
    let written = match written {
        Ok(bytes) => file.flush().await.map_err(internal).map(|()| bytes),
        Err(error) => Err(error),
    };
    match written {
        Ok(0) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(AppError::invalid("file", "the file is empty"))
        }
        Ok(bytes) => Ok((path, bytes as i64)),
        Err(error) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(error)
        }
    }
}

/// Copies the body into `file`, refusing it once it is over `limits.max_upload_bytes` or when no
/// data arrives for `limits.request_timeout_secs`.
async fn copy_limited<S, E>(
    stream: &mut S,
    file: &mut tokio::fs::File,
    limits: &crate::config::Limits,
) -> Result<u64, AppError>
where
    S: Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let idle = std::time::Duration::from_secs(limits.request_timeout_secs.max(1));
    let mut bytes: u64 = 0;
    loop {
        let chunk = match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(error))) => {
                return Err(AppError::invalid(
                    "file",
                    format!("the upload did not complete ({error})"),
                ))
            }
            Ok(None) => return Ok(bytes),
            Err(_) => {
                return Err(AppError::RequestTimeout(format!(
                    "The upload stalled: no data arrived for {} seconds",
                    idle.as_secs()
                )))
            }
        };
        bytes += chunk.len() as u64;
        if bytes > limits.max_upload_bytes {
            return Err(AppError::PayloadTooLarge(format!(
                "The file is larger than the {} MB an import accepts; split it into smaller files",
                limits.max_upload_bytes.div_ceil(1024 * 1024)
            )));
        }
        file.write_all(&chunk).await.map_err(internal)?;
    }
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    file_name: String,
}

/// `POST …/products/import` with the CSV as the body: 202 with the import's status; poll
/// `Location` until `state` is `finished` or `failed`.
async fn import_products(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    Query(query): Query<ImportQuery>,
    body: Body,
) -> ApiResult<Response> {
    let shop = state.catalog.open(&session, &slug).await?;
    let slot = state.catalog.running_imports.claim(shop.shop.id)?;
    let (path, bytes) = save_upload(&state, body.into_data_stream()).await?;
    let file_name = if query.file_name.trim().is_empty() {
        "upload.csv".to_string()
    } else {
        query.file_name.trim().chars().take(200).collect()
    };
    let status = crate::catalog::import::start(&shop, &file_name, path, bytes, slot).await?;
    let location = format!("/api/v1/shops/{slug}/products/imports/{}", status.id);
    let mut response = (StatusCode::ACCEPTED, Json(status)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn upload_from_dashboard(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let shop = state.catalog.open(&session, &slug).await?;
    while let Some(field) = multipart.next_field().await.map_err(|error| {
        AppError::invalid("file", format!("the upload could not be read ({error})"))
    })? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field
            .file_name()
            .unwrap_or("upload.csv")
            .chars()
            .take(200)
            .collect::<String>();
        let slot = state.catalog.running_imports.claim(shop.shop.id)?;
        let (path, bytes) = save_upload(&state, field).await?;
        let status = crate::catalog::import::start(&shop, &file_name, path, bytes, slot).await?;
        return Ok(
            Redirect::to(&format!("/shops/{slug}/products/imports/{}", status.id)).into_response(),
        );
    }
    Err(ApiError(AppError::invalid(
        "file",
        "choose a CSV file to upload",
    )))
}

async fn export_products(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let shop = state.catalog.open(&session, &slug).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    tokio::spawn(crate::catalog::export::stream(
        shop.db.clone(),
        shop.shop.currency.clone(),
        sender,
    ));
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let disposition = format!("attachment; filename=\"{slug}-products.csv\"");
    let mut response = Body::from_stream(stream).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn list_orders(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    Query(query): Query<OrderQuery>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.orders.list_orders(&session, &slug, query).await?,
    ))
}

async fn create_order(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    ApiJson(mut input): ApiJson<NewOrderInput>,
) -> ApiResult<impl IntoResponse> {
    input.channel = "api".into();
    Ok((
        StatusCode::CREATED,
        Json(state.orders.create_order(&session, &slug, input).await?),
    ))
}

async fn order(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.orders.order(&session, &slug, id).await?))
}

async fn transition(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.orders.transition(&session, &slug, id, input).await?,
    ))
}
