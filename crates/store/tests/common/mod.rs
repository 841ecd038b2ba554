//! Runs every store test against both backends: a fresh SQLite file and a fresh PostgreSQL
//! schema in the `test` database on 127.0.0.1:5432 (override with CALLBRIDGE_TEST_PG_URL).
//! PostgreSQL being unreachable is a test failure, never a skip.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use callbridge_store::{Clock, Store};

/// A database that removes itself when dropped.
pub struct TestDb {
    pub store: Store,
    cleanup: Cleanup,
    /// The test's clock: milliseconds since the epoch, settable.
    pub now: Arc<AtomicI64>,
}

enum Cleanup {
    File(PathBuf),
    Schema { base_url: String, schema: String },
}

pub fn pg_base_url() -> String {
    std::env::var("CALLBRIDGE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn unique(tag: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{tag}_{}_{}_{}_{}",
        now.as_secs(),
        std::process::id(),
        now.subsec_nanos(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn test_clock() -> (Clock, Arc<AtomicI64>) {
    // A fixed, realistic start time: 2026-01-15T12:00:00Z.
    let now = Arc::new(AtomicI64::new(1_768_478_400_000));
    let c = now.clone();
    (Clock(Arc::new(move || c.load(Ordering::SeqCst))), now)
}

pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique("cbstore")));
    let store = Store::connect(&Store::sqlite_url(&path))
        .await
        .expect("open SQLite");
    let (clock, now) = test_clock();
    TestDb {
        store: store.with_clock(clock),
        cleanup: Cleanup::File(path),
        now,
    }
}

pub async fn postgres() -> TestDb {
    sqlx::any::install_default_drivers();
    let base = pg_base_url();
    let schema = unique("t");
    let admin = Store::connect_raw_for_tests(&base)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {base} is required for the store tests: {e}"));
    purge_stale_schemas(&admin).await;
    admin
        .execute_for_tests(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("create schema");
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let store = Store::connect(&url).await.expect("connect with schema");
    let (clock, now) = test_clock();
    TestDb {
        store: store.with_clock(clock),
        cleanup: Cleanup::Schema {
            base_url: base,
            schema,
        },
        now,
    }
}

impl TestDb {
    /// Moves the test clock forward.
    pub fn advance_ms(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }
}

impl TestDb {
    /// Removes the database. Called after each test body; a test that panics leaves its
    /// schema behind, and the next run's `postgres()` purges schemas older than two hours.
    pub async fn cleanup(self) {
        self.store.close().await;
        match &self.cleanup {
            Cleanup::File(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Cleanup::Schema { base_url, schema } => {
                if let Ok(s) = Store::connect_raw_for_tests(base_url).await {
                    let _ = s
                        .execute_for_tests(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await;
                    s.close().await;
                }
            }
        }
    }
}

/// Drops test schemas (named `t_<unix seconds>_...`) left by crashed runs over 2 hours ago.
async fn purge_stale_schemas(admin: &Store) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let Ok(names) = admin.schema_names_for_tests("t_").await else {
        return;
    };
    for name in names {
        let secs = name.split('_').nth(1).and_then(|s| s.parse::<u64>().ok());
        if secs.is_some_and(|s| s + 7200 < now) {
            let _ = admin
                .execute_for_tests(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .await;
        }
    }
}

/// Declares `async fn $name(db: &TestDb)` as two tests, one per backend.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let db = $crate::common::sqlite().await;
                    super::$name(&db).await;
                    db.cleanup().await;
                }
                #[tokio::test]
                async fn postgres() {
                    let db = $crate::common::postgres().await;
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            }
        )*
    };
}
