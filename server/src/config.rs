//! Configuration from an optional TOML file, then environment variables, then command-line flags.
//! Secrets are wrapped so that they never appear in logs or `Debug` output.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// A value that must never be printed.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A PostgreSQL server on which shop databases can be placed.
#[derive(Clone, Debug)]
pub struct ShopServer {
    /// Recorded per shop in the registry, so it must stay stable across restarts.
    pub name: String,
    /// Server URL without a database path, e.g. `postgres://user:pw@host:5432`.
    pub url: Secret,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub addr: Option<SocketAddr>,
    /// `None` means the embedded SQLite platform database under `data_dir`.
    pub platform_database_url: Option<Secret>,
    /// Empty means shops live in SQLite files under `data_dir/shops`.
    pub shop_servers: Vec<ShopServer>,
    pub jwt_secret: Option<Secret>,
    pub base_domain: String,
    /// Plain-HTTP local development: cookies without `Secure`.
    pub dev_mode: bool,
    pub demo: bool,
    /// Size of the first demo shop (`--demo-products N`, `--demo-orders N`).
    pub demo_products: usize,
    pub demo_orders: usize,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// How long an unused per-shop pool stays open.
    pub shop_pool_idle_secs: u64,
    /// The most per-shop pools held open at once; the least recently used are closed first.
    pub max_open_shop_pools: usize,
    /// How many pages of one shop render at once; further page requests of that shop wait for
    /// a turn. `0` means two per CPU. See [`Config::page_render_limit`].
    pub page_renders: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges). Empty:
    /// the client address is always the TCP peer, whatever the headers say.
    pub trusted_proxies: Vec<IpRange>,
    /// Sign-ups (merchant and customer) allowed per client address per hour; `0`: no limit.
    pub sign_ups_per_client_per_hour: i64,
    /// The DNS server that custom-domain verification asks (`HOST:PORT`); `None` means the
    /// system's resolver configuration.
    pub dns_resolver: Option<SocketAddr>,
    // Mail (server/src/mail).
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host:465`;
    /// `None` keeps mail in the database, shown at `/dev/mailbox` in development mode.
    pub smtp_url: Option<Secret>,
    /// The `From` of every mail; default `Cartwright <no-reply@<base_domain>>`.
    pub mail_from: Option<String>,
    /// Where links in mail point, e.g. `https://admin.example.com`; default
    /// `http://<listen address>` in development mode, else `https://<base_domain>`.
    pub public_url: Option<String>,
    /// Work every request is bounded by (see [`Limits`]).
    pub limits: Limits,
}

/// An IP address range (`10.0.0.0/8`, `fd00::/8`) or one address (`127.0.0.1`, `::1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(text: &str) -> anyhow::Result<IpRange> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .trim()
            .parse()
            .with_context(|| format!("'{text}' is not an IP address or CIDR range"))?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= bits)
                .with_context(|| format!("'{text}': the prefix length must be 0 to {bits}"))?,
        };
        Ok(IpRange { network, prefix })
    }

    /// Whether `ip` lies in the range (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `CARTWRIGHT_TRUSTED_PROXIES`: a comma-separated list of addresses and CIDR ranges.
pub fn parse_trusted_proxies(list: &str) -> anyhow::Result<Vec<IpRange>> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(IpRange::parse)
        .collect::<anyhow::Result<Vec<_>>>()
        .context("trusted_proxies")
}

