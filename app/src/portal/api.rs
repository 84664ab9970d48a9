//! Server functions of the customer portal. Each builds the caller from the shop's customer
//! cookie and calls `PortalService`, which checks the token's shop and, for business features,
//! that the caller is a verified business (403 otherwise, 401 without a session).

use super::model::{BulkOrderResult, PortalCatalog, PortalContext};
use crate::customers::model::CustomerProfile;
use crate::error::AppError;
use crate::orders::model::{Address, OrderPage};
use crate::quotes::model::{QuoteDetail, QuoteRow};
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "portal_sign_up")]
#[allow(clippy::too_many_arguments)]
pub async fn portal_sign_up(
    shop: String,
    email: String,
    password: String,
    name: String,
    account_type: String,
    #[server(default)] company_name: String,
    #[server(default)] tax_id: String,
    #[server(default)] billing_address: Address,
) -> Result<crate::auth::model::SignUpReceipt, AppError> {
    use crate::customers::model::CustomerSignUpInput;
    use crate::services::*;
    respond(
        async {
            let shop = checked_slug(&shop)?;
            let portal = services()?.portal;
            let input = CustomerSignUpInput {
                email,
                password,
                name,
                account_type,
                company_name,
                tax_id,
                billing_address,
            };
            portal.sign_up(&shop, input, &client_info()).await
        }
        .await,
    )
}

/// Opens a customer's sign-up link by its button: makes the login and logs it in.
#[server(prefix = "/sfn", endpoint = "portal_confirm_sign_up")]
pub async fn portal_confirm_sign_up(
    shop: String,
    token: String,
    password: String,
) -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let shop = checked_slug(&shop)?;
            let portal = services()?.portal;
            let session = portal.confirm_sign_up(&shop, &token, &password).await?;
            append_set_cookies(vec![portal.session_cookie(&shop, Some(&session))]);
            redirect(&format!("/s/{shop}/account"))?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_log_in")]
pub async fn portal_log_in(
    shop: String,
    email: String,
    password: String,
    #[server(default)] next: String,
) -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let shop = checked_slug(&shop)?;
            let portal = services()?.portal;
            let session = portal
                .log_in(&shop, &email, &password, &client_info())
                .await?;
            append_set_cookies(vec![portal.session_cookie(&shop, Some(&session))]);
            let prefix = format!("/s/{shop}");
            let target = if next.starts_with(&format!("{prefix}/"))
                && !next.contains("//")
                && is_same_origin_path(&next)
            {
                next
            } else {
                format!("{prefix}/account")
            };
            redirect(&target)?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_log_out")]
pub async fn portal_log_out(shop: String) -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let caller = portal_caller(&shop)?;
            let portal = services()?.portal;
            // Logging out without a valid session still clears the cookie.
            let _ = portal.log_out(&caller).await;
            append_set_cookies(vec![portal.session_cookie(&shop, None)]);
            redirect(&format!("/s/{shop}"))?;
            Ok(())
        }
        .await,
    )
}

/// The shop and the logged-in customer (if any): what every portal page shows in its frame.
#[server(prefix = "/sfn", endpoint = "get_portal_context")]
pub async fn get_portal_context(shop: String) -> Result<PortalContext, AppError> {
    use crate::services::*;
    respond(async { services()?.portal.context(&portal_caller(&shop)?).await }.await)
}

