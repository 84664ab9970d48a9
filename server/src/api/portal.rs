//! `/api/v1/shops/{slug}/customers`, `…/quotes`, `…/bulk-orders`: the customer portal's API
//! and the merchant's side of customers and quotes.
//!
//! Customers authenticate with their shop-bound token (`Authorization: Bearer`, or the shop's
//! customer cookie from a browser); merchants with their dashboard token. Endpoints shared by
//! both (`GET /quotes`, `GET /quotes/{id}`, `POST /quotes/{id}/messages`) act for the merchant
//! when a merchant session is present and for the customer otherwise.

use super::{ApiJson, ApiResult, Caller};
use crate::auth::middleware::cookie_value;
use crate::error::ApiError;
use crate::state::AppState;
use app::auth::model::Session;
use app::customers::model::{CustomerQuery, CustomerSignUpInput, PortalSession, VerificationInput};
use app::error::AppError;
use app::quotes::model::{QuoteAnswerInput, QuoteRequestInput};
use app::services::{ClientInfo, CustomerService, PortalCaller, PortalService, VariantTermsInput};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/shops/{slug}/customers", get(list_customers))
        .route("/shops/{slug}/customers/signup", post(sign_up))
        .route(
            "/shops/{slug}/customers/signup/confirm",
            post(confirm_sign_up),
        )
        .route("/shops/{slug}/customers/login", post(log_in))
        .route("/shops/{slug}/customers/logout", post(log_out))
        .route("/shops/{slug}/customers/me", get(me))
        .route("/shops/{slug}/customers/me/orders", get(my_orders))
        .route("/shops/{slug}/customers/me/orders/{id}", get(my_order))
        .route("/shops/{slug}/customers/{id}", get(customer))
        .route(
            "/shops/{slug}/customers/{id}/verification",
            post(decide_verification),
        )
        .route("/shops/{slug}/catalog", get(catalog))
        .route("/shops/{slug}/quotes", get(list_quotes).post(request_quote))
        .route("/shops/{slug}/quotes/{id}", get(quote))
        .route("/shops/{slug}/quotes/{id}/answer", post(answer_quote))
        .route("/shops/{slug}/quotes/{id}/accept", post(accept_quote))
        .route("/shops/{slug}/quotes/{id}/decline", post(decline_quote))
        .route("/shops/{slug}/quotes/{id}/messages", post(quote_message))
        .route("/shops/{slug}/bulk-orders", post(submit_bulk_order))
        .route("/shops/{slug}/bulk-orders/check", post(check_bulk_order))
        .route(
            "/shops/{slug}/bulk-orders/reorder/{order_id}",
            get(reorder_lines),
        )
        .route("/shops/{slug}/variants/{id}/terms", put(set_variant_terms))
        .route("/shops/{slug}/price-lists/{name}", put(save_price_list))
        .route(
            "/shops/{slug}/customers/{id}/price-list",
            put(assign_price_list),
        )
        .route(
            "/shops/{slug}/customers/{id}/payment-terms",
            put(set_payment_terms),
        )
        .route("/shops/{slug}/cart", get(cart))
        .route("/shops/{slug}/cart/items", post(add_to_cart))
        .route("/shops/{slug}/cart/items/{sku}", put(set_cart_quantity))
        .route("/shops/{slug}/checkout", post(checkout))
        .route("/shops/{slug}/company", get(company_account))
        .route("/shops/{slug}/company/buyers", post(invite_buyer))
        .route(
            "/shops/{slug}/company/buyers/{id}/limit",
            put(set_buyer_limit),
        )
        .route(
            "/shops/{slug}/company/approvals/{id}",
            post(decide_company_order),
        )
        .route(
            "/shops/{slug}/customers/invitations/accept",
            post(accept_invitation),
        )
}

/// The customer token of a request: the bearer token, else the shop's customer cookie.
fn customer_token(parts: &Parts, slug: &str) -> Option<String> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    bearer.or_else(|| cookie_value(&parts.headers, &app::portal::customer_cookie_name(slug)))
}

/// Who calls a portal endpoint: a merchant (dashboard session) or else a customer of the shop
/// named in the path (possibly anonymous: the service answers 401 then).
enum PortalParty {
    Merchant(Session),
    Customer(PortalCaller),
}

impl<S: Send + Sync> FromRequestParts<S> for PortalParty {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(session) = parts.extensions.get::<Session>() {
            return Ok(PortalParty::Merchant(session.clone()));
        }
        let customer = CustomerParty::from_request_parts(parts, state).await?;
        Ok(PortalParty::Customer(customer.0))
    }
}

/// A customer caller of the shop in the path.
struct CustomerParty(PortalCaller);

