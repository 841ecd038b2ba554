//! Calls: one row per conversation on any transport, from creation by a call leg (or an
//! import) through its status transitions to its end.
//!
//! Invariants: a call's `user_id`, `campaign_id` and `lead_id` always belong to the call's
//! organization (checked here, since the foreign keys alone would accept another
//! organization's row); status only moves forward (`queued` -> `ringing` -> `in_progress` ->
//! `completed`|`failed`, steps may be skipped) and a finished call never changes status again.

mod filter;
mod vocab;

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::row::get;
use crate::{Backend, Page, PageRequest, Store, StoreError, StoreResult, id};

pub use filter::CallFilter;
pub(crate) use filter::{Bind, Conditions};
pub(crate) use vocab::text_enum;
pub use vocab::{CallMode, CallStatus, Direction, Transport};

const T: &str = "calls";

/// A call.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    pub id: String,
    pub org_id: String,
    pub direction: Direction,
    pub transport: Transport,
    pub mode: CallMode,
    pub status: CallStatus,
    /// How the call ended for the business: booked, transferred, no_answer, voicemail, dnc...
    pub outcome: Option<String>,
    pub from_number: String,
    pub to_number: String,
    /// The rep the call belongs to (reps see only their own calls).
    pub user_id: Option<String>,
    pub campaign_id: Option<String>,
    pub lead_id: Option<String>,
    pub persona_id: Option<String>,
    pub script_id: Option<String>,
    /// The exact script version the call followed.
    pub script_version: Option<i64>,
    /// The transport's id: Twilio CallSid, SIP Call-ID.
    pub external_id: Option<String>,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// Talk time: from answer to end; 0 for a call that ended unanswered.
    pub duration_ms: Option<i64>,
    /// Why the call ended (SIP status, disconnect reason, hang-up side).
    pub end_reason: Option<String>,
    /// Per-call measurements (latencies, counts), written by the call leg.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metrics: serde_json::Value,
    pub created_at: i64,
}

/// A new call. An already finished call (an import) carries `ended_at` and a final status.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub direction: Direction,
    pub transport: Transport,
    pub mode: CallMode,
    pub status: CallStatus,
    pub from_number: String,
    pub to_number: String,
    pub user_id: Option<String>,
    pub campaign_id: Option<String>,
    pub lead_id: Option<String>,
    pub persona_id: Option<String>,
    pub script_id: Option<String>,
    pub script_version: Option<i64>,
    pub external_id: Option<String>,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub outcome: Option<String>,
    pub end_reason: Option<String>,
}

/// A status transition: the new status, when it happened, and (for the end) why.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub status: CallStatus,
    /// When the transition happened (ms); sets `answered_at` for `in_progress`, `ended_at`
    /// for `completed`/`failed`.
    pub at: i64,
    pub outcome: Option<String>,
    pub end_reason: Option<String>,
}

const COLS: &str = "id, org_id, direction, transport, mode, status, outcome, from_number, \
    to_number, user_id, campaign_id, lead_id, persona_id, script_id, script_version, \
    external_id, started_at, answered_at, ended_at, duration_ms, end_reason, metrics, created_at";

fn enum_col<E>(r: &AnyRow, col: &str, parse: fn(&str) -> Option<E>) -> StoreResult<E> {
    let s: String = get(r, T, col)?;
    parse(&s).ok_or_else(|| StoreError::Corrupt {
        table: T,
        message: format!("{col} {s}"),
    })
}

pub(crate) fn from_row(r: &AnyRow) -> StoreResult<Call> {
    Ok(Call {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        direction: enum_col(r, "direction", Direction::parse)?,
        transport: enum_col(r, "transport", Transport::parse)?,
        mode: enum_col(r, "mode", CallMode::parse)?,
        status: enum_col(r, "status", CallStatus::parse)?,
        outcome: get(r, T, "outcome")?,
        from_number: get(r, T, "from_number")?,
        to_number: get(r, T, "to_number")?,
        user_id: get(r, T, "user_id")?,
        campaign_id: get(r, T, "campaign_id")?,
        lead_id: get(r, T, "lead_id")?,
        persona_id: get(r, T, "persona_id")?,
        script_id: get(r, T, "script_id")?,
        script_version: get(r, T, "script_version")?,
        external_id: get(r, T, "external_id")?,
        started_at: get(r, T, "started_at")?,
        answered_at: get(r, T, "answered_at")?,
        ended_at: get(r, T, "ended_at")?,
        duration_ms: get(r, T, "duration_ms")?,
        end_reason: get(r, T, "end_reason")?,
        metrics: crate::row::get_json(r, T, "metrics")?,
        created_at: get(r, T, "created_at")?,
    })
}