/// Bounds on the work one client can cause, so that a slow or hostile client cannot hold the
/// server's memory, connections or turns.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest upload (a CSV import) in bytes; a larger body is refused with 413.
    pub max_upload_bytes: u64,
    /// How long a client may take to send a request's headers before its connection is closed.
    pub header_read_timeout_secs: u64,
    /// How long a request may take to be answered (uploads: between two chunks of the body)
    /// before it is answered with 408.
    pub request_timeout_secs: u64,
    /// How long a page waits for its shop's turn before it is answered with 503.
    pub page_wait_secs: u64,
    /// Shops one account may create; the next one is refused with 403.
    pub max_shops_per_account: i64,
    /// Shop databases provisioned at once; further shops wait for their turn.
    pub provisioning_concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 200 * 1024 * 1024,
            header_read_timeout_secs: 10,
            request_timeout_secs: 30,
            page_wait_secs: 10,
            max_shops_per_account: 25,
            provisioning_concurrency: 2,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            addr: None,
            platform_database_url: None,
            shop_servers: Vec::new(),
            jwt_secret: None,
            base_domain: "cartwright.localhost".into(),
            dev_mode: false,
            demo: false,
            demo_products: 40,
            demo_orders: 1000,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            shop_pool_idle_secs: 300,
            max_open_shop_pools: 200,
            page_renders: 0,
            trusted_proxies: Vec::new(),
            sign_ups_per_client_per_hour: crate::auth::service::MAX_SIGN_UPS_PER_CLIENT,
            dns_resolver: None,
            smtp_url: None,
            mail_from: None,
            public_url: None,
            limits: Limits::default(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    addr: Option<SocketAddr>,
    platform_database_url: Option<Secret>,
    shop_servers: Option<Vec<FileShopServer>>,
    jwt_secret: Option<Secret>,
    base_domain: Option<String>,
    dev_mode: Option<bool>,
    shop_pool_idle_secs: Option<u64>,
    max_open_shop_pools: Option<usize>,
    page_renders: Option<usize>,
    trusted_proxies: Option<Vec<String>>,
    sign_ups_per_client_per_hour: Option<u32>,
    dns_resolver: Option<SocketAddr>,
    smtp_url: Option<Secret>,
    mail_from: Option<String>,
    public_url: Option<String>,
    limits: Option<Limits>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShopServer {
    name: String,
    url: Secret,
}

impl Config {
    /// Pages of one shop rendered at once (see [`crate::tenancy::page_turns`]). Two per CPU
    /// served the most orders pages per second on 2 CPUs (README, performance): one per CPU
    /// left the CPUs idle while pages waited for the database, and more kept so many
    /// half-rendered pages in memory that each page got slower.
    pub fn page_render_limit(&self) -> usize {
        if self.page_renders > 0 {
            self.page_renders
        } else {
            2 * std::thread::available_parallelism().map_or(2, usize::from)
        }
    }

    /// The `From` of outgoing mail.
    pub fn mail_from_address(&self) -> String {
        self.mail_from
            .clone()
            .unwrap_or_else(|| format!("Cartwright <no-reply@{}>", self.base_domain))
    }

    /// The origin that links in mail start with (no trailing slash).
    pub fn public_origin(&self, listen: SocketAddr) -> String {
        let origin = match &self.public_url {
            Some(url) => url.clone(),
            None if self.dev_mode => format!("http://{listen}"),
            None => format!("https://{}", self.base_domain),
        };
        origin.trim_end_matches('/').to_string()
    }

    /// Reads `--config FILE` (or `CARTWRIGHT_CONFIG`), then `CARTWRIGHT_*` variables, then flags.
    pub fn load(args: &[String]) -> anyhow::Result<Config> {
        let mut config = Config::default();
        let flag = |name: &str| -> Option<String> {
            args.iter()
                .position(|arg| arg == name)
                .and_then(|index| args.get(index + 1).cloned())
        };
        let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());

        if let Some(path) = flag("--config").or_else(|| env("CARTWRIGHT_CONFIG")) {
            config.apply_file(Path::new(&path))?;
        }
        if let Some(dir) = env("CARTWRIGHT_DATA_DIR") {
            config.data_dir = dir.into();
        }
        if let Some(addr) = env("CARTWRIGHT_ADDR") {
            config.addr = Some(addr.parse().context("CARTWRIGHT_ADDR is not HOST:PORT")?);
        }
        if let Some(url) = env("CARTWRIGHT_PLATFORM_DATABASE_URL") {
            config.platform_database_url = Some(Secret::new(url));
        }
        if let Some(list) = env("CARTWRIGHT_SHOP_SERVERS") {
            config.shop_servers = parse_shop_servers(&list)?;
        }
        if let Some(secret) = env("CARTWRIGHT_JWT_SECRET") {
            config.jwt_secret = Some(Secret::new(secret));
        }
        if let Some(domain) = env("CARTWRIGHT_BASE_DOMAIN") {
            config.base_domain = domain;
        }
        if let Some(renders) = env("CARTWRIGHT_PAGE_RENDERS") {
            config.page_renders = renders
                .parse()
                .context("CARTWRIGHT_PAGE_RENDERS needs a whole number")?;
        }
        if let Some(list) = env("CARTWRIGHT_TRUSTED_PROXIES") {
            config.trusted_proxies =
                parse_trusted_proxies(&list).context("CARTWRIGHT_TRUSTED_PROXIES")?;
        }
        if let Some(limit) = env("CARTWRIGHT_SIGN_UPS_PER_HOUR") {
            config.sign_ups_per_client_per_hour = limit
                .parse::<u32>()
                .context("CARTWRIGHT_SIGN_UPS_PER_HOUR needs a whole number")?
                .into();
        }
        if let Some(addr) = env("CARTWRIGHT_DNS_RESOLVER") {
            config.dns_resolver = Some(
                addr.parse()
                    .context("CARTWRIGHT_DNS_RESOLVER is not IP:PORT, e.g. 127.0.0.1:5353")?,
            );
        }
        if let Some(url) = env("CARTWRIGHT_SMTP_URL") {
            config.smtp_url = Some(Secret::new(url));
        }
        if let Some(from) = env("CARTWRIGHT_MAIL_FROM") {
            config.mail_from = Some(from);
        }
        if let Some(url) = env("CARTWRIGHT_PUBLIC_URL") {
            config.public_url = Some(url);
        }
        if let Some(count) = env("CARTWRIGHT_MAX_SHOPS_PER_ACCOUNT") {
            config.limits.max_shops_per_account = count
                .parse()
                .context("CARTWRIGHT_MAX_SHOPS_PER_ACCOUNT needs a whole number")?;
        }
        if let Some(dev) = env("CARTWRIGHT_DEV") {
            config.dev_mode = matches!(dev.as_str(), "1" | "true" | "yes");
        }
        if let Some(dir) = flag("--data-dir") {
            config.data_dir = dir.into();
        }
        if let Some(addr) = flag("--addr") {
            config.addr = Some(addr.parse().context("--addr is not HOST:PORT")?);
        }
        if args.iter().any(|arg| arg == "--demo") {
            config.demo = true;
        }
        for (name, slot) in [
            ("--demo-products", &mut config.demo_products),
            ("--demo-orders", &mut config.demo_orders),
        ] {
            if let Some(value) = flag(name) {
                *slot = value
                    .parse()
                    .with_context(|| format!("{name} needs a whole number"))?;
                config.demo = true;
            }
        }
        if args.iter().any(|arg| arg == "--dev") {
            config.dev_mode = true;
        }
        Ok(config)
    }

    fn apply_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading configuration file {}", path.display()))?;
        let file: FileConfig = toml::from_str(&text)
            .with_context(|| format!("parsing configuration file {}", path.display()))?;
        if let Some(value) = file.data_dir {
            self.data_dir = value;
        }
        if let Some(value) = file.addr {
            self.addr = Some(value);
        }
        if let Some(value) = file.platform_database_url {
            self.platform_database_url = Some(value);
        }
        if let Some(servers) = file.shop_servers {
            self.shop_servers = servers
                .into_iter()
                .map(|server| ShopServer {
                    name: server.name,
                    url: server.url,
                })
                .collect();
        }
        if let Some(value) = file.jwt_secret {
            self.jwt_secret = Some(value);
        }
        if let Some(value) = file.base_domain {
            self.base_domain = value;
        }
        if let Some(value) = file.dev_mode {
            self.dev_mode = value;
        }
        if let Some(value) = file.shop_pool_idle_secs {
            self.shop_pool_idle_secs = value;
        }
        if let Some(value) = file.max_open_shop_pools {
            self.max_open_shop_pools = value;
        }
        if let Some(value) = file.page_renders {
            self.page_renders = value;
        }
        if let Some(value) = file.sign_ups_per_client_per_hour {
            self.sign_ups_per_client_per_hour = value.into();
        }
        if let Some(value) = file.dns_resolver {
            self.dns_resolver = Some(value);
        }
        if let Some(value) = file.smtp_url {
            self.smtp_url = Some(value);
        }
        if let Some(value) = file.mail_from {
            self.mail_from = Some(value);
        }
        if let Some(value) = file.public_url {
            self.public_url = Some(value);
        }
        if let Some(value) = file.limits {
            self.limits = value;
        }
        if let Some(list) = file.trusted_proxies {
            self.trusted_proxies = list
                .iter()
                .map(|entry| IpRange::parse(entry))
                .collect::<anyhow::Result<Vec<_>>>()
                .context("trusted_proxies")?;
        }
        Ok(())
    }
}

