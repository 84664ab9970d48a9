//! One data-access layer for two engines: every query is written once (`$1` placeholders,
//! integer timestamps, text and integer columns only) and runs through sqlx's `Any` driver on
//! SQLite or PostgreSQL. Only DDL differs, kept as one migrations folder per engine.

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Transaction};
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

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
    quick_reads: Arc<QuickReads>,
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
        // No ping before each checkout: the database is a file in this process, a ping only costs
        // a round trip to the connection's worker thread.
        Engine::Sqlite => options
            .test_before_acquire(false)
            .after_connect(|connection, _meta| {
                Box::pin(async move {
                    connection.execute(SQLITE_PRAGMAS).await?;
                    Ok(())
                })
            }),
    }
}

/// Pragmas cannot travel in the URL; WAL for concurrent readers, foreign keys enforced, a busy
/// timeout instead of immediate SQLITE_BUSY, FULL sync so a commit survives power loss.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;";

/// SQLite connections for the reads of the busiest pages (the orders list, an order), kept
/// beside the pool and taken back without a ping.
///
/// sqlx's pool pings every connection it takes back, to flush what a query dropped halfway may
/// have left behind. On SQLite that ping is a round trip to the connection's worker thread: as
/// many thread hand-overs as the query itself, and on the orders list sqlx's pool code was 6 %
/// of the samples, not counting the worker thread's side of each ping. A read that ran to its
/// end leaves nothing behind, so [`ReadConnection::finish`] puts its connection straight back;
/// a read that failed or was dropped midway closes its connection instead.
#[derive(Debug)]
struct QuickReads {
    idle: Mutex<Vec<AnyConnection>>,
    permits: Semaphore,
}

/// A connection for reads: from [`Database::read`]. Call [`ReadConnection::finish`] once the
/// reads have succeeded.
pub struct ReadConnection<'a>(ReadSource<'a>);

enum ReadSource<'a> {
    /// PostgreSQL: a connection of the pool (its connections are a budget shared with the
    /// server's other clients, so there are no extra ones).
    Pooled(PoolConnection<Any>),
    /// Dropped without [`ReadConnection::finish`], the connection closes.
    Quick {
        connection: AnyConnection,
        database: &'a Database,
        permit: SemaphorePermit<'a>,
    },
}

impl ReadConnection<'_> {
    /// The reads ran to their end: the connection goes back for the next read.
    pub fn finish(self) {
        if let ReadSource::Quick {
            connection,
            database,
            permit,
        } = self.0
        {
            if !database.pool.is_closed() {
                if let Ok(mut idle) = database.quick_reads.idle.lock() {
                    idle.push(connection);
                }
            }
            // Given back only now, so that the next read finds the connection idle.
            drop(permit);
        }
    }
}

impl Deref for ReadConnection<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            ReadSource::Pooled(connection) => connection,
            ReadSource::Quick { connection, .. } => connection,
        }
    }
}

