//! Retention: transcripts and recordings of calls older than their organization's
//! `retention_days` are deleted; everything newer stays. Calls themselves, their consent
//! records and analyses are kept (the record that a call happened, and under which consent,
//! outlives its content).
//!
//! Deletion runs in batches of [`BATCH`] rows, each its own short transaction, so a large
//! backlog never holds SQLite's single write lock long enough to stall live calls' segment
//! writes.

use crate::{Store, StoreResult};

/// Rows deleted per transaction.
const BATCH: i64 = 1000;

/// One day in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// What one retention pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub segments_deleted: u64,
    /// Paths of the deleted recordings (relative to the data directory): the caller deletes
    /// the files.
    pub recordings: Vec<String>,
}

/// Calls whose content has expired at `$1` (now, ms): started before their organization's
/// retention window. (The day length is cast to 64 bits so that no dialect multiplies in 32.)
fn expired_calls() -> String {
    format!(
        "SELECT c.id FROM calls c JOIN org_settings o ON o.org_id = c.org_id \
         WHERE c.started_at < $1 - o.retention_days * CAST({DAY_MS} AS BIGINT)"
    )
}

impl Store {
    /// Deletes expired transcript segments and recording rows as of `now_ms`.
    pub async fn apply_retention(&self, now_ms: i64) -> StoreResult<RetentionReport> {
        let expired = expired_calls();
        let mut report = RetentionReport::default();
        loop {
            let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM transcript_segments WHERE id IN (SELECT id FROM transcript_segments \
                 WHERE call_id IN ({expired}) LIMIT $2)"
            )))
            .bind(now_ms)
            .bind(BATCH)
            .execute(&self.pool)
            .await?;
            report.segments_deleted += done.rows_affected();
            if done.rows_affected() < BATCH as u64 {
                break;
            }
        }
        loop {
            let paths: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "DELETE FROM recordings WHERE id IN (SELECT id FROM recordings \
                 WHERE call_id IN ({expired}) LIMIT $2) RETURNING path"
            )))
            .bind(now_ms)
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await?;
            let n = paths.len();
            report.recordings.extend(paths);
            if (n as i64) < BATCH {
                break;
            }
        }
        Ok(report)
    }
}
