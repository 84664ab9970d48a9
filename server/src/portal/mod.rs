//! The customer side of a shop: customer accounts with shop-bound sessions, the catalog at the
//! customer's prices, quotes and bulk orders for verified businesses. The merchant side of the
//! same data (customer list, verification, quote answers, business terms) is in `merchant`.
//!
//! Every call resolves the shop from its slug (active shops only), then the customer from the
//! token (whose audience must be this shop), then applies `require_verified_business` for the
//! business operations. Ids from the caller are always looked up inside the caller's company.

pub mod bulk;
pub mod cart;
pub mod company;
pub mod holds;
pub mod host;
pub mod merchant;
pub mod quotes;
pub mod tokens;

use crate::auth::service::Accounts;
use crate::auth::sign_up_requests::{self, NewSignUp, SignUpKind, SignUpRequest};
use crate::db::{is_unique_violation, now_ms, Database};
use crate::error::internal;
use crate::mail::templates;
use crate::orders::{
    address_from_json, address_json, order_row, validate_address, OrderRowTuple, ORDER_ROW_COLUMNS,
};
use crate::tenancy::pools::ShopPools;
use crate::tenancy::registry::{Registry, ShopRecord};
use app::auth::model::SignUpReceipt;
use app::auth::rules::{parse_person_name, Email, NewPassword};
use app::bulk::rules::BulkCheck;
use app::customers::model::{
    CompanyAccount, CompanyDto, CustomerProfile, CustomerSignUpInput, InvitationDto, PortalSession,
};
use app::customers::rules::{
    require_verified_business, AccountType, CustomerStanding, LimitPeriod, TaxId, Verification,
};
use app::error::AppError;
use app::orders::model::Address;
use app::orders::model::OrderPage;
use app::quotes::model::{QuoteDetail, QuoteRequestInput, QuoteRow};
use app::services::{
    BulkSubmission, CartView, ClientInfo, PortalCaller, PortalCatalog, PortalContext, PortalService,
};
use app::shops::rules::ShopStatus;
use async_trait::async_trait;
use std::sync::Arc;
use tokens::{CustomerTokenError, CustomerTokens};

/// How long a customer session lasts.
pub const CUSTOMER_SESSION_SECS: i64 = 12 * 3600;

pub struct Portal {
    pub registry: Registry,
    pub pools: Arc<ShopPools>,
    pub tokens: Arc<CustomerTokens>,
    /// For the shared log-in rate limiter.
    pub accounts: Arc<Accounts>,
}

/// An active shop opened for its portal.
pub struct PortalShop {
    pub shop: ShopRecord,
    pub db: Database,
    /// Mail caused by changes in this shop (see `mail::shop_outbox`).
    pub mail: crate::mail::shop_outbox::ShopMail,
}

/// A customer row with their company, as every guarded call loads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub account_type: String,
    pub password_hash: String,
    pub company_id: Option<i64>,
    pub company_role: String,
    pub sessions_valid_after: i64,
    pub spending_limit_minor: Option<i64>,
    pub limit_period: String,
    pub company_name: Option<String>,
    pub tax_id: Option<String>,
    pub billing_address: Option<String>,
    pub verification: Option<String>,
    pub rejection_reason: Option<String>,
    pub price_list_id: Option<i64>,
}

const CUSTOMER_SELECT: &str = "SELECT c.id, c.email, c.name, c.account_type, c.password_hash, c.company_id, c.company_role, c.sessions_valid_after, c.spending_limit_minor, c.limit_period, \
     co.name AS company_name, co.tax_id, co.billing_address, co.verification, co.rejection_reason, co.price_list_id \
     FROM customers c LEFT JOIN companies co ON co.id = c.company_id";

impl CustomerRecord {
    pub fn account_type(&self) -> AccountType {
        AccountType::parse(&self.account_type).unwrap_or(AccountType::Individual)
    }

