//! Connecting, migrating and the handle every query goes through.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::{NowFn, StoreError, StoreResult};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store's notion of "now", injectable so retention and ordering tests control time.
#[derive(Clone)]
pub struct Clock(pub NowFn);

impl Clock {
    /// Wall-clock time.
    pub fn system() -> Self {
        Clock(Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        }))
    }

    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// A connection pool plus what queries need to know about it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    clock: Clock,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to `url` (`sqlite://path/file.db` or `postgres://...`), creating a SQLite file
    /// when missing, and runs the migrations.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid {
                field: "database_url",
                message: "expected sqlite://... or postgres://...".to_owned(),
            });
        };
        let url = match backend {
            // mode=rwc: create the file if it does not exist yet.
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(StoreError::Db)?;
        let pool = pool_options(backend)
            .connect_with(options)
            .await
            .map_err(StoreError::Db)?;
        let store = Store {
            pool,
            backend,
            clock: Clock::system(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The URL of a SQLite database file at `path`.
    pub fn sqlite_url(path: &std::path::Path) -> String {
        format!("sqlite://{}", path.display())
    }

    async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Checks the database answers (readiness probes).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for in-flight queries (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn pool_options(backend: Backend) -> AnyPoolOptions {
    let opts = AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(10))
        .max_connections(match backend {
            // SQLite serializes writers anyway; a few readers in parallel is all WAL allows.
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
    match backend {
        Backend::Sqlite => opts.after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL: readers never block the writer. synchronous=NORMAL in WAL mode keeps
                // every committed transaction across a process crash (kill -9); only an OS
                // crash or power loss can lose the last transactions (sqlite.org/wal.html).
                // busy_timeout: writers from several connections wait instead of failing.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .await?;
                Ok(())
            })
        }),
        Backend::Postgres => opts,
    }
}

/// Helpers for test harnesses in other crates' tests (creating and dropping PostgreSQL
/// schemas). Not for server code: they bypass migrations and take raw SQL.
impl Store {
    #[doc(hidden)]
    pub async fn connect_raw_for_tests(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str(url).map_err(StoreError::Db)?;
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(StoreError::Db)?;
        Ok(Store {
            pool,
            backend: Backend::Postgres,
            clock: Clock::system(),
        })
    }

    #[doc(hidden)]
    pub async fn execute_for_tests(&self, sql: &str) -> StoreResult<()> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    #[doc(hidden)]
    pub async fn schema_names_for_tests(&self, prefix: &str) -> StoreResult<Vec<String>> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT schema_name::text FROM information_schema.schemata WHERE schema_name LIKE $1",
        )
        .bind(format!("{prefix}%"))
        .fetch_all(&self.pool)
        .await?;
        Ok(names)
    }
}
