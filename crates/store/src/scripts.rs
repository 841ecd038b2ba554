//! Call scripts and their versions. A script is a name, a kind and a pointer to its newest
//! version; every body edit inserts version n+1 and never changes an old one, so a call can
//! always name the exact text it followed (`calls.script_version`).
//!
//! Versions are numbered without gaps or duplicates even under concurrent edits: the edit
//! first increments `scripts.current_version` (a row write, which serializes concurrent
//! editors on both backends), then inserts the version with the number it got, and reads the
//! script back, all in one transaction, so each editor is answered with its own version and
//! not a later editor's. The `(script_id, version)` primary key backs this up.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::row::{get, get_json};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "scripts";
const TV: &str = "script_versions";

/// Id prefix of scripts.
pub const PREFIX: &str = "scr";

/// What a script is for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptKind {
    /// The AI agent calls campaign targets.
    Outbound,
    /// The AI agent answers callers.
    Inbound,
    /// A rep's own script that the coach follows.
    Coaching,
}

impl ScriptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptKind::Outbound => "outbound",
            ScriptKind::Inbound => "inbound",
            ScriptKind::Coaching => "coaching",
        }
    }

    pub fn parse(s: &str) -> Option<ScriptKind> {
        match s {
            "outbound" => Some(ScriptKind::Outbound),
            "inbound" => Some(ScriptKind::Inbound),
            "coaching" => Some(ScriptKind::Coaching),
            _ => None,
        }
    }
}

/// A script without its body (lists).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScriptSummary {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub kind: ScriptKind,
    /// The newest version's number (1 for a new script).
    pub current_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A script with the body of its current version.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Script {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub kind: ScriptKind,
    pub current_version: i64,
    /// The current version's steps, branches and actions.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One version of a script.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScriptVersion {
    pub script_id: String,
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: serde_json::Value,
    /// The user who saved this version (absent for versions saved by the system).
    pub created_by: Option<String>,
    pub created_at: i64,
}

/// A version without its body (lists).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScriptVersionSummary {
    pub script_id: String,
    pub version: i64,
    pub created_by: Option<String>,
    pub created_at: i64,
}

/// Fields of a new script (its version 1).
#[derive(Debug, Clone)]
pub struct NewScript {
    pub name: String,
    pub kind: ScriptKind,
    pub body: serde_json::Value,
    pub created_by: Option<String>,
}

/// An edit. A `body` makes a new version; `name` and `kind` change the script in place.
#[derive(Debug, Clone, Default)]
pub struct ScriptPatch {
    pub name: Option<String>,
    pub kind: Option<ScriptKind>,
    pub body: Option<serde_json::Value>,
    /// Who saves the new version.
    pub created_by: Option<String>,
}

const COLS: &str = "s.id, s.org_id, s.name, s.kind, s.current_version, s.created_at, s.updated_at";

fn kind_of(r: &AnyRow) -> StoreResult<ScriptKind> {
    let kind: String = get(r, T, "kind")?;
    ScriptKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
        table: T,
        message: format!("kind {kind}"),
    })
}

