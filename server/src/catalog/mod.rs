//! The catalog service: products, variants, inventory and its history, CSV import and export.
//! Every operation opens the shop through `ShopAccess` (membership checked), validates with the
//! shared rules, and writes in one transaction.

pub mod csv_format;
pub mod export;
pub mod import;
pub mod running;

use crate::access::{OpenShop, ShopAccess};
use crate::db::{is_unique_violation, now_ms, Database};
use crate::error::internal;
use crate::sql::{like_escape, SqlBuilder};
use app::auth::model::Session;
use app::error::AppError;
use app::money::{parse_amount, parse_optional_amount};
use app::products::model::*;
use app::products::rules::*;
use app::services::CatalogService;
use async_trait::async_trait;
use sqlx::{Any, Executor, Transaction};
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(Clone)]
pub struct Catalog {
    pub access: ShopAccess,
    /// Where uploaded import files wait while they are processed.
    pub upload_dir: PathBuf,
    /// One running import per shop (see [`running`]).
    pub running_imports: std::sync::Arc<running::RunningImports>,
}

/// Product fields after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidProduct {
    pub handle: String,
    pub title: String,
    pub description: String,
    pub status: ProductStatus,
    /// Comma-joined.
    pub tags: String,
    /// Space-joined.
    pub images: String,
    pub option1_name: String,
    pub option2_name: String,
}

pub fn validate_product(input: &ProductInput) -> Result<ValidProduct, AppError> {
    let title = parse_title(&input.title)?;
    let description = input.description.trim().to_string();
    if description.chars().count() > 20_000 {
        return Err(AppError::invalid(
            "description",
            "must be at most 20,000 characters",
        ));
    }
    Ok(ValidProduct {
        handle: parse_handle(&input.handle, &title)?,
        status: if input.status.trim().is_empty() {
            ProductStatus::Draft
        } else {
            ProductStatus::parse(&input.status)?
        },
        tags: parse_tags(&input.tags)?.join(","),
        images: parse_images(&input.images)?.join(" "),
        option1_name: parse_option(&input.option1_name, "option1_name")?,
        option2_name: parse_option(&input.option2_name, "option2_name")?,
        title,
        description,
    })
}

/// Variant fields after validation, in minor units of the shop's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidVariant {
    pub sku: Sku,
    pub option1: String,
    pub option2: String,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub weight_grams: i64,
    pub barcode: String,
    pub on_hand: i64,
}

pub fn validate_variant(input: &VariantInput, currency: &str) -> Result<ValidVariant, AppError> {
    let barcode = input.barcode.trim().to_string();
    if barcode.chars().count() > 64
        || !barcode
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(AppError::invalid(
            "barcode",
            "use up to 64 letters, digits or hyphens",
        ));
    }
    Ok(ValidVariant {
        sku: Sku::parse(&input.sku)?,
        option1: parse_option(&input.option1, "option1")?,
        option2: parse_option(&input.option2, "option2")?,
        price_minor: parse_amount(&input.price, currency, "price")?,
        compare_at_minor: parse_optional_amount(
            &input.compare_at_price,
            currency,
            "compare_at_price",
        )?,
        weight_grams: parse_count(&input.weight_grams, "weight_grams")?,
        barcode,
        on_hand: parse_count(&input.on_hand, "on_hand")?,
    })
}

