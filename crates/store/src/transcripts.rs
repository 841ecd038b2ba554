//! Transcript segments: the final pieces of a call's transcript, written as they become final.
//!
//! Invariants:
//! - nothing is stored for an organization that has not opted in (`store_transcripts`);
//! - `(call_id, seq)` is unique: writing the same segment again is a no-op (a retry after a
//!   lost response), writing different content under a used `seq` is a conflict;
//! - a write is durable and searchable once it returns: the segment, its full-text index entry
//!   and the call's transcript consent record commit in one transaction.

mod fts_query;
mod search;

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::calls::text_enum;
use crate::consent::{ConsentKind, ConsentMethod, NewConsent};
use crate::row::get;
use crate::{Store, StoreError, StoreResult};

pub use search::{SearchHit, SearchRequest};

const T: &str = "transcript_segments";

text_enum! {
    /// Who spoke.
    Speaker {
        /// The other party: a customer, a lead, or the AI buyer in a role-play.
        Caller = "caller",
        /// The AI agent.
        Agent = "agent",
        /// The human sales rep.
        Rep = "rep",
        /// A manager who whispered, barged in or took over.
        Supervisor = "supervisor",
    }
}

/// A stored segment.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Segment {
    /// Position in the call's transcript (unique per call, chosen by the writer).
    pub seq: i64,
    pub speaker: Speaker,
    /// Offset from the start of the call.
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    /// Recognizer confidence, 0 to 1, when known.
    pub confidence: Option<f64>,
    pub created_at: i64,
}

/// A segment to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSegment {
    pub seq: i64,
    pub speaker: Speaker,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub confidence: Option<f64>,
}

/// The result of writing one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentWrite {
    pub segment: Segment,
    /// `false`: the same segment was already stored (an idempotent retry).
    pub created: bool,
}

/// Why segments were not stored.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// The organization has not opted in to transcript storage.
    #[error(
        "transcripts are not stored for this organization: enable store_transcripts in the \
         settings first"
    )]
    TranscriptsDisabled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SegmentError {
    fn from(e: sqlx::Error) -> Self {
        SegmentError::Store(e.into())
    }
}

const COLS: &str = "seq, speaker, start_ms, end_ms, text, confidence, created_at";

fn from_row(r: &AnyRow) -> StoreResult<Segment> {
    let speaker: String = get(r, T, "speaker")?;
    Ok(Segment {
        seq: get(r, T, "seq")?,
        speaker: Speaker::parse(&speaker).ok_or_else(|| StoreError::Corrupt {
            table: T,
            message: format!("speaker {speaker}"),
        })?,
        start_ms: get(r, T, "start_ms")?,
        end_ms: get(r, T, "end_ms")?,
        text: get(r, T, "text")?,
        confidence: get(r, T, "confidence")?,
        created_at: get(r, T, "created_at")?,
    })
}

fn check(s: &NewSegment) -> StoreResult<()> {
    let invalid = |field, message: &str| {
        Err(StoreError::Invalid {
            field,
            message: message.to_owned(),
        })
    };
    if s.seq < 0 {
        return invalid("seq", "must not be negative");
    }
    if s.start_ms < 0 || s.end_ms < s.start_ms {
        return invalid("end_ms", "need 0 <= start_ms <= end_ms");
    }
    if s.text.trim().is_empty() {
        return invalid("text", "must not be empty");
    }
    if s.text.contains(search::RESERVED) {
        // The search marks matches with these; stored, they would forge highlights.
        return invalid("text", "must not contain U+E000 or U+E001");
    }
    if s.confidence
        .is_some_and(|c| !(0.0..=1.0).contains(&c) || c.is_nan())
    {
        return invalid("confidence", "must be between 0 and 1");
    }
    Ok(())
}

/// Whether a stored segment holds exactly what a retried write brings.
fn same_content(stored: &Segment, new: &NewSegment) -> bool {
    stored.speaker == new.speaker
        && stored.start_ms == new.start_ms
        && stored.end_ms == new.end_ms
        && stored.text == new.text
        && stored.confidence == new.confidence
}

