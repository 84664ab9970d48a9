//! Test harness: a fresh Cartwright per test on a real SQLite directory or a real PostgreSQL
//! server (`CARTWRIGHT_TEST_PG_URL`), driven through its axum `Router` without a socket.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::config::{Config, Secret, ShopServer};
use server::startup::{build, Application};
use std::path::PathBuf;
use std::time::Duration;
use tower::ServiceExt;

/// How long [`TestApp::send`] waits for one answer. Every request in the suites answers in
/// well under a second in a debug build; imports run in the background and are polled.
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The engines to run each test on. PostgreSQL is required under CI so it cannot be skipped
/// silently.
pub fn engines() -> Vec<Engine> {
    let mut engines = vec![Engine::Sqlite];
    match std::env::var("CARTWRIGHT_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => engines.push(Engine::Postgres),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!(
                "CI=true but CARTWRIGHT_TEST_PG_URL is not set: PostgreSQL tests would be skipped"
            )
        }
        _ => eprintln!("CARTWRIGHT_TEST_PG_URL not set: PostgreSQL tests skipped"),
    }
    engines
}

/// `postgres://user@host:port` (without a database path).
pub fn pg_server_url() -> Option<String> {
    let url = std::env::var("CARTWRIGHT_TEST_PG_URL").ok()?;
    let without_query = url.split('?').next()?.to_string();
    let scheme_end = without_query.find("://")? + 3;
    match without_query[scheme_end..].find('/') {
        Some(slash) => Some(without_query[..scheme_end + slash].to_string()),
        None => Some(without_query),
    }
}

fn random_suffix() -> String {
    use rand::Rng;
    format!(
        "{:012x}",
        rand::thread_rng().gen::<u64>() & 0xffff_ffff_ffff
    )
}

pub struct TestApp {
    pub engine: Engine,
    pub app: Application,
    pub config: Config,
    _dir: tempfile::TempDir,
}

pub fn test_config(engine: Engine, data_dir: PathBuf) -> Config {
    let mut config = Config {
        data_dir,
        jwt_secret: Some(Secret::new("integration-test-secret-0123456789abcdef")),
        base_domain: "cartwright.test".into(),
        dev_mode: true,
        ..Config::default()
    };
    if engine == Engine::Postgres {
        let server = pg_server_url().expect("CARTWRIGHT_TEST_PG_URL");
        config.platform_database_url =
            Some(Secret::new(format!("{server}/cw_test_{}", random_suffix())));
        config.shop_servers = vec![ShopServer {
            name: "pg1".into(),
            url: Secret::new(server),
        }];
    }
    config
}

impl TestApp {
    pub async fn start(engine: Engine) -> TestApp {
        Self::start_with(engine, |_| {}).await
    }

    /// Starts with the test configuration adjusted by `adjust`.
    pub async fn start_with(engine: Engine, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(engine, dir.path().to_path_buf());
        adjust(&mut config);
        let app = build(config.clone()).await.expect("application builds");
        TestApp {
            engine,
            app,
            config,
            _dir: dir,
        }
    }

    /// A second application instance on the same stores, as after a restart.
    pub async fn restart(self) -> TestApp {
        let TestApp {
            engine,
            app,
            config,
            _dir,
        } = self;
        app.state.pools.close_all().await;
        app.state.platform.close().await;
        let app = build(config.clone()).await.expect("application restarts");
        TestApp {
            engine,
            app,
            config,
            _dir,
        }
    }

