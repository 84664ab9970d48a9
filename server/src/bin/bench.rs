//! Benchmarks. `bench provision` measures what creating a shop costs, the way the product does it
//! (`Provisioner::register` then `Provisioner::provision`, timed together):
//!
//! - the median (p90, min, max) time to provision one shop on SQLite (target < 50 ms);
//! - the same on PostgreSQL when `CARTWRIGHT_BENCH_PG_URL` names a server (target < 1 s);
//! - the wall time to provision 1,000 SQLite shops one after another (target < 60 s), and that
//!   no shop pool or shop database file is left open afterwards.
//!
//! Every run works in fresh scratch directories under the system temp dir (`TMPDIR`) and in
//! fresh PostgreSQL databases, all removed at the end. `make bench` runs it against a throw-away,
//! durable PostgreSQL; progress goes to stderr, the results block to stdout.

use anyhow::{anyhow, bail, Context};

use app::shops::model::NewShopInput;
use server::config::{Config, Secret, ShopServer};
use server::startup::Application;
use server::state::AppState;
use server::tenancy::placement::checked_pg_name;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: bench provision [--sqlite-samples N] [--pg-samples N] [--bulk N]

  --sqlite-samples N   shops timed one by one on SQLite (default 50; 0 skips)
  --pg-samples N       shops timed one by one on PostgreSQL (default 20; 0 skips)
  --bulk N             SQLite shops provisioned in a row for the wall-time figure (default 1000; 0 skips)

PostgreSQL is measured when CARTWRIGHT_BENCH_PG_URL is set, e.g.
postgres://cartwright@127.0.0.1:5432/postgres (the user must be allowed to create databases).
Scratch files go under the system temp dir; set TMPDIR to measure another disk.";

const PG_URL_VAR: &str = "CARTWRIGHT_BENCH_PG_URL";
const SQLITE_TARGET_MS: f64 = 50.0;
const POSTGRES_TARGET_MS: f64 = 1000.0;
const BULK_TARGET_SHOPS: usize = 1000;
const BULK_TARGET_S: f64 = 60.0;

struct Options {
    sqlite_samples: usize,
    pg_samples: usize,
    bulk: usize,
}

enum Command {
    Help,
    Provision(Options),
}

