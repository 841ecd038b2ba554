//! Personas: the AI buyers reps practice against. A persona is a name plus a JSON body (role,
//! company, industry, personality, voice, facts, hidden needs, objections); the HTTP layer
//! checks the body's shape, the store keeps it as JSON text and returns it as saved.

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::row::{get, get_json};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "personas";

/// Id prefix of personas.
pub const PREFIX: &str = "prs";

/// A persona.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Persona {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// Role, company, industry, personality, voice, facts, hidden needs, objections.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Fields of a new persona.
#[derive(Debug, Clone)]
pub struct NewPersona {
    pub name: String,
    pub body: serde_json::Value,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PersonaPatch {
    pub name: Option<String>,
    pub body: Option<serde_json::Value>,
}

const COLS: &str = "id, org_id, name, body, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<Persona> {
    Ok(Persona {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        name: get(r, T, "name")?,
        body: get_json(r, T, "body")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

impl Store {
    pub async fn create_persona(&self, org_id: &str, new: &NewPersona) -> StoreResult<Persona> {
        let now = self.now_ms();
        let persona = Persona {
            id: id::new_id(PREFIX, now),
            org_id: org_id.to_owned(),
            name: new.name.clone(),
            body: new.body.clone(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO personas ({COLS}) VALUES ($1, $2, $3, $4, $5, $6)"
        )))
        .bind(&persona.id)
        .bind(org_id)
        .bind(&persona.name)
        .bind(persona.body.to_string())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(persona)
    }

    pub async fn get_persona(&self, org_id: &str, persona_id: &str) -> StoreResult<Persona> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM personas WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(persona_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// The organization's personas in creation order.
    pub async fn list_personas(
        &self,
        org_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<Persona>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM personas WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        )))
        .bind(org_id)
        .bind(page.cursor_after(PREFIX)?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |p| p.id.clone()))
    }

    /// Applies `patch` in one statement (concurrent patches of different fields both land).
    pub async fn update_persona(
        &self,
        org_id: &str,
        persona_id: &str,
        patch: &PersonaPatch,
    ) -> StoreResult<Persona> {
        let done = sqlx::query(
            "UPDATE personas SET name = COALESCE($1, name), body = COALESCE($2, body), \
             updated_at = $3 WHERE org_id = $4 AND id = $5",
        )
        .bind(patch.name.as_deref())
        .bind(patch.body.as_ref().map(serde_json::Value::to_string))
        .bind(self.now_ms())
        .bind(org_id)
        .bind(persona_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_persona(org_id, persona_id).await
    }

    /// Deletes a persona; scenarios that used it keep existing without one.
    pub async fn delete_persona(&self, org_id: &str, persona_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM personas WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(persona_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