    /// Rows in a platform table, to check that refused input wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&self.app.state.platform.pool)
            .await
            .expect("count")
    }

    /// Sends one request through the router and reads the whole answer. A request that has
    /// no complete answer within [`REQUEST_TIME_LIMIT`] fails the test, naming the request,
    /// instead of holding the run until CI's own limit.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let name = format!("{} {}", request.method(), request.uri());
        let answer = async {
            let response = self
                .app
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("router answers");
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (status, headers, bytes)
        };
        let (status, headers, bytes) = match tokio::time::timeout(REQUEST_TIME_LIMIT, answer).await
        {
            Ok(answer) => answer,
            Err(_) => panic!(
                "{name} had no complete answer within {} s",
                REQUEST_TIME_LIMIT.as_secs()
            ),
        };
        let text = String::from_utf8_lossy(&bytes).to_string();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            json,
            text,
        }
    }

    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        self.send(request.expect("request")).await
    }

    /// Signs up a merchant the way a person does (the sign-up, then the link mailed to the
    /// address) and returns the access token. The address is verified by the link.
    pub async fn sign_up(&self, email: &str) -> String {
        let response = self
            .api(Method::POST, "/auth/signup", None, Some(json!({ "name": "Test Merchant", "email": email, "password": "a long enough password" })))
            .await;
        assert_eq!(
            response.status,
            StatusCode::ACCEPTED,
            "sign-up failed: {}",
            response.text
        );
        let confirmed = self.confirm_sign_up(email, "a long enough password").await;
        assert_eq!(
            confirmed.status,
            StatusCode::CREATED,
            "confirming the sign-up of {email} failed: {}",
            confirmed.text
        );
        confirmed.json["access_token"]
            .as_str()
            .expect("access token")
            .to_string()
    }

    /// Signs up a merchant with `body` (`name`, `email`, `password`) and opens the mailed link;
    /// returns the link's answer (tokens, cookies).
    pub async fn sign_up_with(&self, body: Value) -> TestResponse {
        let email = body["email"].as_str().expect("email").to_lowercase();
        let response = self
            .api(Method::POST, "/auth/signup", None, Some(body.clone()))
            .await;
        assert_eq!(
            response.status,
            StatusCode::ACCEPTED,
            "sign-up failed: {}",
            response.text
        );
        let password = body["password"].as_str().unwrap_or_default().to_string();
        self.confirm_sign_up(&email, &password).await
    }

    /// Opens the newest sign-up link mailed to `email` (merchant sign-up).
    pub async fn confirm_sign_up(&self, email: &str, password: &str) -> TestResponse {
        let link = self.last_link_to(email, "/signup/confirm?token=").await;
        let token = link
            .trim_start_matches("/signup/confirm?token=")
            .to_string();
        self.api(
            Method::POST,
            "/auth/signup/confirm",
            None,
            Some(json!({ "token": token, "password": password })),
        )
        .await
    }

    /// Opens the newest customer sign-up link of shop `slug` mailed to `email`, with the
    /// password the tests sign up with.
    pub async fn confirm_customer_sign_up(&self, slug: &str, email: &str) -> TestResponse {
        self.confirm_customer_sign_up_with(slug, email, "a long enough password")
            .await
    }

    pub async fn confirm_customer_sign_up_with(
        &self,
        slug: &str,
        email: &str,
        password: &str,
    ) -> TestResponse {
        let path = format!("/s/{slug}/signup/confirm?token=");
        let link = self.last_link_to(email, &path).await;
        let token = link.trim_start_matches(path.as_str()).to_string();
        self.api(
            Method::POST,
            &format!("/shops/{slug}/customers/signup/confirm"),
            None,
            Some(json!({ "token": token, "password": password })),
        )
        .await
    }

    /// A merchant whose address is not verified, as accounts made before sign-up by link are:
    /// signs up, then takes the proof away and has a verification link mailed (open it with
    /// [`TestApp::verify_email`]).
    pub async fn sign_up_unverified(&self, email: &str) -> String {
        let token = self.sign_up(email).await;
        sqlx::query("UPDATE users SET email_verified_at = NULL WHERE email = $1")
            .bind(email)
            .execute(&self.app.state.platform.pool)
            .await
            .expect("unverify");
        let resent = self
            .api(Method::POST, "/auth/verification-mail", Some(&token), None)
            .await;
        assert!(
            resent.status.is_success(),
            "resending the verification of {email}: {}",
            resent.text
        );
        token
    }

    /// Creates a shop through the API and waits until provisioning has finished.
    pub async fn create_shop(&self, token: &str, slug: &str) -> Value {
        let response = self
            .api(Method::POST, "/shops", Some(token), Some(json!({ "name": format!("Shop {slug}"), "slug": slug, "currency": "EUR", "timezone": "Europe/Berlin" })))
            .await;
        assert_eq!(
            response.status,
            StatusCode::ACCEPTED,
            "create shop failed: {}",
            response.text
        );
        self.wait_active(token, slug).await
    }

    pub async fn wait_active(&self, token: &str, slug: &str) -> Value {
        for _ in 0..200 {
            let status = self
                .api(
                    Method::GET,
                    &format!("/shops/{slug}/provisioning"),
                    Some(token),
                    None,
                )
                .await;
            if status.json["status"] == "active" {
                return status.json;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("shop {slug} did not become active");
    }

    /// Calls a server function the way a browser form would (URL-encoded body, cookie auth).
    pub async fn server_fn(
        &self,
        endpoint: &str,
        token: &str,
        form: &[(&str, &str)],
    ) -> TestResponse {
        let body = form
            .iter()
            .map(|(key, value)| format!("{key}={}", urlencode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("/sfn/{endpoint}"))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::COOKIE, format!("{}={token}", app::ACCESS_COOKIE))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    pub async fn page(&self, path: &str, token: Option<&str>) -> TestResponse {
        let mut builder = Request::builder()
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(token) = token {
            builder = builder.header(header::COOKIE, format!("{}={token}", app::ACCESS_COOKIE));
        }
        self.send(builder.body(Body::empty()).expect("request"))
            .await
    }
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &random_suffix()[..8])
}

impl TestApp {
    /// Sends a non-JSON body (raw bytes, e.g. a CSV upload) with the given content type.
    pub async fn api_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, content_type);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(builder.body(Body::from(body)).expect("request"))
            .await
    }

    /// Rows in a table of one shop's own database, to check that refused input wrote nothing.
    pub async fn shop_count(&self, slug: &str, table: &str) -> i64 {
        let shop = self
            .app
            .state
            .provisioner
            .registry
            .shop_by_slug(slug)
            .await
            .expect("registry query")
            .expect("shop exists");
        let db = self.app.state.pools.get(&shop).expect("shop pool");
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&db.pool)
            .await
            .expect("count")
    }
}

