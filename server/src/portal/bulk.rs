//! Bulk orders: the shop's terms for the SKUs asked for are read in a few set queries, the pure
//! rules in `app::bulk::rules` check and price every line, and a clean check becomes one order
//! at the checked prices.

use super::BusinessCaller;
use crate::db::{now_ms, Database, Engine};
use crate::error::internal;
use crate::orders::place_order;
use crate::sql::{like_escape, SqlBuilder};
use app::bulk::rules::{
    check_bulk, parse_bulk_lines, BulkCheck, ParsedBulk, PriceBreak, VariantTerms,
};
use app::error::AppError;
use app::orders::model::{NewOrderInput, NewOrderLine};
use app::portal::model::BulkSubmission;
use app::services::{PlacedOrder, PortalVariant};
use sqlx::{Any, AnyConnection, Transaction};
use std::collections::HashMap;

/// The backend name `SqlBuilder::bulk` expects.
fn backend_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    }
}

/// SKUs per lookup statement.
const LOOKUP_CHUNK: usize = 500;

type TermsRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
);

const TERMS_COLUMNS: &str = "SELECT v.id, v.sku, p.title, v.option1, v.option2, v.price_minor, v.on_hand, v.reserved, v.min_quantity, v.pack_size, pli.price_minor \
     FROM variants v ";

/// Joins the customer's price list; the price list id follows.
const TERMS_PRICE_LIST: &str =
    " LEFT JOIN price_list_items pli ON pli.variant_id = v.id AND pli.price_list_id = ";

fn terms_from_row(row: TermsRow) -> VariantTerms {
    let (
        id,
        sku,
        title,
        option1,
        option2,
        price,
        on_hand,
        reserved,
        min_quantity,
        pack_size,
        listed,
    ) = row;
    let options: Vec<&str> = [option1.as_str(), option2.as_str()]
        .into_iter()
        .filter(|option| !option.is_empty())
        .collect();
    VariantTerms {
        variant_id: id,
        sku,
        title: if options.is_empty() {
            title
        } else {
            format!("{title} — {}", options.join(" / "))
        },
        base_price_minor: listed.unwrap_or(price),
        available: (on_hand - reserved).max(0),
        min_quantity: min_quantity.max(1),
        pack_size: pack_size.max(1),
        price_breaks: Vec::new(),
    }
}

/// Attaches each variant's price breaks (sorted by quantity).
async fn attach_breaks(
    connection: &mut AnyConnection,
    engine: Engine,
    terms: &mut [&mut VariantTerms],
) -> Result<(), AppError> {
    let backend = backend_name(engine);
    let mut by_id: HashMap<i64, usize> = HashMap::with_capacity(terms.len());
    for (index, variant) in terms.iter().enumerate() {
        by_id.insert(variant.variant_id, index);
    }
    let ids: Vec<i64> = by_id.keys().copied().collect();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let mut sql = SqlBuilder::bulk(
            "SELECT variant_id, min_quantity, discount_bp FROM price_breaks WHERE variant_id IN (",
            backend,
        );
        let placeholders: Vec<String> = chunk.iter().map(|id| sql.int(*id)).collect();
        sql.push(&placeholders.join(", "));
        sql.push(") ORDER BY variant_id, min_quantity");
        let rows = sql
            .query_as::<(i64, i64, i64)>()
            .fetch_all(&mut *connection)
            .await
            .map_err(internal)?;
        for (variant_id, min_quantity, discount_bp) in rows {
            if let Some(&index) = by_id.get(&variant_id) {
                terms[index].price_breaks.push(PriceBreak {
                    min_quantity,
                    discount_bp,
                });
            }
        }
    }
    Ok(())
}

