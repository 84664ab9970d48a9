//! Quotes: storage and the steps of the lifecycle, shared by the customer side (scoped to the
//! caller's company) and the merchant side (the whole shop). Every status change goes through
//! `QuoteStatus::transition` and a version check, in one transaction with its effects.

use super::bulk::{company_order_input, place_portal_order, terms_for};
use super::BusinessCaller;
use crate::db::{now_ms, Database};
use crate::error::internal;
use app::bulk::rules::{parse_bulk_lines, unit_price};
use app::dates::{parse_date_ms, ShopZone};
use app::error::AppError;
use app::money::{line_total, parse_amount};
use app::orders::model::NewOrderLine;
use app::quotes::model::{
    QuoteAnswerInput, QuoteDetail, QuoteLineDto, QuoteMessageDto, QuoteRequestInput, QuoteRow,
    QuoteVersionDto,
};
use app::quotes::rules::{check_expiry, parse_message, QuoteAction, QuoteStatus};
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// Which quotes a caller may see: a customer their company's, a merchant the whole shop's.
#[derive(Debug, Clone, Copy)]
pub enum QuoteScope {
    Company(i64),
    Shop,
}

impl QuoteScope {
    fn company(self) -> i64 {
        match self {
            QuoteScope::Company(id) => id,
            // No company has id 0: with `OR $n = 0` the filter is off.
            QuoteScope::Shop => 0,
        }
    }
}

/// At most this many lines per quote request.
const MAX_QUOTE_LINES: usize = 500;

pub async fn request(
    business: &BusinessCaller,
    input: QuoteRequestInput,
) -> Result<QuoteDetail, AppError> {
    let parsed = parse_bulk_lines(&input.lines)?;
    if let Some(problem) = parsed.problems.first() {
        return Err(AppError::invalid(
            "lines",
            format!("line {}: {}", problem.line, problem.message),
        ));
    }
    if parsed.lines.len() > MAX_QUOTE_LINES {
        return Err(AppError::invalid(
            "lines",
            format!("at most {MAX_QUOTE_LINES} lines per quote"),
        ));
    }
    let message = parse_message(&input.message, "message", false)?;
    let zone = ShopZone::named(&business.shop.shop.timezone);
    let needed_by = match parse_date_ms(&input.needed_by, "needed_by")? {
        Some(day) if zone.end_of_day_ms(day) < now_ms() => {
            return Err(AppError::invalid("needed_by", "the date has passed"));
        }
        Some(_) => input.needed_by.trim().to_string(),
        None => String::new(),
    };
    let db = &business.shop.db;
    let skus: Vec<&str> = parsed.lines.iter().map(|line| line.sku.as_str()).collect();
    let mut connection = db.pool.acquire().await.map_err(internal)?;
    let terms = terms_for(
        &mut connection,
        db.engine,
        business.customer.price_list_id,
        &skus,
    )
    .await?;
    drop(connection);
    let unknown: Vec<String> = parsed
        .lines
        .iter()
        .filter(|line| !terms.contains_key(&line.sku.to_ascii_uppercase()))
        .map(|line| format!("line {}: unknown SKU {}", line.line, line.sku))
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::invalid("lines", unknown.join("; ")));
    }
    let now = now_ms();
    let mut tx = db.begin_write().await.map_err(internal)?;
    let number = sqlx::query_scalar::<_, i64>(
        "UPDATE counters SET value = value + 1 WHERE name = 'quote_number' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO quotes (number, customer_id, company_id, status, needed_by, current_version, version, created_at, updated_at) VALUES ($1, $2, $3, 'requested', $4, 0, 1, $5, $5) RETURNING id",
    )
    .bind(number)
    .bind(business.customer.id)
    .bind(business.company_id)
    .bind(&needed_by)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    for (position, line) in parsed.lines.iter().enumerate() {
        let variant = &terms[&line.sku.to_ascii_uppercase()];
        sqlx::query("INSERT INTO quote_lines (quote_id, position, variant_id, sku, title, quantity, list_price_minor) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(position as i64)
            .bind(variant.variant_id)
            .bind(&variant.sku)
            .bind(&variant.title)
            .bind(line.quantity)
            .bind(variant.base_price_minor)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
    }
    if !message.is_empty() {
        insert_message(&mut tx, id, "customer", &business.customer.email, &message).await?;
    }
    tx.commit().await.map_err(internal)?;
    detail(
        &business.shop.db,
        &business.shop.shop.currency,
        id,
        QuoteScope::Company(business.company_id),
    )
    .await
}