// ---- Races (issue 14 §3: money paths): a shop with products, and its customers written
// straight into the shop database with a session token, so the race tests do not depend on
// the sign-up and verification flows (and spend no time hashing passwords).

/// Who a [`TestApp::shop_customer`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopCustomer {
    /// An individual account.
    Individual,
    /// The admin of a verified company (no spending limit).
    CompanyAdmin,
    /// A buyer of a verified company with this monthly spending limit (minor units).
    Buyer { monthly_limit_minor: i64 },
}

impl TestApp {
    /// A merchant with one active shop (EUR): `(merchant token, slug)`.
    pub async fn merchant_with_shop(&self) -> (String, String) {
        let token = self
            .sign_up(&format!("{}@example.com", unique("merchant")))
            .await;
        let slug = unique("shop");
        self.create_shop(&token, &slug).await;
        (token, slug)
    }

    /// An active product with one variant through the merchant API.
    pub async fn add_product(&self, token: &str, slug: &str, sku: &str, price: &str, on_hand: i64) {
        let response = self
            .api(
                Method::POST,
                &format!("/shops/{slug}/products"),
                Some(token),
                Some(json!({
                    "title": format!("Product {sku}"),
                    "status": "active",
                    "variants": [{ "sku": sku, "price": price, "on_hand": on_hand }]
                })),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    }

    /// The registry row and database of shop `slug`.
    pub async fn shop_database(&self, slug: &str) -> (i64, server::db::Database) {
        let shop = self
            .app
            .state
            .provisioner
            .registry
            .shop_by_slug(slug)
            .await
            .expect("registry query")
            .expect("shop exists");
        let db = self.app.state.pools.get(&shop).expect("shop pool");
        (shop.id, db)
    }

    /// A customer of shop `slug` with a login, written into the shop database, and a session
    /// token for them: `(customer id, token)`. Each company customer gets a company of their own.
    pub async fn shop_customer(&self, slug: &str, kind: ShopCustomer) -> (i64, String) {
        let (shop_id, db) = self.shop_database(slug).await;
        let now = server::db::now_ms();
        let email = format!("{}@example.com", unique("customer"));
        let id: i64 = if kind == ShopCustomer::Individual {
            sqlx::query_scalar(
                "INSERT INTO customers (email, name, account_type, verified, created_at, password_hash) VALUES ($1, 'Ida Person', 'individual', 0, $2, 'not-a-password-hash') RETURNING id",
            )
            .bind(&email)
            .bind(now)
            .fetch_one(&db.pool)
            .await
            .expect("insert individual")
        } else {
            let address = json!({ "name": "Hopper Hardware GmbH", "line1": "Hauptstr. 1", "line2": "", "city": "Berlin", "region": "", "postal_code": "10115", "country": "DE" });
            let company_id: i64 = sqlx::query_scalar(
                "INSERT INTO companies (name, tax_id, billing_address, verification, created_at) VALUES ('Hopper Hardware GmbH', 'DE136695976', $1, 'verified', $2) RETURNING id",
            )
            .bind(address.to_string())
            .bind(now)
            .fetch_one(&db.pool)
            .await
            .expect("insert company");
            let (role, limit) = match kind {
                ShopCustomer::Buyer {
                    monthly_limit_minor,
                } => ("buyer", Some(monthly_limit_minor)),
                _ => ("admin", None),
            };
            sqlx::query_scalar(
                "INSERT INTO customers (email, name, account_type, company_name, verified, created_at, password_hash, company_id, company_role, spending_limit_minor, limit_period) \
                 VALUES ($1, 'Bea Buyer', 'business', 'Hopper Hardware GmbH', 1, $2, 'not-a-password-hash', $3, $4, $5, 'month') RETURNING id",
            )
            .bind(&email)
            .bind(now)
            .bind(company_id)
            .bind(role)
            .bind(limit)
            .fetch_one(&db.pool)
            .await
            .expect("insert company member")
        };
        let token = self
            .app
            .state
            .portal
            .tokens
            .issue(shop_id, id, now)
            .expect("customer token");
        (id, token)
    }

    /// `(on_hand, reserved)` of the variant with this SKU in shop `slug`.
    pub async fn stock_of(&self, slug: &str, sku: &str) -> (i64, i64) {
        let (_, db) = self.shop_database(slug).await;
        sqlx::query_as("SELECT on_hand, reserved FROM variants WHERE sku = $1")
            .bind(sku)
            .fetch_one(&db.pool)
            .await
            .expect("stock")
    }
}

// ---- Auth hardening (issue 14, identity paths): requests from a given client address ----

impl TestApp {
    /// Sends an API request as if it had arrived over TCP from `peer` (the `ConnectInfo` that
    /// `serve` attaches), with extra headers such as `X-Forwarded-For`.
    pub async fn api_from(
        &self,
        peer: std::net::SocketAddr,
        extra_headers: &[(&str, &str)],
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in extra_headers {
            builder = builder.header(*name, *value);
        }
        let mut request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        self.send(request).await
    }

