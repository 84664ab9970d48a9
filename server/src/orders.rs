//! The order service: placement with stock reservation, the lifecycle (through
//! `Lifecycle::apply` only: payment, fulfilment and the order's state apart), payments and refunds, shipments that commit stock, the
//! timeline, and the order list with keyset pagination. Every change checks the version the
//! caller saw, so a concurrent edit is a 409 instead of a silently lost update.

use crate::access::{OpenShop, ShopAccess};
use crate::catalog::record_adjustment;
use crate::db::{now_ms, Database};
use crate::error::internal;
use crate::sql::{like_escape, SqlBuilder};
use app::auth::model::Session;
use app::auth::rules::Email;
use app::bulk::rules::MAX_BULK_LINES;
use app::dates::{parse_date_ms, ShopZone};
use app::error::{AppError, Problems};
use app::money::{format_money, parse_amount};
use app::orders::lifecycle::{
    FulfilmentStatus, Lifecycle, OrderAction, OrderState, PaymentStatus, PaymentTerms,
};
use app::orders::model::*;
use app::orders::rules::*;
use app::products::rules::{parse_quantity, parse_tags, Sku};
use app::services::OrderService;
use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

#[derive(Clone)]
pub struct Orders {
    pub access: ShopAccess,
    /// For the mail a refund may send the customer.
    pub mailer: crate::mail::Mailer,
    pub platform: Database,
}

pub const CHANNELS: [&str; 4] = ["dashboard", "portal", "api", "marketplace"];
const ORDER_PAGE: i64 = 50;

fn order_not_found() -> AppError {
    AppError::NotFound("Order not found".into())
}

fn optional_amount(text: &str, currency: &str, field: &str) -> Result<i64, AppError> {
    if text.trim().is_empty() {
        Ok(0)
    } else {
        parse_amount(text, currency, field)
    }
}

pub(crate) fn validate_address(address: &Address, field: &str) -> Result<Address, AppError> {
    let clean = |value: &str, name: &str, max: usize| -> Result<String, AppError> {
        let value = value.trim();
        if value.chars().count() > max {
            return Err(AppError::invalid(
                &format!("{field}.{name}"),
                format!("must be at most {max} characters"),
            ));
        }
        Ok(value.to_string())
    };
    let country = clean(&address.country, "country", 2)?.to_ascii_uppercase();
    if !country.is_empty()
        && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Err(AppError::invalid(
            &format!("{field}.country"),
            "use the two-letter country code (e.g. DE, US)",
        ));
    }
    Ok(Address {
        name: clean(&address.name, "name", 120)?,
        line1: clean(&address.line1, "line1", 200)?,
        line2: clean(&address.line2, "line2", 200)?,
        city: clean(&address.city, "city", 120)?,
        region: clean(&address.region, "region", 120)?,
        postal_code: clean(&address.postal_code, "postal_code", 20)?,
        country,
    })
}

fn parse_customer_type(raw: &str) -> Result<&'static str, AppError> {
    match raw.trim() {
        "" | "individual" => Ok("individual"),
        "business" => Ok("business"),
        other => Err(AppError::invalid(
            "customer_type",
            format!("\"{other}\" is not a customer type (individual or business)"),
        )),
    }
}

pub(crate) fn address_json(address: &Address) -> String {
    serde_json::to_string(address).unwrap_or_default()
}

pub(crate) fn address_from_json(text: &str) -> Address {
    serde_json::from_str(text).unwrap_or_default()
}

/// The columns of an order list row, in the order `order_row` reads them (the list indexes
/// carry them all; see migrations 0005 and 0008).
pub const ORDER_ROW_COLUMNS: &str =
    "id, number, placed_at, customer_name, customer_email, customer_type, status, channel, total_minor, payment_status, fulfilment_status, payment_due_at";

pub(crate) type OrderRowTuple = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
);

/// A value read from the database that no version of this program writes: an error in the
/// log (with what was read), never a silent default.
pub(crate) fn stored<T>(
    parsed: Result<T, AppError>,
    what: &str,
    order_id: i64,
) -> Result<T, AppError> {
    parsed.map_err(|error| {
        tracing::error!(order_id, %error, "unknown {what} stored for an order");
        AppError::Internal
    })
}

/// Whether an order with this payment status and due date is an unpaid invoice past due.
fn is_overdue(payment: PaymentStatus, due_at_ms: Option<i64>, now_ms: i64) -> bool {
    matches!(
        payment,
        PaymentStatus::Pending | PaymentStatus::PartiallyPaid
    ) && due_at_ms.is_some_and(|due| now_ms > due)
}

pub(crate) fn order_row(row: OrderRowTuple, now_ms: i64) -> Result<OrderRow, AppError> {
    let id = row.0;
    let payment = stored(
        PaymentStatus::parse(&row.9, "payment_status"),
        "payment status",
        id,
    )?;
    Ok(OrderRow {
        id,
        number: row.1,
        placed_at_ms: row.2,
        customer_name: row.3,
        customer_email: row.4,
        customer_type: row.5,
        status: stored(OrderStatus::parse(&row.6), "status", id)?,
        channel: row.7,
        total_minor: row.8,
        payment_status: payment,
        fulfilment_status: stored(
            FulfilmentStatus::parse(&row.10, "fulfilment_status"),
            "fulfilment status",
            id,
        )?,
        payment_due_at_ms: row.11,
        overdue: is_overdue(payment, row.11, now_ms),
    })
}

/// A placed line after looking up its variant.
struct PricedLine {
    variant_id: i64,
    sku: String,
    title: String,
    unit_price_minor: i64,
    quantity: i64,
}

#[derive(sqlx::FromRow)]
struct OrderRecord {
    id: i64,
    number: i64,
    version: i64,
    channel: String,
    currency: String,
    customer_email: String,
    customer_name: String,
    customer_type: String,
    company_name: String,
    shipping_address: String,
    billing_address: String,
    subtotal_minor: i64,
    discount_minor: i64,
    shipping_minor: i64,
    tax_minor: i64,
    total_minor: i64,
    paid_minor: i64,
    refunded_minor: i64,
    notes: String,
    tags: String,
    placed_at: i64,
    updated_at: i64,
    state: String,
    payment_status: String,
    fulfilment_status: String,
    approved_at: Option<i64>,
    payment_terms: String,
    payment_due_at: Option<i64>,
    customer_id: Option<i64>,
}

/// The summary `status` is not read: it is derived from the lifecycle columns (`Lifecycle::stage`).
const ORDER_COLUMNS: &str = "id, number, version, channel, currency, customer_email, customer_name, customer_type, company_name, shipping_address, billing_address, subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor, paid_minor, refunded_minor, notes, tags, placed_at, updated_at, state, payment_status, fulfilment_status, approved_at, payment_terms, payment_due_at, customer_id";