fn summary_from_row(r: &AnyRow) -> StoreResult<ScriptSummary> {
    Ok(ScriptSummary {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        name: get(r, T, "name")?,
        kind: kind_of(r)?,
        current_version: get(r, T, "current_version")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

fn script_from_row(r: &AnyRow) -> StoreResult<Script> {
    let s = summary_from_row(r)?;
    Ok(Script {
        id: s.id,
        org_id: s.org_id,
        name: s.name,
        kind: s.kind,
        current_version: s.current_version,
        body: get_json(r, TV, "body")?,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

/// A script with its current version's body, read through `ex` (the pool, or a transaction
/// that must see its own writes).
async fn fetch_script<'e, E>(ex: E, org_id: &str, script_id: &str) -> StoreResult<Script>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS}, v.body FROM scripts s JOIN script_versions v \
         ON v.script_id = s.id AND v.version = s.current_version \
         WHERE s.org_id = $1 AND s.id = $2"
    )))
    .bind(org_id)
    .bind(script_id)
    .fetch_one(ex)
    .await?;
    script_from_row(&row)
}

/// Version-list cursors are version numbers.
fn version_cursor(page: &PageRequest) -> StoreResult<i64> {
    match &page.cursor {
        None => Ok(0),
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| StoreError::Invalid {
                field: "cursor",
                message: "not a cursor returned by this list".to_owned(),
            }),
    }
}

impl Store {
    /// Creates a script and its version 1 in one transaction.
    pub async fn create_script(&self, org_id: &str, new: &NewScript) -> StoreResult<Script> {
        let now = self.now_ms();
        let script = Script {
            id: id::new_id(PREFIX, now),
            org_id: org_id.to_owned(),
            name: new.name.clone(),
            kind: new.kind,
            current_version: 1,
            body: new.body.clone(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO scripts (id, org_id, name, kind, current_version, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6)",
        )
        .bind(&script.id)
        .bind(org_id)
        .bind(&script.name)
        .bind(script.kind.as_str())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO script_versions (script_id, version, body, created_by, created_at) \
             VALUES ($1, 1, $2, $3, $4)",
        )
        .bind(&script.id)
        .bind(script.body.to_string())
        .bind(new.created_by.as_deref())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(script)
    }

    /// A script with its current version's body.
    pub async fn get_script(&self, org_id: &str, script_id: &str) -> StoreResult<Script> {
        fetch_script(&self.pool, org_id, script_id).await
    }

    /// The organization's scripts in creation order, without bodies.
    pub async fn list_scripts(
        &self,
        org_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<ScriptSummary>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM scripts s WHERE s.org_id = $1 AND s.id > $2 \
             ORDER BY s.id LIMIT $3"
        )))
        .bind(org_id)
        .bind(page.cursor_after(PREFIX)?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(summary_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |s| s.id.clone()))
    }

    /// Applies an edit in one transaction; a body becomes version `current_version + 1`.
    pub async fn update_script(
        &self,
        org_id: &str,
        script_id: &str,
        patch: &ScriptPatch,
    ) -> StoreResult<Script> {
        let now = self.now_ms();
        let bump = i64::from(patch.body.is_some());
        // SQLite: the write lock from `BEGIN IMMEDIATE`; PostgreSQL: the row lock the increment
        // takes. Either way concurrent editors queue before anything is read, and each sees
        // the number the previous one committed.
        let mut tx = self.begin_write().await?;
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE scripts SET name = COALESCE($1, name), kind = COALESCE($2, kind), \
             current_version = current_version + $3, updated_at = $4 \
             WHERE org_id = $5 AND id = $6 RETURNING current_version",
        )
        .bind(patch.name.as_deref())
        .bind(patch.kind.map(ScriptKind::as_str))
        .bind(bump)
        .bind(now)
        .bind(org_id)
        .bind(script_id)
        .fetch_optional(&mut *tx)
        .await?;
        let version = version.ok_or(StoreError::NotFound)?;
        if let Some(body) = &patch.body {
            sqlx::query(
                "INSERT INTO script_versions (script_id, version, body, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(script_id)
            .bind(version)
            .bind(body.to_string())
            .bind(patch.created_by.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        // Read before the commit: after it, another editor's version may already be current.
        let script = fetch_script(&mut *tx, org_id, script_id).await?;
        tx.commit().await?;
        Ok(script)
    }

    /// The versions of a script, oldest first, without bodies. The cursor is a version number.
    pub async fn list_script_versions(
        &self,
        org_id: &str,
        script_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<ScriptVersionSummary>> {
        let limit = page.limit()?;
        let after = version_cursor(page)?;
        // An empty list must still tell "no such script" apart.
        self.get_script_summary(org_id, script_id).await?;
        let rows = sqlx::query(
            "SELECT v.script_id, v.version, v.created_by, v.created_at FROM script_versions v \
             JOIN scripts s ON s.id = v.script_id \
             WHERE s.org_id = $1 AND v.script_id = $2 AND v.version > $3 \
             ORDER BY v.version LIMIT $4",
        )
        .bind(org_id)
        .bind(script_id)
        .bind(after)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(ScriptVersionSummary {
                    script_id: get(r, TV, "script_id")?,
                    version: get(r, TV, "version")?,
                    created_by: get(r, TV, "created_by")?,
                    created_at: get(r, TV, "created_at")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |v| v.version.to_string()))
    }

    /// One version of a script, with its body.
    pub async fn get_script_version(
        &self,
        org_id: &str,
        script_id: &str,
        version: i64,
    ) -> StoreResult<ScriptVersion> {
        let r = sqlx::query(
            "SELECT v.script_id, v.version, v.body, v.created_by, v.created_at \
             FROM script_versions v JOIN scripts s ON s.id = v.script_id \
             WHERE s.org_id = $1 AND v.script_id = $2 AND v.version = $3",
        )
        .bind(org_id)
        .bind(script_id)
        .bind(version)
        .fetch_one(&self.pool)
        .await?;
        Ok(ScriptVersion {
            script_id: get(&r, TV, "script_id")?,
            version: get(&r, TV, "version")?,
            body: get_json(&r, TV, "body")?,
            created_by: get(&r, TV, "created_by")?,
            created_at: get(&r, TV, "created_at")?,
        })
    }

    async fn get_script_summary(
        &self,
        org_id: &str,
        script_id: &str,
    ) -> StoreResult<ScriptSummary> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM scripts s WHERE s.org_id = $1 AND s.id = $2"
        )))
        .bind(org_id)
        .bind(script_id)
        .fetch_one(&self.pool)
        .await?;
        summary_from_row(&row)
    }

    /// Deletes a script and all its versions. Calls keep the id and version they recorded.
    pub async fn delete_script(&self, org_id: &str, script_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM scripts WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(script_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