pub fn split_tags(tags: &str) -> Vec<String> {
    tags.split(',')
        .filter(|tag| !tag.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(sqlx::FromRow)]
struct ProductRecord {
    id: i64,
    handle: String,
    title: String,
    description: String,
    status: String,
    tags: String,
    images: String,
    option1_name: String,
    option2_name: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct VariantRecord {
    id: i64,
    sku: String,
    option1: String,
    option2: String,
    price_minor: i64,
    compare_at_minor: Option<i64>,
    weight_grams: i64,
    barcode: String,
    on_hand: i64,
    reserved: i64,
}

impl From<VariantRecord> for VariantDto {
    fn from(row: VariantRecord) -> Self {
        VariantDto {
            id: row.id,
            available: available(row.on_hand, row.reserved),
            sku: row.sku,
            option1: row.option1,
            option2: row.option2,
            price_minor: row.price_minor,
            compare_at_minor: row.compare_at_minor,
            weight_grams: row.weight_grams,
            barcode: row.barcode,
            on_hand: row.on_hand,
            reserved: row.reserved,
        }
    }
}

fn product_not_found() -> AppError {
    AppError::NotFound("Product not found".into())
}

fn sku_taken(sku: &Sku) -> AppError {
    AppError::Conflict(format!(
        "The SKU {} is already used by another variant",
        sku.as_str()
    ))
}

/// Whether the database refused a write because it breaks a stock rule (`on_hand >= reserved`,
/// nothing negative): a CHECK constraint on PostgreSQL, a CHECK or the trigger of migration 0006
/// on SQLite.
pub fn is_stock_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db_error) => {
            db_error.code().as_deref() == Some("23514")
                || db_error.message().contains("CHECK constraint failed")
        }
        _ => false,
    }
}

/// A write of stock the database refused: a 409 naming the SKU when it broke a stock rule (a
/// concurrent order reserved the stock first), the opaque internal error otherwise.
pub fn stock_refusal(error: sqlx::Error, sku: &Sku) -> AppError {
    if is_stock_violation(&error) {
        AppError::Conflict(format!(
            "{}: on hand cannot go below what open orders and quotes reserve; nothing was changed",
            sku.as_str()
        ))
    } else {
        internal(error)
    }
}

/// Why a conditional stock update changed nothing, as a 409 naming the SKU.
async fn stock_changed(
    tx: &mut Transaction<'static, Any>,
    variant_id: i64,
    sku: &Sku,
    wanted_on_hand: i64,
) -> AppError {
    let now =
        sqlx::query_as::<_, (i64, i64)>("SELECT on_hand, reserved FROM variants WHERE id = $1")
            .bind(variant_id)
            .fetch_optional(&mut **tx)
            .await;
    match now {
        Ok(Some((_, reserved))) if reserved > wanted_on_hand => AppError::Conflict(format!(
            "{}: {wanted_on_hand} on hand would be below the {reserved} now reserved by open orders and quotes; nothing was changed",
            sku.as_str()
        )),
        Ok(Some(_)) => AppError::Conflict(format!(
            "{}: the stock changed while you adjusted it; nothing was changed, try again",
            sku.as_str()
        )),
        Ok(None) => AppError::NotFound("Variant not found".into()),
        Err(error) => internal(error),
    }
}

/// Records a change of stock on hand in the adjustment history.
pub async fn record_adjustment<'e, E>(
    executor: E,
    variant_id: i64,
    delta: i64,
    on_hand_after: i64,
    reason: &str,
    actor: &str,
) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query("INSERT INTO inventory_adjustments (variant_id, delta, on_hand_after, reason, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(variant_id)
        .bind(delta)
        .bind(on_hand_after)
        .bind(reason)
        .bind(actor)
        .bind(now_ms())
        .execute(executor)
        .await
        .map(|_| ())
}

pub async fn insert_variant<'e, E>(
    executor: E,
    product_id: i64,
    variant: &ValidVariant,
    position: i64,
) -> Result<i64, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let now = now_ms();
    sqlx::query_scalar::<_, i64>("INSERT INTO variants (product_id, sku, option1, option2, price_minor, compare_at_minor, weight_grams, barcode, position, on_hand, reserved, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11) RETURNING id")
        .bind(product_id)
        .bind(variant.sku.as_str())
        .bind(&variant.option1)
        .bind(&variant.option2)
        .bind(variant.price_minor)
        .bind(variant.compare_at_minor)
        .bind(variant.weight_grams)
        .bind(&variant.barcode)
        .bind(position)
        .bind(variant.on_hand)
        .bind(now)
        .fetch_one(executor)
        .await
}