/// The terms of the active variants with these SKUs (exact match first, then ignoring case),
/// keyed by upper-case SKU. Read on `connection`: inside a placing transaction, the terms an
/// order is checked against are the ones it is placed with.
pub async fn terms_for(
    connection: &mut AnyConnection,
    engine: Engine,
    price_list_id: Option<i64>,
    skus: &[&str],
) -> Result<HashMap<String, VariantTerms>, AppError> {
    let backend = backend_name(engine);
    let mut found: HashMap<String, VariantTerms> = HashMap::with_capacity(skus.len());
    // `CROSS JOIN` keeps variants in the outer loop on SQLite, so the SKUs are looked up in
    // their index. Without statistics (shops never run ANALYZE) SQLite judged a long IN list
    // dearer than "products with status = 'active'" and walked every active product's variants
    // for each chunk: twice the time of a 5,000-line check. PostgreSQL plans `CROSS JOIN …
    // WHERE` like the inner join it is.
    let select = format!("{TERMS_COLUMNS}CROSS JOIN products p{TERMS_PRICE_LIST}");
    for (exact, wanted) in [(true, skus.to_vec()), (false, Vec::new())] {
        let wanted: Vec<&str> = if exact {
            wanted
        } else {
            skus.iter()
                .copied()
                .filter(|sku| !found.contains_key(&sku.to_ascii_uppercase()))
                .collect()
        };
        for chunk in wanted.chunks(LOOKUP_CHUNK) {
            let mut sql = SqlBuilder::bulk(&select, backend);
            let list = sql.int(price_list_id.unwrap_or(0));
            sql.push(&list);
            sql.push(if exact {
                " WHERE p.id = v.product_id AND p.status = 'active' AND v.sku IN ("
            } else {
                " WHERE p.id = v.product_id AND p.status = 'active' AND upper(v.sku) IN ("
            });
            let placeholders: Vec<String> = chunk
                .iter()
                .map(|sku| {
                    sql.text(if exact {
                        sku.to_string()
                    } else {
                        sku.to_ascii_uppercase()
                    })
                })
                .collect();
            sql.push(&placeholders.join(", "));
            sql.push(")");
            let rows = sql
                .query_as::<TermsRow>()
                .fetch_all(&mut *connection)
                .await
                .map_err(internal)?;
            for row in rows {
                let terms = terms_from_row(row);
                found.entry(terms.sku.to_ascii_uppercase()).or_insert(terms);
            }
        }
    }
    let mut all: Vec<&mut VariantTerms> = found.values_mut().collect();
    attach_breaks(connection, engine, &mut all).await?;
    Ok(found)
}

/// The portal's catalog: active variants (at most 200, optionally matching `search` in the
/// title or SKU) with the customer's prices and terms.
pub async fn catalog_terms(
    db: &Database,
    price_list_id: Option<i64>,
    search: &str,
) -> Result<Vec<PortalVariant>, AppError> {
    let mut sql = SqlBuilder::new(&format!(
        "{TERMS_COLUMNS}JOIN products p ON p.id = v.product_id{TERMS_PRICE_LIST}"
    ));
    let list = sql.int(price_list_id.unwrap_or(0));
    sql.push(&list);
    sql.push(" WHERE p.status = 'active'");
    let search = search.trim().to_lowercase();
    if !search.is_empty() {
        let pattern = sql.text(format!("%{}%", like_escape(&search)));
        sql.push(&format!(
            " AND (lower(p.title) LIKE {pattern} ESCAPE '\\' OR lower(v.sku) LIKE {pattern} ESCAPE '\\')"
        ));
    }
    sql.push(" ORDER BY p.title, v.position, v.id LIMIT 200");
    let mut connection = db.pool.acquire().await.map_err(internal)?;
    let rows = sql
        .query_as::<TermsRow>()
        .fetch_all(&mut *connection)
        .await
        .map_err(internal)?;
    let mut terms: Vec<VariantTerms> = rows.into_iter().map(terms_from_row).collect();
    let mut refs: Vec<&mut VariantTerms> = terms.iter_mut().collect();
    attach_breaks(&mut connection, db.engine, &mut refs).await?;
    Ok(terms.into_iter().map(PortalVariant::from).collect())
}

/// Checks and prices parsed lines against the terms read on `connection`.
pub async fn check_parsed(
    connection: &mut AnyConnection,
    business: &BusinessCaller,
    parsed: ParsedBulk,
) -> Result<BulkCheck, AppError> {
    let skus: Vec<&str> = parsed.lines.iter().map(|line| line.sku.as_str()).collect();
    let terms = terms_for(
        connection,
        business.shop.db.engine,
        business.customer.price_list_id,
        &skus,
    )
    .await?;
    Ok(check_bulk(parsed, &terms))
}