impl<S: Send + Sync> FromRequestParts<S> for CustomerParty {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::not_found()))?;
        let slug = params
            .into_iter()
            .find(|(name, _)| name == "slug")
            .map(|(_, value)| value)
            .ok_or_else(|| ApiError(AppError::not_found()))?;
        let token = customer_token(parts, &slug);
        Ok(CustomerParty(PortalCaller { slug, token }))
    }
}

#[derive(Serialize)]
struct CustomerTokenResponse {
    token_type: &'static str,
    access_token: String,
    expires_in: i64,
    customer: app::customers::model::CustomerProfile,
}

fn session_response(status: StatusCode, session: PortalSession) -> Response {
    (
        status,
        Json(CustomerTokenResponse {
            token_type: "Bearer",
            access_token: session.token,
            expires_in: session.expires_in_secs,
            customer: session.customer,
        }),
    )
        .into_response()
}

fn client_of(parts: &Parts) -> ClientInfo {
    parts
        .extensions
        .get::<ClientInfo>()
        .cloned()
        .unwrap_or_default()
}

struct Client(ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(client_of(parts)))
    }
}

async fn sign_up(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Client(client): Client,
    ApiJson(input): ApiJson<CustomerSignUpInput>,
) -> ApiResult<Response> {
    let receipt = state.portal.sign_up(&slug, input, &client).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)).into_response())
}

async fn confirm_sign_up(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<super::LinkBody>,
) -> ApiResult<Response> {
    let session = state
        .portal
        .confirm_sign_up(&slug, &body.token, &body.password)
        .await?;
    Ok(session_response(StatusCode::CREATED, session))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

async fn log_in(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Client(client): Client,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let session = state
        .portal
        .log_in(&slug, &body.email, &body.password, &client)
        .await?;
    Ok(session_response(StatusCode::OK, session))
}

async fn log_out(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
) -> ApiResult<StatusCode> {
    state.portal.log_out(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.portal.me(&caller).await?))
}

async fn my_orders(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.portal.my_orders(&caller).await?))
}

async fn my_order(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Path((_, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.portal.my_order(&caller, id).await?))
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn catalog(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Query(query): Query<SearchQuery>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.portal.catalog(&caller, &query.q).await?))
}

async fn list_customers(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    Query(query): Query<CustomerQuery>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .customers
            .list_customers(&session, &slug, query)
            .await?,
    ))
}

async fn customer(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.customers.customer(&session, &slug, id).await?))
}

async fn decide_verification(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(input): ApiJson<VerificationInput>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .customers
            .decide_verification(&session, &slug, id, input)
            .await?,
    ))
}

#[derive(Deserialize, Default)]
struct QuoteListQuery {
    #[serde(default)]
    status: String,
}

async fn list_quotes(
    State(state): State<AppState>,
    party: PortalParty,
    Path(slug): Path<String>,
    Query(query): Query<QuoteListQuery>,
) -> ApiResult<Response> {
    Ok(match party {
        PortalParty::Merchant(session) => Json(
            state
                .customers
                .list_quotes(&session, &slug, &query.status)
                .await?,
        )
        .into_response(),
        PortalParty::Customer(caller) => {
            Json(state.portal.my_quotes(&caller).await?).into_response()
        }
    })
}

async fn request_quote(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    ApiJson(input): ApiJson<QuoteRequestInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(state.portal.request_quote(&caller, input).await?),
    ))
}

async fn quote(
    State(state): State<AppState>,
    party: PortalParty,
    Path((slug, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(match party {
        PortalParty::Merchant(session) => state.customers.quote(&session, &slug, id).await?,
        PortalParty::Customer(caller) => state.portal.my_quote(&caller, id).await?,
    }))
}

async fn answer_quote(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(input): ApiJson<QuoteAnswerInput>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .customers
            .answer_quote(&session, &slug, id, input)
            .await?,
    ))
}

#[derive(Deserialize)]
struct VersionBody {
    expected_version: i64,
}

async fn accept_quote(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<VersionBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .portal
            .accept_quote(&caller, id, body.expected_version)
            .await?,
    ))
}

async fn decline_quote(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<VersionBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .portal
            .decline_quote(&caller, id, body.expected_version)
            .await?,
    ))
}

#[derive(Deserialize)]
struct MessageBody {
    body: String,
}

async fn quote_message(
    State(state): State<AppState>,
    party: PortalParty,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<MessageBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(match party {
        PortalParty::Merchant(session) => {
            state
                .customers
                .merchant_quote_message(&session, &slug, id, &body.body)
                .await?
        }
        PortalParty::Customer(caller) => {
            state
                .portal
                .customer_quote_message(&caller, id, &body.body)
                .await?
        }
    }))
}

#[derive(Deserialize)]
struct BulkBody {
    /// `SKU, quantity` lines (the content of a CSV file works as it is).
    lines: String,
    #[serde(default)]
    notes: String,
}

