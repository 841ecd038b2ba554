//! Organizations: the tenant boundary. Creating one also creates its settings row.

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::row::get;
use crate::{Page, PageRequest, Store, StoreResult, id};

const T: &str = "organizations";

/// An organization (tenant).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

fn from_row(r: &AnyRow) -> StoreResult<Organization> {
    Ok(Organization {
        id: get(r, T, "id")?,
        name: get(r, T, "name")?,
        created_at: get(r, T, "created_at")?,
    })
}

impl Store {
    /// Creates an organization with default settings.
    pub async fn create_org(&self, name: &str) -> StoreResult<Organization> {
        let now = self.now_ms();
        let org = Organization {
            id: id::new_id("org", now),
            name: name.to_owned(),
            created_at: now,
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&org.id)
            .bind(&org.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO org_settings (org_id, updated_at) VALUES ($1, $2)")
            .bind(&org.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn get_org(&self, org_id: &str) -> StoreResult<Organization> {
        let row = sqlx::query("SELECT id, name, created_at FROM organizations WHERE id = $1")
            .bind(org_id)
            .fetch_one(&self.pool)
            .await?;
        from_row(&row)
    }

    pub async fn list_orgs(&self, page: &PageRequest) -> StoreResult<Page<Organization>> {
        let limit = page.limit()?;
        let rows = sqlx::query(
            "SELECT id, name, created_at FROM organizations WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(page.cursor_after("org")?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |o| o.id.clone()))
    }

    pub async fn rename_org(&self, org_id: &str, name: &str) -> StoreResult<Organization> {
        let done = sqlx::query("UPDATE organizations SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(org_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.get_org(org_id).await
    }

    /// Deletes an organization and, by cascade, everything it owns. Recording files are the
    /// caller's to remove: this returns their paths.
    pub async fn delete_org(&self, org_id: &str) -> StoreResult<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        let paths: Vec<String> =
            sqlx::query_scalar("SELECT path FROM recordings WHERE org_id = $1")
                .bind(org_id)
                .fetch_all(&mut *tx)
                .await?;
        // Segments carry org_id without a foreign key to organizations (they cascade from
        // calls); delete them explicitly so the full-text index is updated in this transaction.
        sqlx::query("DELETE FROM transcript_segments WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(paths)
    }
}