/// Reads, checks and prices a bulk order without placing it.
pub async fn check(business: &BusinessCaller, lines: &str) -> Result<BulkCheck, AppError> {
    let parsed = parse_bulk_lines(lines)?;
    let mut connection = business.shop.db.pool.acquire().await.map_err(internal)?;
    check_parsed(&mut connection, business, parsed).await
}

fn problems_summary(check: &BulkCheck) -> String {
    let mut problems: Vec<String> = check
        .unreadable
        .iter()
        .map(|problem| format!("line {}: {}", problem.line, problem.message))
        .chain(
            check
                .lines
                .iter()
                .filter(|line| !line.problems.is_empty())
                .map(|line| {
                    format!(
                        "line {} ({}): {}",
                        line.line,
                        line.sku,
                        line.problems.join(", ")
                    )
                }),
        )
        .take(20)
        .collect();
    let count = check.problem_count();
    if count > problems.len() {
        problems.push(format!("and {} more", count - problems.len()));
    }
    format!("{count} line(s) need attention: {}", problems.join("; "))
}

/// Places a checked bulk order as one order (invoice; pay later) at the checked prices, or, for
/// a buyer whose spending limit it would exceed, files it for the company admin's approval.
/// Checked, decided and written in one transaction (see `company::lock_customer`), so parallel
/// orders of one buyer cannot each pass the limit.
pub async fn submit(
    business: &BusinessCaller,
    lines: &str,
    notes: &str,
) -> Result<BulkSubmission, AppError> {
    let parsed = parse_bulk_lines(lines)?;
    let mut tx = business.shop.db.begin_write().await.map_err(internal)?;
    super::company::lock_customer(&mut tx, business.shop.db.engine, business.customer.id).await?;
    let checked = check_parsed(&mut tx, business, parsed).await?;
    if !checked.is_orderable() {
        return Err(AppError::invalid("lines", problems_summary(&checked)));
    }
    let submission = place_or_file(&mut tx, business, &checked, lines, notes).await?;
    tx.commit().await.map_err(internal)?;
    business.shop.mail.hand_over_or_log().await;
    Ok(submission)
}

/// Inside the placing transaction, with the checked (orderable) lines: places them as one order,
/// or files them for the company admin when the buyer's limit would be exceeded.
pub async fn place_or_file(
    tx: &mut Transaction<'static, Any>,
    business: &BusinessCaller,
    checked: &BulkCheck,
    lines: &str,
    notes: &str,
) -> Result<BulkSubmission, AppError> {
    if let Err(over) = super::company::check_limit(tx, business, checked.subtotal_minor).await? {
        let approval_id =
            super::company::file_for_approval(tx, business, lines, notes, checked.subtotal_minor)
                .await?;
        return Ok(BulkSubmission {
            order: None,
            approval_id: Some(approval_id),
            message: format!("{over}: it now waits for your company admin's approval."),
        });
    }
    let order = place_checked(tx, business, checked, notes).await?;
    Ok(BulkSubmission {
        message: format!("Order #{} placed", order.number),
        order: Some(order),
        approval_id: None,
    })
}

/// Places the checked lines as one order for `business` (the buyer) inside `tx`.
async fn place_checked(
    tx: &mut Transaction<'static, Any>,
    business: &BusinessCaller,
    checked: &BulkCheck,
    notes: &str,
) -> Result<PlacedOrder, AppError> {
    let locked: HashMap<String, i64> = checked
        .lines
        .iter()
        .map(|line| (line.sku.to_ascii_uppercase(), line.unit_price_minor))
        .collect();
    let lines = checked
        .lines
        .iter()
        .map(|line| NewOrderLine {
            sku: line.sku.clone(),
            quantity: line.quantity.to_string(),
        })
        .collect();
    let notes = format!("Bulk order (invoice, pay later). {}", notes.trim());
    let input = company_order_input(business, lines, notes.trim())?;
    let (order_id, number, total_minor) = place_portal_order(
        tx,
        &business.shop,
        (business.customer.id, &business.customer.email),
        Some(business.company_id),
        &input,
        &locked,
    )
    .await?;
    Ok(PlacedOrder {
        id: order_id,
        number,
        total_minor,
        currency: business.shop.shop.currency.clone(),
    })
}