/// Inserts a new variant (a taken SKU is a 409) and records its initial stock in the history.
async fn add_stocked_variant(
    tx: &mut Transaction<'static, Any>,
    product_id: i64,
    variant: &ValidVariant,
    position: i64,
    actor: &str,
) -> Result<(), AppError> {
    let variant_id = match insert_variant(&mut **tx, product_id, variant, position).await {
        Ok(id) => id,
        Err(error) if is_unique_violation(&error) => return Err(sku_taken(&variant.sku)),
        Err(error) => return Err(internal(error)),
    };
    if variant.on_hand > 0 {
        record_adjustment(
            &mut **tx,
            variant_id,
            variant.on_hand,
            variant.on_hand,
            "Initial stock",
            actor,
        )
        .await
        .map_err(internal)?;
    }
    Ok(())
}

/// A change to a product's variants is a change to the product: edits must see a new version.
async fn bump_product_version(
    tx: &mut Transaction<'static, Any>,
    product_id: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE products SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(product_id)
        .execute(&mut **tx)
        .await
        .map_err(internal)
        .map(|_| ())
}

impl Catalog {
    pub async fn open(&self, session: &Session, slug: &str) -> Result<OpenShop, AppError> {
        self.access.open(session, slug).await
    }

    pub async fn detail(db: &Database, currency: &str, id: i64) -> Result<ProductDetail, AppError> {
        let product = sqlx::query_as::<_, ProductRecord>(
            "SELECT id, handle, title, description, status, tags, images, option1_name, option2_name, version, created_at, updated_at FROM products WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&db.pool)
        .await
        .map_err(internal)?
        .ok_or_else(product_not_found)?;
        let variants = sqlx::query_as::<_, VariantRecord>(
            "SELECT id, sku, option1, option2, price_minor, compare_at_minor, weight_grams, barcode, on_hand, reserved FROM variants WHERE product_id = $1 ORDER BY position, id",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await
        .map_err(internal)?;
        Ok(ProductDetail {
            id: product.id,
            handle: product.handle,
            title: product.title,
            description: product.description,
            status: ProductStatus::parse(&product.status).unwrap_or(ProductStatus::Draft),
            tags: split_tags(&product.tags),
            images: product
                .images
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            option1_name: product.option1_name,
            option2_name: product.option2_name,
            version: product.version,
            currency: currency.to_string(),
            variants: variants.into_iter().map(VariantDto::from).collect(),
            created_at_ms: product.created_at,
            updated_at_ms: product.updated_at,
        })
    }

    async fn level(db: &Database, sku: &str) -> Result<Option<InventoryLevel>, AppError> {
        sqlx::query_as::<_, (i64, i64, String, String, i64, i64)>(
            "SELECT v.id, v.product_id, v.sku, p.title, v.on_hand, v.reserved FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = $1",
        )
        .bind(sku)
        .fetch_optional(&db.pool)
        .await
        .map_err(internal)
        .map(|row| row.map(level_from))
    }
}

fn level_from(row: (i64, i64, String, String, i64, i64)) -> InventoryLevel {
    let (variant_id, product_id, sku, title, on_hand, reserved) = row;
    InventoryLevel {
        variant_id,
        product_id,
        sku,
        title,
        on_hand,
        reserved,
        available: available(on_hand, reserved),
    }
}

/// The product page size; one more row is read to know whether a next page exists.
const PRODUCT_PAGE: i64 = 50;

/// The last 200 stock changes of a variant, newest first.
async fn adjustments(db: &Database, variant_id: i64) -> Result<Vec<AdjustmentDto>, AppError> {
    let rows = sqlx::query_as::<_, (i64, i64, String, String, i64)>(
        "SELECT delta, on_hand_after, reason, actor, created_at FROM inventory_adjustments WHERE variant_id = $1 ORDER BY id DESC LIMIT 200",
    )
    .bind(variant_id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(
            |(delta, on_hand_after, reason, actor, created_at_ms)| AdjustmentDto {
                delta,
                on_hand_after,
                reason,
                actor,
                created_at_ms,
            },
        )
        .collect())
}

#[async_trait]
impl CatalogService for Catalog {
    async fn search_variants(
        &self,
        session: &Session,
        slug: &str,
        search: &str,
    ) -> Result<Vec<app::products::model::VariantChoice>, AppError> {
        let shop = self.open(session, slug).await?;
        let search = search.trim().to_lowercase();
        if search.is_empty() {
            return Ok(Vec::new());
        }
        if search.chars().count() > 100 {
            return Err(AppError::invalid("q", "must be at most 100 characters"));
        }
        let escaped = like_escape(&search);
        let rows = sqlx::query_as::<_, (String, String, String, String, i64, i64)>(
            "SELECT v.sku, p.title, v.option1, v.option2, v.price_minor, v.on_hand - v.reserved \
             FROM variants v JOIN products p ON p.id = v.product_id \
             WHERE p.status <> 'archived' \
               AND (lower(v.sku) LIKE $1 ESCAPE '\\' OR lower(p.title) LIKE $2 ESCAPE '\\') \
             ORDER BY v.sku LIMIT 20",
        )
        .bind(format!("{escaped}%"))
        .bind(format!("%{escaped}%"))
        .fetch_all(&shop.db.pool)
        .await
        .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|(sku, title, option1, option2, price_minor, available)| {
                let options: Vec<&str> = [option1.as_str(), option2.as_str()]
                    .into_iter()
                    .filter(|option| !option.is_empty())
                    .collect();
                app::products::model::VariantChoice {
                    sku,
                    title: if options.is_empty() {
                        title
                    } else {
                        format!("{title} — {}", options.join(" / "))
                    },
                    price_minor,
                    available,
                }
            })
            .collect())
    }

