//! Scenarios: a practice situation (difficulty, training focus, objections in order, win
//! conditions, context), optionally played by one of the organization's personas.
//!
//! A scenario's persona must belong to the same organization; a missing or foreign persona is
//! `Invalid { field: "persona_id" }`, never a silent cross-organization link. Deleting the
//! persona later leaves the scenario without one (`ON DELETE SET NULL`).

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::row::{get, get_json};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "scenarios";

/// Id prefix of scenarios.
pub const PREFIX: &str = "scn";

/// A scenario.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scenario {
    pub id: String,
    pub org_id: String,
    /// The persona the AI plays, if any.
    pub persona_id: Option<String>,
    pub name: String,
    /// Difficulty, focus, objections, win conditions, context.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Fields of a new scenario.
#[derive(Debug, Clone)]
pub struct NewScenario {
    pub name: String,
    pub persona_id: Option<String>,
    pub body: serde_json::Value,
}

/// A partial update; `None` leaves a field as it is. `persona_id: Some(None)` removes the
/// persona.
#[derive(Debug, Clone, Default)]
pub struct ScenarioPatch {
    pub name: Option<String>,
    pub persona_id: Option<Option<String>>,
    pub body: Option<serde_json::Value>,
}

const COLS: &str = "id, org_id, persona_id, name, body, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<Scenario> {
    Ok(Scenario {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        persona_id: get(r, T, "persona_id")?,
        name: get(r, T, "name")?,
        body: get_json(r, T, "body")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

fn bad_persona() -> StoreError {
    StoreError::Invalid {
        field: "persona_id",
        message: "no such persona in this organization".to_owned(),
    }
}

/// A persona deleted between the check and the write trips the foreign key: same answer.
fn persona_fk(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => bad_persona(),
        _ => e.into(),
    }
}

impl Store {
    /// Checks that `persona_id` (when given) is a persona of the organization.
    async fn ensure_persona(&self, org_id: &str, persona_id: Option<&str>) -> StoreResult<()> {
        let Some(pid) = persona_id else {
            return Ok(());
        };
        if !id::is_valid(crate::personas::PREFIX, pid) {
            return Err(bad_persona());
        }
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM personas WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(pid)
                .fetch_one(&self.pool)
                .await?;
        if n == 0 {
            return Err(bad_persona());
        }
        Ok(())
    }

    pub async fn create_scenario(&self, org_id: &str, new: &NewScenario) -> StoreResult<Scenario> {
        self.ensure_persona(org_id, new.persona_id.as_deref())
            .await?;
        let now = self.now_ms();
        let scenario = Scenario {
            id: id::new_id(PREFIX, now),
            org_id: org_id.to_owned(),
            persona_id: new.persona_id.clone(),
            name: new.name.clone(),
            body: new.body.clone(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO scenarios ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )))
        .bind(&scenario.id)
        .bind(org_id)
        .bind(scenario.persona_id.as_deref())
        .bind(&scenario.name)
        .bind(scenario.body.to_string())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(persona_fk)?;
        Ok(scenario)
    }

    pub async fn get_scenario(&self, org_id: &str, scenario_id: &str) -> StoreResult<Scenario> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM scenarios WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(scenario_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// The organization's scenarios in creation order.
    pub async fn list_scenarios(
        &self,
        org_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<Scenario>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM scenarios WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        )))
        .bind(org_id)
        .bind(page.cursor_after(PREFIX)?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |s| s.id.clone()))
    }

    /// Applies `patch`. A missing scenario is `NotFound` before a bad persona is `Invalid`.
    pub async fn update_scenario(
        &self,
        org_id: &str,
        scenario_id: &str,
        patch: &ScenarioPatch,
    ) -> StoreResult<Scenario> {
        self.get_scenario(org_id, scenario_id).await?;
        if let Some(pid) = &patch.persona_id {
            self.ensure_persona(org_id, pid.as_deref()).await?;
        }
        let done = sqlx::query(
            "UPDATE scenarios SET name = COALESCE($1, name), body = COALESCE($2, body), \
             persona_id = CASE WHEN $3 = 1 THEN $4 ELSE persona_id END, updated_at = $5 \
             WHERE org_id = $6 AND id = $7",
        )
        .bind(patch.name.as_deref())
        .bind(patch.body.as_ref().map(serde_json::Value::to_string))
        .bind(i64::from(patch.persona_id.is_some()))
        .bind(patch.persona_id.clone().flatten())
        .bind(self.now_ms())
        .bind(org_id)
        .bind(scenario_id)
        .execute(&self.pool)
        .await
        .map_err(persona_fk)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_scenario(org_id, scenario_id).await
    }

    pub async fn delete_scenario(&self, org_id: &str, scenario_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM scenarios WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(scenario_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
