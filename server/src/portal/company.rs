//! Company accounts: a business account's admin invites buyers, sets each buyer's spending limit
//! per month or quarter, and approves the buyers' orders that would exceed it. The limit counts
//! what the buyer already spent in the period (orders placed through the portal, after refunds,
//! cancelled ones excluded), on the server, in the transaction that places the order.

use super::bulk::{check, place_approved};
use super::{load_customer, BusinessCaller, CustomerRecord};
use crate::auth::tokens::{hash_refresh_token, new_refresh_token};
use crate::db::{is_unique_violation, now_ms, Database, Engine};
use crate::error::internal;
use app::auth::rules::{parse_person_name, Email};
use app::customers::model::{ApprovalDto, BuyerDto, CompanyAccount, InvitationDto};
use app::customers::rules::{require_company_admin, within_limit, LimitPeriod};
use app::error::AppError;
use app::money::{format_money, parse_amount};
use sqlx::{Any, Executor, Transaction};

/// A customer's stored `limit_period`, decoded fallibly: a value no period names is logged with the
/// customer and answered as an internal error, never read as a monthly limit.
fn stored_period(raw: &str, customer_id: i64) -> Result<LimitPeriod, AppError> {
    LimitPeriod::parse(raw).map_err(|error| {
        tracing::error!(customer_id, %error, stored = raw, "unknown limit period stored for a customer");
        AppError::Internal
    })
}

/// What a member spent in the current period of their limit. Inside a placing transaction this
/// runs after [`lock_customer`], so it counts every order committed before the lock was taken.
pub async fn spent_in_period<'e, E>(
    executor: E,
    customer_id: i64,
    period: LimitPeriod,
) -> Result<i64, AppError>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(total_minor - refunded_minor), 0) AS BIGINT) FROM orders \
         WHERE placed_by_customer_id = $1 AND placed_at >= $2 AND status <> 'cancelled'",
    )
    .bind(customer_id)
    .bind(period.start_ms(now_ms()))
    .fetch_one(executor)
    .await
    .map_err(internal)
}

/// A customer's spending limit as stored when their order is decided.
#[derive(Debug, Clone)]
pub struct StoredLimit {
    pub company_role: String,
    pub spending_limit_minor: Option<i64>,
    pub period: LimitPeriod,
}

/// Takes the customer's lock for this transaction and reads their limit as it is now.
///
/// Every portal order of a customer (bulk order, cart checkout, quote acceptance, an approval
/// placed for a buyer) takes this lock before it reads what it decides on, so two orders of
/// one buyer are decided one after the other and the second counts the first. On PostgreSQL the
/// lock is the customer's row (`FOR UPDATE`); on SQLite `begin_write` already holds the
/// database's write lock, which serializes every writer.
pub async fn lock_customer(
    tx: &mut Transaction<'static, Any>,
    engine: Engine,
    customer_id: i64,
) -> Result<StoredLimit, AppError> {
    let statement = match engine {
        Engine::Postgres => {
            "SELECT company_role, spending_limit_minor, limit_period FROM customers WHERE id = $1 FOR UPDATE"
        }
        Engine::Sqlite => {
            "SELECT company_role, spending_limit_minor, limit_period FROM customers WHERE id = $1"
        }
    };
    let (company_role, spending_limit_minor, period) =
        sqlx::query_as::<_, (String, Option<i64>, String)>(statement)
            .bind(customer_id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(internal)?
            .ok_or_else(AppError::unauthenticated)?;
    Ok(StoredLimit {
        company_role,
        spending_limit_minor,
        period: stored_period(&period, customer_id)?,
    })
}

/// Inside the placing transaction: `Ok` when the caller may order `total_minor` now;
/// `Err(message)` when a buyer's limit would be exceeded (admins and buyers without a limit
/// always pass). Locks the caller first (see [`lock_customer`]), then counts what they spent.
pub async fn check_limit(
    tx: &mut Transaction<'static, Any>,
    business: &BusinessCaller,
    total_minor: i64,
) -> Result<Result<(), String>, AppError> {
    let customer = &business.customer;
    let stored = lock_customer(tx, business.shop.db.engine, customer.id).await?;
    if stored.company_role != "buyer" {
        return Ok(Ok(()));
    }
    let period = stored.period;
    let spent = spent_in_period(&mut **tx, customer.id, period).await?;
    let currency = &business.shop.shop.currency;
    Ok(
        within_limit(stored.spending_limit_minor, spent, total_minor).map_err(|left| {
            format!(
                "This order ({}) is over your {}ly spending limit ({} left)",
                format_money(total_minor, currency),
                period.as_str(),
                format_money(left, currency)
            )
        }),
    )
}

/// Files a buyer's order over the limit for the admin's approval, in the transaction that
/// decided it was over.
pub async fn file_for_approval(
    tx: &mut Transaction<'static, Any>,
    business: &BusinessCaller,
    lines: &str,
    notes: &str,
    total_minor: i64,
) -> Result<i64, AppError> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO company_approvals (company_id, buyer_id, lines, notes, total_minor, status, created_at) VALUES ($1, $2, $3, $4, $5, 'waiting', $6) RETURNING id",
    )
    .bind(business.company_id)
    .bind(business.customer.id)
    .bind(lines)
    .bind(notes.trim())
    .bind(total_minor)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await
    .map_err(internal)
}