impl OrderRecord {
    /// Where the order stands, read fallibly: a value no version writes is an error.
    fn lifecycle(&self) -> Result<Lifecycle, AppError> {
        Ok(Lifecycle {
            state: stored(OrderState::parse(&self.state, "state"), "state", self.id)?,
            payment: stored(
                PaymentStatus::parse(&self.payment_status, "payment_status"),
                "payment status",
                self.id,
            )?,
            fulfilment: stored(
                FulfilmentStatus::parse(&self.fulfilment_status, "fulfilment_status"),
                "fulfilment status",
                self.id,
            )?,
            approved: self.approved_at.is_some(),
            terms: stored(
                PaymentTerms::parse(&self.payment_terms, "payment_terms"),
                "payment terms",
                self.id,
            )?,
        })
    }
}

async fn load_order(tx: &mut Transaction<'static, Any>, id: i64) -> Result<OrderRecord, AppError> {
    sqlx::query_as::<_, OrderRecord>(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
    .map_err(internal)?
    .ok_or_else(order_not_found)
}

async fn add_event(
    tx: &mut Transaction<'static, Any>,
    order_id: i64,
    kind: &str,
    message: &str,
    actor: &str,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO order_events (order_id, kind, message, actor, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(order_id)
        .bind(kind)
        .bind(message)
        .bind(actor)
        .bind(now_ms())
        .execute(&mut **tx)
        .await
        .map_err(internal)
        .map(|_| ())
}

/// Adds `quantity` to the variant's reservation if its free stock covers it; `false` if not.
/// Orders and quote holds reserve through it.
pub(crate) async fn reserve(
    connection: &mut AnyConnection,
    variant_id: i64,
    quantity: i64,
    sku: &str,
) -> Result<bool, AppError> {
    let reserved = sqlx::query(
        "UPDATE variants SET reserved = reserved + $1 WHERE id = $2 AND on_hand - reserved >= $1",
    )
    .bind(quantity)
    .bind(variant_id)
    .execute(&mut *connection)
    .await
    .map_err(|error| {
        if crate::catalog::is_stock_violation(&error) {
            AppError::Conflict(format!(
                "not enough stock for {sku}: it was reserved meanwhile; nothing was placed"
            ))
        } else {
            internal(error)
        }
    })?;
    Ok(reserved.rows_affected() == 1)
}

/// Places an order inside an open write transaction: customer upsert, price lookup, stock
/// reservation (all lines or none), totals, the next order number, lines and the first event.
///
/// `locked_prices` (unit prices by upper-case SKU) replaces the catalog prices, for orders whose
/// prices were agreed before (an accepted quote, a priced bulk order); every line must have one.
pub async fn place_order(
    tx: &mut Transaction<'static, Any>,
    currency: &str,
    actor: &str,
    input: &NewOrderInput,
    locked_prices: Option<&HashMap<String, i64>>,
) -> Result<i64, AppError> {
    // Every check of the input runs and every problem is reported in one answer; only then is
    // anything written (the caller's transaction is dropped on an error, releasing reservations).
    let mut checks = Problems::default();
    let email = checks.check(
        Email::parse(&input.customer_email)
            .map_err(|_| AppError::invalid("customer_email", "is not a valid e-mail address")),
    );
    let name = input.customer_name.trim().to_string();
    if name.chars().count() > 120 {
        checks.push("customer_name", "must be at most 120 characters");
    }
    let customer_type = checks
        .check(parse_customer_type(&input.customer_type))
        .unwrap_or("individual");
    let company_name = input.company_name.trim().to_string();
    if customer_type == "business" && company_name.is_empty() {
        checks.push("company_name", "is required for a business customer");
    }
    let shipping_address = checks.check(validate_address(
        &input.shipping_address,
        "shipping_address",
    ));
    let billing_address = match &input.billing_address {
        Some(address) if !address.is_empty() => {
            checks.check(validate_address(address, "billing_address"))
        }
        _ => shipping_address.clone(),
    };
    let discount = checks.check(optional_amount(&input.discount, currency, "discount"));
    let shipping = checks.check(optional_amount(&input.shipping, currency, "shipping"));
    let tax = checks.check(optional_amount(&input.tax, currency, "tax"));
    let notes = input.notes.trim().to_string();
    if notes.chars().count() > 5000 {
        checks.push("notes", "must be at most 5,000 characters");
    }
    let tags = checks
        .check(parse_tags(&input.tags))
        .map(|tags| tags.join(","))
        .unwrap_or_default();
    let terms = match input.payment_terms.trim() {
        "" => Some(PaymentTerms::Prepaid),
        raw => checks.check(PaymentTerms::parse(raw, "payment_terms")),
    };
    if terms.is_some_and(PaymentTerms::is_invoice) && customer_type != "business" {
        checks.push(
            "payment_terms",
            "only business customers buy on payment terms; leave it as prepaid",
        );
    }
    if input.lines.is_empty() {
        checks.push("lines", "add at least one line");
    }
    if input.lines.len() > MAX_BULK_LINES {
        checks.push("lines", format!("at most {MAX_BULK_LINES} lines per order"));
        // Too many lines to look at one by one: the problems so far are the answer.
        return Err(checks.into_result().err().unwrap_or(AppError::Internal));
    }
    let mut requested: Vec<(Sku, i64)> = Vec::new();
    let mut index_of: HashMap<Sku, usize> = HashMap::new();
    for (index, line) in input.lines.iter().enumerate() {
        let field = format!("lines[{}]", index + 1);
        let sku = checks
            .check(Sku::parse(&line.sku).map_err(|error| {
                AppError::invalid(&format!("{field}.sku"), error_message(&error))
            }));
        let quantity = checks.check(parse_quantity(&line.quantity, &format!("{field}.quantity")));
        let (Some(sku), Some(quantity)) = (sku, quantity) else {
            continue;
        };
        match index_of.get(&sku) {
            Some(&at) => requested[at].1 += quantity,
            None => {
                index_of.insert(sku.clone(), requested.len());
                requested.push((sku, quantity));
            }
        }
    }

    // Stock rows are locked (by the reservation below) in SKU order, whatever the order of the
    // lines: two orders of the same SKUs in opposite orders would otherwise deadlock on
    // PostgreSQL. Lines and problems are put back in the caller's order afterwards.
    let mut lock_order: Vec<usize> = (0..requested.len()).collect();
    lock_order.sort_by(|a, b| requested[*a].0.as_str().cmp(requested[*b].0.as_str()));
    let mut priced: Vec<(usize, PricedLine)> = Vec::with_capacity(requested.len());
    let mut problems: Vec<(usize, String)> = Vec::new();
    for at in lock_order {
        let (sku, quantity) = &requested[at];
        let variant = sqlx::query_as::<_, (i64, String, String, String, i64, i64, i64, String)>(
            "SELECT v.id, p.title, v.option1, v.option2, v.price_minor, v.on_hand, v.reserved, p.status FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = $1",
        )
        .bind(sku.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(internal)?;
        let Some((variant_id, title, option1, option2, price, on_hand, reserved, status)) = variant
        else {
            problems.push((at, format!("unknown SKU {}", sku.as_str())));
            continue;
        };
        if status == "archived" {
            problems.push((at, format!("{} is archived", sku.as_str())));
            continue;
        }
        let price = match locked_prices {
            None => price,
            Some(locked) => match locked.get(&sku.as_str().to_ascii_uppercase()) {
                Some(locked_price) => *locked_price,
                None => {
                    problems.push((at, format!("no agreed price for {}", sku.as_str())));
                    continue;
                }
            },
        };
        let mut reserved_now = reserve(tx, variant_id, *quantity, sku.as_str()).await?;
        let mut released = 0;
        if !reserved_now {
            // Stock a quote held past its offer's expiry is free again, even before the sweep.
            released =
                crate::portal::holds::release_expired_of_variant(tx, variant_id, now_ms()).await?;
            if released > 0 {
                reserved_now = reserve(tx, variant_id, *quantity, sku.as_str()).await?;
            }
        }
        if !reserved_now {
            problems.push((
                at,
                format!(
                    "not enough stock for {} ({} available, {quantity} ordered)",
                    sku.as_str(),
                    on_hand - reserved + released
                ),
            ));
            continue;
        }
        let options: Vec<&str> = [option1.as_str(), option2.as_str()]
            .into_iter()
            .filter(|o| !o.is_empty())
            .collect();
        priced.push((
            at,
            PricedLine {
                variant_id,
                sku: sku.as_str().to_string(),
                title: if options.is_empty() {
                    title
                } else {
                    format!("{title} — {}", options.join(" / "))
                },
                unit_price_minor: price,
                quantity: *quantity,
            },
        ));
    }
    if !problems.is_empty() {
        // The caller drops the transaction, releasing the reservations made so far.
        problems.sort_by_key(|(at, _)| *at);
        let problems: Vec<String> = problems.into_iter().map(|(_, problem)| problem).collect();
        checks.push("lines", problems.join("; "));
    }
    checks.into_result()?;
    // Every check above passed, so each value is there.
    let (
        Some(email),
        Some(shipping_address),
        Some(billing_address),
        Some(discount),
        Some(shipping),
        Some(tax),
        Some(terms),
    ) = (
        email,
        shipping_address,
        billing_address,
        discount,
        shipping,
        tax,
        terms,
    )
    else {
        tracing::error!("an order's checks passed without their values");
        return Err(AppError::Internal);
    };
    priced.sort_by_key(|(at, _)| *at);
    let priced: Vec<PricedLine> = priced.into_iter().map(|(_, line)| line).collect();
    let totals = OrderTotals::compute(
        &priced
            .iter()
            .map(|line| (line.unit_price_minor, line.quantity))
            .collect::<Vec<_>>(),
        discount,
        shipping,
        tax,
    )?;
    let now = now_ms();
    let customer_id = match sqlx::query_scalar::<_, i64>("SELECT id FROM customers WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(internal)?
    {
        Some(id) => id,
        None => sqlx::query_scalar::<_, i64>("INSERT INTO customers (email, name, account_type, company_name, verified, created_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id")
            .bind(email.as_str())
            .bind(&name)
            .bind(customer_type)
            .bind(if company_name.is_empty() { None } else { Some(company_name.as_str()) })
            .bind(now)
            .fetch_one(&mut **tx)
            .await
            .map_err(internal)?,
    };
    let number = sqlx::query_scalar::<_, i64>(
        "UPDATE counters SET value = value + 1 WHERE name = 'order_number' RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(internal)?;
    let channel = if CHANNELS.contains(&input.channel.as_str()) {
        input.channel.as_str()
    } else {
        "dashboard"
    };
    let order_id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO orders (number, customer_id, status, currency, total_minor, channel, placed_at, customer_email, customer_name, customer_type, company_name, shipping_address, billing_address, subtotal_minor, discount_minor, shipping_minor, tax_minor, paid_minor, refunded_minor, notes, tags, version, updated_at, state, payment_status, fulfilment_status, payment_terms, payment_due_at) \
         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0, 0, $17, $18, 1, $6, 'open', 'pending', 'unfulfilled', $19, $20) RETURNING id",
    )
    .bind(number)
    .bind(customer_id)
    .bind(currency)
    .bind(totals.total_minor)
    .bind(channel)
    .bind(now)
    .bind(email.as_str())
    .bind(&name)
    .bind(customer_type)
    .bind(&company_name)
    .bind(address_json(&shipping_address))
    .bind(address_json(&billing_address))
    .bind(totals.subtotal_minor)
    .bind(totals.discount_minor)
    .bind(totals.shipping_minor)
    .bind(totals.tax_minor)
    .bind(&notes)
    .bind(&tags)
    .bind(terms.as_str())
    .bind(terms.due_at(now))
    .fetch_one(&mut **tx)
    .await
    .map_err(internal)?;
    for line in &priced {
        sqlx::query("INSERT INTO order_lines (order_id, variant_id, sku, title, unit_price_minor, quantity, shipped_quantity) VALUES ($1, $2, $3, $4, $5, $6, 0)")
            .bind(order_id)
            .bind(line.variant_id)
            .bind(&line.sku)
            .bind(&line.title)
            .bind(line.unit_price_minor)
            .bind(line.quantity)
            .execute(&mut **tx)
            .await
            .map_err(internal)?;
    }
    let items: i64 = priced.iter().map(|line| line.quantity).sum();
    add_event(
        tx,
        order_id,
        "placed",
        &format!(
            "Order placed ({channel}): {items} items, {}; stock reserved",
            format_money(totals.total_minor, currency)
        ),
        actor,
    )
    .await?;
    Ok(order_id)
}

fn error_message(error: &AppError) -> String {
    match error {
        AppError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

impl Orders {
    /// An order with its lines, payments, shipments and timeline: six reads on one connection.
    pub async fn detail(db: &Database, id: i64) -> Result<OrderDetail, AppError> {
        let mut connection = db.read().await.map_err(internal)?;
        let detail = Orders::read_detail(&mut connection, id).await?;
        connection.finish();
        detail.ok_or_else(order_not_found)
    }

    async fn read_detail(
        connection: &mut AnyConnection,
        id: i64,
    ) -> Result<Option<OrderDetail>, AppError> {
        let Some(order) = sqlx::query_as::<_, OrderRecord>(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *connection)
        .await
        .map_err(internal)?
        else {
            return Ok(None);
        };
        let lines = sqlx::query_as::<_, (i64, Option<i64>, String, String, i64, i64, i64, i64)>(
            "SELECT id, variant_id, sku, title, unit_price_minor, quantity, shipped_quantity, returned_quantity FROM order_lines WHERE order_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(id, variant_id, sku, title, unit_price_minor, quantity, shipped_quantity, returned_quantity)| OrderLineDto {
            id,
            variant_id,
            sku,
            title,
            unit_price_minor,
            quantity,
            shipped_quantity,
            returned_quantity,
            line_total_minor: unit_price_minor.saturating_mul(quantity),
        })
        .collect();
        let payments = sqlx::query_as::<_, (String, i64, String, String, String, i64)>(
            "SELECT kind, amount_minor, method, note, actor, created_at FROM payments WHERE order_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(kind, amount_minor, method, note, actor, created_at_ms)| PaymentDto { kind, amount_minor, method, note, actor, created_at_ms })
        .collect();
        let shipment_rows = sqlx::query_as::<_, (i64, String, String, String, String, i64)>(
            "SELECT id, carrier, tracking_number, tracking_url, actor, created_at FROM shipments WHERE order_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await
        .map_err(internal)?;
        let shipped_items = sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT sl.shipment_id, l.sku, sl.quantity FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id WHERE l.order_id = $1 ORDER BY l.id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await
        .map_err(internal)?;
        let shipments = shipment_rows
            .into_iter()
            .map(
                |(shipment_id, carrier, tracking_number, tracking_url, actor, created_at_ms)| {
                    ShipmentDto {
                        id: shipment_id,
                        carrier,
                        tracking_number,
                        tracking_url,
                        items: shipped_items
                            .iter()
                            .filter(|(of, _, _)| *of == shipment_id)
                            .map(|(_, sku, quantity)| (sku.clone(), *quantity))
                            .collect(),
                        actor,
                        created_at_ms,
                    }
                },
            )
            .collect();
        let events = sqlx::query_as::<_, (String, String, String, i64)>(
            "SELECT kind, message, actor, created_at FROM order_events WHERE order_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(kind, message, actor, created_at_ms)| OrderEventDto { kind, message, actor, created_at_ms })
        .collect();
        let lifecycle = order.lifecycle()?;
        Ok(Some(OrderDetail {
            id: order.id,
            number: order.number,
            status: lifecycle.stage(),
            state: lifecycle.state,
            payment_status: lifecycle.payment,
            fulfilment_status: lifecycle.fulfilment,
            approved_at_ms: order.approved_at,
            payment_terms: lifecycle.terms,
            payment_due_at_ms: order.payment_due_at,
            overdue: lifecycle.is_overdue(order.payment_due_at, now_ms()),
            version: order.version,
            channel: order.channel,
            currency: order.currency,
            customer_id: order.customer_id,
            customer_email: order.customer_email,
            customer_name: order.customer_name,
            customer_type: order.customer_type,
            company_name: order.company_name,
            shipping_address: address_from_json(&order.shipping_address),
            billing_address: address_from_json(&order.billing_address),
            lines,
            totals: OrderTotals {
                subtotal_minor: order.subtotal_minor,
                discount_minor: order.discount_minor,
                shipping_minor: order.shipping_minor,
                tax_minor: order.tax_minor,
                total_minor: order.total_minor,
            },
            paid_minor: order.paid_minor,
            refunded_minor: order.refunded_minor,
            notes: order.notes,
            tags: order
                .tags
                .split(',')
                .filter(|tag| !tag.is_empty())
                .map(str::to_string)
                .collect(),
            payments,
            shipments,
            events,
            actions: lifecycle
                .offered_actions()
                .into_iter()
                .filter(|action| *action != "refund" || order.paid_minor > order.refunded_minor)
                .map(str::to_string)
                .collect(),
            placed_at_ms: order.placed_at,
            updated_at_ms: order.updated_at,
        }))
    }

    /// Applies one transition in its own transaction; returns the order id.
    pub async fn apply(
        &self,
        shop: &OpenShop,
        id: i64,
        input: &TransitionInput,
    ) -> Result<i64, AppError> {
        let mail = crate::mail::shop_outbox::ShopMail {
            mailer: self.mailer.clone(),
            platform: self.platform.clone(),
            shop_id: shop.shop.id,
            shop_db: shop.db.clone(),
        };
        let action_name = parse_action_name(&input.action)?;
        let currency = shop.shop.currency.as_str();
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let order = load_order(&mut tx, id).await?;
        if order.version != input.expected_version {
            return Err(AppError::Conflict(format!(
                "Order #{} was changed by someone else since you loaded it (version {} → {}); reload and try again",
                order.number, input.expected_version, order.version
            )));
        }
        let from = order.lifecycle()?;
        let now = now_ms();
        let mut paid = order.paid_minor;
        let mut refunded = order.refunded_minor;
        let mut notified = false;
        let (to, event_kind, message) = match action_name {
            "mark_paid" => {
                // Refused first if the order takes no payment now.
                from.apply(OrderAction::MarkPaid { settles: true })?;
                let due = order.total_minor - order.paid_minor;
                let amount = if input.amount.trim().is_empty() {
                    due
                } else {
                    parse_amount(&input.amount, currency, "amount")?
                };
                if amount <= 0 && due > 0 {
                    return Err(AppError::invalid("amount", "must be more than zero"));
                }
                if amount > due {
                    return Err(AppError::invalid(
                        "amount",
                        format!(
                            "is more than the amount due, {}",
                            format_money(due, currency)
                        ),
                    ));
                }
                let settles = amount == due;
                let to = from.apply(OrderAction::MarkPaid { settles })?;
                let method = if input.note.trim().is_empty() {
                    "manual"
                } else {
                    input.note.trim()
                };
                if amount > 0 {
                    sqlx::query("INSERT INTO payments (order_id, kind, amount_minor, method, note, actor, created_at) VALUES ($1, 'payment', $2, $3, '', $4, $5)")
                        .bind(id).bind(amount).bind(method).bind(&shop.actor).bind(now)
                        .execute(&mut *tx).await.map_err(internal)?;
                }
                paid += amount;
                let scope = if settles { "Payment" } else { "Part payment" };
                (
                    to,
                    "paid",
                    format!(
                        "{scope} of {} recorded ({method})",
                        format_money(amount, currency)
                    ),
                )
            }
            "approve" => (
                from.apply(OrderAction::Approve)?,
                "approved",
                if from.terms.is_invoice() && !from.payment.is_settled() {
                    format!(
                        "Approved for fulfilment on {} terms, before payment",
                        from.terms.label()
                    )
                } else {
                    "Approved for fulfilment".to_string()
                },
            ),
            "deliver" => (
                from.apply(OrderAction::Deliver)?,
                "delivered",
                "Marked as delivered".to_string(),
            ),
            "cancel" => {
                let to = from.apply(OrderAction::Cancel)?;
                let reason = reason_label(&input.reason, &CANCEL_REASONS)?;
                release_reservations(&mut tx, id).await?;
                let restocked = input.restock.unwrap_or(true);
                if !restocked {
                    write_off_open_items(&mut tx, shop, &order).await?;
                }
                let why = [reason.unwrap_or_default(), input.note.trim()]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(": ");
                let stock = if restocked {
                    "reserved stock released"
                } else {
                    "the reserved items were written off (not back in stock)"
                };
                (
                    to,
                    "cancelled",
                    if why.is_empty() {
                        format!("Cancelled; {stock}")
                    } else {
                        format!("Cancelled ({why}); {stock}")
                    },
                )
            }
            "refund" => {
                // Refused first if nothing can be refunded in this state.
                from.apply(OrderAction::Refund {
                    fully_refunded: true,
                })?;
                let amount = parse_amount(&input.amount, currency, "amount")?;
                let fully_refunded = check_refund(amount, order.paid_minor, order.refunded_minor)?;
                let to = from.apply(OrderAction::Refund { fully_refunded })?;
                // A fully refunded order will never ship: what it still holds goes back to stock.
                if from.holds_reservation() && !to.holds_reservation() {
                    release_reservations(&mut tx, id).await?;
                }
                let reason = [
                    reason_label(&input.reason, &REFUND_REASONS)?.unwrap_or_default(),
                    input.note.trim(),
                ]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
                let reason = reason.as_str();
                let returned = match &input.returns {
                    Some(returns) => return_to_stock(&mut tx, shop, &order, returns).await?,
                    None => 0,
                };
                sqlx::query("INSERT INTO payments (order_id, kind, amount_minor, method, note, actor, created_at) VALUES ($1, 'refund', $2, 'manual', $3, $4, $5)")
                    .bind(id).bind(amount).bind(reason).bind(&shop.actor).bind(now)
                    .execute(&mut *tx).await.map_err(internal)?;
                refunded += amount;
                if input.notify {
                    let link = mail.mailer.link(&format!("/s/{}/account", shop.shop.slug));
                    let notice = crate::mail::templates::refund_notice(
                        &order.customer_email,
                        &shop.shop.name,
                        order.number,
                        &shop.shop.amount_style.money(amount, currency),
                        &link,
                    );
                    mail.enqueue(&mut tx, &notice).await.map_err(internal)?;
                    notified = true;
                }
                let scope = if fully_refunded {
                    "Full refund"
                } else {
                    "Partial refund"
                };
                let mut message = format!("{scope} of {}", format_money(amount, currency));
                if !reason.is_empty() {
                    message.push_str(&format!(" ({reason})"));
                }
                if returned > 0 {
                    message.push_str(&format!("; {returned} returned items back in stock"));
                }
                if notified {
                    message.push_str("; the customer was told by e-mail");
                }
                (to, "refunded", message)
            }
            "ship" => {
                // The lifecycle check comes first so an unapproved order gets the lifecycle error.
                from.apply(OrderAction::Ship {
                    everything_shipped: true,
                })?;
                let message = ship(&mut tx, shop, &order, input).await?;
                let everything_shipped = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM order_lines WHERE order_id = $1 AND shipped_quantity < quantity")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(internal)?
                    == 0;
                (
                    from.apply(OrderAction::Ship { everything_shipped })?,
                    "shipped",
                    message,
                )
            }
            _ => return Err(AppError::invalid("action", "is not supported")),
        };
        let approved_at = match (order.approved_at, to.approved) {
            (Some(at), _) => Some(at),
            (None, true) => Some(now),
            (None, false) => None,
        };
        let updated = sqlx::query("UPDATE orders SET status = $1, paid_minor = $2, refunded_minor = $3, version = version + 1, updated_at = $4, state = $7, payment_status = $8, fulfilment_status = $9, approved_at = $10 WHERE id = $5 AND version = $6")
            .bind(to.stage().as_str())
            .bind(paid)
            .bind(refunded)
            .bind(now)
            .bind(id)
            .bind(order.version)
            .bind(to.state.as_str())
            .bind(to.payment.as_str())
            .bind(to.fulfilment.as_str())
            .bind(approved_at)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        if updated.rows_affected() != 1 {
            return Err(AppError::Conflict(format!(
                "Order #{} was changed by someone else; reload and try again",
                order.number
            )));
        }
        let message = if to.stage() != from.stage() {
            format!(
                "{message} · {} → {}",
                from.stage().label(),
                to.stage().label()
            )
        } else if to.payment != from.payment {
            format!(
                "{message} · {} → {}",
                from.payment.label(),
                to.payment.label()
            )
        } else {
            message
        };
        add_event(&mut tx, id, event_kind, &message, &shop.actor).await?;
        tx.commit().await.map_err(internal)?;
        if notified {
            mail.hand_over_or_log().await;
        }
        Ok(id)
    }
}

/// A cancelled order's reserved items that will not be sold (lost, damaged): they leave the
/// stock on hand, each with an adjustment in the variant's history.
async fn write_off_open_items(
    tx: &mut Transaction<'static, Any>,
    shop: &OpenShop,
    order: &OrderRecord,
) -> Result<(), AppError> {
    let lines = sqlx::query_as::<_, (Option<i64>, i64, i64)>(
        "SELECT variant_id, quantity, shipped_quantity FROM order_lines WHERE order_id = $1",
    )
    .bind(order.id)
    .fetch_all(&mut **tx)
    .await
    .map_err(internal)?;
    for (variant_id, quantity, shipped) in lines {
        let (Some(variant_id), open) = (variant_id, quantity - shipped) else {
            continue;
        };
        if open <= 0 {
            continue;
        }
        change_on_hand(
            tx,
            shop,
            variant_id,
            -open,
            &format!("Written off: order #{} cancelled", order.number),
        )
        .await?;
    }
    Ok(())
}

/// Changes a variant's stock on hand by `delta` (never below zero) and records the change in
/// its history with `reason`.
async fn change_on_hand(
    tx: &mut Transaction<'static, Any>,
    shop: &OpenShop,
    variant_id: i64,
    delta: i64,
    reason: &str,
) -> Result<(), AppError> {
    let after = sqlx::query_scalar::<_, i64>(
        "UPDATE variants SET on_hand = CASE WHEN on_hand + $1 >= 0 THEN on_hand + $1 ELSE 0 END, updated_at = $2 WHERE id = $3 RETURNING on_hand",
    )
    .bind(delta)
    .bind(now_ms())
    .bind(variant_id)
    .fetch_optional(&mut **tx)
    .await
    .map_err(internal)?;
    if let Some(after) = after {
        record_adjustment(&mut **tx, variant_id, delta, after, reason, &shop.actor)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// Puts returned units of shipped lines back in stock; returns how many. A line returns at
/// most what shipped and was not returned before; every problem names its line.
async fn return_to_stock(
    tx: &mut Transaction<'static, Any>,
    shop: &OpenShop,
    order: &OrderRecord,
    returns: &[ShipLine],
) -> Result<i64, AppError> {
    let mut total = 0;
    for (index, line) in returns.iter().enumerate() {
        let field = format!("returns[{}].quantity", index + 1);
        let quantity = if line.quantity.trim().is_empty() {
            0
        } else {
            line.quantity
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|quantity| *quantity >= 0)
                .ok_or_else(|| AppError::invalid(&field, "must be a whole number, 0 or more"))?
        };
        if quantity == 0 {
            continue;
        }
        let Some((sku, variant_id, shipped, returned)) =
            sqlx::query_as::<_, (String, Option<i64>, i64, i64)>(
                "SELECT sku, variant_id, shipped_quantity, returned_quantity FROM order_lines WHERE id = $1 AND order_id = $2",
            )
            .bind(line.line_id)
            .bind(order.id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(internal)?
        else {
            return Err(AppError::invalid(
                &format!("returns[{}].line_id", index + 1),
                "is not a line of this order",
            ));
        };
        if quantity > shipped - returned {
            return Err(AppError::invalid(
                &field,
                format!(
                    "{sku}: at most {} can come back ({shipped} shipped, {returned} returned before)",
                    shipped - returned
                ),
            ));
        }
        sqlx::query(
            "UPDATE order_lines SET returned_quantity = returned_quantity + $1 WHERE id = $2",
        )
        .bind(quantity)
        .bind(line.line_id)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
        if let Some(variant_id) = variant_id {
            change_on_hand(
                tx,
                shop,
                variant_id,
                quantity,
                &format!("Returned on order #{} (refund)", order.number),
            )
            .await?;
        }
        total += quantity;
    }
    Ok(total)
}

async fn release_reservations(
    tx: &mut Transaction<'static, Any>,
    order_id: i64,
) -> Result<(), AppError> {
    let lines = sqlx::query_as::<_, (Option<i64>, i64, i64)>(
        "SELECT variant_id, quantity, shipped_quantity FROM order_lines WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_all(&mut **tx)
    .await
    .map_err(internal)?;
    for (variant_id, quantity, shipped) in lines {
        let (Some(variant_id), open) = (variant_id, quantity - shipped) else {
            continue;
        };
        if open > 0 {
            sqlx::query("UPDATE variants SET reserved = CASE WHEN reserved >= $1 THEN reserved - $1 ELSE 0 END WHERE id = $2")
                .bind(open)
                .bind(variant_id)
                .execute(&mut **tx)
                .await
                .map_err(internal)?;
        }
    }
    Ok(())
}

fn check_tracking_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(String::new());
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 500 {
        return Err(AppError::invalid(
            "tracking_url",
            "must be an http(s) address",
        ));
    }
    Ok(url.to_string())
}

/// Records a shipment and commits its stock (on hand and reserved both go down).
async fn ship(
    tx: &mut Transaction<'static, Any>,
    shop: &OpenShop,
    order: &OrderRecord,
    input: &TransitionInput,
) -> Result<String, AppError> {
    let carrier = input.carrier.trim();
    let tracking_number = input.tracking_number.trim();
    if carrier.is_empty() || carrier.len() > 60 {
        return Err(AppError::invalid(
            "carrier",
            "is required (e.g. DHL, UPS, USPS)",
        ));
    }
    if tracking_number.is_empty() || tracking_number.len() > 100 {
        return Err(AppError::invalid("tracking_number", "is required"));
    }
    let tracking_url = check_tracking_url(&input.tracking_url)?;
    let lines = sqlx::query_as::<_, (i64, Option<i64>, String, i64, i64)>(
        "SELECT id, variant_id, sku, quantity, shipped_quantity FROM order_lines WHERE order_id = $1 ORDER BY id",
    )
    .bind(order.id)
    .fetch_all(&mut **tx)
    .await
    .map_err(internal)?;
    let mut to_ship: Vec<i64> = lines
        .iter()
        .map(|(_, _, _, quantity, shipped)| quantity - shipped)
        .collect();
    if let Some(requested) = &input.lines {
        to_ship = vec![0; lines.len()];
        for (index, item) in requested.iter().enumerate() {
            let quantity = if item.quantity.trim().is_empty() || item.quantity.trim() == "0" {
                0
            } else {
                parse_quantity(&item.quantity, &format!("lines[{}].quantity", index + 1))?
            };
            let Some(position) = lines
                .iter()
                .position(|(line_id, ..)| *line_id == item.line_id)
            else {
                return Err(AppError::invalid(
                    &format!("lines[{}].line_id", index + 1),
                    "is not a line of this order",
                ));
            };
            to_ship[position] += quantity;
        }
    }
    check_shipment(
        &lines
            .iter()
            .zip(&to_ship)
            .map(|((_, _, _, quantity, shipped), now)| (*quantity, *shipped, *now))
            .collect::<Vec<_>>(),
    )?;
    let now = now_ms();
    let shipment_id = sqlx::query_scalar::<_, i64>("INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(order.id)
        .bind(carrier)
        .bind(tracking_number)
        .bind(&tracking_url)
        .bind(&shop.actor)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(internal)?;
    let mut items = 0;
    for ((line_id, variant_id, _sku, _, _), quantity) in lines.iter().zip(&to_ship) {
        if *quantity == 0 {
            continue;
        }
        items += quantity;
        sqlx::query(
            "INSERT INTO shipment_lines (shipment_id, order_line_id, quantity) VALUES ($1, $2, $3)",
        )
        .bind(shipment_id)
        .bind(line_id)
        .bind(quantity)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
        sqlx::query(
            "UPDATE order_lines SET shipped_quantity = shipped_quantity + $1 WHERE id = $2",
        )
        .bind(quantity)
        .bind(line_id)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
        if let Some(variant_id) = variant_id {
            let on_hand_after = sqlx::query_scalar::<_, i64>(
                "UPDATE variants SET on_hand = on_hand - $1, reserved = CASE WHEN reserved >= $1 THEN reserved - $1 ELSE 0 END, updated_at = $2 WHERE id = $3 RETURNING on_hand",
            )
            .bind(quantity)
            .bind(now)
            .bind(variant_id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(|error| {
                if matches!(&error, sqlx::Error::Database(db) if db.message().contains("CHECK") || db.code().as_deref() == Some("23514")) {
                    AppError::Conflict("Not enough stock on hand to ship this; adjust the inventory first".into())
                } else {
                    internal(error)
                }
            })?;
            if let Some(after) = on_hand_after {
                record_adjustment(
                    &mut **tx,
                    *variant_id,
                    -quantity,
                    after,
                    &format!("Shipped on order #{}", order.number),
                    &shop.actor,
                )
                .await
                .map_err(internal)?;
            }
        }
    }
    Ok(format!(
        "Shipped {items} items with {carrier}, tracking {tracking_number}"
    ))
}

/// A list cursor (`<id>:<sort value>`, from `next_cursor` or `prev_cursor`) given as `field`.
fn parse_cursor(text: &str, field: &str) -> Result<Option<(i64, i64)>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let invalid = || AppError::invalid(field, "is not a valid cursor");
    let (id, value) = text.split_once(':').ok_or_else(invalid)?;
    Ok(Some((
        id.parse().map_err(|_| invalid())?,
        value.parse().map_err(|_| invalid())?,
    )))
}

/// Appends the orders list's filters to a query over `orders o`, and returns the sort column and
/// whether it is descending.
fn push_order_filters(
    sql: &mut SqlBuilder,
    query: &OrderQuery,
    now: i64,
    zone: &ShopZone,
) -> Result<(&'static str, bool), AppError> {
    let q = query.q.trim();
    if !q.is_empty() {
        if let Ok(number) = q.trim_start_matches('#').parse::<i64>() {
            let placeholder = sql.int(number);
            sql.push(&format!(" AND o.number = {placeholder}"));
        } else if q.contains('@') {
            let pattern = sql.text(format!("{}%", like_escape(&q.to_lowercase())));
            sql.push(&format!(" AND o.customer_email LIKE {pattern} ESCAPE '\\'"));
        } else {
            let pattern = sql.text(format!("%{}%", like_escape(&q.to_lowercase())));
            let sku = sql.text(q.to_string());
            sql.push(&format!(
                    " AND (lower(o.customer_name) LIKE {pattern} ESCAPE '\\' OR lower(o.company_name) LIKE {pattern} ESCAPE '\\' \
                     OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.sku = {sku}))"
                ));
        }
    }
    if !query.status.trim().is_empty() {
        let status = OrderStatus::parse(&query.status)?;
        let placeholder = sql.text(status.as_str());
        sql.push(&format!(" AND o.status = {placeholder}"));
    }
    if !query.payment.trim().is_empty() {
        let payment = PaymentStatus::parse(&query.payment, "payment")?;
        let placeholder = sql.text(payment.as_str());
        sql.push(&format!(" AND o.payment_status = {placeholder}"));
    }
    if !query.fulfilment.trim().is_empty() {
        let fulfilment = FulfilmentStatus::parse(&query.fulfilment, "fulfilment")?;
        let placeholder = sql.text(fulfilment.as_str());
        sql.push(&format!(" AND o.fulfilment_status = {placeholder}"));
    }
    match query.overdue.trim() {
        "" | "false" => {}
        "true" | "on" => {
            let placeholder = sql.int(now);
            sql.push(&format!(
                    " AND o.payment_due_at < {placeholder} AND o.payment_status IN ('pending', 'partially_paid')"
                ));
        }
        other => {
            return Err(AppError::invalid(
                "overdue",
                format!("\"{other}\" is not true or false"),
            ))
        }
    }
    let channel = query.channel.trim();
    if !channel.is_empty() {
        if !CHANNELS.contains(&channel) {
            return Err(AppError::invalid(
                "channel",
                format!("\"{channel}\" is not a channel ({})", CHANNELS.join(", ")),
            ));
        }
        let placeholder = sql.text(channel);
        sql.push(&format!(" AND o.channel = {placeholder}"));
    }
    let customer_type = query.customer_type.trim();
    if !customer_type.is_empty() {
        let kind = parse_customer_type(customer_type)?;
        let placeholder = sql.text(kind);
        sql.push(&format!(" AND o.customer_type = {placeholder}"));
    }
    // Days on the shop's clocks: "from 1 July" in Berlin starts at 22:00 UTC on 30 June.
    if let Some(from) = parse_date_ms(&query.from, "from")? {
        let placeholder = sql.int(zone.start_of_day_ms(from));
        sql.push(&format!(" AND o.placed_at >= {placeholder}"));
    }
    if let Some(to) = parse_date_ms(&query.to, "to")? {
        let placeholder = sql.int(zone.end_of_day_ms(to));
        sql.push(&format!(" AND o.placed_at <= {placeholder}"));
    }
    let sort = match query.sort.trim() {
        "" | "newest" => ("placed_at", true),
        "oldest" => ("placed_at", false),
        "total_desc" => ("total_minor", true),
        "total_asc" => ("total_minor", false),
        other => {
            return Err(AppError::invalid(
                "sort",
                format!("\"{other}\" is not a sort order (newest, oldest, total_desc, total_asc)"),
            ))
        }
    };
    Ok(sort)
}

#[async_trait]
impl OrderService for Orders {
    async fn list_orders(
        &self,
        session: &Session,
        slug: &str,
        query: OrderQuery,
    ) -> Result<OrderPage, AppError> {
        let shop = self.access.open(session, slug).await?;
        let now = now_ms();
        let after = parse_cursor(&query.after, "after")?;
        let before = parse_cursor(&query.before, "before")?;
        if after.is_some() && before.is_some() {
            return Err(AppError::invalid(
                "before",
                "give either after (the next page) or before (the previous page), not both",
            ));
        }
        let mut sql = SqlBuilder::new(&format!(
            "SELECT {ORDER_ROW_COLUMNS} FROM orders o WHERE 1 = 1"
        ));
        let zone = ShopZone::named(&shop.shop.timezone);
        let (column, descending) = push_order_filters(&mut sql, &query, now, &zone)?;
        // The count stops at the limit (one more row says there are more): a shop's whole
        // history is not counted on every page.
        let mut count = SqlBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM orders o WHERE 1 = 1");
        push_order_filters(&mut count, &query, now, &zone)?;
        count.push(&format!(" LIMIT {}) matching", MATCH_COUNT_LIMIT + 1));
        // A previous page is read backwards from its cursor, then shown in the list's order.
        let backwards = before.is_some();
        let read_descending = descending != backwards;
        if let Some((id, value)) = after.or(before) {
            let value = sql.int(value);
            let id = sql.int(id);
            let op = if read_descending { "<" } else { ">" };
            // A row-value comparison is an index range on both engines, so a deep page seeks
            // instead of walking the rows before it.
            sql.push(&format!(" AND (o.{column}, o.id) {op} ({value}, {id})"));
        }
        let direction = if read_descending { "DESC" } else { "ASC" };
        sql.push(&format!(
            " ORDER BY o.{column} {direction}, o.id {direction} LIMIT {}",
            ORDER_PAGE + 1
        ));
        let mut connection = shop.db.read().await.map_err(internal)?;
        let (json,): (String,) = sql
            .into_json_rows(shop.db.engine, ORDER_ROW_COLUMNS)
            .query_as()
            .fetch_one(&mut *connection)
            .await
            .map_err(internal)?;
        let (matching,): (i64,) = count
            .query_as()
            .fetch_one(&mut *connection)
            .await
            .map_err(internal)?;
        connection.finish();
        let mut rows: Vec<OrderRowTuple> = serde_json::from_str(&json).map_err(internal)?;
        // The database returns the page's rows unordered (see `into_json_rows`).
        let sort_value = |row: &OrderRowTuple| if column == "placed_at" { row.2 } else { row.8 };
        rows.sort_unstable_by(|a, b| {
            let ascending = (sort_value(a), a.0).cmp(&(sort_value(b), b.0));
            if descending {
                ascending.reverse()
            } else {
                ascending
            }
        });
        let cursor = |row: &OrderRowTuple| format!("{}:{}", row.0, sort_value(row));
        // One row past the page means there is more in the direction read: after the page when
        // reading forwards, before it when reading backwards.
        let more_in_direction = rows.len() as i64 > ORDER_PAGE;
        if more_in_direction {
            if backwards {
                rows.remove(0);
            } else {
                rows.truncate(ORDER_PAGE as usize);
            }
        }
        let (has_next, has_prev) = if backwards {
            (true, more_in_direction)
        } else {
            (more_in_direction, after.is_some())
        };
        let next_cursor = rows.last().filter(|_| has_next).map(cursor);
        let prev_cursor = rows.first().filter(|_| has_prev).map(cursor);
        Ok(OrderPage {
            currency: shop.shop.currency.clone(),
            orders: rows
                .into_iter()
                .map(|row| order_row(row, now))
                .collect::<Result<_, _>>()?,
            next_cursor,
            prev_cursor,
            match_count: matching.min(MATCH_COUNT_LIMIT),
            more_matches: matching > MATCH_COUNT_LIMIT,
        })
    }

    async fn order(&self, session: &Session, slug: &str, id: i64) -> Result<OrderDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        Orders::detail(&shop.db, id).await
    }

    #[tracing::instrument(skip_all, fields(slug), err(level = "info"))]
    async fn create_order(
        &self,
        session: &Session,
        slug: &str,
        input: NewOrderInput,
    ) -> Result<OrderDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let order_id = place_order(&mut tx, &shop.shop.currency, &shop.actor, &input, None).await?;
        tx.commit().await.map_err(internal)?;
        Orders::detail(&shop.db, order_id).await
    }

    #[tracing::instrument(skip_all, fields(slug, id, action = %input.action), err(level = "info"))]
    async fn transition(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        input: TransitionInput,
    ) -> Result<OrderDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        self.apply(&shop, id, &input).await?;
        Orders::detail(&shop.db, id).await
    }

    async fn bulk_transition(
        &self,
        session: &Session,
        slug: &str,
        ids: Vec<i64>,
        action: &str,
    ) -> Result<Vec<BulkOutcome>, AppError> {
        let shop = self.access.open(session, slug).await?;
        let action = parse_action_name(action)?;
        if !matches!(action, "approve" | "cancel" | "mark_paid") {
            return Err(AppError::invalid(
                "action",
                "bulk actions are approve, cancel and mark_paid (ship has its own tracking list)",
            ));
        }
        if ids.is_empty() {
            return Err(AppError::invalid("orders", "select at least one order"));
        }
        if ids.len() > 500 {
            return Err(AppError::invalid("orders", "at most 500 orders at a time"));
        }
        let mut outcomes = Vec::with_capacity(ids.len());
        for id in ids {
            let current =
                sqlx::query_as::<_, (i64, i64)>("SELECT number, version FROM orders WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&shop.db.pool)
                    .await
                    .map_err(internal)?;
            let Some((number, version)) = current else {
                outcomes.push(BulkOutcome {
                    number: 0,
                    ok: false,
                    message: format!("Order id {id} not found"),
                });
                continue;
            };
            let input = TransitionInput {
                action: action.to_string(),
                expected_version: version,
                ..TransitionInput::default()
            };
            outcomes.push(match self.apply(&shop, id, &input).await {
                Ok(_) => BulkOutcome {
                    number,
                    ok: true,
                    message: format!("Order #{number}: done"),
                },
                Err(error) => BulkOutcome {
                    number,
                    ok: false,
                    message: format!("Order #{number}: {error}"),
                },
            });
        }
        Ok(outcomes)
    }

    async fn bulk_ship(
        &self,
        session: &Session,
        slug: &str,
        tracking_list: &str,
    ) -> Result<Vec<BulkOutcome>, AppError> {
        let shop = self.access.open(session, slug).await?;
        let lines = parse_tracking_list(tracking_list)?;
        if lines.len() > 500 {
            return Err(AppError::invalid(
                "tracking",
                "at most 500 orders at a time",
            ));
        }
        let mut outcomes = Vec::with_capacity(lines.len());
        for line in lines {
            let number = line.order_number;
            let current =
                sqlx::query_as::<_, (i64, i64)>("SELECT id, version FROM orders WHERE number = $1")
                    .bind(number)
                    .fetch_optional(&shop.db.pool)
                    .await
                    .map_err(internal)?;
            let Some((id, version)) = current else {
                outcomes.push(BulkOutcome {
                    number,
                    ok: false,
                    message: format!("Line {}: order #{number} not found", line.line),
                });
                continue;
            };
            let input = TransitionInput {
                action: "ship".into(),
                expected_version: version,
                carrier: line.carrier,
                tracking_number: line.tracking_number,
                tracking_url: line.tracking_url,
                ..TransitionInput::default()
            };
            outcomes.push(match self.apply(&shop, id, &input).await {
                Ok(_) => BulkOutcome {
                    number,
                    ok: true,
                    message: format!("Order #{number}: shipped"),
                },
                Err(error) => BulkOutcome {
                    number,
                    ok: false,
                    message: format!("Order #{number}: {error}"),
                },
            });
        }
        Ok(outcomes)
    }
}
