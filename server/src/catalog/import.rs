//! CSV import as a background job: a blocking thread reads and validates the file in batches
//! (memory stays flat for any size), the async side upserts each batch by SKU in one
//! transaction and records progress and per-line errors in the `imports` tables.

use super::csv_format::{check_encoding_prefix, column_of_field, parse_header, Header};
use super::{validate_product, validate_variant, ValidProduct, ValidVariant};
use crate::access::OpenShop;
use crate::db::{now_ms, Database};
use crate::error::internal;
use crate::sql::SqlBuilder;
use anyhow::Context;
use app::error::AppError;
use app::products::model::{ImportRowError, ImportState, ImportStatus};
use app::products::rules::parse_handle;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;

/// Rows written per transaction.
const BATCH_ROWS: usize = 2000;
/// Rows per SQL statement inside a batch.
const SUB_BATCH_ROWS: usize = 100;
/// Row errors kept for display; the count covers all of them.
const STORED_ERRORS: i64 = 500;

/// Rows travel in batches over a channel, once each; boxing the large variant would cost an
/// allocation per row for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Item {
    Row {
        line: i64,
        /// `None` when the file has no title column: the row updates an existing variant only.
        product: Option<ValidProduct>,
        variant: ValidVariant,
    },
    Error(ImportRowError),
}

#[allow(clippy::large_enum_variant)]
enum Message {
    /// Sent first: which columns the file has.
    Columns(Header),
    Batch {
        items: Vec<Item>,
        bytes_read: i64,
    },
    /// The file as a whole cannot be imported.
    Refused(String),
}

/// Registers an import of the file at `path` and starts it in the background.
pub async fn start(
    shop: &OpenShop,
    file_name: &str,
    path: PathBuf,
    bytes_total: i64,
    slot: super::running::ImportSlot,
) -> Result<ImportStatus, AppError> {
    let import_id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO imports (kind, file_name, status, bytes_total, actor, created_at) VALUES ('products', $1, 'queued', $2, $3, $4) RETURNING id",
    )
    .bind(file_name)
    .bind(bytes_total)
    .bind(&shop.actor)
    .bind(now_ms())
    .fetch_one(&shop.db.pool)
    .await
    .map_err(internal)?;
    let db = shop.db.clone();
    let currency = shop.shop.currency.clone();
    let actor = shop.actor.clone();
    tokio::spawn(async move {
        let ending = match run(&db, &currency, import_id, &path, &actor).await {
            Ok(ending) => ending,
            Err(error) => {
                tracing::error!(import_id, error = %format!("{error:#}"), "import failed");
                Ending::Failed(
                    "The import stopped because of a problem on our side; rows written so far are kept."
                        .into(),
                )
            }
        };
        let _ = tokio::fs::remove_file(&path).await;
        // The shop's slot is freed before the ending is visible, so whoever sees the import
        // finished (or failed) can start the next one at once.
        drop(slot);
        if let Err(error) = record_ending(&db, import_id, &ending).await {
            tracing::error!(import_id, error = %format!("{error:#}"), "recording the end of an import failed");
        }
    });
    status(&shop.db, import_id).await
}

/// How an import's work ended; [`record_ending`] makes it visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Finished,
    /// The file as a whole was refused, or the import stopped; the reason is shown to the merchant.
    Failed(String),
}