/// Places the checked lines as one order for `business` (the buyer), with the company admin's
/// approval `(id, admin)` marked approved in the same transaction.
pub async fn place_approved(
    business: &BusinessCaller,
    checked: &BulkCheck,
    notes: &str,
    approval: (i64, &str),
) -> Result<PlacedOrder, AppError> {
    let (approval_id, admin) = approval;
    let db = &business.shop.db;
    let mut tx = db.begin_write().await.map_err(internal)?;
    // Approved orders count towards the buyer's spending too: decided after the buyer's own.
    super::company::lock_customer(&mut tx, db.engine, business.customer.id).await?;
    let placed = place_checked(&mut tx, business, checked, notes).await?;
    let approved = sqlx::query("UPDATE company_approvals SET status = 'approved', order_id = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'waiting'")
        .bind(placed.id)
        .bind(admin)
        .bind(now_ms())
        .bind(approval_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    if approved.rows_affected() != 1 {
        return Err(AppError::Conflict("This order was already decided".into()));
    }
    tx.commit().await.map_err(internal)?;
    business.shop.mail.hand_over_or_log().await;
    Ok(placed)
}

/// An order of the caller's company: the caller as the customer, the company's name, its billing
/// address (also where it ships), channel `portal`.
pub fn company_order_input(
    business: &BusinessCaller,
    lines: Vec<NewOrderLine>,
    notes: &str,
) -> Result<NewOrderInput, AppError> {
    let company = business.customer.company().ok_or(AppError::Internal)?;
    Ok(NewOrderInput {
        customer_email: business.customer.email.clone(),
        customer_name: business.customer.name.clone(),
        customer_type: "business".into(),
        company_name: company.name,
        shipping_address: company.billing_address.clone(),
        billing_address: Some(company.billing_address),
        lines,
        notes: notes.to_string(),
        channel: "portal".into(),
        ..NewOrderInput::default()
    })
}

/// A portal order at the agreed `locked` unit prices, recorded as placed by the customer (and for
/// the company); returns its id, number and total.
///
/// The order confirmation to the customer is queued in the same transaction: the caller hands it
/// over after the commit (`shop.mail.hand_over_or_log()`).
pub async fn place_portal_order(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    shop: &super::PortalShop,
    customer: (i64, &str),
    company_id: Option<i64>,
    input: &NewOrderInput,
    locked: &HashMap<String, i64>,
) -> Result<(i64, i64, i64), AppError> {
    let (customer_id, customer_email) = customer;
    let currency = shop.shop.currency.as_str();
    // A company's orders are on its payment terms (set by the merchant; prepaid by default).
    let terms = match company_id {
        Some(company_id) => {
            sqlx::query_scalar::<_, String>("SELECT payment_terms FROM companies WHERE id = $1")
                .bind(company_id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(internal)?
                .unwrap_or_default()
        }
        None => String::new(),
    };
    let input = NewOrderInput {
        payment_terms: terms,
        ..input.clone()
    };
    let order_id = place_order(tx, currency, customer_email, &input, Some(locked)).await?;
    sqlx::query("UPDATE orders SET placed_by_customer_id = $1, company_id = $2, updated_at = $3 WHERE id = $4")
        .bind(customer_id)
        .bind(company_id)
        .bind(now_ms())
        .bind(order_id)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    let (number, total_minor) =
        sqlx::query_as::<_, (i64, i64)>("SELECT number, total_minor FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&mut **tx)
            .await
            .map_err(internal)?;
    let link = shop
        .mail
        .mailer
        .link(&format!("/s/{}/account", shop.shop.slug));
    let mail = crate::mail::templates::order_confirmation(
        customer_email,
        &shop.shop.name,
        number,
        &shop.shop.amount_style.money(total_minor, currency),
        &link,
    );
    shop.mail.enqueue(tx, &mail).await.map_err(internal)?;
    Ok((order_id, number, total_minor))
}