    pub fn standing(&self) -> CustomerStanding {
        let account_type = self.account_type();
        let verification = Verification::of_account(account_type, self.verification.as_deref());
        CustomerStanding {
            account_type,
            verification,
            rejection_reason: self.rejection_reason.clone().unwrap_or_default(),
        }
    }

    pub fn company(&self) -> Option<CompanyDto> {
        let id = self.company_id?;
        Some(CompanyDto {
            id,
            name: self.company_name.clone().unwrap_or_default(),
            tax_id: self.tax_id.clone().unwrap_or_default(),
            billing_address: address_from_json(self.billing_address.as_deref().unwrap_or("")),
            verification: self.standing().verification,
            rejection_reason: self.rejection_reason.clone().unwrap_or_default(),
            // Not read for the portal: its orders carry the terms they were placed on.
            payment_terms: None,
        })
    }

    pub fn profile(&self) -> CustomerProfile {
        CustomerProfile {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            account_type: self.account_type(),
            company: self.company(),
            company_role: self.company_role.clone(),
            business_access: require_verified_business(&self.standing()).is_ok(),
        }
    }
}

/// A verified business customer inside their shop: what every B2B operation works with.
pub struct BusinessCaller {
    pub shop: PortalShop,
    pub customer: CustomerRecord,
    pub company_id: i64,
}