/// Marks the import finished or failed.
pub async fn record_ending(db: &Database, import_id: i64, ending: &Ending) -> anyhow::Result<()> {
    match ending {
        Ending::Finished => {
            sqlx::query("UPDATE imports SET status = 'finished', bytes_read = bytes_total, finished_at = $1 WHERE id = $2")
                .bind(now_ms())
                .bind(import_id)
                .execute(&db.pool)
                .await?;
        }
        Ending::Failed(reason) => {
            sqlx::query("UPDATE imports SET status = 'failed', failure = $1, finished_at = $2 WHERE id = $3")
                .bind(reason)
                .bind(now_ms())
                .bind(import_id)
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(())
}

/// Does an import's work (also used directly by the benchmark) and says how it ended, without
/// recording the ending: the caller first frees the shop's import slot, then calls
/// [`record_ending`].
pub async fn run(
    db: &Database,
    currency: &str,
    import_id: i64,
    path: &std::path::Path,
    actor: &str,
) -> anyhow::Result<Ending> {
    sqlx::query("UPDATE imports SET status = 'running' WHERE id = $1")
        .bind(import_id)
        .execute(&db.pool)
        .await?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Message>(4);
    let reader_path = path.to_path_buf();
    let reader_currency = currency.to_string();
    let reader =
        tokio::task::spawn_blocking(move || read_file(&reader_path, &reader_currency, &sender));
    let mut errors_stored = 0_i64;
    let mut columns: Option<Header> = None;
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Columns(header) => columns = Some(header),
            Message::Refused(reason) => {
                // The reader stops after sending this; wait for it so no thread outlives the
                // import. The refusal is the ending whatever the reader says after it.
                drop(receiver);
                let _ = reader.await;
                return Ok(Ending::Failed(reason));
            }
            Message::Batch { items, bytes_read } => {
                let header = columns.as_ref().context("rows arrived before the header")?;
                // The rows and the progress they make commit together: one commit per batch.
                let mut tx = db.begin_write().await?;
                // Statements stay at most SUB_BATCH_ROWS rows long: sqlx's cost of binding grows
                // faster than linearly with the parameters of one statement.
                let mut outcome = BatchOutcome::default();
                let mut items = items;
                while !items.is_empty() {
                    let rest = items.split_off(items.len().min(SUB_BATCH_ROWS));
                    let part = write_batch(&mut tx, items, actor, header).await?;
                    outcome.read += part.read;
                    outcome.created += part.created;
                    outcome.updated += part.updated;
                    outcome.unchanged += part.unchanged;
                    outcome.errors.extend(part.errors);
                    items = rest;
                }
                outcome.errors.sort_by_key(|error| error.line);
                sqlx::query("UPDATE imports SET rows_read = rows_read + $1, rows_created = rows_created + $2, rows_updated = rows_updated + $3, rows_unchanged = rows_unchanged + $4, rows_failed = rows_failed + $5, bytes_read = $6 WHERE id = $7")
                    .bind(outcome.read)
                    .bind(outcome.created)
                    .bind(outcome.updated)
                    .bind(outcome.unchanged)
                    .bind(outcome.errors.len() as i64)
                    .bind(bytes_read)
                    .bind(import_id)
                    .execute(&mut *tx)
                    .await?;
                for error in outcome.errors {
                    if errors_stored >= STORED_ERRORS {
                        break;
                    }
                    sqlx::query("INSERT INTO import_errors (import_id, line, sku, field, message) VALUES ($1, $2, $3, $4, $5)")
                        .bind(import_id)
                        .bind(error.line)
                        .bind(&error.sku)
                        .bind(&error.field)
                        .bind(&error.message)
                        .execute(&mut *tx)
                        .await?;
                    errors_stored += 1;
                }
                tx.commit().await?;
            }
        }
    }
    reader.await.context("joining the CSV reader")??;
    Ok(Ending::Finished)
}

fn row_error(line: i64, field: &str, message: impl Into<String>) -> Item {
    Item::Error(ImportRowError {
        line,
        sku: String::new(),
        field: field.to_string(),
        message: message.into(),
    })
}

