//! Consent records: what the other party agreed to on a call (being recorded, having a
//! transcript kept, talking to an AI), how, and when.
//!
//! Invariant: a call with a stored transcript segment has a `transcript` record and a call
//! with a stored recording has a `recording` record. The transcript and recording writers
//! call [`ensure`] in their own transaction, which adds one (from the org setting, or from
//! what the writer says) when the call has none of that kind yet.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::calls::text_enum;
use crate::row::{bool_int, get, get_bool};
use crate::{Store, StoreError, StoreResult, id};

const T: &str = "consent_records";

text_enum! {
    /// What the consent is about.
    ConsentKind {
        Recording = "recording",
        Transcript = "transcript",
        /// The caller was told they are talking to an AI.
        AiDisclosure = "ai_disclosure",
    }
}

text_enum! {
    /// How consent was obtained.
    ConsentMethod {
        /// A played announcement ("this call is recorded").
        Announcement = "announcement",
        /// A key press.
        Dtmf = "dtmf",
        /// The caller said so.
        Verbal = "verbal",
        /// An organization setting or policy (e.g. transcript storage opted in).
        Setting = "setting",
    }
}

/// A consent record of a call.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    pub id: String,
    pub call_id: String,
    pub kind: ConsentKind,
    pub granted: bool,
    pub method: ConsentMethod,
    /// Free text: the announcement played, the key pressed, the policy that applied.
    pub detail: String,
    pub created_at: i64,
}

/// A new consent record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConsent {
    pub kind: ConsentKind,
    pub granted: bool,
    pub method: ConsentMethod,
    /// The announcement played, the key pressed, the policy that applied (up to 500
    /// characters).
    #[serde(default)]
    pub detail: String,
}

const COLS: &str = "id, call_id, kind, granted, method, detail, created_at";

fn from_row(r: &AnyRow) -> StoreResult<Consent> {
    let kind: String = get(r, T, "kind")?;
    let method: String = get(r, T, "method")?;
    let corrupt = |what: &str, v: &str| StoreError::Corrupt {
        table: T,
        message: format!("{what} {v}"),
    };
    Ok(Consent {
        id: get(r, T, "id")?,
        call_id: get(r, T, "call_id")?,
        kind: ConsentKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        granted: get_bool(r, T, "granted")?,
        method: ConsentMethod::parse(&method).ok_or_else(|| corrupt("method", &method))?,
        detail: get(r, T, "detail")?,
        created_at: get(r, T, "created_at")?,
    })
}

/// Inserts a record for a call the caller has already checked is the organization's.
pub(crate) async fn insert(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    call_id: &str,
    new: &NewConsent,
    now: i64,
) -> StoreResult<String> {
    let id = id::new_id("cns", now);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO consent_records (org_id, {COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(org_id)
    .bind(&id)
    .bind(call_id)
    .bind(new.kind.as_str())
    .bind(bool_int(new.granted))
    .bind(new.method.as_str())
    .bind(&new.detail)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Records `fallback` unless the call already has a record of its kind. Runs inside the
/// writer's transaction, after the writer has locked the call row (see
/// [`lock_call`]), so two concurrent writers cannot both add one.
pub(crate) async fn ensure(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    call_id: &str,
    fallback: &NewConsent,
    now: i64,
) -> StoreResult<()> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM consent_records WHERE org_id = $1 AND call_id = $2 AND kind = $3",
    )
    .bind(org_id)
    .bind(call_id)
    .bind(fallback.kind.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if n == 0 {
        insert(conn, org_id, call_id, fallback, now).await?;
    }
    Ok(())
}

/// Locks the call's row until the transaction ends (NotFound if the organization has no such
/// call). A no-op UPDATE is the one row lock both dialects share; on SQLite the transaction
/// already holds the database's write lock and this only checks the call exists.
pub(crate) async fn lock_call(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    call_id: &str,
) -> StoreResult<()> {
    let done = sqlx::query("UPDATE calls SET org_id = org_id WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(call_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

impl Store {
    /// Adds a consent record to a call of the organization.
    pub async fn add_consent(
        &self,
        org_id: &str,
        call_id: &str,
        new: &NewConsent,
    ) -> StoreResult<Consent> {
        let mut tx = self.begin_write().await?;
        lock_call(&mut tx, org_id, call_id).await?;
        let id = insert(&mut tx, org_id, call_id, new, self.now_ms()).await?;
        tx.commit().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM consent_records WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(&id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// A call's consent records, oldest first (empty for an unknown call).
    pub async fn list_consent(&self, org_id: &str, call_id: &str) -> StoreResult<Vec<Consent>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM consent_records WHERE org_id = $1 AND call_id = $2 ORDER BY id"
        )))
        .bind(org_id)
        .bind(call_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}