    /// Sends an API request authenticated only by cookies (`name=value` pairs).
    pub async fn api_with_cookies(
        &self,
        method: Method,
        path: &str,
        cookies: &[(&str, &str)],
    ) -> TestResponse {
        let cookie = cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }
}

// ---------------------------------------------------------------------------------------------
// Custom domains: a DNS stand-in on loopback for domain verification. Tests never ask a real DNS
// server: an app that verifies domains is started with `dns_resolver` pointing here.
// ---------------------------------------------------------------------------------------------
#[allow(unused_imports)]
pub use custom_domains::*;

/// Kept in its own module so that its imports cannot collide with other areas' helpers.
mod custom_domains {
    use super::*;
    use hickory_server::proto::rr::rdata::{SOA, TXT};
    use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordType, RrKey};
    use hickory_server::store::in_memory::InMemoryZoneHandler;
    use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
    use std::net::SocketAddr;
    use std::sync::Arc;

    /// An authoritative DNS server for the whole name space (`.`), on 127.0.0.1 over UDP and TCP,
    /// whose TXT records a test sets and clears. Names it has no record for are NXDOMAIN.
    pub struct DnsStandIn {
        pub addr: SocketAddr,
        zone: Arc<InMemoryZoneHandler>,
        _server: hickory_server::Server<Catalog>,
    }

