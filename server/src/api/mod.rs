//! The JSON API under `/api/v1`: the same services as the dashboard's server functions, with
//! bearer-token or cookie authentication, JSON errors, and an OpenAPI document.

pub mod commerce;
mod links;
mod openapi;
pub mod portal;

use crate::auth::middleware::{cookie_value, with_cookies};
use crate::auth::service::RefreshOutcome;
use crate::error::ApiError;
use crate::state::AppState;
use app::auth::model::{Session, SignUpInput, UserDto};
use app::error::AppError;
use app::services::{AccountService, ClientInfo, ShopService, TokenPair};
use app::shops::model::{NewShopInput, PublicShop, UpdateShopInput};
use app::shops::rules::ShopStatus;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/auth/signup", post(sign_up))
        .route("/auth/signup/confirm", post(confirm_sign_up))
        .route("/auth/login", post(log_in))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(log_out))
        .route("/auth/password", post(change_password))
        .route("/me", get(me))
        .route("/shops", get(list_shops).post(create_shop))
        .route("/shops/{slug}", get(shop_detail).patch(update_shop))
        .route("/shops/{slug}/provisioning", get(provisioning))
        .route("/shops/{slug}/overview", get(overview))
        .route("/shops/{slug}/suspend", post(suspend))
        .route("/shops/{slug}/reactivate", post(reactivate))
        .route("/shops/{slug}/domains", post(add_domain))
        .route("/shops/{slug}/domains/{hostname}", delete(remove_domain))
        .route(
            "/shops/{slug}/domains/{hostname}/verify",
            post(verify_domain),
        )
        .route("/shops/{slug}/members", post(invite_member))
        .route("/shops/{slug}/members/{email}", delete(remove_member))
        .route("/storefront", get(storefront))
        .merge(commerce::router())
        .merge(links::router())
        .merge(portal::router())
        .fallback(|| async { ApiError(AppError::NotFound("No such API endpoint".into())) })
}

/// The authenticated merchant; 401 without a valid token.
pub struct Caller(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| {
                ApiError(AppError::Unauthorized(
                    "Missing, invalid or expired access token".into(),
                ))
            })
    }
}

/// A JSON body whose problems are reported as a 400 naming the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError(AppError::invalid("body", rejection.body_text()))),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Serialize)]
struct TokenResponse {
    user: UserDto,
    token_type: &'static str,
    access_token: String,
    expires_in: i64,
    refresh_token: String,
    refresh_expires_in: i64,
}

fn token_response(
    state: &AppState,
    status: StatusCode,
    user: UserDto,
    tokens: TokenPair,
) -> Response {
    let cookies = state.accounts.session_cookies(&tokens);
    let body = TokenResponse {
        user,
        token_type: "Bearer",
        access_token: tokens.access_token,
        expires_in: tokens.access_expires_in_secs,
        refresh_token: tokens.refresh_token,
        refresh_expires_in: tokens.refresh_expires_in_secs,
    };
    with_cookies((status, Json(body)).into_response(), cookies)
}

fn client(parts: &axum::http::Extensions) -> ClientInfo {
    parts.get::<ClientInfo>().cloned().unwrap_or_default()
}

async fn sign_up(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let client = client(request.extensions());
    let ApiJson(input) = ApiJson::<SignUpInput>::from_request(request, &state).await?;
    let receipt = state.accounts.sign_up(input, &client).await?;
    // The same answer whether or not the address has an account: the rest goes by mail.
    Ok((StatusCode::ACCEPTED, Json(receipt)).into_response())
}

/// The body of a sign-up confirmation (merchant or customer): the link's token and the
/// password chosen at sign-up.
#[derive(Deserialize)]
pub(crate) struct LinkBody {
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) password: String,
}

/// Opens a sign-up link: the account is made and logged in.
async fn confirm_sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LinkBody>,
) -> ApiResult<Response> {
    let (outcome, _next) = state
        .accounts
        .confirm_sign_up(&body.token, &body.password)
        .await?;
    Ok(token_response(
        &state,
        StatusCode::CREATED,
        outcome.user,
        outcome.tokens,
    ))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

async fn log_in(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let client = client(request.extensions());
    let ApiJson(body) = ApiJson::<LoginBody>::from_request(request, &state).await?;
    let outcome = state
        .accounts
        .log_in(&body.email, &body.password, &client)
        .await?;
    Ok(token_response(
        &state,
        StatusCode::OK,
        outcome.user,
        outcome.tokens,
    ))
}

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: String,
}

