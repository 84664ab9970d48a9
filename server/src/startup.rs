//! Builds the application from configuration: databases, migrations, provisioning catch-up,
//! services, and the axum `Router` (usable without a socket in tests, or served).

use crate::auth::middleware::{same_origin_layer, session_layer};
use crate::auth::service::Accounts;
use crate::auth::tokens::TokenKeys;
use crate::config::{Config, Secret};
use crate::db::{self, Database, PoolShape};
use crate::shops::Shops;
use crate::state::{AppState, AppStateInner};
use crate::tenancy::page_turns::PageTurns;
use crate::tenancy::placement::Placement;
use crate::tenancy::pools::ShopPools;
use crate::tenancy::provisioning::Provisioner;
use crate::tenancy::registry::Registry;
use crate::tenancy::resolver::TenantResolver;
use anyhow::Context;
use app::{shell, App};
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use base64::Engine as _;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{
    file_and_error_handler_with_context, generate_route_list, handle_server_fns_with_context,
    LeptosRoutes,
};
use rand::RngCore;
use sqlx::migrate::MigrateDatabase;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower_http::trace::TraceLayer;

pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let json = std::env::var("CARTWRIGHT_LOG_FORMAT").is_ok_and(|format| format == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub struct Application {
    pub state: AppState,
    pub router: Router,
    pub addr: SocketAddr,
}

fn leptos_options(config: &Config) -> LeptosOptions {
    // cargo-leptos bakes the output name into its builds; tests and benchmarks run without it.
    let built_by_cargo_leptos =
        option_env!("LEPTOS_OUTPUT_NAME").is_some() || std::env::var("LEPTOS_OUTPUT_NAME").is_ok();
    let configured = built_by_cargo_leptos
        .then(|| leptos::config::get_configuration(None).ok())
        .flatten();
    let mut options = match configured {
        Some(conf) => conf.leptos_options,
        None => LeptosOptions::builder()
            .output_name("cartwright")
            .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
            .site_pkg_dir("pkg")
            .build(),
    };
    if let Some(addr) = config.addr {
        options.site_addr = addr;
    }
    options
}

/// The JWT signing secret: configured, or generated once and kept in the data directory.
fn jwt_secret(config: &Config) -> anyhow::Result<Secret> {
    if let Some(secret) = config
        .jwt_secret
        .clone()
        .filter(|secret| secret.expose().len() >= 32)
    {
        return Ok(secret);
    }
    if config.jwt_secret.is_some() {
        anyhow::bail!("CARTWRIGHT_JWT_SECRET must be at least 32 characters");
    }
    let path = config.data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if existing.trim().len() >= 32 {
            return Ok(Secret::new(existing.trim()));
        }
    }
    let mut bytes = [0_u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    write_private_file(&path, &secret)?;
    tracing::info!(path = %path.display(), "generated a JWT signing secret");
    Ok(Secret::new(secret))
}

fn write_private_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

async fn connect_platform(config: &Config) -> anyhow::Result<Database> {
    let shape = PoolShape {
        max_connections: 16,
        idle_timeout: Duration::from_secs(300),
    };
    match &config.platform_database_url {
        Some(url) => {
            db::install_drivers();
            if !sqlx::Any::database_exists(url.expose())
                .await
                .context("checking the platform database")?
            {
                sqlx::Any::create_database(url.expose())
                    .await
                    .context("creating the platform database")?;
            }
            Database::connect(url.expose(), &shape).await
        }
        None => {
            Database::connect(
                &db::sqlite_url(&config.data_dir.join("platform.db")),
                &shape,
            )
            .await
        }
    }
}

/// The hosts the platform itself answers on, besides the base domain: the site address's host.
fn platform_hosts(config: &Config, site_addr: SocketAddr) -> Vec<String> {
    let mut hosts = vec![site_addr.ip().to_string()];
    if let Some(addr) = config.addr {
        hosts.push(addr.ip().to_string());
    }
    hosts
}

/// The DNS client for custom-domain verification: the configured name server, or the system's.
fn txt_lookup(config: &Config) -> Arc<dyn crate::dns::TxtLookup> {
    match crate::dns::HickoryTxtLookup::new(config.dns_resolver) {
        Ok(lookup) => Arc::new(lookup),
        Err(error) => {
            tracing::warn!(%error, "no DNS resolver configuration; custom domains cannot be verified until dns_resolver is set");
            Arc::new(crate::dns::UnconfiguredTxtLookup(error.to_string()))
        }
    }
}

pub async fn build(config: Config) -> anyhow::Result<Application> {
    db::install_drivers();
    tokio::fs::create_dir_all(&config.data_dir)
        .await
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let platform = connect_platform(&config).await?;
    platform.migrate_platform().await?;

    let secret = jwt_secret(&config)?;
    let keys = Arc::new(TokenKeys::new(
        secret.expose().as_bytes(),
        config.access_token_ttl_secs,
    ));
    let customer_tokens = Arc::new(crate::portal::tokens::CustomerTokens::new(
        secret.expose().as_bytes(),
        crate::portal::CUSTOMER_SESSION_SECS,
    ));
    let placement = Arc::new(Placement {
        data_dir: config.data_dir.clone(),
        servers: config.shop_servers.clone(),
    });
    let registry = Registry::new(platform.clone());
    // Mail (server/src/mail): queued in the outbox, sent by the worker, kept without SMTP.
    let mail_from = config.mail_from_address();
    let mailer = crate::mail::Mailer::new(
        &config.public_origin(leptos_options(&config).site_addr),
        &mail_from,
    );
    let smtp = match &config.smtp_url {
        Some(url) => Some(Arc::new(crate::mail::transport::SmtpSender::new(
            url, &mail_from,
        )?)),
        None => None,
    };
    crate::mail::worker::spawn(platform.clone(), mailer.clone(), smtp);
    let pools = Arc::new(ShopPools::new(
        placement.clone(),
        Duration::from_secs(config.shop_pool_idle_secs),
        config.max_open_shop_pools,
    ));
    // Mail written in shops' own outboxes that a crash kept from being handed over.
    crate::mail::shop_outbox::spawn_sweeper(
        platform.clone(),
        registry.clone(),
        pools.clone(),
        mailer.clone(),
    );
    // Stock held for quotes whose offers expired goes back on sale.
    crate::portal::holds::spawn_sweeper(platform.clone(), registry.clone(), pools.clone());
    let provisioner = Provisioner {
        registry: registry.clone(),
        placement,
        max_shops_per_account: config.limits.max_shops_per_account,
        provisioning_turns: Arc::new(tokio::sync::Semaphore::new(
            config.limits.provisioning_concurrency.max(1),
        )),
    };
    let resolver = Arc::new(TenantResolver::new(
        registry.clone(),
        config.base_domain.clone(),
        Duration::from_secs(30),
    ));
    let accounts = Arc::new(
        Accounts::new(
            platform.clone(),
            keys.clone(),
            config.refresh_token_ttl_secs,
            !config.dev_mode,
            mailer.clone(),
        )?
        .with_sign_up_limit(config.sign_ups_per_client_per_hour),
    );
    let access = crate::access::ShopAccess {
        registry: registry.clone(),
        pools: pools.clone(),
    };
    let catalog = Arc::new(crate::catalog::Catalog {
        access: access.clone(),
        upload_dir: config.data_dir.join("uploads"),
        running_imports: Default::default(),
    });
    let orders = Arc::new(crate::orders::Orders {
        access: access.clone(),
        mailer: mailer.clone(),
        platform: platform.clone(),
    });
    let customers = Arc::new(crate::portal::merchant::CustomerAdmin {
        access,
        mailer: mailer.clone(),
        platform: platform.clone(),
    });
    let portal = Arc::new(crate::portal::Portal {
        registry: registry.clone(),
        pools: pools.clone(),
        tokens: customer_tokens,
        accounts: accounts.clone(),
    });
    let leptos_options = leptos_options(&config);
    let addr = leptos_options.site_addr;
    let shops = Arc::new(Shops {
        registry,
        provisioner: provisioner.clone(),
        pools: pools.clone(),
        resolver: resolver.clone(),
        base_domain: config.base_domain.clone(),
        platform_hosts: platform_hosts(&config, addr),
        dns: txt_lookup(&config),
        mailer: mailer.clone(),
    });

    let resumed = provisioner.resume_unfinished().await?;
    let upgraded = provisioner.upgrade_all().await?;
    if resumed + upgraded > 0 {
        tracing::info!(resumed, upgraded, "shop databases brought up to date");
    }

    let page_turns = Arc::new(PageTurns::new(config.page_render_limit()));
    let state = AppState::new(AppStateInner {
        leptos_options,
        config: Arc::new(config),
        platform,
        keys,
        accounts,
        shops,
        catalog,
        orders,
        portal,
        customers,
        provisioner,
        pools: pools.clone(),
        resolver,
        page_turns,
        mailer,
    });
    if state.config.demo {
        crate::demo::seed_if_empty(&state).await?;
    }
    spawn_pool_reaper(pools);
    crate::idempotency::spawn_pruner(state.platform.clone());
    let router = router(state.clone());
    Ok(Application {
        state,
        router,
        addr,
    })
}

fn spawn_pool_reaper(pools: Arc<ShopPools>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(30));
        loop {
            interval.tick().await;
            let closed = pools.close_idle().await;
            if closed > 0 {
                tracing::debug!(closed, open = pools.open_count(), "closed idle shop pools");
            }
        }
    });
}

