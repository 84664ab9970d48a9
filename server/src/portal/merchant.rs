//! The merchant side of customers and quotes: the customer list with its verification queue,
//! verification decisions, quote answers and a variant's business terms. Every call opens the
//! shop through `ShopAccess` (membership, 404 otherwise).

use super::quotes::{self, QuoteScope};
use crate::access::OpenShop;
use crate::access::ShopAccess;
use crate::db::now_ms;
use crate::error::internal;
use crate::orders::{address_from_json, order_row, OrderRowTuple, ORDER_ROW_COLUMNS};
use crate::sql::{like_escape, SqlBuilder};
use app::auth::model::Session;
use app::bulk::rules::{parse_price_breaks, parse_price_list_lines, PriceBreak};
use app::customers::model::{
    CompanyDto, CustomerDetail, CustomerQuery, CustomerRow, PriceListDto, VerificationInput,
};
use app::customers::rules::{AccountType, Verification, VerificationDecision};
use app::error::AppError;
use app::orders::lifecycle::PaymentTerms;
use app::products::rules::parse_count;
use app::quotes::model::{QuoteAnswerInput, QuoteDetail, QuoteRow};
use app::services::{CustomerService, PortalVariant, VariantTermsDto, VariantTermsInput};
use async_trait::async_trait;

pub struct CustomerAdmin {
    pub access: ShopAccess,
    /// For mail to customers (quote answers), through the shop's outbox.
    pub mailer: crate::mail::Mailer,
    pub platform: crate::db::Database,
}

type CustomerRowTuple = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
);

/// The company of customer `id` in the shop: 404 for an unknown customer, 409 (`not_business`)
/// for one without a company.
async fn company_of(shop: &OpenShop, id: i64, not_business: &str) -> Result<i64, AppError> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT company_id FROM customers WHERE id = $1")
        .bind(id)
        .fetch_optional(&shop.db.pool)
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::NotFound("Customer not found".into()))?
        .ok_or_else(|| AppError::Conflict(not_business.into()))
}

const CUSTOMER_ROW_SELECT: &str = "SELECT c.id, c.email, c.name, c.account_type, c.company_id, co.name, co.tax_id, co.verification, c.password_hash, c.created_at \
     FROM customers c LEFT JOIN companies co ON co.id = c.company_id WHERE 1 = 1";

fn customer_row(row: CustomerRowTuple) -> CustomerRow {
    let account_type = AccountType::parse(&row.3).unwrap_or(AccountType::Individual);
    CustomerRow {
        id: row.0,
        email: row.1,
        name: row.2,
        account_type,
        company_id: row.4,
        company_name: row.5.unwrap_or_default(),
        tax_id: row.6.unwrap_or_default(),
        verification: Verification::of_account(account_type, row.7.as_deref()),
        has_login: !row.8.is_empty(),
        created_at_ms: row.9,
    }
}

fn parse_price_list_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "a name of 1 to 80 characters"));
    }
    Ok(name.to_string())
}