async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> ApiResult<Response> {
    match state.accounts.refresh(&body.refresh_token).await? {
        RefreshOutcome::Rotated { session, tokens } => {
            let user = state.accounts.current_user(&session).await?;
            Ok(token_response(&state, StatusCode::OK, user, tokens))
        }
        RefreshOutcome::AlreadyRotated { .. } => Err(ApiError(AppError::Unauthorized(
            "This refresh token has already been used".into(),
        ))),
    }
}

#[derive(Deserialize, Default)]
struct LogoutBody {
    refresh_token: Option<String>,
}

async fn log_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Option<Extension<Session>>,
    body: Option<Json<LogoutBody>>,
) -> ApiResult<Response> {
    let from_body = body.and_then(|Json(body)| body.refresh_token);
    let from_cookie = cookie_value(&headers, app::REFRESH_COOKIE);
    state
        .accounts
        .log_out(
            session.as_ref().map(|Extension(session)| session),
            from_body.or(from_cookie).as_deref(),
        )
        .await?;
    Ok(with_cookies(
        StatusCode::NO_CONTENT.into_response(),
        state.accounts.cleared_session_cookies(),
    ))
}

#[derive(Deserialize)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    Caller(session): Caller,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<Response> {
    let tokens = state
        .accounts
        .change_password(&session, &body.current_password, &body.new_password)
        .await?;
    let user = state.accounts.current_user(&session).await?;
    Ok(token_response(&state, StatusCode::OK, user, tokens))
}

async fn me(State(state): State<AppState>, Caller(session): Caller) -> ApiResult<Json<UserDto>> {
    Ok(Json(state.accounts.current_user(&session).await?))
}

async fn list_shops(
    State(state): State<AppState>,
    Caller(session): Caller,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.shops.list_shops(&session).await?))
}

async fn create_shop(
    State(state): State<AppState>,
    Caller(session): Caller,
    ApiJson(input): ApiJson<NewShopInput>,
) -> ApiResult<Response> {
    let shop = state.shops.create_shop(&session, input).await?;
    let location = format!("/api/v1/shops/{}/provisioning", shop.slug);
    let mut response = (StatusCode::ACCEPTED, Json(shop)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn shop_detail(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.shops.shop_detail(&session, &slug).await?))
}

async fn update_shop(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<UpdateShopInput>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.shops.update_shop(&session, &slug, input).await?))
}

async fn provisioning(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.shops.provisioning_status(&session, &slug).await?,
    ))
}

async fn overview(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.shops.overview(&session, &slug).await?))
}

async fn suspend(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.shops.set_suspended(&session, &slug, true).await?,
    ))
}

async fn reactivate(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.shops.set_suspended(&session, &slug, false).await?,
    ))
}

#[derive(Deserialize)]
struct DomainBody {
    hostname: String,
}

async fn add_domain(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<DomainBody>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .shops
                .add_domain(&session, &slug, &body.hostname)
                .await?,
        ),
    ))
}

async fn remove_domain(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, hostname)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .shops
            .remove_domain(&session, &slug, &hostname)
            .await?,
    ))
}

async fn verify_domain(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, hostname)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .shops
            .verify_domain(&session, &slug, &hostname)
            .await?,
    ))
}

#[derive(Deserialize)]
struct MemberBody {
    email: String,
}

async fn invite_member(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<MemberBody>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .shops
                .invite_member(&session, &slug, &body.email)
                .await?,
        ),
    ))
}

async fn remove_member(
    State(state): State<AppState>,
    Caller(session): Caller,
    Path((slug, email)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.shops.remove_member(&session, &slug, &email).await?,
    ))
}

/// The shop a storefront host (`<slug>.<base domain>` or a custom domain) resolves to.
async fn storefront(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<PublicShop>> {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let shop = state
        .resolver
        .resolve(host)
        .await
        .map_err(crate::error::internal)?
        .filter(|shop| shop.status == ShopStatus::Active)
        .ok_or_else(|| AppError::NotFound("No shop is served at this address".into()))?;
    Ok(Json(PublicShop {
        slug: shop.slug,
        name: shop.name,
        currency: shop.currency,
    }))
}