async fn insert_message(
    tx: &mut Transaction<'static, Any>,
    quote_id: i64,
    author_kind: &str,
    author: &str,
    body: &str,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO quote_messages (quote_id, author_kind, author, body, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(quote_id)
        .bind(author_kind)
        .bind(author)
        .bind(body)
        .bind(now_ms())
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    Ok(())
}

pub async fn add_message(
    db: &Database,
    id: i64,
    scope: QuoteScope,
    author_kind: &str,
    author: &str,
    body: &str,
) -> Result<(), AppError> {
    let body = parse_message(body, "message", true)?;
    let mut tx = db.begin_write().await.map_err(internal)?;
    let state = load_state(&mut tx, id, scope).await?;
    if state.status.is_closed() && state.status != QuoteStatus::Expired {
        return Err(AppError::Conflict(format!(
            "The quote is {}: no more messages",
            state.status.label().to_lowercase()
        )));
    }
    insert_message(&mut tx, id, author_kind, author, &body).await?;
    sqlx::query("UPDATE quotes SET updated_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

pub async fn list(
    db: &Database,
    scope: QuoteScope,
    status: &str,
) -> Result<Vec<QuoteRow>, AppError> {
    let status = status.trim();
    if !status.is_empty() {
        QuoteStatus::parse(status)?;
    }
    let rows = sqlx::query_as::<_, (i64, i64, String, String, String, i64, i64, Option<i64>, i64)>(
        "SELECT q.id, q.number, q.status, co.name, c.email, \
            (SELECT COUNT(*) FROM quote_lines l WHERE l.quote_id = q.id), \
            COALESCE((SELECT v.total_minor FROM quote_versions v WHERE v.quote_id = q.id AND v.version = q.current_version), 0), \
            q.expires_at, q.updated_at \
         FROM quotes q JOIN customers c ON c.id = q.customer_id JOIN companies co ON co.id = q.company_id \
         WHERE (q.company_id = $1 OR $1 = 0) AND (q.status = $2 OR $2 = '') \
         ORDER BY q.updated_at DESC, q.id DESC LIMIT 200",
    )
    .bind(scope.company())
    .bind(status)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    let now = now_ms();
    Ok(rows
        .into_iter()
        .map(|row| QuoteRow {
            id: row.0,
            number: row.1,
            status: QuoteStatus::parse(&row.2)
                .unwrap_or(QuoteStatus::Requested)
                .effective(row.7, now),
            company_name: row.3,
            customer_email: row.4,
            line_count: row.5,
            total_minor: row.6,
            expires_at_ms: row.7,
            updated_at_ms: row.8,
        })
        .collect())
}

/// The stored state of a quote, looked up inside the scope (404 outside it).
struct QuoteState {
    status: QuoteStatus,
    version: i64,
    current_version: i64,
    expires_at: Option<i64>,
}

async fn load_state(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    scope: QuoteScope,
) -> Result<QuoteState, AppError> {
    let row = sqlx::query_as::<_, (String, i64, i64, Option<i64>)>(
        "SELECT status, version, current_version, expires_at FROM quotes WHERE id = $1 AND (company_id = $2 OR $2 = 0)",
    )
    .bind(id)
    .bind(scope.company())
    .fetch_optional(&mut **tx)
    .await
    .map_err(internal)?
    .ok_or_else(|| AppError::NotFound("Quote not found".into()))?;
    Ok(QuoteState {
        status: QuoteStatus::parse(&row.0).map_err(internal)?,
        version: row.1,
        current_version: row.2,
        expires_at: row.3,
    })
}

fn check_version(state: &QuoteState, expected_version: i64) -> Result<(), AppError> {
    if state.version != expected_version {
        return Err(AppError::Conflict(
            "The quote changed since you opened it; reload it to see the latest version".into(),
        ));
    }
    Ok(())
}

/// Writes the new status with the version check; 409 if someone else changed it first.
async fn write_status(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    expected_version: i64,
    status: QuoteStatus,
    order_id: Option<i64>,
) -> Result<(), AppError> {
    let updated = sqlx::query("UPDATE quotes SET status = $1, order_id = COALESCE($2, order_id), version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5")
        .bind(status.as_str())
        .bind(order_id)
        .bind(now_ms())
        .bind(id)
        .bind(expected_version)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The quote changed since you opened it; reload it to see the latest version".into(),
        ));
    }
    Ok(())
}