/// Reads, decodes and validates the file on a blocking thread, sending batches of rows.
fn read_file(
    path: &std::path::Path,
    currency: &str,
    sender: &tokio::sync::mpsc::Sender<Message>,
) -> anyhow::Result<()> {
    let refuse = |reason: String| {
        let _ = sender.blocking_send(Message::Refused(reason));
        Ok(())
    };
    let mut file = std::fs::File::open(path).context("opening the uploaded file")?;
    let mut prefix = [0_u8; 3];
    let prefix_len = file.read(&mut prefix)?;
    let skip = match check_encoding_prefix(&prefix[..prefix_len]) {
        Ok(skip) => skip,
        Err(reason) => return refuse(reason),
    };
    let file = std::fs::File::open(path)?;
    let mut buffered = std::io::BufReader::with_capacity(1 << 16, file);
    std::io::copy(&mut (&mut buffered).take(skip as u64), &mut std::io::sink())?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(buffered);
    let mut record = csv::ByteRecord::new();
    let header = match reader.read_byte_record(&mut record) {
        Ok(false) => return refuse("the file is empty".into()),
        Err(error) => return refuse(format!("line 1: {error}")),
        Ok(true) => {
            let Ok(fields) = record
                .iter()
                .map(std::str::from_utf8)
                .collect::<Result<Vec<_>, _>>()
            else {
                return refuse(
                    "line 1: the header is not valid UTF-8; save the file as CSV UTF-8".into(),
                );
            };
            match parse_header(&fields) {
                Ok(header) => header,
                Err(reason) => return refuse(reason),
            }
        }
    };
    let width = record.len();
    if sender
        .blocking_send(Message::Columns(header.clone()))
        .is_err()
    {
        return Ok(());
    }
    let mut seen_skus: HashMap<String, i64> = HashMap::new();
    let mut current_product: Option<ValidProduct> = None;
    let mut items = Vec::with_capacity(BATCH_ROWS);
    loop {
        let line = reader.position().line() as i64 + 1;
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(error) => {
                // A malformed quote or similar: report the line and stop reading this file.
                items.push(row_error(
                    line,
                    "row",
                    format!("cannot be read as CSV ({error})"),
                ));
                false
            }
        };
        if !more {
            break;
        }
        let line = record
            .position()
            .map(|position| position.line() as i64)
            .unwrap_or(line);
        if record
            .iter()
            .all(|field| field.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        items.push(read_row(
            &header,
            width,
            &record,
            line,
            currency,
            &mut seen_skus,
            &mut current_product,
        ));
        if items.len() >= BATCH_ROWS {
            let bytes_read = reader.position().byte() as i64 + skip as i64;
            let batch = std::mem::replace(&mut items, Vec::with_capacity(BATCH_ROWS));
            if sender
                .blocking_send(Message::Batch {
                    items: batch,
                    bytes_read,
                })
                .is_err()
            {
                return Ok(());
            }
        }
    }
    if !items.is_empty() {
        let bytes_read = reader.position().byte() as i64 + skip as i64;
        let _ = sender.blocking_send(Message::Batch { items, bytes_read });
    }
    Ok(())
}

fn read_row(
    header: &super::csv_format::Header,
    width: usize,
    record: &csv::ByteRecord,
    line: i64,
    currency: &str,
    seen_skus: &mut HashMap<String, i64>,
    current_product: &mut Option<ValidProduct>,
) -> Item {
    if record.len() > width {
        return row_error(
            line,
            "row",
            format!("has {} fields but the header has {width}", record.len()),
        );
    }
    let Ok(fields) = record
        .iter()
        .map(std::str::from_utf8)
        .collect::<Result<Vec<_>, _>>()
    else {
        return row_error(
            line,
            "row",
            "is not valid UTF-8; save the file as CSV UTF-8",
        );
    };
    let (product_input, variant_input) = header.row(&fields);
    let product_columns_blank = header.product_columns_blank(&fields);
    let starts_product = header.has("title") && !product_columns_blank;
    let written_sku = variant_input.sku.trim().to_string();
    let mut item = read_valid_row(
        header,
        line,
        (product_input, product_columns_blank),
        variant_input,
        currency,
        seen_skus,
        current_product,
    );
    if let Item::Error(error) = &mut item {
        error.sku = written_sku;
    }
    if starts_product {
        // Rows below attach to this product only if its first row was accepted.
        *current_product = match &item {
            Item::Row { product, .. } => product.clone(),
            Item::Error(_) => None,
        };
    }
    item
}