impl DerefMut for ReadConnection<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            ReadSource::Pooled(connection) => connection,
            ReadSource::Quick { connection, .. } => connection,
        }
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
        Ok(Database::new(pool, engine, shape))
    }

    fn new(pool: AnyPool, engine: Engine, shape: &PoolShape) -> Database {
        Database {
            pool,
            engine,
            quick_reads: Arc::new(QuickReads {
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(shape.max_connections.max(1) as usize),
            }),
        }
    }

    /// A connection for one or more reads that run to their end (see [`QuickReads`]); on
    /// PostgreSQL, a connection of the pool.
    pub async fn read(&self) -> Result<ReadConnection<'_>, sqlx::Error> {
        if self.engine == Engine::Postgres {
            return Ok(ReadConnection(ReadSource::Pooled(
                self.pool.acquire().await?,
            )));
        }
        if self.pool.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        let reads = &*self.quick_reads;
        let permit = tokio::time::timeout(
            self.pool.options().get_acquire_timeout(),
            reads.permits.acquire(),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
        .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = reads.idle.lock().ok().and_then(|mut idle| idle.pop());
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let mut connection = self.pool.connect_options().connect().await?;
                connection.execute(SQLITE_PRAGMAS).await?;
                connection
            }
        };
        Ok(ReadConnection(ReadSource::Quick {
            connection,
            database: self,
            permit,
        }))
    }

    /// Creates the pool without connecting; the first query opens a connection.
    pub fn connect_lazy(url: &str, shape: &PoolShape) -> anyhow::Result<Database> {
        install_drivers();
        let engine = engine_of(url);
        let connect_options = AnyConnectOptions::from_str(url).context("parsing database URL")?;
        let pool = options(engine, shape).connect_lazy_with(connect_options);
        Ok(Database::new(pool, engine, shape))
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
        self.quick_reads.permits.close();
        let idle = match self.quick_reads.idle.lock() {
            Ok(mut idle) => std::mem::take(&mut *idle),
            Err(_) => Vec::new(),
        };
        for connection in idle {
            let _ = connection.close().await;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite(dir: &tempfile::TempDir, connections: u32) -> Database {
        let url = sqlite_url(&dir.path().join("reads.db"));
        Database::connect(
            &url,
            &PoolShape {
                max_connections: connections,
                idle_timeout: Duration::from_secs(60),
            },
        )
        .await
        .expect("opens the SQLite file")
    }

    /// Creates the TEMP table `marker`, which only `connection` sees.
    async fn mark(connection: &mut AnyConnection) {
        sqlx::query("CREATE TEMP TABLE marker (x INTEGER)")
            .execute(connection)
            .await
            .expect("temp table");
    }

    /// Whether `connection` is the one that created the TEMP table `marker` (TEMP tables
    /// belong to one connection).
    async fn has_marker(connection: &mut AnyConnection) -> bool {
        sqlx::query("SELECT COUNT(*) FROM temp.marker")
            .fetch_one(connection)
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_finished_read_hands_its_connection_to_the_next_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sqlite(&dir, 2).await;
        let mut read = db.read().await.expect("a read connection");
        mark(&mut read).await;
        read.finish();

        let mut next = db.read().await.expect("a read connection");
        assert!(has_marker(&mut next).await, "the same connection came back");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *next)
            .await
            .expect("pragma");
        assert_eq!(foreign_keys, 1, "read connections get the pool's pragmas");
    }

    #[tokio::test]
    async fn a_read_dropped_unfinished_closes_its_connection() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sqlite(&dir, 2).await;
        let mut read = db.read().await.expect("a read connection");
        mark(&mut read).await;
        drop(read);
        let mut next = db.read().await.expect("a read connection");
        assert!(!has_marker(&mut next).await, "a fresh connection");

        // A query given up halfway: its connection is not handed on either.
        let mut read = db.read().await.expect("a read connection");
        mark(&mut read).await;
        let long = sqlx::query_scalar::<_, i64>(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000000) \
             SELECT COUNT(*) FROM n",
        )
        .fetch_one(&mut *read);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), long)
                .await
                .is_err(),
            "the long query was given up"
        );
        drop(read);
        let mut next = db.read().await.expect("a read connection");
        assert!(!has_marker(&mut next).await, "a fresh connection");
        next.finish();
    }

    #[tokio::test]
    async fn reads_wait_for_a_free_connection_and_stop_after_close() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sqlite(&dir, 1).await;
        let read = db.read().await.expect("a read connection");
        assert!(
            tokio::time::timeout(Duration::from_millis(100), db.read())
                .await
                .is_err(),
            "the only read connection is taken"
        );
        read.finish();
        let read = tokio::time::timeout(Duration::from_secs(5), db.read())
            .await
            .expect("free again")
            .expect("a read connection");
        read.finish();

        db.close().await;
        assert!(matches!(db.read().await, Err(sqlx::Error::PoolClosed)));
    }
}