/// `name=url,name=url` (or bare URLs, named `pg1`, `pg2`, … by position).
pub fn parse_shop_servers(list: &str) -> anyhow::Result<Vec<ShopServer>> {
    let mut servers = Vec::new();
    for (index, entry) in list
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .enumerate()
    {
        let (name, url) = match entry.split_once('=') {
            Some((name, url)) if !name.contains("://") => (name.trim().to_string(), url.trim()),
            _ => (format!("pg{}", index + 1), entry),
        };
        if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            bail!("shop server '{name}' must be a postgres:// URL");
        }
        servers.push(ShopServer {
            name,
            url: Secret::new(url.trim_end_matches('/')),
        });
    }
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let config = Config {
            jwt_secret: Some(Secret::new("super-secret-value")),
            shop_servers: parse_shop_servers("main=postgres://u:hunter2@h:5432").expect("valid"),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("super-secret-value"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn mail_settings_come_from_the_file_and_the_smtp_password_stays_out_of_logs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cartwright.toml");
        std::fs::write(
            &path,
            "smtp_url = \"smtps://mailer:hunter2@smtp.example.com:465\"\n\
             mail_from = \"Shop Desk <desk@example.com>\"\n\
             public_url = \"https://admin.example.com/\"\n",
        )
        .expect("write");
        let mut config = Config::default();
        config.apply_file(&path).expect("valid file");
        assert_eq!(
            config.smtp_url.as_ref().map(Secret::expose),
            Some("smtps://mailer:hunter2@smtp.example.com:465")
        );
        assert!(!format!("{config:?}").contains("hunter2"));
        assert_eq!(config.mail_from_address(), "Shop Desk <desk@example.com>");
        let listen: SocketAddr = "127.0.0.1:3000".parse().expect("address");
        assert_eq!(config.public_origin(listen), "https://admin.example.com");
    }

    #[test]
    fn mail_defaults_follow_the_base_domain_and_the_listen_address() {
        let listen: SocketAddr = "127.0.0.1:4000".parse().expect("address");
        let config = Config {
            base_domain: "shops.example.com".into(),
            ..Config::default()
        };
        assert_eq!(
            config.mail_from_address(),
            "Cartwright <no-reply@shops.example.com>"
        );
        assert_eq!(config.public_origin(listen), "https://shops.example.com");
        let dev = Config {
            dev_mode: true,
            ..config
        };
        assert_eq!(dev.public_origin(listen), "http://127.0.0.1:4000");
    }

    #[test]
    fn shop_servers_are_named_explicitly_or_by_position() {
        let servers = parse_shop_servers("postgres://a:1, eu=postgres://b:2/").expect("valid");
        assert_eq!(servers[0].name, "pg1");
        assert_eq!(servers[1].name, "eu");
        assert_eq!(servers[1].url.expose(), "postgres://b:2");
        assert!(parse_shop_servers("mysql://x").is_err());
    }

    #[test]
    fn flags_override_defaults() {
        let args: Vec<String> = [
            "server",
            "--data-dir",
            "/tmp/x",
            "--addr",
            "127.0.0.1:4000",
            "--demo",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let config = Config::load(&args).expect("loads");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.addr.map(|a| a.port()), Some(4000));
        assert!(config.demo);
    }

    #[test]
    fn trusted_proxies_parse_addresses_and_cidr_ranges() {
        let ranges =
            parse_trusted_proxies(" 10.0.0.0/8, 127.0.0.1,fd00::/8 , ::1,").expect("valid");
        assert_eq!(ranges.len(), 4);
        let has = |ip: &str| {
            let ip: IpAddr = ip.parse().expect("ip");
            ranges.iter().any(|range| range.contains(ip))
        };
        assert!(has("10.255.1.2"));
        assert!(has("127.0.0.1"));
        assert!(!has("127.0.0.2"));
        assert!(has("fd12::1"));
        assert!(has("::1"));
        assert!(has("::ffff:10.1.1.1"), "IPv4-mapped IPv6 counts as IPv4");
        assert!(!has("11.0.0.1"));
        assert!(!has("fe80::1"));
        let everything = IpRange::parse("0.0.0.0/0").expect("valid");
        assert!(everything.contains("203.0.113.1".parse().expect("ip")));
        assert!(!everything.contains("2001:db8::1".parse().expect("ip")));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "proxy.example",
            "10.0.0.0/x",
        ] {
            assert!(parse_trusted_proxies(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_trusted_proxies("").expect("empty"), Vec::new());
    }

    #[test]
    fn trusted_proxies_and_the_sign_up_allowance_come_from_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cartwright.toml");
        std::fs::write(&path, "trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n").expect("write");
        let mut config = Config::default();
        assert!(config.trusted_proxies.is_empty(), "none by default");
        assert_eq!(config.sign_ups_per_client_per_hour, 10);
        config.apply_file(&path).expect("valid file");
        assert_eq!(config.trusted_proxies.len(), 2);
        std::fs::write(&path, "sign_ups_per_client_per_hour = 0\n").expect("write");
        config.apply_file(&path).expect("valid file");
        assert_eq!(config.sign_ups_per_client_per_hour, 0, "no limit");
        std::fs::write(&path, "trusted_proxies = [\"nonsense\"]\n").expect("write");
        let error = Config::default().apply_file(&path).expect_err("invalid");
        assert!(
            format!("{error:#}").contains("trusted_proxies"),
            "{error:#}"
        );
    }

    #[test]
    fn page_renders_default_to_two_per_cpu_unless_set() {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        assert_eq!(Config::default().page_render_limit(), 2 * cpus);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cartwright.toml");
        std::fs::write(&path, "page_renders = 3\n").expect("write");
        let mut config = Config::default();
        config.apply_file(&path).expect("valid file");
        assert_eq!(config.page_render_limit(), 3);
        std::fs::write(&path, "page_renders = -1\n").expect("write");
        let error = Config::default().apply_file(&path).expect_err("negative");
        assert!(format!("{error:#}").contains("page_renders"), "{error:#}");
    }

    #[test]
    fn the_dns_resolver_is_read_from_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cartwright.toml");
        std::fs::write(&path, "dns_resolver = \"127.0.0.1:5353\"\n").expect("write");
        let mut config = Config::default();
        assert_eq!(config.dns_resolver, None);
        config.apply_file(&path).expect("valid file");
        assert_eq!(config.dns_resolver, "127.0.0.1:5353".parse().ok());
        std::fs::write(&path, "dns_resolver = \"resolver.example\"\n").expect("write");
        let error = Config::default()
            .apply_file(&path)
            .expect_err("not an address");
        assert!(format!("{error:#}").contains("dns_resolver"), "{error:#}");
    }

    #[test]
    fn limits_come_from_their_own_table_and_refuse_unknown_keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cartwright.toml");
        std::fs::write(
            &path,
            "[limits]\nmax_upload_bytes = 1000\nmax_shops_per_account = 3\n",
        )
        .expect("write");
        let mut config = Config::default();
        config.apply_file(&path).expect("valid file");
        assert_eq!(config.limits.max_upload_bytes, 1000);
        assert_eq!(config.limits.max_shops_per_account, 3);
        assert_eq!(
            config.limits.request_timeout_secs,
            Limits::default().request_timeout_secs,
            "keys left out keep their defaults"
        );
        std::fs::write(&path, "[limits]\nmax_upload_byte = 1000\n").expect("write");
        let error = Config::default()
            .apply_file(&path)
            .expect_err("misspelt key");
        assert!(
            format!("{error:#}").contains("max_upload_byte"),
            "{error:#}"
        );
    }
}