fn read_valid_row(
    header: &Header,
    line: i64,
    (product_input, product_columns_blank): (app::products::model::ProductInput, bool),
    variant_input: app::products::model::VariantInput,
    currency: &str,
    seen_skus: &mut HashMap<String, i64>,
    current_product: &Option<ValidProduct>,
) -> Item {
    let product = if !header.has("title") {
        // A price or stock list: rows update variants that already exist.
        None
    } else if product_columns_blank {
        // A further variant of the product on the rows above (the handle, if given, must match).
        let handle = product_input.handle.trim();
        match current_product {
            Some(product)
                if handle.is_empty()
                    || parse_handle(handle, "").is_ok_and(|handle| handle == product.handle) =>
            {
                Some(product.clone())
            }
            _ => {
                return row_error(line, "title", "is required on the first row of a product (or the product's first row was refused)")
            }
        }
    } else {
        match validate_product(&product_input) {
            Ok(product) => Some(product),
            Err(error) => return app_error_item(line, error),
        }
    };
    let variant = match validate_variant(&variant_input, currency) {
        Ok(variant) => variant,
        Err(error) => return app_error_item(line, error),
    };
    if let Some(first) = seen_skus.get(variant.sku.as_str()) {
        return row_error(
            line,
            "sku",
            format!(
                "duplicate SKU {} (first on line {first})",
                variant.sku.as_str()
            ),
        );
    }
    seen_skus.insert(variant.sku.as_str().to_string(), line);
    Item::Row {
        line,
        product,
        variant,
    }
}

fn app_error_item(line: i64, error: AppError) -> Item {
    match error {
        AppError::Invalid { field, message } => row_error(line, column_of_field(&field), message),
        other => row_error(line, "row", other.to_string()),
    }
}

#[derive(Default)]
struct BatchOutcome {
    read: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
    errors: Vec<ImportRowError>,
}

#[derive(sqlx::FromRow)]
struct ExistingProduct {
    id: i64,
    handle: String,
    title: String,
    description: String,
    status: String,
    tags: String,
    images: String,
    option1_name: String,
    option2_name: String,
}

impl ExistingProduct {
    fn same_as(&self, product: &ValidProduct) -> bool {
        self.title == product.title
            && self.description == product.description
            && self.status == product.status.as_str()
            && self.tags == product.tags
            && self.images == product.images
            && self.option1_name == product.option1_name
            && self.option2_name == product.option2_name
    }
}

