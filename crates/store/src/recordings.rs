//! Recording rows: where a call's audio file is (relative to the data directory) and what it
//! holds. A call has at most one recording; storing another replaces the row. Files are the
//! caller's business: functions that drop rows return the paths to delete.
//!
//! Invariant: a call with a recording has a `recording` consent record (see `consent`).

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::consent::NewConsent;
use crate::row::get;
use crate::{Store, StoreError, StoreResult, id};

const T: &str = "recordings";

/// A stored recording.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recording {
    pub id: String,
    pub call_id: String,
    /// Where the file is, relative to the data directory (not shown to API clients).
    #[serde(skip)]
    pub path: String,
    pub channels: i64,
    pub sample_rate: i64,
    pub duration_ms: i64,
    /// File size.
    pub bytes: i64,
    pub created_at: i64,
}

/// A recording to store.
#[derive(Debug, Clone)]
pub struct NewRecording {
    /// Relative to the data directory.
    pub path: String,
    pub channels: i64,
    pub sample_rate: i64,
    pub duration_ms: i64,
    pub bytes: i64,
    /// The consent recorded for the call if it has no `recording` record yet (the
    /// announcement the call leg played, or the policy under which a file was uploaded).
    pub consent: NewConsent,
}

/// A stored recording and the files of the rows it replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingSaved {
    pub recording: Recording,
    /// Paths of replaced recordings other than the new one's, for the caller to delete.
    pub replaced_paths: Vec<String>,
}

const COLS: &str = "id, call_id, path, channels, sample_rate, duration_ms, bytes, created_at";

fn from_row(r: &AnyRow) -> StoreResult<Recording> {
    Ok(Recording {
        id: get(r, T, "id")?,
        call_id: get(r, T, "call_id")?,
        path: get(r, T, "path")?,
        channels: get(r, T, "channels")?,
        sample_rate: get(r, T, "sample_rate")?,
        duration_ms: get(r, T, "duration_ms")?,
        bytes: get(r, T, "bytes")?,
        created_at: get(r, T, "created_at")?,
    })
}

impl Store {
    /// Stores the recording of a call, replacing an earlier one, and records the call's
    /// recording consent from `new.consent` if it has none yet. NotFound if the organization
    /// has no such call.
    pub async fn create_recording(
        &self,
        org_id: &str,
        call_id: &str,
        new: &NewRecording,
    ) -> StoreResult<RecordingSaved> {
        if new.consent.kind != crate::consent::ConsentKind::Recording {
            return Err(StoreError::Invalid {
                field: "consent",
                message: "a recording's consent record must be of kind recording".to_owned(),
            });
        }
        let mut tx = self.begin_write().await?;
        crate::consent::lock_call(&mut tx, org_id, call_id).await?;
        let old: Vec<String> = sqlx::query_scalar(
            "DELETE FROM recordings WHERE org_id = $1 AND call_id = $2 RETURNING path",
        )
        .bind(org_id)
        .bind(call_id)
        .fetch_all(&mut *tx)
        .await?;
        let now = self.now_ms();
        let recording = Recording {
            id: id::new_id("rec", now),
            call_id: call_id.to_owned(),
            path: new.path.clone(),
            channels: new.channels,
            sample_rate: new.sample_rate,
            duration_ms: new.duration_ms,
            bytes: new.bytes,
            created_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO recordings (org_id, {COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )))
        .bind(org_id)
        .bind(&recording.id)
        .bind(call_id)
        .bind(&recording.path)
        .bind(recording.channels)
        .bind(recording.sample_rate)
        .bind(recording.duration_ms)
        .bind(recording.bytes)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        crate::consent::ensure(&mut tx, org_id, call_id, &new.consent, now).await?;
        tx.commit().await?;
        let replaced_paths = old.into_iter().filter(|p| *p != new.path).collect();
        Ok(RecordingSaved {
            recording,
            replaced_paths,
        })
    }

    /// The recording of a call; NotFound if it has none.
    pub async fn get_recording(&self, org_id: &str, call_id: &str) -> StoreResult<Recording> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM recordings WHERE org_id = $1 AND call_id = $2 \
             ORDER BY id DESC LIMIT 1"
        )))
        .bind(org_id)
        .bind(call_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// Deletes the recording of a call; returns the file paths to delete. NotFound if the
    /// call has no recording.
    pub async fn delete_recording(&self, org_id: &str, call_id: &str) -> StoreResult<Vec<String>> {
        let paths: Vec<String> = sqlx::query_scalar(
            "DELETE FROM recordings WHERE org_id = $1 AND call_id = $2 RETURNING path",
        )
        .bind(org_id)
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        if paths.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(paths)
    }
}