pub async fn account(business: &BusinessCaller) -> Result<CompanyAccount, AppError> {
    require_company_admin(&business.customer.company_role)?;
    let db = &business.shop.db;
    let members = sqlx::query_as::<_, (i64, String, String, String, Option<i64>, String, String)>(
        "SELECT id, email, name, company_role, spending_limit_minor, limit_period, password_hash FROM customers WHERE company_id = $1 ORDER BY company_role, email",
    )
    .bind(business.company_id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    let mut buyers = Vec::with_capacity(members.len());
    for (id, email, name, role, limit, period, password_hash) in members {
        let period_kind = stored_period(&period, id)?;
        buyers.push(BuyerDto {
            id,
            email,
            name,
            role,
            spending_limit_minor: limit,
            limit_period: period_kind.as_str().into(),
            spent_in_period_minor: spent_in_period(&db.pool, id, period_kind).await?,
            invited: password_hash.is_empty(),
        });
    }
    let approvals = sqlx::query_as::<_, (i64, String, String, String, String, i64, String, Option<i64>, i64)>(
        "SELECT a.id, c.email, c.name, a.lines, a.notes, a.total_minor, a.status, o.number, a.created_at \
         FROM company_approvals a JOIN customers c ON c.id = a.buyer_id LEFT JOIN orders o ON o.id = a.order_id \
         WHERE a.company_id = $1 ORDER BY a.status = 'waiting' DESC, a.created_at DESC LIMIT 100",
    )
    .bind(business.company_id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?
    .into_iter()
    .map(|row| ApprovalDto {
        id: row.0,
        buyer_email: row.1,
        buyer_name: row.2,
        lines: row.3,
        notes: row.4,
        total_minor: row.5,
        status: row.6,
        order_number: row.7,
        created_at_ms: row.8,
    })
    .collect();
    Ok(CompanyAccount {
        company: business.customer.company().ok_or(AppError::Internal)?,
        currency: business.shop.shop.currency.clone(),
        buyers,
        approvals,
    })
}

pub async fn invite(
    business: &BusinessCaller,
    email: &str,
    name: &str,
) -> Result<InvitationDto, AppError> {
    require_company_admin(&business.customer.company_role)?;
    let email = Email::parse(email)?;
    let name = parse_person_name(name)?;
    let token = new_refresh_token();
    let shop = &business.shop;
    let path = format!("/s/{}/invite/{token}", shop.shop.slug);
    let company = business.customer.company_name.clone().unwrap_or_default();
    let mail = crate::mail::templates::buyer_invitation(
        email.as_str(),
        &company,
        &shop.shop.name,
        &business.customer.name,
        &shop.mail.mailer.link(&path),
    );
    let mut tx = shop.db.begin_write().await.map_err(internal)?;
    let inserted = sqlx::query(
        "INSERT INTO customers (email, name, account_type, company_name, verified, created_at, company_id, company_role, invitation_hash) VALUES ($1, $2, 'business', $3, 1, $4, $5, 'buyer', $6)",
    )
    .bind(email.as_str())
    .bind(&name)
    .bind(business.customer.company_name.as_deref())
    .bind(now_ms())
    .bind(business.company_id)
    .bind(hash_refresh_token(&token))
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {
            return Err(AppError::Conflict(
                "This e-mail already has an account at this shop".into(),
            ))
        }
        Err(error) => return Err(internal(error)),
    }
    // The link goes to the invitee by mail, in the same transaction as the invitation.
    shop.mail.enqueue(&mut tx, &mail).await.map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    shop.mail.hand_over_or_log().await;
    Ok(InvitationDto {
        email: email.as_str().to_string(),
        link: path,
    })
}

/// The invited buyer sets their password; the invitation works once.
pub async fn accept_invitation(
    db: &Database,
    token: &str,
    name: &str,
    password_hash: &str,
) -> Result<CustomerRecord, AppError> {
    let name = parse_person_name(name)?;
    let mut tx = db.begin_write().await.map_err(internal)?;
    let id = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM customers WHERE invitation_hash = $1 AND password_hash = ''",
    )
    .bind(hash_refresh_token(token))
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .ok_or_else(|| {
        AppError::NotFound("This invitation is not valid (or was used already)".into())
    })?;
    sqlx::query(
        "UPDATE customers SET name = $1, password_hash = $2, invitation_hash = NULL WHERE id = $3",
    )
    .bind(&name)
    .bind(password_hash)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    load_customer(db, id).await?.ok_or(AppError::Internal)
}