pub async fn load_customer(db: &Database, id: i64) -> Result<Option<CustomerRecord>, AppError> {
    sqlx::query_as::<_, CustomerRecord>(sqlx::AssertSqlSafe(format!(
        "{CUSTOMER_SELECT} WHERE c.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
    .map_err(internal)
}

impl Portal {
    /// The active shop with this slug; anything else (unknown, provisioning, suspended) is 404.
    pub async fn open_shop(&self, slug: &str) -> Result<PortalShop, AppError> {
        let shop = self
            .registry
            .shop_by_slug(slug)
            .await
            .map_err(internal)?
            .filter(|shop| shop.status == ShopStatus::Active)
            .ok_or_else(|| AppError::NotFound("Shop not found".into()))?;
        let db = self.pools.get(&shop).map_err(internal)?;
        let mail = crate::mail::shop_outbox::ShopMail {
            mailer: self.accounts.mailer.clone(),
            platform: self.accounts.db.clone(),
            shop_id: shop.id,
            shop_db: db.clone(),
        };
        Ok(PortalShop { shop, db, mail })
    }

    /// The logged-in customer of this shop: 401 without a valid session, 403 for another shop's.
    pub async fn customer(
        &self,
        caller: &PortalCaller,
    ) -> Result<(PortalShop, CustomerRecord), AppError> {
        let shop = self.open_shop(&caller.slug).await?;
        let token = caller
            .token
            .as_deref()
            .ok_or_else(AppError::unauthenticated)?;
        let claims = self
            .tokens
            .verify(token, shop.shop.id)
            .map_err(|error| match error {
                CustomerTokenError::Invalid => AppError::unauthenticated(),
                CustomerTokenError::OtherShop => AppError::Forbidden(
                    "This session belongs to another shop; log in to this shop".into(),
                ),
            })?;
        let customer = load_customer(&shop.db, claims.customer_id)
            .await?
            .filter(|customer| {
                !customer.password_hash.is_empty()
                    && claims.issued_at_ms >= customer.sessions_valid_after
            })
            .ok_or_else(AppError::unauthenticated)?;
        Ok((shop, customer))
    }

    /// The guard of every business operation: a verified business customer of this shop.
    pub async fn business(&self, caller: &PortalCaller) -> Result<BusinessCaller, AppError> {
        let (shop, customer) = self.customer(caller).await?;
        require_verified_business(&customer.standing())?;
        let company_id = customer
            .company_id
            .ok_or_else(|| AppError::Forbidden("This business account has no company".into()))?;
        Ok(BusinessCaller {
            shop,
            customer,
            company_id,
        })
    }

    fn session(
        &self,
        shop: &PortalShop,
        customer: &CustomerRecord,
    ) -> Result<PortalSession, AppError> {
        let token = self
            .tokens
            .issue(shop.shop.id, customer.id, now_ms())
            .map_err(internal)?;
        Ok(PortalSession {
            token,
            expires_in_secs: self.tokens.ttl_secs,
            customer: customer.profile(),
        })
    }
}

/// A customer's account type and company as a sign-up typed them; kept with the sign-up
/// request until its link is opened.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct SignUpDetails {
    account_type: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    billing_address: Address,
}

struct ValidProfile {
    name: String,
    account_type: AccountType,
    company: Option<(String, TaxId, String)>,
}

fn validate_profile(name: &str, details: &SignUpDetails) -> Result<ValidProfile, AppError> {
    let name = parse_person_name(name)?;
    let account_type = AccountType::parse(&details.account_type)?;
    let company = match account_type {
        AccountType::Individual => None,
        AccountType::Business => {
            let company_name = details.company_name.trim().to_string();
            if company_name.is_empty() {
                return Err(AppError::invalid(
                    "company_name",
                    "is required for a business account",
                ));
            }
            if company_name.chars().count() > 200 {
                return Err(AppError::invalid(
                    "company_name",
                    "must be at most 200 characters",
                ));
            }
            let tax_id = TaxId::parse(&details.tax_id)?;
            let address = validate_address(&details.billing_address, "billing_address")?;
            for (value, field) in [
                (&address.line1, "billing_address.line1"),
                (&address.city, "billing_address.city"),
                (&address.country, "billing_address.country"),
            ] {
                if value.is_empty() {
                    return Err(AppError::invalid(
                        field,
                        "is required for a business account",
                    ));
                }
            }
            Some((company_name, tax_id, address_json(&address)))
        }
    };
    Ok(ValidProfile {
        name,
        account_type,
        company,
    })
}

fn already_has_login() -> AppError {
    AppError::Conflict(
        "This e-mail already has an account at this shop: log in with its password".into(),
    )
}

impl Portal {
    /// Makes the customer login a confirmed sign-up asked for, inside the shop's database: a new
    /// customer, or the login of the row the shop already has for this address (its orders
    /// stay the merchant's; the portal shows only orders placed through the login). Opening the
    /// link twice (or a crash before the link was marked used) finds the login already made
    /// with this very password hash and answers with it.
    async fn create_login(
        &self,
        shop: &PortalShop,
        request: &SignUpRequest,
    ) -> Result<i64, AppError> {
        let details: SignUpDetails = serde_json::from_str(&request.details).map_err(internal)?;
        let valid = validate_profile(&request.name, &details)?;
        let now = now_ms();
        let mut tx = shop.db.begin_write().await.map_err(internal)?;
        let existing = sqlx::query_as::<_, (i64, String, Option<String>)>(
            "SELECT id, password_hash, invitation_hash FROM customers WHERE email = $1",
        )
        .bind(&request.email)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        match &existing {
            Some((id, hash, _)) if *hash == request.password_hash => return Ok(*id),
            Some((_, hash, _)) if !hash.is_empty() => return Err(already_has_login()),
            Some((_, _, Some(_))) => {
                return Err(AppError::Conflict(
                    "This e-mail has an invitation to a company account: use the link from the company's admin".into(),
                ))
            }
            _ => {}
        }
        let company_id = match &valid.company {
            None => None,
            Some((name, tax_id, address)) => Some(
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO companies (name, tax_id, billing_address, verification, created_at) VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
                )
                .bind(name)
                .bind(tax_id.as_text())
                .bind(address)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?,
            ),
        };
        let company_name = valid.company.as_ref().map(|(name, _, _)| name.clone());
        let company_role = if company_id.is_some() { "admin" } else { "" };
        let customer_id = match existing {
            Some((id, _, _)) => {
                // Conditional: of two parallel openings only one attaches the login.
                let attached = sqlx::query("UPDATE customers SET name = $1, account_type = $2, company_name = $3, password_hash = $4, company_id = $5, company_role = $6 WHERE id = $7 AND password_hash = '' AND invitation_hash IS NULL")
                    .bind(&valid.name)
                    .bind(valid.account_type.as_str())
                    .bind(company_name.as_deref())
                    .bind(&request.password_hash)
                    .bind(company_id)
                    .bind(company_role)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
                if attached.rows_affected() != 1 {
                    return Err(already_has_login());
                }
                id
            }
            None => sqlx::query_scalar::<_, i64>(
                "INSERT INTO customers (email, name, account_type, company_name, verified, created_at, password_hash, company_id, company_role) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&request.email)
            .bind(&valid.name)
            .bind(valid.account_type.as_str())
            .bind(company_name.as_deref())
            .bind(now)
            .bind(&request.password_hash)
            .bind(company_id)
            .bind(company_role)
            .fetch_one(&mut *tx)
            .await
            .map_err(|error| if is_unique_violation(&error) { already_has_login() } else { internal(error) })?,
        };
        tx.commit().await.map_err(internal)?;
        tracing::info!(shop = %shop.shop.slug, customer_id, account_type = valid.account_type.as_str(), "customer signed up");
        Ok(customer_id)
    }
}

#[async_trait]
impl PortalService for Portal {
    #[tracing::instrument(skip_all, fields(slug), err(level = "info"))]
    async fn sign_up(
        &self,
        slug: &str,
        input: CustomerSignUpInput,
        client: &ClientInfo,
    ) -> Result<SignUpReceipt, AppError> {
        let shop = self.open_shop(slug).await?;
        let email = Email::parse(&input.email)?;
        let password = NewPassword::parse("password", &input.password)?;
        let details = SignUpDetails {
            account_type: input.account_type.clone(),
            company_name: input.company_name.clone(),
            tax_id: input.tax_id.clone(),
            billing_address: input.billing_address.clone(),
        };
        let valid = validate_profile(&input.name, &details)?;
        self.accounts.reserve_sign_up(client).await?;
        // Hashed whether or not the address has a login, so the answer takes as long.
        let password_hash = self
            .accounts
            .passwords
            .hash(password.expose().to_string())
            .await?;
        let has_login = sqlx::query_scalar::<_, i64>(
            "SELECT id FROM customers WHERE email = $1 AND password_hash <> ''",
        )
        .bind(email.as_str())
        .fetch_optional(&shop.db.pool)
        .await
        .map_err(internal)?
        .is_some();
        let place = templates::sign_up_place(Some(&shop.shop.name));
        let slug = &shop.shop.slug;
        // The request and its mail live in the platform database, in one transaction.
        let mailer = &self.accounts.mailer;
        let mut tx = self.accounts.db.begin_write().await.map_err(internal)?;
        if has_login {
            sign_up_requests::note_existing_account(
                &mut tx,
                mailer,
                email.as_str(),
                &place,
                &format!("/s/{slug}/login"),
            )
            .await
        } else {
            let details = serde_json::to_string(&details).map_err(internal)?;
            let request = NewSignUp {
                kind: SignUpKind::Customer {
                    shop_id: shop.shop.id,
                },
                email: email.as_str(),
                name: &valid.name,
                password_hash: &password_hash,
                details: &details,
                next_path: "",
                place: &place,
                confirm_path: &format!("/s/{slug}/signup/confirm"),
            };
            sign_up_requests::record(&mut tx, mailer, &request).await
        }
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        mailer.wake();
        Ok(SignUpReceipt {
            email: email.as_str().into(),
        })
    }

    #[tracing::instrument(skip_all, fields(slug), err(level = "info"))]
    async fn confirm_sign_up(
        &self,
        slug: &str,
        token: &str,
        password: &str,
    ) -> Result<PortalSession, AppError> {
        let shop = self.open_shop(slug).await?;
        let kind = SignUpKind::Customer {
            shop_id: shop.shop.id,
        };
        let mut connection = self.accounts.db.pool.acquire().await.map_err(internal)?;
        let request = sign_up_requests::find_open(&mut connection, kind, token).await?;
        sign_up_requests::check_password(&self.accounts.passwords, &request, password).await?;
        // The login is made first, then the link is marked used: a crash between the two leaves
        // a link that answers with the login it made (see `create_login`).
        let customer_id = self.create_login(&shop, &request).await?;
        sign_up_requests::mark_used(&mut connection, &request)
            .await
            .map_err(internal)?;
        let customer = load_customer(&shop.db, customer_id)
            .await?
            .ok_or(AppError::Internal)?;
        self.session(&shop, &customer)
    }

    #[tracing::instrument(skip_all, fields(slug), err(level = "info"))]
    async fn log_in(
        &self,
        slug: &str,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<PortalSession, AppError> {
        let shop = self.open_shop(slug).await?;
        let email = Email::parse(email)?;
        let email_key = format!("shop:{}:email:{}", shop.shop.id, email.as_str());
        let client_key = client.ip.as_ref().map(|ip| format!("ip:{ip}"));
        let reservation = self.accounts.reserve_login(email_key, client_key).await?;
        let customer = sqlx::query_as::<_, CustomerRecord>(sqlx::AssertSqlSafe(format!(
            "{CUSTOMER_SELECT} WHERE c.email = $1"
        )))
        .bind(email.as_str())
        .fetch_optional(&shop.db.pool)
        .await
        .map_err(internal)?
        .filter(|customer| !customer.password_hash.is_empty());
        let stored_hash = customer
            .as_ref()
            .map(|customer| customer.password_hash.clone())
            .unwrap_or_else(|| self.accounts.dummy_hash.clone());
        let verified = self
            .accounts
            .passwords
            .verify(password.to_string(), stored_hash)
            .await?;
        match customer {
            Some(customer) if verified => {
                self.accounts.release_now(reservation).await?;
                self.session(&shop, &customer)
            }
            // The reservation stays: it is this failure's count.
            _ => Err(AppError::Unauthorized(
                "E-mail or password is not correct".into(),
            )),
        }
    }

    async fn log_out(&self, caller: &PortalCaller) -> Result<(), AppError> {
        let (shop, customer) = self.customer(caller).await?;
        sqlx::query("UPDATE customers SET sessions_valid_after = $1 WHERE id = $2")
            .bind(now_ms() + 1)
            .bind(customer.id)
            .execute(&shop.db.pool)
            .await
            .map_err(internal)?;
        Ok(())
    }

    fn session_cookie(&self, slug: &str, session: Option<&PortalSession>) -> String {
        let name = app::portal::customer_cookie_name(slug);
        let secure = if self.accounts.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let (value, max_age) = match session {
            Some(session) => (session.token.as_str(), session.expires_in_secs),
            None => ("", 0),
        };
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
    }

    async fn me(&self, caller: &PortalCaller) -> Result<CustomerProfile, AppError> {
        let (_, customer) = self.customer(caller).await?;
        Ok(customer.profile())
    }

    async fn context(&self, caller: &PortalCaller) -> Result<PortalContext, AppError> {
        let (shop, customer) = match self.customer(caller).await {
            Ok((shop, customer)) => (shop, Some(customer.profile())),
            Err(AppError::Unauthorized(_) | AppError::Forbidden(_)) => {
                (self.open_shop(&caller.slug).await?, None)
            }
            Err(error) => return Err(error),
        };
        Ok(PortalContext {
            shop_name: shop.shop.name.clone(),
            currency: shop.shop.currency.clone(),
            timezone: shop.shop.timezone.clone(),
            amount_style: shop.shop.amount_style,
            customer,
        })
    }

    async fn business_profile(&self, caller: &PortalCaller) -> Result<CustomerProfile, AppError> {
        Ok(self.business(caller).await?.customer.profile())
    }

    async fn catalog(
        &self,
        caller: &PortalCaller,
        search: &str,
    ) -> Result<PortalCatalog, AppError> {
        // Public: a logged-in verified business sees its price list's prices.
        let (shop, price_list) = match &caller.token {
            Some(_) => match self.customer(caller).await {
                Ok((shop, customer)) => {
                    let price_list = require_verified_business(&customer.standing())
                        .ok()
                        .and(customer.price_list_id);
                    (shop, price_list)
                }
                Err(_) => (self.open_shop(&caller.slug).await?, None),
            },
            None => (self.open_shop(&caller.slug).await?, None),
        };
        let variants = bulk::catalog_terms(&shop.db, price_list, search).await?;
        Ok(PortalCatalog {
            shop_name: shop.shop.name.clone(),
            currency: shop.shop.currency.clone(),
            variants,
        })
    }

    async fn my_orders(&self, caller: &PortalCaller) -> Result<OrderPage, AppError> {
        let (shop, customer) = self.customer(caller).await?;
        let rows = sqlx::query_as::<_, OrderRowTuple>(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_ROW_COLUMNS} FROM orders WHERE placed_by_customer_id = $1 ORDER BY placed_at DESC, id DESC LIMIT 100"
        )))
        .bind(customer.id)
        .fetch_all(&shop.db.pool)
        .await
        .map_err(internal)?;
        let orders: Vec<_> = rows
            .into_iter()
            .map(|row| order_row(row, crate::db::now_ms()))
            .collect::<Result<_, _>>()?;
        Ok(OrderPage {
            currency: shop.shop.currency.clone(),
            match_count: orders.len() as i64,
            more_matches: false,
            orders,
            next_cursor: None,
            prev_cursor: None,
        })
    }

    async fn my_order(
        &self,
        caller: &PortalCaller,
        order_id: i64,
    ) -> Result<app::portal::model::PortalOrder, AppError> {
        let (shop, customer) = self.customer(caller).await?;
        let owned = sqlx::query_scalar::<_, i64>(
            "SELECT id FROM orders WHERE id = $1 AND placed_by_customer_id = $2",
        )
        .bind(order_id)
        .bind(customer.id)
        .fetch_optional(&shop.db.pool)
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::NotFound("Order not found".into()))?;
        Ok(crate::orders::Orders::detail(&shop.db, owned).await?.into())
    }

    async fn reorder_lines(
        &self,
        caller: &PortalCaller,
        order_id: i64,
    ) -> Result<String, AppError> {
        let business = self.business(caller).await?;
        let owned =
            sqlx::query_scalar::<_, i64>("SELECT id FROM orders WHERE id = $1 AND company_id = $2")
                .bind(order_id)
                .bind(business.company_id)
                .fetch_optional(&business.shop.db.pool)
                .await
                .map_err(internal)?
                .ok_or_else(|| AppError::NotFound("Order not found".into()))?;
        let lines = sqlx::query_as::<_, (String, i64)>(
            "SELECT sku, quantity FROM order_lines WHERE order_id = $1 ORDER BY id",
        )
        .bind(owned)
        .fetch_all(&business.shop.db.pool)
        .await
        .map_err(internal)?;
        Ok(lines
            .into_iter()
            .map(|(sku, quantity)| format!("{sku}, {quantity}\n"))
            .collect())
    }

    async fn request_quote(
        &self,
        caller: &PortalCaller,
        input: QuoteRequestInput,
    ) -> Result<QuoteDetail, AppError> {
        let business = self.business(caller).await?;
        quotes::request(&business, input).await
    }

    async fn my_quotes(&self, caller: &PortalCaller) -> Result<Vec<QuoteRow>, AppError> {
        let business = self.business(caller).await?;
        quotes::list(
            &business.shop.db,
            quotes::QuoteScope::Company(business.company_id),
            "",
        )
        .await
    }

    async fn my_quote(&self, caller: &PortalCaller, id: i64) -> Result<QuoteDetail, AppError> {
        let business = self.business(caller).await?;
        quotes::detail(
            &business.shop.db,
            &business.shop.shop.currency,
            id,
            quotes::QuoteScope::Company(business.company_id),
        )
        .await
    }

    async fn accept_quote(
        &self,
        caller: &PortalCaller,
        id: i64,
        expected_version: i64,
    ) -> Result<QuoteDetail, AppError> {
        let business = self.business(caller).await?;
        quotes::accept(&business, id, expected_version).await
    }

    async fn decline_quote(
        &self,
        caller: &PortalCaller,
        id: i64,
        expected_version: i64,
    ) -> Result<QuoteDetail, AppError> {
        let business = self.business(caller).await?;
        quotes::decline(&business, id, expected_version).await
    }

    async fn customer_quote_message(
        &self,
        caller: &PortalCaller,
        id: i64,
        body: &str,
    ) -> Result<QuoteDetail, AppError> {
        let business = self.business(caller).await?;
        let scope = quotes::QuoteScope::Company(business.company_id);
        quotes::add_message(
            &business.shop.db,
            id,
            scope,
            "customer",
            &business.customer.email,
            body,
        )
        .await?;
        quotes::detail(&business.shop.db, &business.shop.shop.currency, id, scope).await
    }

    async fn check_bulk_order(
        &self,
        caller: &PortalCaller,
        lines: &str,
    ) -> Result<BulkCheck, AppError> {
        let business = self.business(caller).await?;
        bulk::check(&business, lines).await
    }

    async fn submit_bulk_order(
        &self,
        caller: &PortalCaller,
        lines: &str,
        notes: &str,
    ) -> Result<BulkSubmission, AppError> {
        let business = self.business(caller).await?;
        bulk::submit(&business, lines, notes).await
    }

    async fn cart(&self, caller: &PortalCaller) -> Result<CartView, AppError> {
        let (shop, customer) = self.customer(caller).await?;
        cart::view(&shop, &customer).await
    }

    async fn change_cart(
        &self,
        caller: &PortalCaller,
        sku: &str,
        quantity: &str,
        add: bool,
    ) -> Result<CartView, AppError> {
        let (shop, customer) = self.customer(caller).await?;
        cart::change(&shop, &customer, sku, quantity, add).await
    }

    async fn checkout(
        &self,
        caller: &PortalCaller,
        shipping_address: Address,
        notes: &str,
    ) -> Result<BulkSubmission, AppError> {
        let (shop, customer) = self.customer(caller).await?;
        cart::checkout(shop, customer, &shipping_address, notes).await
    }

    async fn company_account(&self, caller: &PortalCaller) -> Result<CompanyAccount, AppError> {
        let business = self.business(caller).await?;
        company::account(&business).await
    }

    async fn invite_buyer(
        &self,
        caller: &PortalCaller,
        email: &str,
        name: &str,
    ) -> Result<InvitationDto, AppError> {
        let business = self.business(caller).await?;
        company::invite(&business, email, name).await
    }

    async fn accept_invitation(
        &self,
        slug: &str,
        token: &str,
        name: &str,
        password: &str,
    ) -> Result<PortalSession, AppError> {
        let shop = self.open_shop(slug).await?;
        let password = NewPassword::parse("password", password)?;
        let password_hash = self
            .accounts
            .passwords
            .hash(password.expose().to_string())
            .await?;
        let customer = company::accept_invitation(&shop.db, token, name, &password_hash).await?;
        self.session(&shop, &customer)
    }

    async fn set_buyer_limit(
        &self,
        caller: &PortalCaller,
        buyer_id: i64,
        limit: &str,
        period: LimitPeriod,
    ) -> Result<CompanyAccount, AppError> {
        let business = self.business(caller).await?;
        company::set_limit(&business, buyer_id, limit, period).await
    }

    async fn decide_company_order(
        &self,
        caller: &PortalCaller,
        approval_id: i64,
        approve: bool,
    ) -> Result<CompanyAccount, AppError> {
        let business = self.business(caller).await?;
        company::decide(&business, approval_id, approve).await
    }
}