    async fn list_products(
        &self,
        session: &Session,
        slug: &str,
        query: ProductQuery,
    ) -> Result<ProductPage, AppError> {
        let shop = self.open(session, slug).await?;
        let mut sql = SqlBuilder::new(
            "SELECT p.id, p.handle, p.title, p.status, p.tags, p.updated_at, \
             (SELECT COUNT(*) FROM variants v WHERE v.product_id = p.id), \
             (SELECT CAST(COALESCE(SUM(v.on_hand - v.reserved), 0) AS BIGINT) FROM variants v WHERE v.product_id = p.id), \
             (SELECT COALESCE(MIN(v.price_minor), 0) FROM variants v WHERE v.product_id = p.id), \
             (SELECT COALESCE(MAX(v.price_minor), 0) FROM variants v WHERE v.product_id = p.id) \
             FROM products p WHERE 1 = 1",
        );
        let q = query.q.trim();
        if !q.is_empty() {
            let pattern = sql.text(format!("%{}%", like_escape(&q.to_lowercase())));
            // A SKU matches by its start, whatever the case: `tee-m` finds TEE-M-RED.
            let sku_prefix = sql.text(format!("{}%", like_escape(&q.to_lowercase())));
            sql.push(&format!(
                " AND (lower(p.title) LIKE {pattern} ESCAPE '\\' OR p.handle LIKE {pattern} ESCAPE '\\' \
                 OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND lower(v.sku) LIKE {sku_prefix} ESCAPE '\\'))"
            ));
        }
        if !query.status.trim().is_empty() {
            let status = ProductStatus::parse(&query.status)?;
            let placeholder = sql.text(status.as_str());
            sql.push(&format!(" AND p.status = {placeholder}"));
        }
        let tag = query.tag.trim();
        if !tag.is_empty() {
            let pattern = sql.text(format!("%,{},%", like_escape(&tag.to_lowercase())));
            sql.push(&format!(
                " AND (',' || lower(p.tags) || ',') LIKE {pattern} ESCAPE '\\'"
            ));
        }
        let (column, descending) = match query.sort.as_str() {
            "" | "title" => ("p.title", false),
            "-title" => ("p.title", true),
            "updated" => ("p.updated_at", false),
            "-updated" => ("p.updated_at", true),
            other => {
                return Err(AppError::invalid(
                    "sort",
                    format!("\"{other}\" is not a sort order (title, -title, updated, -updated)"),
                ))
            }
        };
        if let Some((id, value)) = query.after.split_once(':') {
            let id: i64 = id
                .parse()
                .map_err(|_| AppError::invalid("after", "is not a valid cursor"))?;
            let value_placeholder = if column == "p.updated_at" {
                sql.int(
                    value
                        .parse()
                        .map_err(|_| AppError::invalid("after", "is not a valid cursor"))?,
                )
            } else {
                sql.text(value.to_string())
            };
            let id_placeholder = sql.int(id);
            let op = if descending { "<" } else { ">" };
            sql.push(&format!(
                " AND ({column} {op} {value_placeholder} OR ({column} = {value_placeholder} AND p.id {op} {id_placeholder}))"
            ));
        }
        let direction = if descending { "DESC" } else { "ASC" };
        sql.push(&format!(
            " ORDER BY {column} {direction}, p.id {direction} LIMIT {}",
            PRODUCT_PAGE + 1
        ));
        let mut rows = sql
            .query_as::<(i64, String, String, String, String, i64, i64, i64, i64, i64)>()
            .fetch_all(&shop.db.pool)
            .await
            .map_err(internal)?;
        let next_cursor = if rows.len() as i64 > PRODUCT_PAGE {
            rows.truncate(PRODUCT_PAGE as usize);
            rows.last().map(|row| {
                if column == "p.updated_at" {
                    format!("{}:{}", row.0, row.5)
                } else {
                    format!("{}:{}", row.0, row.2)
                }
            })
        } else {
            None
        };
        Ok(ProductPage {
            currency: shop.shop.currency.clone(),
            products: rows
                .into_iter()
                .map(|row| ProductRow {
                    id: row.0,
                    handle: row.1,
                    title: row.2,
                    status: ProductStatus::parse(&row.3).unwrap_or(ProductStatus::Draft),
                    tags: split_tags(&row.4),
                    updated_at_ms: row.5,
                    variant_count: row.6,
                    available: row.7,
                    price_min_minor: row.8,
                    price_max_minor: row.9,
                })
                .collect(),
            next_cursor,
        })
    }

