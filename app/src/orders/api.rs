//! Server functions for orders. Each reads the session and calls `OrderService`, which checks
//! membership of the shop the slug names and applies the lifecycle rules.

use super::model::{BulkOutcome, OrderDetail, OrderPage, OrderQuery};
use crate::error::AppError;
use leptos::prelude::*;
use std::collections::HashMap;

#[server(prefix = "/sfn", endpoint = "list_orders")]
pub async fn list_orders(slug: String, query: OrderQuery) -> Result<OrderPage, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.orders.list_orders(&session, &slug, query).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_order")]
pub async fn get_order(slug: String, id: i64) -> Result<OrderDetail, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.orders.order(&session, &slug, id).await
        }
        .await,
    )
}

/// The new-order form: lines are typed as `SKU, quantity` per line.
#[server(prefix = "/sfn", endpoint = "create_order")]
#[allow(clippy::too_many_arguments)]
pub async fn create_order(
    slug: String,
    customer_email: String,
    customer_name: String,
    customer_type: String,
    company_name: String,
    address: super::model::Address,
    lines: String,
    discount: String,
    shipping: String,
    tax: String,
    notes: String,
    #[server(default)] payment_terms: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    use super::model::{NewOrderInput, NewOrderLine};
    use super::rules::parse_order_lines;
    use crate::services::*;
    let _ = form_token; // read by the idempotency layer in front of every server function
    respond(
        async {
            let session = current_session()?;
            let lines = parse_order_lines(&lines)?
                .into_iter()
                .map(|line| NewOrderLine {
                    sku: line.sku.as_str().to_string(),
                    quantity: line.quantity.to_string(),
                })
                .collect();
            let input = NewOrderInput {
                customer_email,
                customer_name: customer_name.clone(),
                customer_type,
                company_name,
                shipping_address: super::model::Address {
                    name: customer_name,
                    ..address
                },
                billing_address: None,
                lines,
                discount,
                shipping,
                tax,
                notes,
                tags: String::new(),
                payment_terms,
                channel: "dashboard".into(),
            };
            let order = services()?
                .orders
                .create_order(&session, &slug, input)
                .await?;
            redirect(&format!("/shops/{slug}/orders/{}", order.id))?;
            Ok(())
        }
        .await,
    )
}

/// One lifecycle step from the order page. `quantities` maps order line ids to the number of
/// items to ship (partial shipment); absent means everything left. A cancellation names a
/// `reason` and whether to `restock` (`yes`, or `no` to write the items off); a refund may name
/// `returns` (order line id → units back in stock) and `notify` the customer. `next` sends the
/// browser on after success (the confirmation pages go back to the order).
#[server(prefix = "/sfn", endpoint = "transition_order")]
#[allow(clippy::too_many_arguments)]
pub async fn transition_order(
    slug: String,
    id: i64,
    action: String,
    expected_version: i64,
    #[server(default)] amount: String,
    #[server(default)] note: String,
    #[server(default)] carrier: String,
    #[server(default)] tracking_number: String,
    #[server(default)] tracking_url: String,
    #[server(default)] quantities: Option<HashMap<String, String>>,
    #[server(default)] reason: String,
    #[server(default)] restock: String,
    #[server(default)] returns: Option<HashMap<String, String>>,
    #[server(default)] notify: String,
    #[server(default)] next: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use super::model::{ShipLine, TransitionInput};
    use crate::services::*;
    fn line_quantities(
        field: &str,
        quantities: Option<HashMap<String, String>>,
    ) -> Result<Option<Vec<ShipLine>>, AppError> {
        quantities
            .map(|quantities| {
                quantities
                    .into_iter()
                    .map(|(line_id, quantity)| {
                        line_id
                            .parse::<i64>()
                            .map(|line_id| ShipLine { line_id, quantity })
                            .map_err(|_| AppError::invalid(field, "unknown line"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
    }
    respond(
        async {
            let session = current_session()?;
            let restock = match restock.trim() {
                "" => None,
                "yes" | "true" => Some(true),
                "no" | "false" => Some(false),
                other => {
                    return Err(AppError::invalid(
                        "restock",
                        format!("\"{other}\" is not yes or no"),
                    ))
                }
            };
            let input = TransitionInput {
                action,
                expected_version,
                amount,
                note,
                carrier,
                tracking_number,
                tracking_url,
                lines: line_quantities("quantities", quantities)?,
                reason,
                restock,
                returns: line_quantities("returns", returns)?,
                notify: matches!(notify.trim(), "yes" | "true" | "on"),
            };
            services()?
                .orders
                .transition(&session, &slug, id, input)
                .await?;
            if !next.is_empty() {
                redirect(&next)?;
            }
            Ok(())
        }
        .await,
    )
}

/// A bulk action on the orders ticked in the list (`selected[<id>] = <id>`).
#[server(prefix = "/sfn", endpoint = "bulk_orders")]
pub async fn bulk_orders(
    slug: String,
    action: String,
    #[server(default)] selected: Option<HashMap<String, String>>,
    #[server(default)] form_token: String,
) -> Result<Vec<BulkOutcome>, AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            let mut ids = selected
                .unwrap_or_default()
                .into_keys()
                .map(|id| {
                    id.parse::<i64>()
                        .map_err(|_| AppError::invalid("orders", "unknown order"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            ids.sort_unstable();
            services()?
                .orders
                .bulk_transition(&session, &slug, ids, &action)
                .await
        }
        .await,
    )
}

/// Marks orders shipped from pasted `order number, carrier, tracking number[, URL]` lines.
#[server(prefix = "/sfn", endpoint = "bulk_ship_orders")]
pub async fn bulk_ship_orders(
    slug: String,
    tracking: String,
    #[server(default)] form_token: String,
) -> Result<Vec<BulkOutcome>, AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .orders
                .bulk_ship(&session, &slug, &tracking)
                .await
        }
        .await,
    )
}