async fn price_list_by_id(
    db: &crate::db::Database,
    id: i64,
) -> Result<Option<PriceListDto>, AppError> {
    let Some(name) = sqlx::query_scalar::<_, String>("SELECT name FROM price_lists WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let items = sqlx::query_as::<_, (String, i64)>(
        "SELECT v.sku, i.price_minor FROM price_list_items i JOIN variants v ON v.id = i.variant_id WHERE i.price_list_id = $1 ORDER BY v.sku",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .map_err(internal)?;
    Ok(Some(PriceListDto { name, items }))
}

async fn price_list_of_company(
    db: &crate::db::Database,
    company_id: i64,
) -> Result<Option<PriceListDto>, AppError> {
    let list =
        sqlx::query_scalar::<_, Option<i64>>("SELECT price_list_id FROM companies WHERE id = $1")
            .bind(company_id)
            .fetch_optional(&db.pool)
            .await
            .map_err(internal)?
            .flatten();
    match list {
        Some(id) => price_list_by_id(db, id).await,
        None => Ok(None),
    }
}

#[async_trait]
impl CustomerService for CustomerAdmin {
    async fn list_customers(
        &self,
        session: &Session,
        slug: &str,
        query: CustomerQuery,
    ) -> Result<Vec<CustomerRow>, AppError> {
        let shop = self.access.open(session, slug).await?;
        let mut sql = SqlBuilder::new(CUSTOMER_ROW_SELECT);
        let account_type = query.account_type.trim();
        if !account_type.is_empty() {
            let kind = AccountType::parse(account_type)?;
            let placeholder = sql.text(kind.as_str());
            sql.push(&format!(" AND c.account_type = {placeholder}"));
        }
        let verification = query.verification.trim();
        if !verification.is_empty() {
            let state = Verification::parse(verification)?;
            let placeholder = sql.text(state.as_str());
            sql.push(&format!(" AND co.verification = {placeholder}"));
        }
        let q = query.q.trim().to_lowercase();
        if !q.is_empty() {
            let pattern = sql.text(format!("%{}%", like_escape(&q)));
            sql.push(&format!(
                " AND (lower(c.email) LIKE {pattern} ESCAPE '\\' OR lower(c.name) LIKE {pattern} ESCAPE '\\' OR lower(co.name) LIKE {pattern} ESCAPE '\\')"
            ));
        }
        // The verification queue reads oldest first; everything else newest first.
        sql.push(if verification == "pending" {
            " ORDER BY c.created_at ASC, c.id ASC LIMIT 200"
        } else {
            " ORDER BY c.created_at DESC, c.id DESC LIMIT 200"
        });
        let rows = sql
            .query_as::<CustomerRowTuple>()
            .fetch_all(&shop.db.pool)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(customer_row).collect())
    }

    async fn customer(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
    ) -> Result<CustomerDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        let row = sqlx::query_as::<_, CustomerRowTuple>(sqlx::AssertSqlSafe(format!(
            "{CUSTOMER_ROW_SELECT} AND c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&shop.db.pool)
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::NotFound("Customer not found".into()))?;
        let customer = customer_row(row);
        let company = match customer.company_id {
            None => None,
            Some(company_id) => sqlx::query_as::<_, (String, String, String, String, String, String)>(
                "SELECT name, tax_id, billing_address, verification, rejection_reason, payment_terms FROM companies WHERE id = $1",
            )
            .bind(company_id)
            .fetch_optional(&shop.db.pool)
            .await
            .map_err(internal)?
            .map(|(name, tax_id, address, verification, reason, terms)| {
                Ok::<_, AppError>(CompanyDto {
                    id: company_id,
                    name,
                    tax_id,
                    billing_address: address_from_json(&address),
                    verification: Verification::parse(&verification)
                        .unwrap_or(Verification::Pending),
                    rejection_reason: reason,
                    payment_terms: Some(
                        PaymentTerms::parse(&terms, "payment_terms").map_err(internal)?,
                    ),
                })
            })
            .transpose()?,
        };
        let orders = sqlx::query_as::<_, OrderRowTuple>(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_ROW_COLUMNS} FROM orders WHERE customer_id = $1 OR placed_by_customer_id = $1 ORDER BY placed_at DESC, id DESC LIMIT 50"
        )))
        .bind(id)
        .fetch_all(&shop.db.pool)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|row| order_row(row, crate::db::now_ms()))
        .collect::<Result<_, _>>()?;
        let quotes = match customer.company_id {
            Some(company_id) => quotes::list(&shop.db, QuoteScope::Company(company_id), "").await?,
            None => Vec::new(),
        };
        let price_list = match customer.company_id {
            Some(company_id) => price_list_of_company(&shop.db, company_id).await?,
            None => None,
        };
        Ok(CustomerDetail {
            customer,
            company,
            price_list,
            currency: shop.shop.currency.clone(),
            orders,
            quotes,
        })
    }

    #[tracing::instrument(skip_all, fields(slug, id), err(level = "info"))]
    async fn decide_verification(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        input: VerificationInput,
    ) -> Result<CustomerDetail, AppError> {
        let decision = match input.decision.trim() {
            "verify" => VerificationDecision::Verify,
            "reject" => VerificationDecision::Reject {
                reason: input.reason.trim().to_string(),
            },
            _ => return Err(AppError::invalid("decision", "choose verify or reject")),
        };
        let shop = self.access.open(session, slug).await?;
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let company = sqlx::query_as::<_, (Option<i64>, String)>(
            "SELECT c.company_id, c.account_type FROM customers c WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::NotFound("Customer not found".into()))?;
        let company_id = match company {
            (Some(company_id), _) => company_id,
            (None, _) => {
                return Err(AppError::Conflict(
                    "Individual accounts are not verified".into(),
                ))
            }
        };
        let current =
            sqlx::query_scalar::<_, String>("SELECT verification FROM companies WHERE id = $1")
                .bind(company_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?;
        let current = Verification::parse(&current).map_err(internal)?;
        let next = current.transition(&decision)?;
        let reason = match &decision {
            VerificationDecision::Reject { reason } => reason.clone(),
            VerificationDecision::Verify => String::new(),
        };
        // The stored state must still be the one decided on (two staff deciding at once).
        let updated = sqlx::query("UPDATE companies SET verification = $1, rejection_reason = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND verification = $6")
            .bind(next.as_str())
            .bind(&reason)
            .bind(&shop.actor)
            .bind(now_ms())
            .bind(company_id)
            .bind(current.as_str())
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        if updated.rows_affected() != 1 {
            return Err(AppError::Conflict(
                "Someone else decided first; reload".into(),
            ));
        }
        sqlx::query("UPDATE customers SET verified = $1 WHERE company_id = $2")
            .bind(i64::from(next == Verification::Verified))
            .bind(company_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(company_id, decision = next.as_str(), actor = %shop.actor, "business verification decided");
        self.customer(session, slug, id).await
    }

    async fn list_quotes(
        &self,
        session: &Session,
        slug: &str,
        status: &str,
    ) -> Result<Vec<QuoteRow>, AppError> {
        let shop = self.access.open(session, slug).await?;
        quotes::list(&shop.db, QuoteScope::Shop, status).await
    }

    async fn quote(&self, session: &Session, slug: &str, id: i64) -> Result<QuoteDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        quotes::detail(&shop.db, &shop.shop.currency, id, QuoteScope::Shop).await
    }

    #[tracing::instrument(skip_all, fields(slug, id), err(level = "info"))]
    async fn answer_quote(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        input: QuoteAnswerInput,
    ) -> Result<QuoteDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        let mail = crate::mail::shop_outbox::ShopMail {
            mailer: self.mailer.clone(),
            platform: self.platform.clone(),
            shop_id: shop.shop.id,
            shop_db: shop.db.clone(),
        };
        let answered = quotes::answer(&shop, &mail, id, input).await?;
        mail.hand_over_or_log().await;
        Ok(answered)
    }

    async fn merchant_quote_message(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        body: &str,
    ) -> Result<QuoteDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        quotes::add_message(
            &shop.db,
            id,
            QuoteScope::Shop,
            "merchant",
            &shop.actor,
            body,
        )
        .await?;
        quotes::detail(&shop.db, &shop.shop.currency, id, QuoteScope::Shop).await
    }

    #[tracing::instrument(skip_all, fields(slug), err(level = "info"))]
    async fn save_price_list(
        &self,
        session: &Session,
        slug: &str,
        name: &str,
        lines: &str,
    ) -> Result<PriceListDto, AppError> {
        let name = parse_price_list_name(name)?;
        let shop = self.access.open(session, slug).await?;
        let currency = shop.shop.currency.clone();
        let items = parse_price_list_lines(lines, &currency)?;
        let skus: Vec<&str> = items.iter().map(|(sku, _)| sku.as_str()).collect();
        let mut connection = shop.db.pool.acquire().await.map_err(internal)?;
        let known = super::bulk::terms_for(&mut connection, shop.db.engine, None, &skus).await?;
        drop(connection);
        let unknown: Vec<&str> = skus
            .iter()
            .copied()
            .filter(|sku| !known.contains_key(&sku.to_ascii_uppercase()))
            .collect();
        if !unknown.is_empty() {
            let mut named = unknown
                .iter()
                .take(20)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if unknown.len() > 20 {
                named.push_str(&format!(" and {} more", unknown.len() - 20));
            }
            return Err(AppError::invalid(
                "lines",
                format!("unknown or inactive SKU: {named}"),
            ));
        }
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let id = match sqlx::query_scalar::<_, i64>("SELECT id FROM price_lists WHERE name = $1")
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?
        {
            Some(id) => id,
            None => sqlx::query_scalar::<_, i64>(
                "INSERT INTO price_lists (name, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(&name)
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?,
        };
        sqlx::query("DELETE FROM price_list_items WHERE price_list_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        for (sku, price) in &items {
            let variant_id = known
                .get(&sku.as_str().to_ascii_uppercase())
                .ok_or(AppError::Internal)?
                .variant_id;
            sqlx::query("INSERT INTO price_list_items (price_list_id, variant_id, price_minor) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(variant_id)
                .bind(price)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        price_list_by_id(&shop.db, id)
            .await?
            .ok_or(AppError::Internal)
    }

    async fn assign_price_list(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        name: &str,
    ) -> Result<CustomerDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        let company_id = company_of(&shop, id, "Price lists are for business customers").await?;
        let list_id = if name.trim().is_empty() {
            None
        } else {
            Some(
                sqlx::query_scalar::<_, i64>("SELECT id FROM price_lists WHERE name = $1")
                    .bind(name.trim())
                    .fetch_optional(&shop.db.pool)
                    .await
                    .map_err(internal)?
                    .ok_or_else(|| {
                        AppError::invalid(
                            "price_list",
                            format!("no price list named \"{}\"", name.trim()),
                        )
                    })?,
            )
        };
        sqlx::query("UPDATE companies SET price_list_id = $1 WHERE id = $2")
            .bind(list_id)
            .bind(company_id)
            .execute(&shop.db.pool)
            .await
            .map_err(internal)?;
        self.customer(session, slug, id).await
    }

    async fn set_payment_terms(
        &self,
        session: &Session,
        slug: &str,
        id: i64,
        terms: &str,
    ) -> Result<CustomerDetail, AppError> {
        let shop = self.access.open(session, slug).await?;
        if shop.role != app::shops::rules::Role::Owner {
            return Err(AppError::Forbidden(
                "Only the shop's owners may set payment terms".into(),
            ));
        }
        let terms = PaymentTerms::parse(terms, "payment_terms")?;
        let company_id = company_of(&shop, id, "Payment terms are for business customers").await?;
        sqlx::query("UPDATE companies SET payment_terms = $1 WHERE id = $2")
            .bind(terms.as_str())
            .bind(company_id)
            .execute(&shop.db.pool)
            .await
            .map_err(internal)?;
        self.customer(session, slug, id).await
    }

    async fn variant_terms(
        &self,
        session: &Session,
        slug: &str,
        product_id: i64,
    ) -> Result<Vec<VariantTermsDto>, AppError> {
        let shop = self.access.open(session, slug).await?;
        let variants = sqlx::query_as::<_, (i64, String, i64, i64)>(
            "SELECT id, sku, min_quantity, pack_size FROM variants WHERE product_id = $1 ORDER BY position, id",
        )
        .bind(product_id)
        .fetch_all(&shop.db.pool)
        .await
        .map_err(internal)?;
        let breaks = sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT b.variant_id, b.min_quantity, b.discount_bp FROM price_breaks b JOIN variants v ON v.id = b.variant_id WHERE v.product_id = $1 ORDER BY b.min_quantity",
        )
        .bind(product_id)
        .fetch_all(&shop.db.pool)
        .await
        .map_err(internal)?;
        Ok(variants
            .into_iter()
            .map(
                |(variant_id, sku, min_quantity, pack_size)| VariantTermsDto {
                    variant_id,
                    sku,
                    min_quantity,
                    pack_size,
                    price_breaks: breaks
                        .iter()
                        .filter(|rule| rule.0 == variant_id)
                        .map(|rule| PriceBreak {
                            min_quantity: rule.1,
                            discount_bp: rule.2,
                        })
                        .collect(),
                },
            )
            .collect())
    }

    async fn set_variant_terms(
        &self,
        session: &Session,
        slug: &str,
        variant_id: i64,
        input: VariantTermsInput,
    ) -> Result<PortalVariant, AppError> {
        let number = |raw: &str, field: &str| -> Result<i64, AppError> {
            if raw.trim().is_empty() {
                return Ok(1);
            }
            let value = parse_count(raw.trim(), field)?;
            if !(1..=100_000).contains(&value) {
                return Err(AppError::invalid(field, "between 1 and 100000"));
            }
            Ok(value)
        };
        let min_quantity = number(&input.min_quantity, "min_quantity")?;
        let pack_size = number(&input.pack_size, "pack_size")?;
        let breaks = parse_price_breaks(&input.price_breaks)?;
        let shop = self.access.open(session, slug).await?;
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let sku = sqlx::query_scalar::<_, String>("SELECT sku FROM variants WHERE id = $1")
            .bind(variant_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::NotFound("Variant not found".into()))?;
        sqlx::query(
            "UPDATE variants SET min_quantity = $1, pack_size = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(min_quantity)
        .bind(pack_size)
        .bind(now_ms())
        .bind(variant_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query("DELETE FROM price_breaks WHERE variant_id = $1")
            .bind(variant_id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        for rule in &breaks {
            sqlx::query("INSERT INTO price_breaks (variant_id, min_quantity, discount_bp) VALUES ($1, $2, $3)")
                .bind(variant_id)
                .bind(rule.min_quantity)
                .bind(rule.discount_bp)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        let mut connection = shop.db.pool.acquire().await.map_err(internal)?;
        let terms =
            super::bulk::terms_for(&mut connection, shop.db.engine, None, &[sku.as_str()]).await?;
        drop(connection);
        let terms = terms.into_values().next().ok_or_else(|| {
            AppError::Conflict(
                "The product is not active: its terms are saved but not offered".into(),
            )
        })?;
        Ok(PortalVariant::from(terms))
    }
}
