//! Users and their roles. A user belongs to exactly one organization.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::row::{bool_int, get, get_bool};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "users";

/// What a user may do. Ordered: an admin can do everything a manager can, and so on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Practices and sees their own calls.
    Rep,
    /// Manages content, campaigns and every call of the organization.
    Manager,
    /// Also manages users, tokens, provider keys and settings.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "rep" => Some(Role::Rep),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// May manage organizations (the bootstrap admin).
    pub platform_admin: bool,
    pub disabled: bool,
    pub created_at: i64,
}

/// Fields of a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub platform_admin: bool,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

const COLS: &str = "id, org_id, email, name, role, platform_admin, disabled, created_at";

pub(crate) fn from_row(r: &AnyRow) -> StoreResult<User> {
    let role: String = get(r, T, "role")?;
    Ok(User {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        email: get(r, T, "email")?,
        name: get(r, T, "name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
            table: T,
            message: format!("role {role}"),
        })?,
        platform_admin: get_bool(r, T, "platform_admin")?,
        disabled: get_bool(r, T, "disabled")?,
        created_at: get(r, T, "created_at")?,
    })
}

impl Store {
    /// Creates a user; a duplicate email in the organization is a conflict.
    pub async fn create_user(&self, org_id: &str, new: &NewUser) -> StoreResult<User> {
        let now = self.now_ms();
        let user = User {
            id: id::new_id("usr", now),
            org_id: org_id.to_owned(),
            email: new.email.to_ascii_lowercase(),
            name: new.name.clone(),
            role: new.role,
            platform_admin: new.platform_admin,
            disabled: false,
            created_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO users ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )))
        .bind(&user.id)
        .bind(&user.org_id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(bool_int(user.platform_admin))
        .bind(0_i64)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("a user with email {} exists", user.email))
            }
            other => other,
        })?;
        Ok(user)
    }

    pub async fn get_user(&self, org_id: &str, user_id: &str) -> StoreResult<User> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM users WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    pub async fn list_users(&self, org_id: &str, page: &PageRequest) -> StoreResult<Page<User>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM users WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        )))
        .bind(org_id)
        .bind(page.cursor_after("usr")?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |u| u.id.clone()))
    }

    pub async fn update_user(
        &self,
        org_id: &str,
        user_id: &str,
        patch: &UserPatch,
    ) -> StoreResult<User> {
        let current = self.get_user(org_id, user_id).await?;
        let name = patch.name.clone().unwrap_or(current.name);
        let role = patch.role.unwrap_or(current.role);
        let disabled = patch.disabled.unwrap_or(current.disabled);
        sqlx::query(
            "UPDATE users SET name = $1, role = $2, disabled = $3 WHERE org_id = $4 AND id = $5",
        )
        .bind(&name)
        .bind(role.as_str())
        .bind(bool_int(disabled))
        .bind(org_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        self.get_user(org_id, user_id).await
    }

    /// Deletes a user and their tokens; their calls keep existing without a user.
    pub async fn delete_user(&self, org_id: &str, user_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM users WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Number of enabled admins in an organization (the last one may not be demoted).
    pub async fn count_admins(&self, org_id: &str) -> StoreResult<i64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE org_id = $1 AND role = 'admin' AND disabled = 0",
        )
        .bind(org_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }
}