    async fn product(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
    ) -> Result<ProductDetail, AppError> {
        let shop = self.open(session, slug).await?;
        Catalog::detail(&shop.db, &shop.shop.currency, id).await
    }

    #[tracing::instrument(skip_all, fields(slug), err(level = "info"))]
    async fn create_product(
        &self,
        session: &Session,
        slug: &str,
        product: ProductInput,
        variants: Vec<VariantInput>,
    ) -> Result<ProductDetail, AppError> {
        let shop = self.open(session, slug).await?;
        let product = validate_product(&product)?;
        if variants.is_empty() {
            return Err(AppError::invalid("variants", "add at least one variant"));
        }
        let mut valid = Vec::with_capacity(variants.len());
        // A set, not a scan of the variants so far: the check stays linear for a long list.
        let mut skus: HashSet<Sku> = HashSet::with_capacity(variants.len());
        for (index, variant) in variants.iter().enumerate() {
            let variant =
                validate_variant(variant, &shop.shop.currency).map_err(|error| match error {
                    AppError::Invalid { field, message } if variants.len() > 1 => {
                        AppError::invalid(&format!("variants[{index}].{field}"), message)
                    }
                    other => other,
                })?;
            if !skus.insert(variant.sku.clone()) {
                return Err(AppError::invalid(
                    &format!("variants[{index}].sku"),
                    format!("{} appears twice", variant.sku.as_str()),
                ));
            }
            valid.push(variant);
        }
        let now = now_ms();
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let product_id = match sqlx::query_scalar::<_, i64>("INSERT INTO products (handle, title, description, status, tags, images, option1_name, option2_name, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id")
            .bind(&product.handle)
            .bind(&product.title)
            .bind(&product.description)
            .bind(product.status.as_str())
            .bind(&product.tags)
            .bind(&product.images)
            .bind(&product.option1_name)
            .bind(&product.option2_name)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
        {
            Ok(id) => id,
            Err(error) if is_unique_violation(&error) => {
                return Err(AppError::Conflict(format!(
                    "Another product already uses the handle \"{}\"",
                    product.handle
                )))
            }
            Err(error) => return Err(internal(error)),
        };
        for (position, variant) in valid.iter().enumerate() {
            add_stocked_variant(&mut tx, product_id, variant, position as i64, &shop.actor).await?;
        }
        tx.commit().await.map_err(internal)?;
        Catalog::detail(&shop.db, &shop.shop.currency, product_id).await
    }