async fn server_fn_handler(
    State(state): State<AppState>,
    request: Request<Body>,
) -> impl IntoResponse {
    let services = state.services();
    handle_server_fns_with_context(move || provide_context(services.clone()), request).await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.platform.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable" })),
            )
        }
    }
}

/// Starts a page render when its shop has a turn free (see [`PageTurns`]); a page that gets no
/// turn within `limits.page_wait_secs` is answered 503 instead of waiting on.
async fn admit_page(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    let limit = Duration::from_secs(state.config.limits.page_wait_secs.max(1));
    match tokio::time::timeout(limit, state.page_turns.wait(request.uri().path())).await {
        Ok(_turn) => next.run(request).await,
        Err(_) => {
            tracing::warn!(
                path = request.uri().path(),
                "no page turn within the wait limit"
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "2")],
                "This shop is very busy right now. Please try again in a moment.",
            )
                .into_response()
        }
    }
}

/// Whether a request is an upload, which may take longer than the request time limit as a
/// whole (its body is held to that limit between chunks instead, see `api::commerce`).
fn is_upload(request: &Request<Body>) -> bool {
    let path = request.uri().path();
    request.method() == axum::http::Method::POST
        && (path.ends_with("/products/import") || path.ends_with("/products/imports"))
}

/// Answers 408 to a request that takes longer than `limits.request_timeout_secs`, so a client
/// that trickles its body (or a handler stuck on a dependency) cannot hold a worker for ever.
async fn request_time_limit(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if is_upload(&request) {
        return next.run(request).await;
    }
    let limit = Duration::from_secs(state.config.limits.request_timeout_secs.max(1));
    let name = format!("{} {}", request.method(), request.uri().path());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(request = %name, "request over the time limit");
            crate::error::ApiError(app::error::AppError::RequestTimeout(
                "The request took too long and was stopped; please try again".into(),
            ))
            .into_response()
        }
    }
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let services = state.services();
    let context = move || provide_context(services.clone());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest("/api/v1", crate::api::router())
        .route("/sfn/{*fn_name}", post(server_fn_handler))
        .merge(crate::api::commerce::dashboard_router())
        .merge(crate::mail::mailbox::router())
        .merge(
            Router::new()
                .leptos_routes_with_context(&state, routes, context.clone(), move || {
                    shell(options.clone())
                })
                .route_layer(middleware::from_fn_with_state(state.clone(), admit_page)),
        )
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        // Inside the session layer: a key belongs to the caller the session names.
        .layer(middleware::from_fn_with_state(
            state.platform.clone(),
            crate::idempotency::layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), session_layer))
        .layer(middleware::from_fn(same_origin_layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::portal::host::storefront_host_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_time_limit,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

impl Application {
    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests and closes databases.
    pub async fn serve(self) -> anyhow::Result<()> {
        let listener = crate::serve::bind(self.addr)
            .await
            .with_context(|| format!("binding {}", self.addr))?;
        tracing::info!("listening on http://{}", listener.local_addr()?);
        let header_read_timeout =
            Duration::from_secs(self.state.config.limits.header_read_timeout_secs.max(1));
        crate::serve::serve(
            listener,
            self.router,
            header_read_timeout,
            shutdown_signal(),
        )
        .await;
        self.state.pools.close_all().await;
        self.state.platform.close().await;
        tracing::info!("shut down cleanly");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