pub async fn set_limit(
    business: &BusinessCaller,
    buyer_id: i64,
    limit: &str,
    period: LimitPeriod,
) -> Result<CompanyAccount, AppError> {
    require_company_admin(&business.customer.company_role)?;
    let limit = if limit.trim().is_empty() {
        None
    } else {
        Some(parse_amount(
            limit,
            &business.shop.shop.currency,
            "spending_limit",
        )?)
    };
    let updated = sqlx::query(
        "UPDATE customers SET spending_limit_minor = $1, limit_period = $2 WHERE id = $3 AND company_id = $4 AND company_role = 'buyer'",
    )
    .bind(limit)
    .bind(period.as_str())
    .bind(buyer_id)
    .bind(business.company_id)
    .execute(&business.shop.db.pool)
    .await
    .map_err(internal)?;
    if updated.rows_affected() != 1 {
        return Err(AppError::NotFound("No such buyer in your company".into()));
    }
    account(business).await
}

/// Approves (places the order for the buyer, at today's prices) or declines a waiting order.
pub async fn decide(
    business: &BusinessCaller,
    approval_id: i64,
    approve: bool,
) -> Result<CompanyAccount, AppError> {
    require_company_admin(&business.customer.company_role)?;
    let db = &business.shop.db;
    let (buyer_id, lines, notes, status) = sqlx::query_as::<_, (i64, String, String, String)>(
        "SELECT buyer_id, lines, notes, status FROM company_approvals WHERE id = $1 AND company_id = $2",
    )
    .bind(approval_id)
    .bind(business.company_id)
    .fetch_optional(&db.pool)
    .await
    .map_err(internal)?
    .ok_or_else(|| AppError::NotFound("No such order waiting for approval".into()))?;
    if status != "waiting" {
        return Err(AppError::Conflict(format!(
            "This order was already {status}"
        )));
    }
    let order_id = if approve {
        let buyer = load_customer(db, buyer_id)
            .await?
            .ok_or(AppError::Internal)?;
        let as_buyer = BusinessCaller {
            shop: super::PortalShop {
                shop: business.shop.shop.clone(),
                db: db.clone(),
                mail: business.shop.mail.clone(),
            },
            customer: buyer,
            company_id: business.company_id,
        };
        let checked = check(&as_buyer, &lines).await?;
        if !checked.is_orderable() {
            return Err(AppError::invalid(
                "lines",
                "The order cannot be placed as it is any more (stock or terms changed); decline it and ask the buyer to order again",
            ));
        }
        Some(
            place_approved(
                &as_buyer,
                &checked,
                &notes,
                (approval_id, &business.customer.email),
            )
            .await?
            .id,
        )
    } else {
        let declined = sqlx::query("UPDATE company_approvals SET status = 'declined', decided_by = $1, decided_at = $2 WHERE id = $3 AND status = 'waiting'")
            .bind(&business.customer.email)
            .bind(now_ms())
            .bind(approval_id)
            .execute(&db.pool)
            .await
            .map_err(internal)?;
        if declined.rows_affected() != 1 {
            return Err(AppError::Conflict("This order was already decided".into()));
        }
        None
    };
    tracing::info!(approval_id, approve, ?order_id, "company approval decided");
    account(business).await
}