    #[tracing::instrument(skip_all, fields(slug, id), err(level = "info"))]
    async fn update_product(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        expected_version: i64,
        product: ProductInput,
    ) -> Result<ProductDetail, AppError> {
        let shop = self.open(session, slug).await?;
        let product = validate_product(&product)?;
        let result = sqlx::query("UPDATE products SET handle = $1, title = $2, description = $3, status = $4, tags = $5, images = $6, option1_name = $7, option2_name = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11")
            .bind(&product.handle)
            .bind(&product.title)
            .bind(&product.description)
            .bind(product.status.as_str())
            .bind(&product.tags)
            .bind(&product.images)
            .bind(&product.option1_name)
            .bind(&product.option2_name)
            .bind(now_ms())
            .bind(id)
            .bind(expected_version)
            .execute(&shop.db.pool)
            .await;
        match result {
            Ok(done) if done.rows_affected() == 1 => {}
            Ok(_) => {
                // Either the product is gone or someone saved a newer version first.
                Catalog::detail(&shop.db, &shop.shop.currency, id).await?;
                return Err(AppError::Conflict(
                    "This product was changed by someone else since you opened it; reload and apply your change again".into(),
                ));
            }
            Err(error) if is_unique_violation(&error) => {
                return Err(AppError::Conflict(format!(
                    "Another product already uses the handle \"{}\"",
                    product.handle
                )))
            }
            Err(error) => return Err(internal(error)),
        }
        Catalog::detail(&shop.db, &shop.shop.currency, id).await
    }

    #[tracing::instrument(skip_all, fields(slug, product_id), err(level = "info"))]
    async fn add_variant(
        &self,
        session: &Session,
        slug: &str,
        product_id: i64,
        variant: VariantInput,
    ) -> Result<ProductDetail, AppError> {
        let shop = self.open(session, slug).await?;
        let variant = validate_variant(&variant, &shop.shop.currency)?;
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let position = sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(MAX(v.position), -1) + 1 FROM products p LEFT JOIN variants v ON v.product_id = p.id WHERE p.id = $1 GROUP BY p.id",
        )
        .bind(product_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?
        .ok_or_else(product_not_found)?;
        add_stocked_variant(&mut tx, product_id, &variant, position, &shop.actor).await?;
        bump_product_version(&mut tx, product_id).await?;
        tx.commit().await.map_err(internal)?;
        Catalog::detail(&shop.db, &shop.shop.currency, product_id).await
    }

