//! One data-access layer for two engines: every query is written once (`$1` placeholders,
//! integer timestamps, text and integer columns only) and runs through sqlx's `Any` driver on
//! SQLite or PostgreSQL. Only DDL differs, kept as one migrations folder per engine.

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A pool plus the engine it talks to (needed where the SQL dialects differ).
#[derive(Clone, Debug)]
pub struct Database {
    pub pool: AnyPool,
    pub engine: Engine,
}

static PLATFORM_SQLITE: Migrator = sqlx::migrate!("../migrations/platform/sqlite");
static PLATFORM_POSTGRES: Migrator = sqlx::migrate!("../migrations/platform/postgres");
static TENANT_SQLITE: Migrator = sqlx::migrate!("../migrations/tenant/sqlite");
static TENANT_POSTGRES: Migrator = sqlx::migrate!("../migrations/tenant/postgres");

/// Makes the compiled-in drivers available to `Any`; idempotent.
pub fn install_drivers() {
    sqlx::any::install_default_drivers();
}

pub fn engine_of(url: &str) -> Engine {
    if url.starts_with("postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

pub struct PoolShape {
    pub max_connections: u32,
    pub idle_timeout: Duration,
}

fn options(engine: Engine, shape: &PoolShape) -> AnyPoolOptions {
    let options = AnyPoolOptions::new()
        .max_connections(shape.max_connections)
        .min_connections(0)
        .idle_timeout(Some(shape.idle_timeout))
        .acquire_timeout(Duration::from_secs(10));
    match engine {
        Engine::Postgres => options,
        // Pragmas cannot travel in the URL; WAL for concurrent readers, foreign keys enforced,
        // a busy timeout instead of immediate SQLITE_BUSY, FULL sync so a commit survives power loss.
        // No ping before each checkout: the database is a file in this process, a ping only costs
        // a round trip to the connection's worker thread.
        Engine::Sqlite => options
            .test_before_acquire(false)
            .after_connect(|connection, _meta| {
                Box::pin(async move {
                    connection
                        .execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;",
                        )
                        .await?;
                    Ok(())
                })
            }),
    }
}

impl Database {
    /// Opens a pool and checks that the database answers.
    pub async fn connect(url: &str, shape: &PoolShape) -> anyhow::Result<Database> {
        install_drivers();
        let engine = engine_of(url);
        let connect_options = AnyConnectOptions::from_str(url).context("parsing database URL")?;
        let pool = options(engine, shape)
            .connect_with(connect_options)
            .await
            .context("connecting to database")?;
        Ok(Database { pool, engine })
    }

    /// Creates the pool without connecting; the first query opens a connection.
    pub fn connect_lazy(url: &str, shape: &PoolShape) -> anyhow::Result<Database> {
        install_drivers();
        let engine = engine_of(url);
        let connect_options = AnyConnectOptions::from_str(url).context("parsing database URL")?;
        let pool = options(engine, shape).connect_lazy_with(connect_options);
        Ok(Database { pool, engine })
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`) so
    /// that two writers queue on the busy timeout instead of failing with a lock upgrade error.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.pool.begin().await,
        }
    }

    pub async fn migrate_platform(&self) -> anyhow::Result<()> {
        let migrator = match self.engine {
            Engine::Sqlite => &PLATFORM_SQLITE,
            Engine::Postgres => &PLATFORM_POSTGRES,
        };
        migrator
            .run(&self.pool)
            .await
            .context("applying platform migrations")
    }

    pub async fn migrate_tenant(&self) -> anyhow::Result<()> {
        let migrator = match self.engine {
            Engine::Sqlite => &TENANT_SQLITE,
            Engine::Postgres => &TENANT_POSTGRES,
        };
        migrator
            .run(&self.pool)
            .await
            .context("applying tenant migrations")
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The highest tenant migration version this build knows, per engine.
pub fn latest_tenant_version(engine: Engine) -> i64 {
    let migrator = match engine {
        Engine::Sqlite => &TENANT_SQLITE,
        Engine::Postgres => &TENANT_POSTGRES,
    };
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Milliseconds since the Unix epoch; every timestamp is stored this way on both engines.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A unique-constraint violation, on either engine.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db_error) => {
            db_error.is_unique_violation()
                || db_error.code().as_deref() == Some("23505")
                || db_error.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
