//! Inbound routing rules: conditions (called number, caller prefix, intent, business hours,
//! time ranges) and an action (agent profile, transfer, voicemail, hang up), evaluated in
//! priority order. The HTTP layer checks both JSON shapes; the store keeps them as JSON text.
//!
//! Lists are ordered by `(priority, id)`: lower priorities are evaluated first and rules of
//! equal priority in creation order. The cursor therefore carries both: `"{priority}:{id}"`.

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::row::{bool_int, get, get_bool, get_json};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "routing_rules";

/// Id prefix of routing rules.
pub const PREFIX: &str = "rule";

/// A routing rule.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingRule {
    pub id: String,
    pub org_id: String,
    pub name: String,
    /// Lower is evaluated first.
    pub priority: i64,
    /// Disabled rules are kept but skipped.
    pub enabled: bool,
    /// All present conditions must hold; an empty object matches every call.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub conditions: serde_json::Value,
    /// What to do with a matching call.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub action: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Fields of a new rule.
#[derive(Debug, Clone)]
pub struct NewRoutingRule {
    pub name: String,
    pub priority: i64,
    pub enabled: bool,
    pub conditions: serde_json::Value,
    pub action: serde_json::Value,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RoutingRulePatch {
    pub name: Option<String>,
    pub priority: Option<i64>,
    pub enabled: Option<bool>,
    pub conditions: Option<serde_json::Value>,
    pub action: Option<serde_json::Value>,
}

const COLS: &str =
    "id, org_id, name, priority, enabled, conditions, action, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<RoutingRule> {
    Ok(RoutingRule {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        name: get(r, T, "name")?,
        priority: get(r, T, "priority")?,
        enabled: get_bool(r, T, "enabled")?,
        conditions: get_json(r, T, "conditions")?,
        action: get_json(r, T, "action")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

/// The cursor of the page after `rule`.
fn cursor_of(rule: &RoutingRule) -> String {
    format!("{}:{}", rule.priority, rule.id)
}

/// `(priority, id)` to continue after; the first page starts below every priority.
fn parse_cursor(page: &PageRequest) -> StoreResult<(i64, String)> {
    let Some(c) = &page.cursor else {
        return Ok((i64::MIN, String::new()));
    };
    c.split_once(':')
        .and_then(|(p, rid)| Some((p.parse::<i64>().ok()?, rid)))
        .filter(|(_, rid)| id::is_valid(PREFIX, rid))
        .map(|(p, rid)| (p, rid.to_owned()))
        .ok_or_else(|| StoreError::Invalid {
            field: "cursor",
            message: "not a cursor returned by this list".to_owned(),
        })
}

impl Store {
    pub async fn create_routing_rule(
        &self,
        org_id: &str,
        new: &NewRoutingRule,
    ) -> StoreResult<RoutingRule> {
        let now = self.now_ms();
        let rule = RoutingRule {
            id: id::new_id(PREFIX, now),
            org_id: org_id.to_owned(),
            name: new.name.clone(),
            priority: new.priority,
            enabled: new.enabled,
            conditions: new.conditions.clone(),
            action: new.action.clone(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO routing_rules ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )))
        .bind(&rule.id)
        .bind(org_id)
        .bind(&rule.name)
        .bind(rule.priority)
        .bind(bool_int(rule.enabled))
        .bind(rule.conditions.to_string())
        .bind(rule.action.to_string())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(rule)
    }

    pub async fn get_routing_rule(&self, org_id: &str, rule_id: &str) -> StoreResult<RoutingRule> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM routing_rules WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(rule_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// The organization's rules in evaluation order: priority, then creation.
    pub async fn list_routing_rules(
        &self,
        org_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<RoutingRule>> {
        let limit = page.limit()?;
        let (after_priority, after_id) = parse_cursor(page)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM routing_rules WHERE org_id = $1 \
             AND (priority > $2 OR (priority = $2 AND id > $3)) \
             ORDER BY priority, id LIMIT $4"
        )))
        .bind(org_id)
        .bind(after_priority)
        .bind(after_id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, cursor_of))
    }

    /// Applies `patch` in one statement.
    pub async fn update_routing_rule(
        &self,
        org_id: &str,
        rule_id: &str,
        patch: &RoutingRulePatch,
    ) -> StoreResult<RoutingRule> {
        let done = sqlx::query(
            "UPDATE routing_rules SET name = COALESCE($1, name), \
             priority = COALESCE($2, priority), enabled = COALESCE($3, enabled), \
             conditions = COALESCE($4, conditions), action = COALESCE($5, action), \
             updated_at = $6 WHERE org_id = $7 AND id = $8",
        )
        .bind(patch.name.as_deref())
        .bind(patch.priority)
        .bind(patch.enabled.map(bool_int))
        .bind(patch.conditions.as_ref().map(serde_json::Value::to_string))
        .bind(patch.action.as_ref().map(serde_json::Value::to_string))
        .bind(self.now_ms())
        .bind(org_id)
        .bind(rule_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_routing_rule(org_id, rule_id).await
    }

    pub async fn delete_routing_rule(&self, org_id: &str, rule_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM routing_rules WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(rule_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