    #[tracing::instrument(skip_all, fields(slug, variant_id), err(level = "info"))]
    async fn update_variant(
        &self,
        session: &Session,
        slug: &str,
        variant_id: i64,
        variant: VariantInput,
    ) -> Result<ProductDetail, AppError> {
        let shop = self.open(session, slug).await?;
        let variant = validate_variant(&variant, &shop.shop.currency)?;
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let product_id =
            sqlx::query_scalar::<_, i64>("SELECT product_id FROM variants WHERE id = $1")
                .bind(variant_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(internal)?
                .ok_or_else(|| AppError::NotFound("Variant not found".into()))?;
        let result = sqlx::query("UPDATE variants SET sku = $1, option1 = $2, option2 = $3, price_minor = $4, compare_at_minor = $5, weight_grams = $6, barcode = $7, updated_at = $8 WHERE id = $9")
            .bind(variant.sku.as_str())
            .bind(&variant.option1)
            .bind(&variant.option2)
            .bind(variant.price_minor)
            .bind(variant.compare_at_minor)
            .bind(variant.weight_grams)
            .bind(&variant.barcode)
            .bind(now_ms())
            .bind(variant_id)
            .execute(&mut *tx)
            .await;
        match result {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => return Err(sku_taken(&variant.sku)),
            Err(error) => return Err(internal(error)),
        }
        bump_product_version(&mut tx, product_id).await?;
        tx.commit().await.map_err(internal)?;
        Catalog::detail(&shop.db, &shop.shop.currency, product_id).await
    }

    async fn inventory(
        &self,
        session: &Session,
        slug: &str,
        sku_prefix: &str,
    ) -> Result<Vec<InventoryLevel>, AppError> {
        let shop = self.open(session, slug).await?;
        let pattern = format!("{}%", like_escape(sku_prefix.trim()));
        let rows = sqlx::query_as::<_, (i64, i64, String, String, i64, i64)>(
            "SELECT v.id, v.product_id, v.sku, p.title, v.on_hand, v.reserved FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku LIKE $1 ESCAPE '\\' ORDER BY v.sku LIMIT 500",
        )
        .bind(pattern)
        .fetch_all(&shop.db.pool)
        .await
        .map_err(internal)?;
        Ok(rows.into_iter().map(level_from).collect())
    }

    #[tracing::instrument(skip_all, fields(slug), err(level = "info"))]
    async fn adjust_inventory(
        &self,
        session: &Session,
        slug: &str,
        input: AdjustmentInput,
    ) -> Result<InventoryLevel, AppError> {
        let shop = self.open(session, slug).await?;
        let sku = Sku::parse(&input.sku)?;
        let delta = parse_signed(&input.delta, "delta")?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                "say why the stock changes (e.g. received, damaged, count correction)",
            ));
        }
        if reason.chars().count() > 200 {
            return Err(AppError::invalid(
                "reason",
                "must be at most 200 characters",
            ));
        }
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let (variant_id, on_hand, reserved) = sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT id, on_hand, reserved FROM variants WHERE sku = $1",
        )
        .bind(sku.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            AppError::invalid("sku", format!("no variant has the SKU {}", sku.as_str()))
        })?;
        let after = adjusted_on_hand(on_hand, reserved, delta)?;
        // Conditional on the value read and on what is reserved now: on PostgreSQL an order
        // placed meanwhile (it raises `reserved`, not `on_hand`) or a concurrent adjustment
        // makes this a no-op instead of a lost update or stock below what open orders hold.
        let updated = sqlx::query(
            "UPDATE variants SET on_hand = $1, updated_at = $2 WHERE id = $3 AND on_hand = $4 AND reserved <= $1",
        )
        .bind(after)
        .bind(now_ms())
        .bind(variant_id)
        .bind(on_hand)
        .execute(&mut *tx)
        .await
        .map_err(|error| stock_refusal(error, &sku))?;
        if updated.rows_affected() != 1 {
            return Err(stock_changed(&mut tx, variant_id, &sku, after).await);
        }
        record_adjustment(&mut *tx, variant_id, delta, after, reason, &shop.actor)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Catalog::level(&shop.db, sku.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound("Variant not found".into()))
    }

    async fn inventory_history(
        &self,
        session: &Session,
        slug: &str,
        variant_id: i64,
    ) -> Result<Vec<AdjustmentDto>, AppError> {
        let shop = self.open(session, slug).await?;
        adjustments(&shop.db, variant_id).await
    }

    async fn stock_history(
        &self,
        session: &Session,
        slug: &str,
        product_id: i64,
        variant_id: i64,
    ) -> Result<StockHistory, AppError> {
        let shop = self.open(session, slug).await?;
        let product = Catalog::detail(&shop.db, &shop.shop.currency, product_id).await?;
        let variant = product
            .variants
            .into_iter()
            .find(|variant| variant.id == variant_id)
            .ok_or_else(|| AppError::NotFound("Variant not found".into()))?;
        Ok(StockHistory {
            product_id,
            product_title: product.title,
            variant,
            entries: adjustments(&shop.db, variant_id).await?,
        })
    }

    async fn import_status(
        &self,
        session: &Session,
        slug: &str,
        import_id: i64,
    ) -> Result<ImportStatus, AppError> {
        let shop = self.open(session, slug).await?;
        import::status(&shop.db, import_id).await
    }
}