/// Accepts the current offer: one order at the quoted (locked) prices, in the same transaction
/// as the status change, so a second acceptance finds the quote accepted and creates nothing.
pub async fn accept(
    business: &BusinessCaller,
    id: i64,
    expected_version: i64,
) -> Result<QuoteDetail, AppError> {
    let scope = QuoteScope::Company(business.company_id);
    let db = &business.shop.db;
    // Who hears of the acceptance: the shop's owners (read before the shop's transaction).
    let owners = sqlx::query_scalar::<_, String>(
        "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.shop_id = $1 AND m.role = 'owner' ORDER BY u.id",
    )
    .bind(business.shop.shop.id)
    .fetch_all(&business.shop.mail.platform.pool)
    .await
    .map_err(internal)?;
    let mut tx = db.begin_write().await.map_err(internal)?;
    // The buyer first: the limit below is decided on what they spent, counted under their lock.
    super::company::lock_customer(&mut tx, db.engine, business.customer.id).await?;
    let state = load_state(&mut tx, id, scope).await?;
    let next = state
        .status
        .transition(QuoteAction::Accept, state.expires_at, now_ms())?;
    check_version(&state, expected_version)?;
    let lines = sqlx::query_as::<_, (String, i64, i64)>(
        "SELECT l.sku, l.quantity, p.unit_price_minor FROM quote_lines l \
         JOIN quote_versions v ON v.quote_id = l.quote_id AND v.version = $2 \
         JOIN quote_prices p ON p.quote_version_id = v.id AND p.quote_line_id = l.id \
         WHERE l.quote_id = $1 ORDER BY l.position",
    )
    .bind(id)
    .bind(state.current_version)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    if lines.is_empty() {
        return Err(AppError::Internal);
    }
    let total = lines
        .iter()
        .try_fold(0_i64, |sum, (_, quantity, price)| {
            sum.checked_add(price.checked_mul(*quantity)?)
        })
        .ok_or(AppError::Internal)?;
    if let Err(over) = super::company::check_limit(&mut tx, business, total).await? {
        return Err(AppError::Conflict(format!(
            "{over}; ask your company admin to accept this quote"
        )));
    }
    let number = sqlx::query_scalar::<_, i64>("SELECT number FROM quotes WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    let locked: HashMap<String, i64> = lines
        .iter()
        .map(|(sku, _, price)| (sku.to_ascii_uppercase(), *price))
        .collect();
    let order_lines = lines
        .iter()
        .map(|(sku, quantity, _)| NewOrderLine {
            sku: sku.clone(),
            quantity: quantity.to_string(),
        })
        .collect();
    let notes = format!(
        "From quote Q-{number} (version {}), invoice, pay later",
        state.current_version
    );
    let input = company_order_input(business, order_lines, &notes)?;
    // The stock held for the quote goes to the order: released and reserved again in this
    // transaction, so no other order can take it in between.
    super::holds::release_quote(&mut tx, id).await?;
    let (order_id, ..) = place_portal_order(
        &mut tx,
        &business.shop,
        (business.customer.id, &business.customer.email),
        Some(business.company_id),
        &input,
        &locked,
    )
    .await?;
    write_status(&mut tx, id, expected_version, next, Some(order_id)).await?;
    let link = business
        .shop
        .mail
        .mailer
        .link(&format!("/shops/{}/quotes/{id}", business.shop.shop.slug));
    let company = business.customer.company_name.clone().unwrap_or_default();
    let total_text = business
        .shop
        .shop
        .amount_style
        .money(total, &business.shop.shop.currency);
    let notices: Vec<_> = owners
        .iter()
        .map(|owner| {
            crate::mail::templates::quote_accepted(
                owner,
                &business.shop.shop.name,
                number,
                &company,
                &total_text,
                &link,
            )
        })
        .collect();
    business
        .shop
        .mail
        .enqueue_all(&mut tx, &notices)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    business.shop.mail.hand_over_or_log().await;
    tracing::info!(quote = id, order_id, "quote accepted");
    detail(db, &business.shop.shop.currency, id, scope).await
}

pub async fn decline(
    business: &BusinessCaller,
    id: i64,
    expected_version: i64,
) -> Result<QuoteDetail, AppError> {
    let scope = QuoteScope::Company(business.company_id);
    let db = &business.shop.db;
    let mut tx = db.begin_write().await.map_err(internal)?;
    let state = load_state(&mut tx, id, scope).await?;
    let next = state
        .status
        .transition(QuoteAction::Decline, state.expires_at, now_ms())?;
    check_version(&state, expected_version)?;
    super::holds::release_quote(&mut tx, id).await?;
    write_status(&mut tx, id, expected_version, next, None).await?;
    tx.commit().await.map_err(internal)?;
    detail(db, &business.shop.shop.currency, id, scope).await
}

/// The merchant's answer or revision: a new version with one price per line and an expiry.
/// The merchant answers a quote request with prices; the customer is mailed (through the shop's
/// outbox, in the same transaction; the caller hands the mail over after this returns).
pub async fn answer(
    shop: &crate::access::OpenShop,
    mail: &crate::mail::shop_outbox::ShopMail,
    id: i64,
    input: QuoteAnswerInput,
) -> Result<QuoteDetail, AppError> {
    let db = &shop.db;
    let currency = shop.shop.currency.as_str();
    let actor = shop.actor.as_str();
    let now = now_ms();
    // The offer holds until the end of that day on the shop's clocks.
    let zone = ShopZone::named(&shop.shop.timezone);
    let expires_at = parse_date_ms(&input.expires_on, "expires_on")?
        .map(|day| zone.end_of_day_ms(day))
        .ok_or_else(|| {
            AppError::invalid("expires_on", "give the date until which the prices hold")
        })?;
    check_expiry(expires_at, now)?;
    let note = parse_message(&input.note, "note", false)?;
    if input.hold_stock {
        // Marked before the shop's transaction, so the sweeper finds the hold even if the
        // process stops right after it commits.
        super::holds::mark_due(&mail.platform, shop.shop.id, expires_at).await?;
    }
    let mut tx = db.begin_write().await.map_err(internal)?;
    let state = load_state(&mut tx, id, QuoteScope::Shop).await?;
    let next = state
        .status
        .transition(QuoteAction::Answer, state.expires_at, now)?;
    check_version(&state, input.expected_version)?;
    let lines = sqlx::query_as::<_, (i64, i64, i64, String)>(
        "SELECT id, quantity, variant_id, sku FROM quote_lines WHERE quote_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    if input.unit_prices.len() != lines.len() {
        return Err(AppError::invalid(
            "unit_prices",
            format!(
                "give one price per line ({} lines, {} prices)",
                lines.len(),
                input.unit_prices.len()
            ),
        ));
    }
    let mut prices = Vec::with_capacity(lines.len());
    let mut total: i64 = 0;
    for (index, ((_, quantity, ..), text)) in lines.iter().zip(&input.unit_prices).enumerate() {
        let field = format!("unit_prices[{}]", index + 1);
        if text.trim().is_empty() {
            return Err(AppError::invalid(&field, "is required"));
        }
        let price = parse_amount(text, currency, &field)?;
        total = total
            .checked_add(line_total(price, *quantity)?)
            .ok_or_else(|| AppError::invalid(&field, "the total is too large"))?;
        prices.push(price);
    }
    let version = state.current_version + 1;
    let version_id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO quote_versions (quote_id, version, expires_at, note, total_minor, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(version)
    .bind(expires_at)
    .bind(&note)
    .bind(total)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    for ((line_id, ..), price) in lines.iter().zip(&prices) {
        sqlx::query("INSERT INTO quote_prices (quote_version_id, quote_line_id, unit_price_minor) VALUES ($1, $2, $3)")
            .bind(version_id)
            .bind(line_id)
            .bind(price)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
    }
    let updated = sqlx::query("UPDATE quotes SET status = $1, current_version = $2, expires_at = $3, version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6")
        .bind(next.as_str())
        .bind(version)
        .bind(expires_at)
        .bind(now)
        .bind(id)
        .bind(input.expected_version)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "The quote changed since you opened it; reload it to see the latest version".into(),
        ));
    }
    // A new answer ends the last one's hold; it holds again, until its own expiry, if asked.
    super::holds::release_quote(&mut tx, id).await?;
    if input.hold_stock {
        let hold_lines: Vec<super::holds::HoldLine> = lines
            .iter()
            .map(|(_, quantity, variant_id, sku)| super::holds::HoldLine {
                variant_id: *variant_id,
                sku: sku.clone(),
                quantity: *quantity,
            })
            .collect();
        super::holds::hold(&mut tx, id, &hold_lines, expires_at).await?;
    }
    let (email, number) = sqlx::query_as::<_, (String, i64)>(
        "SELECT c.email, q.number FROM quotes q JOIN customers c ON c.id = q.customer_id WHERE q.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    let link = mail
        .mailer
        .link(&format!("/s/{}/quotes/{id}", shop.shop.slug));
    let notice = crate::mail::templates::quote_answered(
        &email,
        &shop.shop.name,
        number,
        &zone.date(expires_at),
        &link,
    );
    mail.enqueue(&mut tx, &notice).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    if input.hold_stock {
        // Again after the commit: a sweep between the first mark and the commit may have
        // cleared it without seeing this hold. Committed, so a failure is logged, not answered.
        if let Err(error) = super::holds::mark_due(&mail.platform, shop.shop.id, expires_at).await {
            tracing::warn!(quote = id, %error, "could not mark the shop's quote hold; an order that needs the stock releases it once expired");
        }
    }
    detail(db, currency, id, QuoteScope::Shop).await
}