#[derive(sqlx::FromRow)]
struct ExistingVariant {
    id: i64,
    product_id: i64,
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

impl ExistingVariant {
    fn same_fields(&self, variant: &ValidVariant) -> bool {
        self.option1 == variant.option1
            && self.option2 == variant.option2
            && self.price_minor == variant.price_minor
            && self.compare_at_minor == variant.compare_at_minor
            && self.weight_grams == variant.weight_grams
            && self.barcode == variant.barcode
    }
}

fn placeholders(sql: &mut SqlBuilder, values: impl IntoIterator<Item = String>) -> String {
    values
        .into_iter()
        .map(|value| sql.text(value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Product fields as they will be stored: columns missing from the file keep the stored values.
fn merged_product(known: &ExistingProduct, new: &ValidProduct, header: &Header) -> ValidProduct {
    let pick = |column: &str, from_file: &str, stored: &str| {
        if header.has(column) {
            from_file.to_string()
        } else {
            stored.to_string()
        }
    };
    ValidProduct {
        handle: known.handle.clone(),
        title: new.title.clone(),
        description: pick("description", &new.description, &known.description),
        status: if header.has("status") {
            new.status
        } else {
            app::products::rules::ProductStatus::parse(&known.status).unwrap_or(new.status)
        },
        tags: pick("tags", &new.tags, &known.tags),
        images: pick("images", &new.images, &known.images),
        option1_name: pick("option1_name", &new.option1_name, &known.option1_name),
        option2_name: pick("option2_name", &new.option2_name, &known.option2_name),
    }
}

/// Variant fields as they will be stored: columns missing from the file keep the stored values.
fn merged_variant(known: &ExistingVariant, new: &ValidVariant, header: &Header) -> ValidVariant {
    let pick = |column: &str, from_file: &str, stored: &str| {
        if header.has(column) {
            from_file.to_string()
        } else {
            stored.to_string()
        }
    };
    ValidVariant {
        sku: new.sku.clone(),
        option1: pick("option1_value", &new.option1, &known.option1),
        option2: pick("option2_value", &new.option2, &known.option2),
        price_minor: new.price_minor,
        compare_at_minor: if header.has("compare_at_price") {
            new.compare_at_minor
        } else {
            known.compare_at_minor
        },
        weight_grams: if header.has("weight_grams") {
            new.weight_grams
        } else {
            known.weight_grams
        },
        barcode: pick("barcode", &new.barcode, &known.barcode),
        on_hand: if header.has("on_hand") {
            new.on_hand
        } else {
            known.on_hand
        },
    }
}

/// Upserts one batch in one transaction: products by handle, variants by SKU. Rows that match
/// what is stored change nothing (so a re-import is a no-op); columns the file lacks are kept.
async fn write_batch(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    items: Vec<Item>,
    actor: &str,
    header: &Header,
) -> anyhow::Result<BatchOutcome> {
    let mut outcome = BatchOutcome {
        read: items.len() as i64,
        ..BatchOutcome::default()
    };
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Row {
                line,
                product,
                variant,
            } => rows.push((line, product, variant)),
            Item::Error(error) => outcome.errors.push(error),
        }
    }
    if rows.is_empty() {
        return Ok(outcome);
    }
    let now = now_ms();
    let backend = tx.backend_name().to_string();

    // Products of this batch, by handle: existing ones read in one query.
    let mut handles: Vec<String> = Vec::new();
    let mut handle_set = HashSet::new();
    for (_, product, _) in &rows {
        if let Some(product) = product {
            if handle_set.insert(product.handle.clone()) {
                handles.push(product.handle.clone());
            }
        }
    }
    let mut product_ids: HashMap<String, i64> = HashMap::new();
    let mut changed_products: HashSet<String> = HashSet::new();
    if !handles.is_empty() {
        let mut sql = SqlBuilder::bulk("SELECT id, handle, title, description, status, tags, images, option1_name, option2_name FROM products WHERE handle IN (", &backend);
        let list = placeholders(&mut sql, handles.iter().cloned());
        sql.push(&list).push(")");
        let existing: Vec<ExistingProduct> = sql.query_as().fetch_all(&mut **tx).await?;
        let mut new_products: Vec<&ValidProduct> = Vec::new();
        let mut considered: HashSet<&str> = HashSet::new();
        for product in rows.iter().filter_map(|(_, product, _)| product.as_ref()) {
            if !considered.insert(product.handle.as_str()) {
                continue;
            }
            match existing.iter().find(|known| known.handle == product.handle) {
                Some(known) => {
                    product_ids.insert(known.handle.clone(), known.id);
                    let merged = merged_product(known, product, header);
                    if !known.same_as(&merged) {
                        sqlx::query("UPDATE products SET title = $1, description = $2, status = $3, tags = $4, images = $5, option1_name = $6, option2_name = $7, version = version + 1, updated_at = $8 WHERE id = $9")
                            .bind(&merged.title)
                            .bind(&merged.description)
                            .bind(merged.status.as_str())
                            .bind(&merged.tags)
                            .bind(&merged.images)
                            .bind(&merged.option1_name)
                            .bind(&merged.option2_name)
                            .bind(now)
                            .bind(known.id)
                            .execute(&mut **tx)
                            .await?;
                        changed_products.insert(product.handle.clone());
                    }
                }
                None => new_products.push(product),
            }
        }
        if !new_products.is_empty() {
            let mut sql = SqlBuilder::bulk("INSERT INTO products (handle, title, description, status, tags, images, option1_name, option2_name, version, created_at, updated_at) VALUES ", &backend);
            let mut values = Vec::with_capacity(new_products.len());
            for product in &new_products {
                let row = [
                    sql.text(product.handle.clone()),
                    sql.text(product.title.clone()),
                    sql.text(product.description.clone()),
                    sql.text(product.status.as_str()),
                    sql.text(product.tags.clone()),
                    sql.text(product.images.clone()),
                    sql.text(product.option1_name.clone()),
                    sql.text(product.option2_name.clone()),
                ];
                values.push(format!("({}, 1, {now}, {now})", row.join(", ")));
            }
            sql.push(&values.join(", ")).push(" RETURNING id, handle");
            let inserted: Vec<(i64, String)> = sql.query_as().fetch_all(&mut **tx).await?;
            for (id, handle) in inserted {
                product_ids.insert(handle.clone(), id);
                changed_products.insert(handle);
            }
        }
    }

    // Variants of this batch, by SKU.
    let mut sql = SqlBuilder::bulk("SELECT id, product_id, sku, option1, option2, price_minor, compare_at_minor, weight_grams, barcode, on_hand, reserved FROM variants WHERE sku IN (", &backend);
    let list = placeholders(
        &mut sql,
        rows.iter()
            .map(|(_, _, variant)| variant.sku.as_str().to_string()),
    );
    sql.push(&list).push(")");
    let existing: HashMap<String, ExistingVariant> = sql
        .query_as::<ExistingVariant>()
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|variant| (variant.sku.clone(), variant))
        .collect();
    let mut inserts: Vec<(i64, i64, &ValidVariant)> = Vec::new();
    let mut product_counted: HashSet<&str> = HashSet::new();
    for (line, product, variant) in &rows {
        let known = existing.get(variant.sku.as_str());
        let (product_id, product_changed) = match (product, known) {
            (Some(product), _) => {
                let Some(id) = product_ids.get(&product.handle).copied() else {
                    outcome.errors.push(ImportRowError {
                        line: *line,
                        sku: variant.sku.as_str().to_string(),
                        field: "handle".into(),
                        message: "the product could not be saved".into(),
                    });
                    continue;
                };
                (
                    id,
                    changed_products.contains(&product.handle)
                        && product_counted.insert(product.handle.as_str()),
                )
            }
            (None, Some(known)) => (known.product_id, false),
            (None, None) => {
                outcome.errors.push(ImportRowError {
                    line: *line,
                    sku: variant.sku.as_str().to_string(),
                    field: "sku".into(),
                    message: format!(
                        "no variant has the SKU {}; a new product needs a title column",
                        variant.sku.as_str()
                    ),
                });
                continue;
            }
        };
        match known {
            None => inserts.push((*line, product_id, variant)),
            Some(known) if known.product_id != product_id => {
                outcome.errors.push(ImportRowError {
                    line: *line,
                    sku: variant.sku.as_str().to_string(),
                    field: "sku".into(),
                    message: format!(
                        "the SKU {} belongs to another product",
                        variant.sku.as_str()
                    ),
                });
            }
            Some(known) => {
                let variant = merged_variant(known, variant, header);
                let fields_same = known.same_fields(&variant);
                let stock_same = known.on_hand == variant.on_hand;
                if !stock_same && variant.on_hand < known.reserved {
                    outcome.errors.push(ImportRowError {
                        line: *line,
                        sku: variant.sku.as_str().to_string(),
                        field: "on_hand".into(),
                        message: format!(
                            "{} is below the {} reserved by open orders and quotes",
                            variant.on_hand, known.reserved
                        ),
                    });
                    continue;
                }
                if !stock_same {
                    // Conditional on the stock read above and on what is reserved now: on
                    // PostgreSQL an order placed meanwhile raises `reserved` (or an adjustment
                    // changes `on_hand`) and the row is refused instead of overselling. Written
                    // before the other fields, so a refused row leaves nothing behind.
                    let written = sqlx::query("UPDATE variants SET on_hand = $1, updated_at = $2 WHERE id = $3 AND on_hand = $4 AND reserved <= $1")
                        .bind(variant.on_hand)
                        .bind(now)
                        .bind(known.id)
                        .bind(known.on_hand)
                        .execute(&mut **tx)
                        .await?;
                    if written.rows_affected() != 1 {
                        outcome.errors.push(ImportRowError {
                            line: *line,
                            sku: variant.sku.as_str().to_string(),
                            field: "on_hand".into(),
                            message: format!(
                                "the stock of {} changed while the file was imported (an order or an adjustment); import the row again",
                                variant.sku.as_str()
                            ),
                        });
                        continue;
                    }
                    super::record_adjustment(
                        &mut **tx,
                        known.id,
                        variant.on_hand - known.on_hand,
                        variant.on_hand,
                        "CSV import",
                        actor,
                    )
                    .await?;
                }
                if !fields_same {
                    sqlx::query("UPDATE variants SET option1 = $1, option2 = $2, price_minor = $3, compare_at_minor = $4, weight_grams = $5, barcode = $6, updated_at = $7 WHERE id = $8")
                        .bind(&variant.option1)
                        .bind(&variant.option2)
                        .bind(variant.price_minor)
                        .bind(variant.compare_at_minor)
                        .bind(variant.weight_grams)
                        .bind(&variant.barcode)
                        .bind(now)
                        .bind(known.id)
                        .execute(&mut **tx)
                        .await?;
                }
                if fields_same && stock_same && !product_changed {
                    outcome.unchanged += 1;
                } else {
                    outcome.updated += 1;
                }
            }
        }
    }
    if !inserts.is_empty() {
        let mut sql = SqlBuilder::bulk("INSERT INTO variants (product_id, sku, option1, option2, price_minor, compare_at_minor, weight_grams, barcode, position, on_hand, reserved, created_at, updated_at) VALUES ", &backend);
        let mut values = Vec::with_capacity(inserts.len());
        for (line, product_id, variant) in &inserts {
            // Placeholders are created in the order they appear in the statement (positional `?`).
            let mut row = vec![
                sql.int(*product_id),
                sql.text(variant.sku.as_str()),
                sql.text(variant.option1.clone()),
                sql.text(variant.option2.clone()),
                sql.int(variant.price_minor),
            ];
            row.push(match variant.compare_at_minor {
                Some(value) => sql.int(value),
                None => "NULL".to_string(),
            });
            row.extend([
                sql.int(variant.weight_grams),
                sql.text(variant.barcode.clone()),
                sql.int(*line),
                sql.int(variant.on_hand),
            ]);
            values.push(format!("({}, 0, {now}, {now})", row.join(", ")));
        }
        sql.push(&values.join(", ")).push(" RETURNING id, on_hand");
        let inserted: Vec<(i64, i64)> = sql.query_as().fetch_all(&mut **tx).await?;
        let stocked: Vec<&(i64, i64)> = inserted
            .iter()
            .filter(|(_, on_hand)| *on_hand > 0)
            .collect();
        if !stocked.is_empty() {
            let mut sql = SqlBuilder::bulk("INSERT INTO inventory_adjustments (variant_id, delta, on_hand_after, reason, actor, created_at) VALUES ", &backend);
            let values: Vec<String> = stocked
                .iter()
                .map(|(id, on_hand)| {
                    let id = sql.int(*id);
                    let delta = sql.int(*on_hand);
                    let after = sql.int(*on_hand);
                    let actor = sql.text(actor.to_string());
                    format!("({id}, {delta}, {after}, 'CSV import', {actor}, {now})")
                })
                .collect();
            sql.push(&values.join(", "));
            sql.query().execute(&mut **tx).await?;
        }
        outcome.created += inserts.len() as i64;
    }
    outcome.errors.sort_by_key(|error| error.line);
    Ok(outcome)
}

pub async fn status(db: &Database, import_id: i64) -> Result<ImportStatus, AppError> {
    #[allow(clippy::type_complexity)]
    let row = sqlx::query_as::<_, (i64, String, String, i64, i64, i64, i64, i64, i64, i64, String, i64, Option<i64>)>(
        "SELECT id, file_name, status, rows_read, rows_created, rows_updated, rows_unchanged, rows_failed, bytes_read, bytes_total, failure, created_at, finished_at FROM imports WHERE id = $1",
    )
    .bind(import_id)
    .fetch_optional(&db.pool)
    .await
    .map_err(internal)?
    .ok_or_else(|| AppError::NotFound("Import not found".into()))?;
    let errors = sqlx::query_as::<_, (i64, String, String, String)>(
        "SELECT line, sku, field, message FROM import_errors WHERE import_id = $1 ORDER BY line, id",
    )
    .bind(import_id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?
    .into_iter()
    .map(|(line, sku, field, message)| ImportRowError {
        line,
        sku,
        field,
        message,
    })
    .collect();
    Ok(ImportStatus {
        id: row.0,
        file_name: row.1,
        state: match row.2.as_str() {
            "queued" => ImportState::Queued,
            "running" => ImportState::Running,
            "finished" => ImportState::Finished,
            _ => ImportState::Failed,
        },
        rows_read: row.3,
        rows_created: row.4,
        rows_updated: row.5,
        rows_unchanged: row.6,
        rows_failed: row.7,
        bytes_read: row.8,
        bytes_total: row.9,
        failure: row.10,
        errors,
        created_at_ms: row.11,
        finished_at_ms: row.12,
    })
}