    /// UDP and TCP listeners on one free loopback port.
    async fn loopback_udp_and_tcp() -> (tokio::net::UdpSocket, tokio::net::TcpListener) {
        for _ in 0..20 {
            let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
                .await
                .expect("bind UDP");
            let addr = udp.local_addr().expect("UDP address");
            if let Ok(tcp) = tokio::net::TcpListener::bind(addr).await {
                return (udp, tcp);
            }
        }
        panic!("no loopback port free for both UDP and TCP");
    }

    impl DnsStandIn {
        pub async fn start() -> DnsStandIn {
            let origin = Name::root();
            let mut zone =
                InMemoryZoneHandler::empty(origin.clone(), ZoneType::Primary, AxfrPolicy::Deny);
            let soa = SOA::new(
                Name::from_ascii("ns.dns-stand-in.test.").expect("name"),
                Name::from_ascii("hostmaster.dns-stand-in.test.").expect("name"),
                1,
                3600,
                600,
                86_400,
                0,
            );
            assert!(zone.upsert_mut(Record::from_rdata(origin.clone(), 0, RData::SOA(soa)), 1));
            let zone = Arc::new(zone);
            let mut catalog = Catalog::new();
            catalog.upsert(
                LowerName::new(&origin),
                vec![zone.clone() as Arc<dyn ZoneHandler>],
            );
            let (udp, tcp) = loopback_udp_and_tcp().await;
            let addr = udp.local_addr().expect("address");
            let mut server = hickory_server::Server::new(catalog);
            server.register_socket(udp);
            server.register_listener(tcp, Duration::from_secs(5), 64);
            DnsStandIn {
                addr,
                zone,
                _server: server,
            }
        }

        /// Publishes exactly `values` as the TXT records of `name` (replacing what was there).
        pub async fn set_txt(&self, name: &str, values: &[&str]) {
            self.clear(name).await;
            let name = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).expect("name");
            for value in values {
                let record = Record::from_rdata(
                    name.clone(),
                    0,
                    RData::TXT(TXT::new(vec![(*value).to_string()])),
                );
                assert!(self.zone.upsert(record, 1).await, "TXT record stored");
            }
        }

        /// Removes the TXT records of `name`.
        pub async fn clear(&self, name: &str) {
            let name = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).expect("name");
            self.zone
                .records_mut()
                .await
                .remove(&RrKey::new(LowerName::new(&name), RecordType::TXT));
        }
    }

    /// A "DNS server" on loopback that reads every query and never answers, over UDP and TCP.
    pub struct SilentDns {
        pub addr: SocketAddr,
        tasks: Vec<tokio::task::JoinHandle<()>>,
    }

    impl SilentDns {
        pub async fn start() -> SilentDns {
            let (udp, tcp) = loopback_udp_and_tcp().await;
            let addr = udp.local_addr().expect("address");
            let udp_task = tokio::spawn(async move {
                let mut buffer = [0_u8; 4096];
                while udp.recv_from(&mut buffer).await.is_ok() {}
            });
            let tcp_task = tokio::spawn(async move {
                let mut held = Vec::new();
                while let Ok((stream, _)) = tcp.accept().await {
                    held.push(stream);
                }
            });
            SilentDns {
                addr,
                tasks: vec![udp_task, tcp_task],
            }
        }
    }

    impl Drop for SilentDns {
        fn drop(&mut self) {
            for task in &self.tasks {
                task.abort();
            }
        }
    }

    impl TestApp {
        /// Starts an app whose domain verification asks `dns`.
        pub async fn start_with_dns(engine: Engine, dns: SocketAddr) -> TestApp {
            Self::start_with(engine, |config| config.dns_resolver = Some(dns)).await
        }

        /// Adds `hostname` to shop `slug` (owner `token`), publishes its token in `dns` and verifies
        /// it; returns the shop detail after verification.
        pub async fn add_verified_domain(
            &self,
            token: &str,
            slug: &str,
            hostname: &str,
            dns: &DnsStandIn,
        ) -> Value {
            let added = self
                .api(
                    Method::POST,
                    &format!("/shops/{slug}/domains"),
                    Some(token),
                    Some(json!({ "hostname": hostname })),
                )
                .await;
            assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
            let hostname = hostname.trim_end_matches('.').to_ascii_lowercase();
            let (record_name, record_value) = pending_verification(&added.json, &hostname);
            dns.set_txt(&record_name, &[&record_value]).await;
            let verified = self
                .api(
                    Method::POST,
                    &format!("/shops/{slug}/domains/{hostname}/verify"),
                    Some(token),
                    None,
                )
                .await;
            assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
            verified.json
        }
    }

    /// The TXT record (name, value) a shop detail asks the owner to publish for `hostname`.
    pub fn pending_verification(detail: &Value, hostname: &str) -> (String, String) {
        let domain = detail["domains"]
            .as_array()
            .and_then(|domains| domains.iter().find(|d| d["hostname"] == hostname))
            .unwrap_or_else(|| panic!("{hostname} not in {detail}"));
        assert_eq!(domain["verified"], false, "{domain}");
        (
            domain["verification"]["record_name"]
                .as_str()
                .expect("record name")
                .to_string(),
            domain["verification"]["record_value"]
                .as_str()
                .expect("record value")
                .to_string(),
        )
    }
}