/// Talk time of a call that ended at `ended`: from the answer, or 0 if never answered.
fn duration(answered_at: Option<i64>, ended: i64) -> i64 {
    answered_at.map_or(0, |a| (ended - a).max(0))
}

impl Store {
    /// Begins a transaction that holds the write lock from its first statement. On SQLite a
    /// plain (deferred) transaction that reads before it writes fails at once with
    /// SQLITE_BUSY when another connection commits in between; `BEGIN IMMEDIATE` waits for
    /// the lock (busy_timeout) instead. PostgreSQL locks rows as statements touch them.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend() {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Creates a call. Referenced users, campaigns and leads must belong to `org_id`.
    pub async fn create_call(&self, org_id: &str, new: &NewCall) -> StoreResult<Call> {
        self.create_call_with_consent(org_id, new, &[]).await
    }

    /// Creates a call and its consent records in one transaction (imports of call records
    /// bring the consent that was given on the original call).
    pub async fn create_call_with_consent(
        &self,
        org_id: &str,
        new: &NewCall,
        consent: &[crate::consent::NewConsent],
    ) -> StoreResult<Call> {
        check_new_call(new)?;
        let mut tx = self.begin_write().await?;
        check_refs(&mut tx, org_id, new).await?;
        let now = self.now_ms();
        let id = id::new_id("call", now);
        let duration_ms = new.ended_at.map(|e| duration(new.answered_at, e));
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO calls ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, '{{}}', $22)"
        )))
        .bind(&id)
        .bind(org_id)
        .bind(new.direction.as_str())
        .bind(new.transport.as_str())
        .bind(new.mode.as_str())
        .bind(new.status.as_str())
        .bind(new.outcome.as_deref())
        .bind(&new.from_number)
        .bind(&new.to_number)
        .bind(new.user_id.as_deref())
        .bind(new.campaign_id.as_deref())
        .bind(new.lead_id.as_deref())
        .bind(new.persona_id.as_deref())
        .bind(new.script_id.as_deref())
        .bind(new.script_version)
        .bind(new.external_id.as_deref())
        .bind(new.started_at)
        .bind(new.answered_at)
        .bind(new.ended_at)
        .bind(duration_ms)
        .bind(new.end_reason.as_deref())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for c in consent {
            crate::consent::insert(&mut tx, org_id, &id, c, now).await?;
        }
        tx.commit().await?;
        self.get_call(org_id, &id).await
    }

    pub async fn get_call(&self, org_id: &str, call_id: &str) -> StoreResult<Call> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM calls WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(call_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// The organization's calls matching `filter`, newest first.
    pub async fn list_calls(
        &self,
        org_id: &str,
        filter: &CallFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Call>> {
        let limit = page.limit()?;
        let mut conds = Conditions::new();
        conds.push("org_id", "=", Bind::Text(org_id.to_owned()));
        let cursor = page.cursor_after("call")?;
        if !cursor.is_empty() {
            conds.push("id", "<", Bind::Text(cursor));
        }
        filter.add_to(&mut conds, "");
        let sql = format!(
            "SELECT {COLS} FROM calls WHERE {} ORDER BY id DESC LIMIT {}",
            conds.sql(),
            i64::from(limit) + 1
        );
        let rows = conds
            .bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |c| c.id.clone()))
    }

    /// Moves a call to a later status. `in_progress` stamps `answered_at`; `completed` and
    /// `failed` stamp `ended_at` and the duration. Going backwards, or changing a finished
    /// call, is a conflict.
    pub async fn update_call_status(
        &self,
        org_id: &str,
        call_id: &str,
        update: &StatusUpdate,
    ) -> StoreResult<Call> {
        let current = self.get_call(org_id, call_id).await?;
        if !current.status.can_move_to(update.status) {
            return Err(StoreError::Conflict(format!(
                "a {} call cannot become {}",
                current.status.as_str(),
                update.status.as_str()
            )));
        }
        let answered_at = match update.status {
            CallStatus::InProgress => Some(update.at),
            _ => current.answered_at,
        };
        let ended_at = update.status.is_final().then_some(update.at);
        let duration_ms = ended_at.map(|e| duration(answered_at, e));
        // The status in the WHERE clause makes the check and the write one atomic step: a
        // concurrent transition in between leaves zero rows updated.
        let done = sqlx::query(
            "UPDATE calls SET status = $1, answered_at = $2, ended_at = $3, duration_ms = $4, \
             outcome = COALESCE($5, outcome), end_reason = COALESCE($6, end_reason) \
             WHERE org_id = $7 AND id = $8 AND status = $9",
        )
        .bind(update.status.as_str())
        .bind(answered_at)
        .bind(ended_at)
        .bind(duration_ms)
        .bind(update.outcome.as_deref())
        .bind(update.end_reason.as_deref())
        .bind(org_id)
        .bind(call_id)
        .bind(current.status.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "the call's status changed concurrently".to_owned(),
            ));
        }
        self.get_call(org_id, call_id).await
    }

    /// Replaces the call's metrics object.
    pub async fn set_call_metrics(
        &self,
        org_id: &str,
        call_id: &str,
        metrics: &serde_json::Value,
    ) -> StoreResult<()> {
        if !metrics.is_object() {
            return Err(StoreError::Invalid {
                field: "metrics",
                message: "must be a JSON object".to_owned(),
            });
        }
        let done = sqlx::query("UPDATE calls SET metrics = $1 WHERE org_id = $2 AND id = $3")
            .bind(metrics.to_string())
            .bind(org_id)
            .bind(call_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes a call with its transcript, recording rows, consent records and analyses.
    /// Returns the recording file paths (relative to the data directory) for the caller to
    /// delete: files are not the database's business.
    pub async fn delete_call(&self, org_id: &str, call_id: &str) -> StoreResult<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let paths: Vec<String> =
            sqlx::query_scalar("SELECT path FROM recordings WHERE org_id = $1 AND call_id = $2")
                .bind(org_id)
                .bind(call_id)
                .fetch_all(&mut *tx)
                .await?;
        // Segments go first and explicitly (not only by cascade) so the FTS delete trigger
        // certainly runs for each of them.
        sqlx::query("DELETE FROM transcript_segments WHERE org_id = $1 AND call_id = $2")
            .bind(org_id)
            .bind(call_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM calls WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(call_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(paths)
    }
}

fn check_new_call(new: &NewCall) -> StoreResult<()> {
    let invalid = |field, message: &str| {
        Err(StoreError::Invalid {
            field,
            message: message.to_owned(),
        })
    };
    if let Some(end) = new.ended_at {
        if end < new.started_at {
            return invalid("ended_at", "must not be before started_at");
        }
        if !new.status.is_final() {
            return invalid("status", "a call with ended_at must be completed or failed");
        }
    }
    if new.answered_at.is_some_and(|a| a < new.started_at) {
        return invalid("answered_at", "must not be before started_at");
    }
    Ok(())
}

/// Checks that the users, campaigns and leads a new call names are the organization's own.
async fn check_refs(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    new: &NewCall,
) -> StoreResult<()> {
    let refs = [
        ("user_id", "users", new.user_id.as_deref()),
        ("campaign_id", "campaigns", new.campaign_id.as_deref()),
        ("lead_id", "leads", new.lead_id.as_deref()),
    ];
    for (field, table, value) in refs {
        let Some(value) = value else { continue };
        let found: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
        if found.is_none() {
            return Err(StoreError::Invalid {
                field,
                message: "no such object in this organization".to_owned(),
            });
        }
    }
    Ok(())
}