pub async fn detail(
    db: &Database,
    currency: &str,
    id: i64,
    scope: QuoteScope,
) -> Result<QuoteDetail, AppError> {
    let head = sqlx::query_as::<_, (i64, String, i64, String, Option<i64>, Option<i64>, i64, String, String, String, Option<i64>)>(
        "SELECT q.number, q.status, q.version, q.needed_by, q.expires_at, q.order_id, q.created_at, c.email, c.name, co.name, o.number \
         FROM quotes q JOIN customers c ON c.id = q.customer_id JOIN companies co ON co.id = q.company_id \
         LEFT JOIN orders o ON o.id = q.order_id \
         WHERE q.id = $1 AND (q.company_id = $2 OR $2 = 0)",
    )
    .bind(id)
    .bind(scope.company())
    .fetch_optional(&db.pool)
    .await
    .map_err(internal)?
    .ok_or_else(|| AppError::NotFound("Quote not found".into()))?;
    let lines = sqlx::query_as::<_, (i64, String, String, i64, i64, i64)>(
        "SELECT id, sku, title, quantity, list_price_minor, variant_id FROM quote_lines WHERE quote_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    // What the quote holds, per variant, and until when (a hold past its expiry holds nothing
    // for the buyer, though its units count as the quote's own until the sweep frees them).
    let holds = sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT variant_id, quantity, expires_at FROM quote_holds WHERE quote_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    let now = now_ms();
    let held_until = holds
        .iter()
        .map(|(.., expires_at)| *expires_at)
        .min()
        .filter(|expires_at| *expires_at > now);
    let mut held_of: HashMap<i64, i64> = holds
        .iter()
        .map(|(variant_id, quantity, _)| (*variant_id, *quantity))
        .collect();
    // For the merchant's answer: each line's price at the company's price list and volume
    // breaks (the suggested unit price), and the stock available now.
    let terms = match scope {
        QuoteScope::Shop => {
            let price_list = sqlx::query_scalar::<_, Option<i64>>(
                "SELECT co.price_list_id FROM quotes q JOIN companies co ON co.id = q.company_id WHERE q.id = $1",
            )
            .bind(id)
            .fetch_optional(&db.pool)
            .await
            .map_err(internal)?
            .flatten();
            let skus: Vec<&str> = lines.iter().map(|line| line.1.as_str()).collect();
            let mut connection = db.pool.acquire().await.map_err(internal)?;
            terms_for(&mut connection, db.engine, price_list, &skus).await?
        }
        QuoteScope::Company(_) => HashMap::new(),
    };
    let versions = sqlx::query_as::<_, (i64, i64, i64, String, String, i64, i64)>(
        "SELECT id, version, expires_at, note, created_by, created_at, total_minor FROM quote_versions WHERE quote_id = $1 ORDER BY version DESC",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    let prices = sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT p.quote_version_id, p.quote_line_id, p.unit_price_minor FROM quote_prices p JOIN quote_versions v ON v.id = p.quote_version_id WHERE v.quote_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    let price_of: HashMap<(i64, i64), i64> = prices
        .into_iter()
        .map(|(version_id, line_id, price)| ((version_id, line_id), price))
        .collect();
    let messages = sqlx::query_as::<_, (String, String, String, i64)>(
        "SELECT author_kind, author, body, created_at FROM quote_messages WHERE quote_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    let stored = QuoteStatus::parse(&head.1).map_err(internal)?;
    Ok(QuoteDetail {
        id,
        number: head.0,
        status: stored.effective(head.4, now),
        version: head.2,
        currency: currency.to_string(),
        needed_by: head.3,
        customer_email: head.7,
        customer_name: head.8,
        company_name: head.9,
        versions: versions
            .into_iter()
            .map(
                |(version_id, version, expires_at, note, created_by, created_at, total)| {
                    QuoteVersionDto {
                        version,
                        expires_at_ms: expires_at,
                        note,
                        created_by,
                        created_at_ms: created_at,
                        unit_prices_minor: lines
                            .iter()
                            .map(|line| price_of.get(&(version_id, line.0)).copied().unwrap_or(0))
                            .collect(),
                        total_minor: total,
                    }
                },
            )
            .collect(),
        lines: lines
            .into_iter()
            .map(|(line_id, sku, title, quantity, list_price, variant_id)| {
                let terms = terms.get(&sku.to_ascii_uppercase());
                // A variant on two lines: its hold is shown once, on the first.
                let own_hold = held_of.remove(&variant_id).unwrap_or(0);
                QuoteLineDto {
                    id: line_id,
                    suggested_price_minor: terms.map(|terms| {
                        unit_price(terms.base_price_minor, quantity, &terms.price_breaks).0
                    }),
                    available: terms.map(|terms| terms.available + own_hold),
                    held: if held_until.is_some() { own_hold } else { 0 },
                    sku,
                    title,
                    quantity,
                    list_price_minor: list_price,
                }
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|(author_kind, author, body, created_at)| QuoteMessageDto {
                author_kind,
                author,
                body,
                created_at_ms: created_at,
            })
            .collect(),
        order_id: head.5,
        order_number: head.10,
        created_at_ms: head.6,
        held_until_ms: held_until,
    })
}