// ---- Mail (issue 14, section 1): a local SMTP stand-in and mailbox helpers ----

/// One message the SMTP stand-in accepted.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA (headers and body, dot-unstuffed).
    pub data: String,
}

impl ReceivedMail {
    /// The first header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((key, value)) = line.split_once(':') {
                if key.eq_ignore_ascii_case(name) {
                    found = Some(value.trim().to_string());
                }
            }
        }
        found
    }
}

#[derive(Default)]
struct StandInState {
    messages: Vec<ReceivedMail>,
    /// Answer the next N `MAIL FROM` commands with this reply instead of accepting them.
    failures: Vec<&'static str>,
    /// Every `MAIL FROM` seen, accepted or not.
    attempts: usize,
}

/// A small SMTP server on 127.0.0.1 that speaks EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and
/// QUIT, records what it accepts, and can be told to refuse the next attempts. Stops when
/// dropped.
pub struct SmtpStandIn {
    pub addr: std::net::SocketAddr,
    state: std::sync::Arc<std::sync::Mutex<StandInState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpStandIn {
    pub async fn start() -> SmtpStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP stand-in");
        let addr = listener.local_addr().expect("stand-in address");
        let state = std::sync::Arc::new(std::sync::Mutex::new(StandInState::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = smtp_session(socket, state).await;
                });
            }
        });
        SmtpStandIn { addr, state, task }
    }

    /// `smtp_url` for the application under test (plain SMTP to loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The next `n` attempts get `451` (try again later).
    pub fn fail_next(&self, n: usize) {
        let mut state = self.state.lock().expect("stand-in state");
        state.failures = vec!["451 4.3.0 Try again later"; n];
    }

    /// The next `n` attempts get `550` (refused for good).
    pub fn reject_next(&self, n: usize) {
        let mut state = self.state.lock().expect("stand-in state");
        state.failures = vec!["550 5.1.1 No such user"; n];
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.state.lock().expect("stand-in state").messages.clone()
    }

    /// Delivery attempts seen (`MAIL FROM` commands), accepted or refused.
    pub fn attempts(&self) -> usize {
        self.state.lock().expect("stand-in state").attempts
    }

    /// Waits until at least `count` messages have arrived (panics after `limit`).
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<ReceivedMail> {
        let started = std::time::Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if started.elapsed() > limit {
                panic!(
                    "expected {count} messages within {limit:?}, got {}",
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn smtp_session(
    socket: tokio::net::TcpStream,
    state: std::sync::Arc<std::sync::Mutex<StandInState>>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 stand-in ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-stand-in greets you\r\n250 8BITMIME".into(),
            "HELO" | "NOOP" => "250 OK".into(),
            "RSET" => {
                from.clear();
                to.clear();
                "250 OK".into()
            }
            "MAIL" => {
                let mut state = state.lock().expect("stand-in state");
                state.attempts += 1;
                if state.failures.is_empty() {
                    from = command
                        .split_once(':')
                        .map_or("", |(_, rest)| rest)
                        .trim()
                        .to_string();
                    "250 OK".into()
                } else {
                    state.failures.remove(0).into()
                }
            }
            "RCPT" => {
                to.push(
                    command
                        .split_once(':')
                        .map_or("", |(_, rest)| rest)
                        .trim()
                        .to_string(),
                );
                "250 OK".into()
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(unstuffed);
                }
                state
                    .lock()
                    .expect("stand-in state")
                    .messages
                    .push(ReceivedMail {
                        from: std::mem::take(&mut from),
                        to: std::mem::take(&mut to),
                        data,
                    });
                "250 OK queued".into()
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 Command not implemented".into(),
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

/// One row of the mail outbox, as the tests look at it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

impl TestApp {
    /// Starts with mail delivered to `smtp` (the stand-in) instead of kept.
    pub async fn start_with_smtp(engine: Engine, smtp: &SmtpStandIn) -> TestApp {
        let url = smtp.url();
        Self::start_with(engine, move |config| {
            config.smtp_url = Some(Secret::new(url));
        })
        .await
    }

    /// Every outbox row, oldest first.
    pub async fn outbox(&self) -> Vec<OutboxRow> {
        sqlx::query_as::<_, OutboxRow>(
            "SELECT id, message_id, recipient, subject, body_text, status, attempts, last_error \
             FROM mail_outbox ORDER BY id",
        )
        .fetch_all(&self.app.state.platform.pool)
        .await
        .expect("outbox rows")
    }

    /// The newest mail to `recipient` (panics if there is none).
    pub async fn last_mail_to(&self, recipient: &str) -> OutboxRow {
        self.outbox()
            .await
            .into_iter()
            .rev()
            .find(|row| row.recipient == recipient)
            .unwrap_or_else(|| panic!("no mail to {recipient}"))
    }

    /// The link to `path` in the newest mail to `recipient` that has one (panics if none).
    pub async fn last_link_to(&self, recipient: &str, path: &str) -> String {
        self.outbox()
            .await
            .into_iter()
            .rev()
            .filter(|row| row.recipient == recipient)
            .find_map(|row| link_in(&row.body_text, path))
            .unwrap_or_else(|| panic!("no mail to {recipient} with a link to {path}"))
    }

    /// Waits until the outbox row `id` has `status` (panics after ten seconds).
    pub async fn wait_for_mail_status(&self, id: i64, status: &str) -> OutboxRow {
        for _ in 0..500 {
            if let Some(row) = self.outbox().await.into_iter().find(|row| row.id == id) {
                if row.status == status {
                    return row;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("mail {id} did not reach status {status}");
    }
}

/// The first link in `text` whose path starts with `path` (e.g. `/verify-email`), as a path
/// with its query (`/verify-email?token=…`).
pub fn link_in(text: &str, path: &str) -> Option<String> {
    text.split_whitespace()
        .filter_map(|word| word.find("://").map(|at| &word[at + 3..]))
        .filter_map(|rest| rest.find('/').map(|slash| &rest[slash..]))
        .find(|link| link.starts_with(path))
        .map(str::to_string)
}

impl TestApp {
    /// Opens the newest verification link mailed to `email`, as its owner would.
    pub async fn verify_email(&self, email: &str) {
        let link = self.last_link_to(email, "/verify-email?token=").await;
        let token = link.trim_start_matches("/verify-email?token=");
        let response = self
            .api(
                Method::POST,
                "/auth/verify-email",
                None,
                Some(json!({ "token": token })),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "verifying {email}: {}",
            response.text
        );
    }

    /// Signs up a merchant with a verified address (every sign-up is verified by its link).
    pub async fn sign_up_verified(&self, email: &str) -> String {
        self.sign_up(email).await
    }
}

impl TestApp {
    /// The token of the newest invitation link mailed to `email`.
    pub async fn invitation_token(&self, email: &str) -> String {
        self.last_link_to(email, "/invitations/")
            .await
            .trim_start_matches("/invitations/")
            .to_string()
    }

    /// Accepts the newest invitation mailed to `email` with `token` (the invitee's session).
    pub async fn accept_invitation(&self, email: &str, session: &str) -> TestResponse {
        let invitation = self.invitation_token(email).await;
        self.api(
            Method::POST,
            &format!("/invitations/{invitation}/accept"),
            Some(session),
            None,
        )
        .await
    }
}