/// The guard of the business pages: the profile of a verified business of this shop, 401 for
/// visitors, 403 for everyone else (with the reason).
#[server(prefix = "/sfn", endpoint = "portal_business")]
pub async fn portal_business(shop: String) -> Result<CustomerProfile, AppError> {
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .business_profile(&portal_caller(&shop)?)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_portal_catalog")]
pub async fn get_portal_catalog(
    shop: String,
    #[server(default)] q: String,
) -> Result<PortalCatalog, AppError> {
    use crate::services::*;
    respond(async { services()?.portal.catalog(&portal_caller(&shop)?, &q).await }.await)
}

#[server(prefix = "/sfn", endpoint = "portal_orders")]
pub async fn portal_orders(shop: String) -> Result<OrderPage, AppError> {
    use crate::services::*;
    respond(async { services()?.portal.my_orders(&portal_caller(&shop)?).await }.await)
}

#[server(prefix = "/sfn", endpoint = "portal_order")]
pub async fn portal_order(
    shop: String,
    order_id: i64,
) -> Result<crate::portal::model::PortalOrder, AppError> {
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .my_order(&portal_caller(&shop)?, order_id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_reorder")]
pub async fn portal_reorder(shop: String, order_id: i64) -> Result<String, AppError> {
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .reorder_lines(&portal_caller(&shop)?, order_id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_quotes")]
pub async fn portal_quotes(shop: String) -> Result<Vec<QuoteRow>, AppError> {
    use crate::services::*;
    respond(async { services()?.portal.my_quotes(&portal_caller(&shop)?).await }.await)
}

#[server(prefix = "/sfn", endpoint = "portal_quote")]
pub async fn portal_quote(shop: String, id: i64) -> Result<QuoteDetail, AppError> {
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .my_quote(&portal_caller(&shop)?, id)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_request_quote")]
pub async fn portal_request_quote(
    shop: String,
    lines: String,
    #[server(default)] message: String,
    #[server(default)] needed_by: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::quotes::model::QuoteRequestInput;
    use crate::services::*;
    respond(
        async {
            let input = QuoteRequestInput {
                lines,
                message,
                needed_by,
            };
            let quote = services()?
                .portal
                .request_quote(&portal_caller(&shop)?, input)
                .await?;
            redirect(&format!("/s/{shop}/quotes/{}", quote.id))?;
            Ok(())
        }
        .await,
    )
}

/// `decision` is `accept` or `decline`.
#[server(prefix = "/sfn", endpoint = "portal_decide_quote")]
pub async fn portal_decide_quote(
    shop: String,
    id: i64,
    expected_version: i64,
    decision: String,
    /// Where to go after success (the confirmation page goes back to the quote).
    #[server(default)]
    next: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let portal = services()?.portal;
            let caller = portal_caller(&shop)?;
            match decision.as_str() {
                "accept" => portal.accept_quote(&caller, id, expected_version).await?,
                "decline" => portal.decline_quote(&caller, id, expected_version).await?,
                _ => return Err(AppError::invalid("decision", "accept or decline")),
            };
            if !next.is_empty() {
                redirect(&next)?;
            }
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_quote_message")]
pub async fn portal_quote_message(
    shop: String,
    id: i64,
    body: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .customer_quote_message(&portal_caller(&shop)?, id, &body)
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Checks a bulk order (`intent = check`) or checks and places it (`intent = place`): lines with
/// problems are answered inline and nothing is placed until every line is fine.
#[server(prefix = "/sfn", endpoint = "portal_bulk_order")]
pub async fn portal_bulk_order(
    shop: String,
    lines: String,
    #[server(default)] notes: String,
    #[server(default)] intent: String,
    #[server(default)] form_token: String,
) -> Result<BulkOrderResult, AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let portal = services()?.portal;
            let caller = portal_caller(&shop)?;
            let check = portal.check_bulk_order(&caller, &lines).await?;
            let currency = portal.context(&caller).await?.currency;
            let placed = if intent == "place" && check.is_orderable() {
                Some(portal.submit_bulk_order(&caller, &lines, &notes).await?)
            } else {
                None
            };
            Ok(BulkOrderResult {
                check,
                placed,
                currency,
            })
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_company")]
pub async fn portal_company(
    shop: String,
) -> Result<crate::customers::model::CompanyAccount, AppError> {
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .company_account(&portal_caller(&shop)?)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_invite_buyer")]
pub async fn portal_invite_buyer(
    shop: String,
    email: String,
    name: String,
    #[server(default)] form_token: String,
) -> Result<crate::customers::model::InvitationDto, AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .invite_buyer(&portal_caller(&shop)?, &email, &name)
                .await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_set_buyer_limit")]
pub async fn portal_set_buyer_limit(
    shop: String,
    buyer_id: i64,
    #[server(default)] spending_limit: String,
    #[server(default)] period: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .set_buyer_limit(
                    &portal_caller(&shop)?,
                    buyer_id,
                    &spending_limit,
                    crate::customers::rules::LimitPeriod::parse(&period)?,
                )
                .await?;
            Ok(())
        }
        .await,
    )
}

/// `decision` is `approve` or `decline`.
#[server(prefix = "/sfn", endpoint = "portal_decide_company_order")]
pub async fn portal_decide_company_order(
    shop: String,
    id: i64,
    decision: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let approve = match decision.as_str() {
                "approve" => true,
                "decline" => false,
                _ => return Err(AppError::invalid("decision", "approve or decline")),
            };
            services()?
                .portal
                .decide_company_order(&portal_caller(&shop)?, id, approve)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_accept_invitation")]
pub async fn portal_accept_invitation(
    shop: String,
    token: String,
    name: String,
    password: String,
) -> Result<(), AppError> {
    use crate::services::*;
    respond(
        async {
            let shop = checked_slug(&shop)?;
            let portal = services()?.portal;
            let session = portal
                .accept_invitation(&shop, &token, &name, &password)
                .await?;
            append_set_cookies(vec![portal.session_cookie(&shop, Some(&session))]);
            redirect(&format!("/s/{shop}/account"))?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_cart")]
pub async fn portal_cart(shop: String) -> Result<super::model::CartView, AppError> {
    use crate::services::*;
    respond(async { services()?.portal.cart(&portal_caller(&shop)?).await }.await)
}

/// Adds to the cart (`mode = add`) or sets a line's quantity (`mode = set`, 0 removes it).
#[server(prefix = "/sfn", endpoint = "portal_change_cart")]
pub async fn portal_change_cart(
    shop: String,
    sku: String,
    quantity: String,
    #[server(default)] mode: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .change_cart(&portal_caller(&shop)?, &sku, &quantity, mode != "set")
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "portal_checkout")]
pub async fn portal_checkout(
    shop: String,
    #[server(default)] shipping_address: Address,
    #[server(default)] notes: String,
    #[server(default)] form_token: String,
) -> Result<super::model::BulkSubmission, AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            services()?
                .portal
                .checkout(&portal_caller(&shop)?, shipping_address, &notes)
                .await
        }
        .await,
    )
}