impl Command {
    fn parse(args: &[String]) -> anyhow::Result<Command> {
        let mut args = args.iter();
        match args.next().map(String::as_str) {
            Some("provision") => {}
            Some("-h" | "--help") => return Ok(Command::Help),
            Some(other) => bail!("unknown benchmark {other:?}\n\n{USAGE}"),
            None => bail!("which benchmark?\n\n{USAGE}"),
        }
        let mut options = Options {
            sqlite_samples: 50,
            pg_samples: 20,
            bulk: BULK_TARGET_SHOPS,
        };
        while let Some(flag) = args.next() {
            let slot = match flag.as_str() {
                "--sqlite-samples" => &mut options.sqlite_samples,
                "--pg-samples" => &mut options.pg_samples,
                "--bulk" => &mut options.bulk,
                "-h" | "--help" => return Ok(Command::Help),
                other => bail!("unknown argument {other:?}\n\n{USAGE}"),
            };
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a number"))?;
            *slot = value
                .parse()
                .with_context(|| format!("{flag} expects a whole number, got {value:?}"))?;
        }
        Ok(Command::Provision(options))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match Command::parse(&args)? {
        Command::Help => {
            println!("{USAGE}");
            return Ok(());
        }
        Command::Provision(options) => options,
    };
    init_tracing();
    server::db::install_drivers();

    let mut report = Report::default();
    report.line(
        "machine",
        format!("{} CPUs, {}", cpu_count(), server::machine::cpu_model()),
    );
    report.line(
        "build",
        if cfg!(debug_assertions) {
            "debug (not representative: use --release)"
        } else {
            "release"
        },
    );
    let temp = std::env::temp_dir();
    report.line(
        "scratch_dir",
        format!(
            "{} ({})",
            temp.display(),
            filesystem_of(&temp).unwrap_or_else(|| "unknown file system".into())
        ),
    );

    // (a) one shop at a time on SQLite.
    if options.sqlite_samples > 0 {
        eprintln!(
            "sqlite: provisioning {} shops, timing each",
            options.sqlite_samples
        );
        let timings = sqlite_samples(options.sqlite_samples).await?;
        report.stats("provision_sqlite", &timings, SQLITE_TARGET_MS);
    } else {
        report.line("provision_sqlite", "skipped (--sqlite-samples 0)");
    }

    // (b) one shop at a time on PostgreSQL, if a server was given.
    match std::env::var(PG_URL_VAR).ok().filter(|url| !url.is_empty()) {
        Some(_) if options.pg_samples == 0 => {
            report.line("provision_postgres", "skipped (--pg-samples 0)")
        }
        Some(url) => {
            eprintln!(
                "postgres: provisioning {} shops, timing each",
                options.pg_samples
            );
            let (server, timings) = postgres_samples(&url, options.pg_samples).await?;
            report.line("postgres_server", server);
            report.stats("provision_postgres", &timings, POSTGRES_TARGET_MS);
        }
        None => report.line(
            "provision_postgres",
            format!("skipped ({PG_URL_VAR} not set)"),
        ),
    }

    // (c) many shops in a row on SQLite.
    if options.bulk > 0 {
        eprintln!("bulk: provisioning {} SQLite shops in a row", options.bulk);
        let bulk = sqlite_bulk(options.bulk).await?;
        report.line("bulk_sqlite_shops", bulk.shops);
        let total_s = bulk.wall.as_secs_f64();
        if bulk.shops == BULK_TARGET_SHOPS {
            report.below("bulk_sqlite_total_s", total_s, BULK_TARGET_S);
        } else {
            report.line(
                "bulk_sqlite_total_s",
                format!("{total_s:.1} (the target of {BULK_TARGET_S} s is for {BULK_TARGET_SHOPS} shops)"),
            );
        }
        if let Some(stats) = Stats::of(&bulk.timings) {
            report.line(
                "bulk_sqlite_per_shop_median_ms",
                format!("{:.1}", stats.median_ms),
            );
            report.line(
                "bulk_sqlite_per_shop_max_ms",
                format!("{:.1}", stats.max_ms),
            );
        }
        report.exactly("bulk_sqlite_open_shop_pools", Some(bulk.open_pools), 0);
        report.exactly("bulk_sqlite_open_shop_files", bulk.open_shop_files, 0);
    } else {
        report.line("bulk_sqlite", "skipped (--bulk 0)");
    }

    report.print();
    Ok(())
}

/// Warnings and errors only by default: the product logs one line per provisioned shop.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

// --- the runs ------------------------------------------------------------------------------

async fn sqlite_samples(count: usize) -> anyhow::Result<Vec<Duration>> {
    let scratch = ScratchDir::new("sqlite")?;
    let state = start(bench_config(scratch.path())).await?;
    let run = provision_shops(&state, count, None).await;
    stop(&state).await;
    Ok(run?.timings)
}

struct Bulk {
    shops: usize,
    wall: Duration,
    timings: Vec<Duration>,
    open_pools: usize,
    open_shop_files: Option<usize>,
}

async fn sqlite_bulk(count: usize) -> anyhow::Result<Bulk> {
    let scratch = ScratchDir::new("bulk")?;
    let state = start(bench_config(scratch.path())).await?;
    let run = provision_shops(&state, count, Some("bulk")).await;
    // Counted before shutting down: provisioning itself must have closed everything it opened.
    let open_pools = state.pools.open_count();
    let open_shop_files = open_files_under(&scratch.path().join("shops"));
    stop(&state).await;
    let run = run?;
    Ok(Bulk {
        shops: count,
        wall: run.wall,
        timings: run.timings,
        open_pools,
        open_shop_files,
    })
}

/// Runs the samples in a fresh platform database on the server behind `url`, then drops every
/// database the run created. Returns the server's description and the timings.
async fn postgres_samples(url: &str, count: usize) -> anyhow::Result<(String, Vec<Duration>)> {
    let server = server_root(url)?;
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{server}/postgres"))
        .await
        .with_context(|| format!("connecting to PostgreSQL ({PG_URL_VAR})"))?;
    let (version, fsync) = sqlx::query_as::<_, (String, String)>(
        "SELECT current_setting('server_version'), current_setting('fsync')",
    )
    .fetch_one(&admin)
    .await
    .context("reading the PostgreSQL version")?;

    let platform_db = format!("cw_bench_{:016x}", rand::random::<u64>());
    let scratch = ScratchDir::new("pg")?;
    let config = Config {
        platform_database_url: Some(Secret::new(format!("{server}/{platform_db}"))),
        shop_servers: vec![ShopServer {
            name: "pg1".into(),
            url: Secret::new(server.clone()),
        }],
        ..bench_config(scratch.path())
    };
    let (timings, mut databases) = postgres_run(config, count).await;
    databases.push(platform_db);
    let dropped = drop_databases(&admin, &databases).await;
    admin.close().await;
    let timings = timings?;
    dropped?;
    Ok((format!("PostgreSQL {version} (fsync={fsync})"), timings))
}

/// The PostgreSQL samples; also returns the shop databases created, even when a step failed.
async fn postgres_run(
    config: Config,
    count: usize,
) -> (anyhow::Result<Vec<Duration>>, Vec<String>) {
    let state = match start(config).await {
        Ok(state) => state,
        Err(error) => return (Err(error), Vec::new()),
    };
    let run = provision_shops(&state, count, None).await;
    let databases = sqlx::query_scalar::<_, String>("SELECT db_name FROM shops")
        .fetch_all(&state.platform.pool)
        .await
        .unwrap_or_else(|error| {
            eprintln!("warning: could not list the benchmark's shop databases, they stay on the server: {error}");
            Vec::new()
        });
    stop(&state).await;
    (run.map(|run| run.timings), databases)
}

async fn drop_databases(admin: &AnyPool, names: &[String]) -> anyhow::Result<()> {
    let mut failures = Vec::new();
    for name in names {
        let dropped = match checked_pg_name(name) {
            Ok(name) => admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .await
                .map(|_| ())
                .map_err(anyhow::Error::from),
            Err(error) => Err(error),
        };
        if let Err(error) = dropped {
            failures.push(format!("{name}: {error}"));
        }
    }
    if !failures.is_empty() {
        bail!(
            "could not drop the benchmark's databases: {}",
            failures.join("; ")
        );
    }
    Ok(())
}

// --- provisioning --------------------------------------------------------------------------

fn bench_config(data_dir: &Path) -> Config {
    let mut config = Config {
        data_dir: data_dir.to_path_buf(),
        jwt_secret: Some(Secret::new("x".repeat(40))),
        ..Config::default()
    };
    // One benchmark account owns every shop it provisions.
    config.limits.max_shops_per_account = i64::MAX;
    config
}

async fn start(config: Config) -> anyhow::Result<AppState> {
    let Application { state, .. } = server::startup::build(config)
        .await
        .context("starting the application")?;
    Ok(state)
}

async fn stop(state: &AppState) {
    state.pools.close_all().await;
    state.platform.close().await;
}

struct Run {
    timings: Vec<Duration>,
    /// Wall time of the whole loop, from the first registration to the last activation.
    wall: Duration,
}

/// Signs up an owner, provisions `count` shops one after another, and checks they all became
/// active. `progress` labels a line on stderr every 100 shops.
async fn provision_shops(
    state: &AppState,
    count: usize,
    progress: Option<&str>,
) -> anyhow::Result<Run> {
    let owner_id = server::demo::create_verified_merchant(
        state,
        "bench@cartwright.localhost",
        "Bench Owner",
        "bench-password-0123",
    )
    .await?;

    let started = Instant::now();
    let mut timings = Vec::with_capacity(count);
    for index in 1..=count {
        timings.push(provision_one(state, owner_id, &format!("bench-{index:05}")).await?);
        if let Some(label) = progress {
            if index % 100 == 0 || index == count {
                eprintln!(
                    "  {label}: {index}/{count} shops, {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    let wall = started.elapsed();

    let active = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM shops WHERE status = 'active'")
        .fetch_one(&state.platform.pool)
        .await
        .context("counting active shops")?;
    if usize::try_from(active).ok() != Some(count) {
        bail!("{active} of {count} shops are active after provisioning");
    }
    Ok(Run { timings, wall })
}

/// Provisions one shop the way the product does; returns how long it took.
async fn provision_one(state: &AppState, owner_id: i64, slug: &str) -> anyhow::Result<Duration> {
    let input = NewShopInput {
        name: format!("Bench shop {slug}"),
        slug: slug.to_string(),
        currency: "EUR".into(),
        timezone: "UTC".into(),
    };
    let started = Instant::now();
    let shop = state
        .provisioner
        .register(owner_id, input)
        .await
        .map_err(|error| anyhow!("registering shop {slug}: {error}"))?;
    state
        .provisioner
        .provision(shop.id)
        .await
        .with_context(|| format!("provisioning shop {slug}"))?;
    Ok(started.elapsed())
}

// --- figures -------------------------------------------------------------------------------

struct Stats {
    samples: usize,
    median_ms: f64,
    p90_ms: f64,
    min_ms: f64,
    max_ms: f64,
}

impl Stats {
    fn of(timings: &[Duration]) -> Option<Stats> {
        let mut sorted = timings.to_vec();
        sorted.sort();
        let n = sorted.len();
        let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
        let first = *sorted.first()?;
        let last = *sorted.last()?;
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        };
        // Nearest rank: the smallest sample that at least 90 % of the samples do not exceed.
        let p90 = sorted[(n * 9).div_ceil(10).saturating_sub(1)];
        Some(Stats {
            samples: n,
            median_ms: ms(median),
            p90_ms: ms(p90),
            min_ms: ms(first),
            max_ms: ms(last),
        })
    }
}

/// The results block: one `key: value` line per figure, targets in brackets.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
    missed: Vec<String>,
}

impl Report {
    fn line(&mut self, key: &str, value: impl std::fmt::Display) {
        self.lines.push(format!("{key}: {value}"));
    }

    /// A figure that must stay below `target`.
    fn below(&mut self, key: &str, value: f64, target: f64) {
        self.lines
            .push(format!("{key}: {value:.1} (target < {target})"));
        if value >= target {
            self.missed.push(key.to_string());
        }
    }

    /// A count that must be exactly `target`; `None` when it could not be measured.
    fn exactly(&mut self, key: &str, value: Option<usize>, target: usize) {
        match value {
            Some(value) => {
                self.lines.push(format!("{key}: {value} (target {target})"));
                if value != target {
                    self.missed.push(key.to_string());
                }
            }
            None => self
                .lines
                .push(format!("{key}: n/a (not measurable on this system)")),
        }
    }

    fn stats(&mut self, prefix: &str, timings: &[Duration], target_ms: f64) {
        let Some(stats) = Stats::of(timings) else {
            self.line(prefix, "no samples");
            return;
        };
        self.below(&format!("{prefix}_median_ms"), stats.median_ms, target_ms);
        self.line(&format!("{prefix}_p90_ms"), format!("{:.1}", stats.p90_ms));
        self.line(&format!("{prefix}_min_ms"), format!("{:.1}", stats.min_ms));
        self.line(&format!("{prefix}_max_ms"), format!("{:.1}", stats.max_ms));
        self.line(&format!("{prefix}_samples"), stats.samples);
    }

    fn print(&self) {
        println!("\n== Cartwright provisioning benchmark ==");
        for line in &self.lines {
            println!("{line}");
        }
        if self.missed.is_empty() {
            println!("targets: all met");
        } else {
            println!("targets: MISSED {}", self.missed.join(", "));
        }
    }
}

// --- the machine and scratch space ---------------------------------------------------------

fn cpu_count() -> String {
    std::thread::available_parallelism()
        .map(|count| count.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// The file system holding `path` (Linux, from /proc/mounts). On tmpfs a commit never reaches a
/// disk, so SQLite figures measured there are too good to be true.
fn filesystem_of(path: &Path) -> Option<String> {
    let path = std::fs::canonicalize(path).ok()?;
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let mount_point = PathBuf::from(fields.nth(1)?);
            let fs_type = fields.next()?.to_string();
            Some((mount_point, fs_type))
        })
        .filter(|(mount_point, _)| path.starts_with(mount_point))
        // The longest matching mount point; of equals, the last (it is mounted on top).
        .max_by_key(|(mount_point, _)| mount_point.as_os_str().len())
        .map(|(_, fs_type)| fs_type)
}

/// How many files under `dir` this process holds open (Linux, from /proc/self/fd).
fn open_files_under(dir: &Path) -> Option<usize> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    Some(
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| std::fs::read_link(entry.path()).ok())
            .filter(|target| target.starts_with(&dir))
            .count(),
    )
}

/// `postgres://user@host:5432/postgres?x=y` → `postgres://user@host:5432`.
fn server_root(url: &str) -> anyhow::Result<String> {
    let scheme_len = ["postgres://", "postgresql://"]
        .into_iter()
        .find(|scheme| url.starts_with(*scheme))
        .map(|scheme| scheme.len())
        .with_context(|| format!("{PG_URL_VAR} must be a postgres:// URL"))?;
    let rest = &url[scheme_len..];
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    Ok(url[..scheme_len + authority_len].to_string())
}

/// A fresh directory under the system temp dir, removed with everything in it when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(label: &str) -> anyhow::Result<ScratchDir> {
        let path = std::env::temp_dir().join(format!(
            "cartwright-bench-{label}-{:016x}",
            rand::random::<u64>()
        ));
        std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ScratchDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.0) {
            eprintln!("warning: could not remove {}: {error}", self.0.display());
        }
    }
}
