//! Analyses: the analyzer's results for a call (talk ratio, scorecards, risks...), written
//! as `pending` when a job starts and updated to `done` (with its result) or `failed`.

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::calls::{Bind, Conditions, text_enum};
use crate::row::{get, get_json};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "analyses";

text_enum! {
    /// Where an analysis is.
    AnalysisStatus {
        Pending = "pending",
        Done = "done",
        Failed = "failed",
    }
}

/// An analysis.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analysis {
    pub id: String,
    /// The analyzed call (absent for a file analyzed without a call record).
    pub call_id: Option<String>,
    pub status: AnalysisStatus,
    /// The analyzer's output (`{}` until done; `{"error": ...}` when failed).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub result: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which analyses to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalysisFilter {
    pub call_id: Option<String>,
    pub status: Option<AnalysisStatus>,
    /// Only analyses of this user's calls (a rep's view).
    pub visible_to: Option<String>,
}

const COLS: &str = "id, call_id, status, result, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<Analysis> {
    let status: String = get(r, T, "status")?;
    Ok(Analysis {
        id: get(r, T, "id")?,
        call_id: get(r, T, "call_id")?,
        status: AnalysisStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            table: T,
            message: format!("status {status}"),
        })?,
        result: get_json(r, T, "result")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

impl Store {
    /// Starts an analysis (status `pending`, empty result). `call_id` must be a call of the
    /// organization.
    pub async fn create_analysis(
        &self,
        org_id: &str,
        call_id: Option<&str>,
    ) -> StoreResult<Analysis> {
        if let Some(call) = call_id {
            self.get_call(org_id, call).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid {
                    field: "call_id",
                    message: "no such call in this organization".to_owned(),
                },
                other => other,
            })?;
        }
        let now = self.now_ms();
        let id = id::new_id("ana", now);
        // A call deleted between the check and this insert fails its foreign key: Db, rare.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO analyses (org_id, {COLS}) VALUES ($1, $2, $3, $4, '{{}}', $5, $5)"
        )))
        .bind(org_id)
        .bind(&id)
        .bind(call_id)
        .bind(AnalysisStatus::Pending.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.get_analysis(org_id, &id).await
    }

    /// Sets an analysis' status and result.
    pub async fn update_analysis(
        &self,
        org_id: &str,
        analysis_id: &str,
        status: AnalysisStatus,
        result: &serde_json::Value,
    ) -> StoreResult<Analysis> {
        let done = sqlx::query(
            "UPDATE analyses SET status = $1, result = $2, updated_at = $3 \
             WHERE org_id = $4 AND id = $5",
        )
        .bind(status.as_str())
        .bind(result.to_string())
        .bind(self.now_ms())
        .bind(org_id)
        .bind(analysis_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_analysis(org_id, analysis_id).await
    }

    pub async fn get_analysis(&self, org_id: &str, analysis_id: &str) -> StoreResult<Analysis> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM analyses WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(analysis_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// The newest analysis of a call, if any.
    pub async fn latest_analysis(
        &self,
        org_id: &str,
        call_id: &str,
    ) -> StoreResult<Option<Analysis>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM analyses WHERE org_id = $1 AND call_id = $2 \
             ORDER BY id DESC LIMIT 1"
        )))
        .bind(org_id)
        .bind(call_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The organization's analyses matching `filter`, newest first.
    pub async fn list_analyses(
        &self,
        org_id: &str,
        filter: &AnalysisFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Analysis>> {
        let limit = page.limit()?;
        let mut conds = Conditions::new();
        conds.push("a.org_id", "=", Bind::Text(org_id.to_owned()));
        let cursor = page.cursor_after("ana")?;
        if !cursor.is_empty() {
            conds.push("a.id", "<", Bind::Text(cursor));
        }
        if let Some(c) = &filter.call_id {
            conds.push("a.call_id", "=", Bind::Text(c.clone()));
        }
        if let Some(s) = filter.status {
            conds.push("a.status", "=", Bind::Text(s.as_str().to_owned()));
        }
        if let Some(u) = &filter.visible_to {
            // An analysis without a call belongs to nobody's calls: managers only.
            conds.push("c.user_id", "=", Bind::Text(u.clone()));
        }
        let sql = format!(
            "SELECT a.id, a.call_id, a.status, a.result, a.created_at, a.updated_at \
             FROM analyses a LEFT JOIN calls c ON c.id = a.call_id \
             WHERE {} ORDER BY a.id DESC LIMIT {}",
            conds.sql(),
            i64::from(limit) + 1
        );
        let rows = conds
            .bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |a| a.id.clone()))
    }
}
