//! The cart of a logged-in customer and its checkout (invoice, pay later). The cart is priced
//! like a bulk order: a verified business gets its price list, volume breaks, minimums and pack
//! sizes (and its checkout goes through the bulk-order path, spending limits included); an
//! individual pays the catalog price, and only stock limits what it can order.

use super::bulk::{place_portal_order, terms_for};
use super::{BusinessCaller, CustomerRecord, PortalShop};
use crate::db::now_ms;
use crate::error::internal;
use crate::orders::validate_address;
use app::bulk::rules::{check_bulk, parse_bulk_lines, BulkCheck, MAX_LINE_QUANTITY};
use app::customers::rules::require_verified_business;
use app::error::AppError;
use app::orders::model::{Address, NewOrderInput, NewOrderLine};
use app::portal::model::{BulkSubmission, CartView};
use app::products::rules::Sku;
use app::services::PlacedOrder;
use sqlx::{Any, AnyConnection, Transaction};
use std::collections::HashMap;

/// The cart as `SKU, quantity` lines, oldest first.
async fn cart_lines(connection: &mut AnyConnection, customer_id: i64) -> Result<String, AppError> {
    let rows = sqlx::query_as::<_, (String, i64)>(
        "SELECT v.sku, c.quantity FROM cart_items c JOIN variants v ON v.id = c.variant_id WHERE c.customer_id = $1 ORDER BY c.added_at, v.sku",
    )
    .bind(customer_id)
    .fetch_all(&mut *connection)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|(sku, quantity)| format!("{sku}, {quantity}\n"))
        .collect())
}

fn is_business(customer: &CustomerRecord) -> bool {
    require_verified_business(&customer.standing()).is_ok()
}

/// Checks and prices the cart for this customer, read on `connection`.
async fn priced(
    connection: &mut AnyConnection,
    shop: &PortalShop,
    customer: &CustomerRecord,
) -> Result<(String, BulkCheck), AppError> {
    let lines = cart_lines(connection, customer.id).await?;
    if lines.is_empty() {
        return Ok((lines, BulkCheck::default()));
    }
    let parsed = parse_bulk_lines(&lines)?;
    let skus: Vec<&str> = parsed.lines.iter().map(|line| line.sku.as_str()).collect();
    let business = is_business(customer);
    let price_list = if business {
        customer.price_list_id
    } else {
        None
    };
    let mut terms = terms_for(connection, shop.db.engine, price_list, &skus).await?;
    if !business {
        // Business terms are for business customers.
        for variant in terms.values_mut() {
            variant.price_breaks.clear();
            variant.min_quantity = 1;
            variant.pack_size = 1;
        }
    }
    Ok((lines, check_bulk(parsed, &terms)))
}

pub async fn view(shop: &PortalShop, customer: &CustomerRecord) -> Result<CartView, AppError> {
    let mut connection = shop.db.pool.acquire().await.map_err(internal)?;
    let (_, check) = priced(&mut connection, shop, customer).await?;
    drop(connection);
    Ok(CartView {
        check,
        currency: shop.shop.currency.clone(),
        business: is_business(customer),
    })
}

/// Adds `quantity` of a SKU (`add`), or sets its quantity (0 removes it).
pub async fn change(
    shop: &PortalShop,
    customer: &CustomerRecord,
    sku: &str,
    quantity: &str,
    add: bool,
) -> Result<CartView, AppError> {
    let sku = Sku::parse(sku)?;
    let quantity: i64 = quantity
        .trim()
        .parse()
        .ok()
        .filter(|quantity| (0..=MAX_LINE_QUANTITY).contains(quantity) && (*quantity > 0 || !add))
        .ok_or_else(|| {
            AppError::invalid(
                "quantity",
                format!(
                    "a whole number from {} to {MAX_LINE_QUANTITY}",
                    if add { 1 } else { 0 }
                ),
            )
        })?;
    let variant_id = sqlx::query_scalar::<_, i64>(
        "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = $1 AND p.status = 'active'",
    )
    .bind(sku.as_str())
    .fetch_optional(&shop.db.pool)
    .await
    .map_err(internal)?
    .ok_or_else(|| AppError::invalid("sku", format!("unknown SKU {}", sku.as_str())))?;
    let statement = if quantity == 0 {
        "DELETE FROM cart_items WHERE customer_id = $1 AND variant_id = $2"
    } else if add {
        "INSERT INTO cart_items (customer_id, variant_id, quantity, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = MIN(cart_items.quantity + excluded.quantity, $5)"
    } else {
        "INSERT INTO cart_items (customer_id, variant_id, quantity, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (customer_id, variant_id) DO UPDATE SET quantity = excluded.quantity"
    };
    let statement = if shop.db.engine == crate::db::Engine::Postgres {
        statement.replace("MIN(", "LEAST(")
    } else {
        statement.to_string()
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement))
        .bind(customer.id)
        .bind(variant_id);
    if quantity > 0 {
        query = query.bind(quantity).bind(now_ms());
        if add {
            query = query.bind(MAX_LINE_QUANTITY);
        }
    }
    query.execute(&shop.db.pool).await.map_err(internal)?;
    view(shop, customer).await
}