impl Store {
    /// Stores one segment of a call; see [`Store::add_segments`].
    pub async fn add_segment(
        &self,
        org_id: &str,
        call_id: &str,
        segment: &NewSegment,
    ) -> Result<SegmentWrite, SegmentError> {
        let mut written = self
            .add_segments(org_id, call_id, std::slice::from_ref(segment))
            .await?;
        written.pop().ok_or_else(|| {
            SegmentError::Store(StoreError::Corrupt {
                table: T,
                message: "a one-segment write returned nothing".to_owned(),
            })
        })
    }

    /// Stores segments of a call in one transaction: all or none. Refuses when the
    /// organization has not opted in to transcript storage. The first stored segment of a
    /// call also records the call's transcript consent (method `setting`), unless the call
    /// already has one. Committed, hence durable and searchable, when this returns.
    pub async fn add_segments(
        &self,
        org_id: &str,
        call_id: &str,
        segments: &[NewSegment],
    ) -> Result<Vec<SegmentWrite>, SegmentError> {
        for s in segments {
            check(s)?;
        }
        let mut tx = self.begin_write().await?;
        let opted_in: Option<i64> =
            sqlx::query_scalar("SELECT store_transcripts FROM org_settings WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?;
        if opted_in.unwrap_or(0) == 0 {
            return Err(SegmentError::TranscriptsDisabled);
        }
        // Locking the call serializes this call's writers on PostgreSQL, so the consent check
        // below cannot race; it also answers NotFound for another organization's call.
        crate::consent::lock_call(&mut tx, org_id, call_id).await?;
        let now = self.now_ms();
        let mut out = Vec::with_capacity(segments.len());
        for s in segments {
            out.push(write_one(&mut tx, org_id, call_id, s, now).await?);
        }
        if out.iter().any(|w| w.created) {
            let consent = NewConsent {
                kind: ConsentKind::Transcript,
                granted: true,
                method: ConsentMethod::Setting,
                detail: "organization setting store_transcripts is on".to_owned(),
            };
            crate::consent::ensure(&mut tx, org_id, call_id, &consent, now).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The call's segments in `seq` order (empty for an unknown call: check the call first).
    pub async fn list_segments(&self, org_id: &str, call_id: &str) -> StoreResult<Vec<Segment>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM transcript_segments WHERE org_id = $1 AND call_id = $2 \
             ORDER BY seq"
        )))
        .bind(org_id)
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Number of stored segments of a call.
    pub async fn count_segments(&self, org_id: &str, call_id: &str) -> StoreResult<i64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM transcript_segments WHERE org_id = $1 AND call_id = $2",
        )
        .bind(org_id)
        .bind(call_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Deletes a call's transcript; returns how many segments went. NotFound if the
    /// organization has no such call.
    pub async fn delete_transcript(&self, org_id: &str, call_id: &str) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        crate::consent::lock_call(&mut tx, org_id, call_id).await?;
        let done =
            sqlx::query("DELETE FROM transcript_segments WHERE org_id = $1 AND call_id = $2")
                .bind(org_id)
                .bind(call_id)
                .execute(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

/// Inserts one segment, or checks that the stored one under its `seq` is the same.
async fn write_one(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    call_id: &str,
    s: &NewSegment,
    now: i64,
) -> Result<SegmentWrite, SegmentError> {
    // ON CONFLICT DO NOTHING instead of catching the unique violation: on PostgreSQL an error
    // would abort the whole transaction.
    let done = sqlx::query(
        "INSERT INTO transcript_segments \
         (org_id, call_id, seq, speaker, start_ms, end_ms, text, confidence, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (call_id, seq) DO NOTHING",
    )
    .bind(org_id)
    .bind(call_id)
    .bind(s.seq)
    .bind(s.speaker.as_str())
    .bind(s.start_ms)
    .bind(s.end_ms)
    .bind(&s.text)
    .bind(s.confidence)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM transcript_segments WHERE call_id = $1 AND seq = $2"
    )))
    .bind(call_id)
    .bind(s.seq)
    .fetch_one(&mut *conn)
    .await?;
    let stored = from_row(&row)?;
    let created = done.rows_affected() == 1;
    if !created && !same_content(&stored, s) {
        return Err(SegmentError::Store(StoreError::Conflict(format!(
            "segment {} of this call is already stored with different content",
            s.seq
        ))));
    }
    Ok(SegmentWrite {
        segment: stored,
        created,
    })
}
