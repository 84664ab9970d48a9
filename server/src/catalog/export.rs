//! CSV export of the catalog in the import layout: one row per variant with the product columns
//! repeated, streamed page by page so a large catalog never sits in memory. A cell a spreadsheet
//! would run as a formula gets a leading `'` (the import takes it off again).

use super::csv_format::{quote_formula, COLUMNS};
use crate::db::Database;
use app::money::amount_text;

const PAGE: i64 = 1000;

#[derive(sqlx::FromRow)]
struct ExportRow {
    product_id: i64,
    position: i64,
    variant_id: i64,
    handle: String,
    title: String,
    description: String,
    status: String,
    tags: String,
    images: String,
    option1_name: String,
    option2_name: String,
    option1: String,
    option2: String,
    sku: String,
    price_minor: i64,
    compare_at_minor: Option<i64>,
    weight_grams: i64,
    barcode: String,
    on_hand: i64,
}

fn write_rows(rows: &[ExportRow], currency: &str, header: bool) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 160));
    if header {
        writer.write_record(COLUMNS)?;
    }
    for row in rows {
        let compare_at = row
            .compare_at_minor
            .map(|value| amount_text(value, currency))
            .unwrap_or_default();
        let price = amount_text(row.price_minor, currency);
        let weight = row.weight_grams.to_string();
        let on_hand = row.on_hand.to_string();
        writer.write_record(
            [
                row.handle.as_str(),
                &row.title,
                &row.description,
                &row.status,
                &row.tags,
                &row.images,
                &row.option1_name,
                &row.option1,
                &row.option2_name,
                &row.option2,
                &row.sku,
                &price,
                &compare_at,
                &weight,
                &row.barcode,
                &on_hand,
            ]
            .map(quote_formula)
            .iter()
            .map(|cell| cell.as_bytes()),
        )?;
    }
    Ok(writer.into_inner()?)
}

/// Sends the export as chunks of CSV bytes; stops early if the receiver goes away.
pub async fn stream(
    db: Database,
    currency: String,
    sender: tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) {
    let mut after = (0_i64, -1_i64, 0_i64);
    let mut first = true;
    loop {
        let page = sqlx::query_as::<_, ExportRow>(
            "SELECT p.id AS product_id, v.position, v.id AS variant_id, p.handle, p.title, p.description, p.status, p.tags, p.images, \
             p.option1_name, p.option2_name, v.option1, v.option2, v.sku, v.price_minor, v.compare_at_minor, v.weight_grams, v.barcode, v.on_hand \
             FROM variants v JOIN products p ON p.id = v.product_id \
             WHERE (p.id > $1 OR (p.id = $1 AND (v.position > $2 OR (v.position = $2 AND v.id > $3)))) \
             ORDER BY p.id, v.position, v.id LIMIT $4",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(after.2)
        .bind(PAGE)
        .fetch_all(&db.pool)
        .await;
        let rows = match page {
            Ok(rows) => rows,
            Err(error) => {
                tracing::error!(%error, "catalog export failed");
                let _ = sender
                    .send(Err(std::io::Error::other("export failed")))
                    .await;
                return;
            }
        };
        let chunk = match write_rows(&rows, &currency, first) {
            Ok(chunk) => chunk,
            Err(error) => {
                tracing::error!(%error, "catalog export failed");
                let _ = sender
                    .send(Err(std::io::Error::other("export failed")))
                    .await;
                return;
            }
        };
        first = false;
        if sender.send(Ok(chunk)).await.is_err() {
            return;
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => {
                after = (last.product_id, last.position, last.variant_id);
            }
            _ => return,
        }
    }
}