async fn check_bulk_order(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    ApiJson(body): ApiJson<BulkBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.portal.check_bulk_order(&caller, &body.lines).await?,
    ))
}

/// `201` with the order, or `202` when a buyer's order waits for the company admin.
async fn submit_bulk_order(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    ApiJson(body): ApiJson<BulkBody>,
) -> ApiResult<impl IntoResponse> {
    let submission = state
        .portal
        .submit_bulk_order(&caller, &body.lines, &body.notes)
        .await?;
    let status = if submission.order.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(submission)))
}

async fn company_account(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.portal.company_account(&caller).await?))
}

#[derive(Deserialize)]
struct InviteBody {
    email: String,
    name: String,
}

async fn invite_buyer(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    ApiJson(body): ApiJson<InviteBody>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .portal
                .invite_buyer(&caller, &body.email, &body.name)
                .await?,
        ),
    ))
}

#[derive(Deserialize)]
struct LimitBody {
    /// Decimal amount; empty or absent for no limit.
    #[serde(default, deserialize_with = "app::products::model::text_or_number")]
    spending_limit: String,
    #[serde(default)]
    period: String,
}

async fn set_buyer_limit(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<LimitBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .portal
            .set_buyer_limit(
                &caller,
                id,
                &body.spending_limit,
                app::customers::rules::LimitPeriod::parse(&body.period)?,
            )
            .await?,
    ))
}

#[derive(Deserialize)]
struct DecisionBody {
    /// `approve` or `decline`.
    decision: String,
}

async fn decide_company_order(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<impl IntoResponse> {
    let approve = match body.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => {
            return Err(ApiError(AppError::invalid(
                "decision",
                "approve or decline",
            )))
        }
    };
    Ok(Json(
        state
            .portal
            .decide_company_order(&caller, id, approve)
            .await?,
    ))
}

#[derive(Deserialize)]
struct AcceptInvitationBody {
    token: String,
    name: String,
    password: String,
}

async fn accept_invitation(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<AcceptInvitationBody>,
) -> ApiResult<Response> {
    let session = state
        .portal
        .accept_invitation(&slug, &body.token, &body.name, &body.password)
        .await?;
    Ok(session_response(StatusCode::OK, session))
}

#[derive(Serialize)]
struct ReorderLines {
    lines: String,
}

async fn reorder_lines(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Path((_, order_id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(ReorderLines {
        lines: state.portal.reorder_lines(&caller, order_id).await?,
    }))
}

async fn set_variant_terms(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(input): ApiJson<VariantTermsInput>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .customers
            .set_variant_terms(&session, &slug, id, input)
            .await?,
    ))
}

async fn cart(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.portal.cart(&caller).await?))
}

#[derive(Deserialize)]
struct CartItemBody {
    #[serde(default)]
    sku: String,
    #[serde(deserialize_with = "app::products::model::text_or_number")]
    quantity: String,
}

async fn add_to_cart(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    ApiJson(body): ApiJson<CartItemBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .portal
            .change_cart(&caller, &body.sku, &body.quantity, true)
            .await?,
    ))
}

async fn set_cart_quantity(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    Path((_, sku)): Path<(String, String)>,
    ApiJson(body): ApiJson<CartItemBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .portal
            .change_cart(&caller, &sku, &body.quantity, false)
            .await?,
    ))
}

#[derive(Deserialize)]
struct CheckoutBody {
    #[serde(default)]
    shipping_address: app::orders::model::Address,
    #[serde(default)]
    notes: String,
}

/// `201` with the order, or `202` when a buyer's order waits for the company admin.
async fn checkout(
    State(state): State<AppState>,
    CustomerParty(caller): CustomerParty,
    ApiJson(body): ApiJson<CheckoutBody>,
) -> ApiResult<impl IntoResponse> {
    let submission = state
        .portal
        .checkout(&caller, body.shipping_address, &body.notes)
        .await?;
    let status = if submission.order.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(submission)))
}

#[derive(Deserialize)]
struct PriceListBody {
    /// `SKU, price` lines.
    lines: String,
}

async fn save_price_list(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<PriceListBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .customers
            .save_price_list(&session, &slug, &name, &body.lines)
            .await?,
    ))
}

#[derive(Deserialize)]
struct AssignBody {
    /// The price list's name; empty for none.
    #[serde(default)]
    name: String,
}

async fn assign_price_list(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .customers
            .assign_price_list(&session, &slug, id, &body.name)
            .await?,
    ))
}

#[derive(Deserialize)]
struct TermsBody {
    payment_terms: String,
}

async fn set_payment_terms(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<TermsBody>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .customers
            .set_payment_terms(&session, &slug, id, &body.payment_terms)
            .await?,
    ))
}