async fn clear(tx: &mut Transaction<'static, Any>, customer_id: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM cart_items WHERE customer_id = $1")
        .bind(customer_id)
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    Ok(())
}

/// Places the cart as one order (invoice, pay later). Businesses go through the bulk-order path
/// (company billing address, spending limit); individuals give a shipping address.
///
/// The cart is read, priced, placed and cleared in one transaction that first takes the
/// customer's lock (`company::lock_customer`): of two checkouts of one cart, the second finds
/// it empty and writes nothing.
pub async fn checkout(
    shop: PortalShop,
    customer: CustomerRecord,
    address: &Address,
    notes: &str,
) -> Result<BulkSubmission, AppError> {
    let mut tx = shop.db.begin_write().await.map_err(internal)?;
    super::company::lock_customer(&mut tx, shop.db.engine, customer.id).await?;
    let (lines, check) = priced(&mut tx, &shop, &customer).await?;
    if check.lines.is_empty() {
        return Err(AppError::invalid("cart", "the cart is empty"));
    }
    if !check.is_orderable() {
        let problems: Vec<String> = check
            .lines
            .iter()
            .filter(|line| !line.problems.is_empty())
            .map(|line| format!("{}: {}", line.sku, line.problems.join(", ")))
            .collect();
        return Err(AppError::invalid("cart", problems.join("; ")));
    }
    if is_business(&customer) {
        let company_id = customer.company_id.ok_or(AppError::Internal)?;
        let business = BusinessCaller {
            shop,
            customer,
            company_id,
        };
        let submission =
            super::bulk::place_or_file(&mut tx, &business, &check, &lines, notes).await?;
        clear(&mut tx, business.customer.id).await?;
        tx.commit().await.map_err(internal)?;
        business.shop.mail.hand_over_or_log().await;
        return Ok(submission);
    }
    let address = validate_address(address, "shipping_address")?;
    for (value, field) in [
        (&address.line1, "shipping_address.line1"),
        (&address.city, "shipping_address.city"),
        (&address.country, "shipping_address.country"),
    ] {
        if value.is_empty() {
            return Err(AppError::invalid(field, "is required"));
        }
    }
    let locked: HashMap<String, i64> = check
        .lines
        .iter()
        .map(|line| (line.sku.to_ascii_uppercase(), line.unit_price_minor))
        .collect();
    let input = NewOrderInput {
        customer_email: customer.email.clone(),
        customer_name: customer.name.clone(),
        customer_type: "individual".into(),
        shipping_address: Address {
            name: if address.name.is_empty() {
                customer.name.clone()
            } else {
                address.name.clone()
            },
            ..address
        },
        billing_address: None,
        lines: check
            .lines
            .iter()
            .map(|line| NewOrderLine {
                sku: line.sku.clone(),
                quantity: line.quantity.to_string(),
            })
            .collect(),
        notes: format!("Portal order (invoice, pay later). {}", notes.trim())
            .trim()
            .to_string(),
        channel: "portal".into(),
        ..NewOrderInput::default()
    };
    let (order_id, number, total_minor) = place_portal_order(
        &mut tx,
        &shop,
        (customer.id, &customer.email),
        None,
        &input,
        &locked,
    )
    .await?;
    clear(&mut tx, customer.id).await?;
    tx.commit().await.map_err(internal)?;
    shop.mail.hand_over_or_log().await;
    Ok(BulkSubmission {
        message: format!("Order #{number} placed"),
        order: Some(PlacedOrder {
            id: order_id,
            number,
            total_minor,
            currency: shop.shop.currency.clone(),
        }),
        approval_id: None,
    })
}
