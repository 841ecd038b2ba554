//! Phone numbers the organization receives calls on, each with its provider and the agent
//! profile (persona, script, routing) that answers it.
//!
//! A number belongs to at most one organization across the whole server: an inbound call is
//! routed by the number it was made to before any organization is known. Registering a number
//! another organization holds is a `Conflict` whose message does not say which one.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::row::{get, get_json};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "phone_numbers";

/// Id prefix of phone numbers.
pub const PREFIX: &str = "num";

/// How calls reach the number.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberProvider {
    /// Twilio Programmable Voice (Media Streams).
    Twilio,
    /// A SIP trunk.
    Sip,
}

impl NumberProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            NumberProvider::Twilio => "twilio",
            NumberProvider::Sip => "sip",
        }
    }

    pub fn parse(s: &str) -> Option<NumberProvider> {
        match s {
            "twilio" => Some(NumberProvider::Twilio),
            "sip" => Some(NumberProvider::Sip),
            _ => None,
        }
    }
}

/// A phone number.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneNumber {
    pub id: String,
    pub org_id: String,
    /// E.164, e.g. "+14155550100".
    pub e164: String,
    pub label: String,
    pub provider: NumberProvider,
    /// The agent profile: persona_id, script_id, routing.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub profile: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Fields of a new number.
#[derive(Debug, Clone)]
pub struct NewPhoneNumber {
    pub e164: String,
    pub label: String,
    pub provider: NumberProvider,
    pub profile: serde_json::Value,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PhoneNumberPatch {
    pub e164: Option<String>,
    pub label: Option<String>,
    pub provider: Option<NumberProvider>,
    pub profile: Option<serde_json::Value>,
}

const COLS: &str = "id, org_id, e164, label, provider, profile, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<PhoneNumber> {
    let provider: String = get(r, T, "provider")?;
    Ok(PhoneNumber {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        e164: get(r, T, "e164")?,
        label: get(r, T, "label")?,
        provider: NumberProvider::parse(&provider).ok_or_else(|| StoreError::Corrupt {
            table: T,
            message: format!("provider {provider}"),
        })?,
        profile: get_json(r, T, "profile")?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

/// The same answer whichever organization holds the number.
fn taken(e164: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |e| match StoreError::from(e) {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("the number {e164} is already registered"))
        }
        other => other,
    }
}

impl Store {
    pub async fn create_number(
        &self,
        org_id: &str,
        new: &NewPhoneNumber,
    ) -> StoreResult<PhoneNumber> {
        let now = self.now_ms();
        let number = PhoneNumber {
            id: id::new_id(PREFIX, now),
            org_id: org_id.to_owned(),
            e164: new.e164.clone(),
            label: new.label.clone(),
            provider: new.provider,
            profile: new.profile.clone(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO phone_numbers ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )))
        .bind(&number.id)
        .bind(org_id)
        .bind(&number.e164)
        .bind(&number.label)
        .bind(number.provider.as_str())
        .bind(number.profile.to_string())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(taken(&new.e164))?;
        Ok(number)
    }

    pub async fn get_number(&self, org_id: &str, number_id: &str) -> StoreResult<PhoneNumber> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM phone_numbers WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(number_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// The number registered as `e164` in any organization: inbound calls find their
    /// organization and agent profile this way.
    pub async fn find_number_by_e164(&self, e164: &str) -> StoreResult<Option<PhoneNumber>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM phone_numbers WHERE e164 = $1"
        )))
        .bind(e164)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The organization's numbers in creation order.
    pub async fn list_numbers(
        &self,
        org_id: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<PhoneNumber>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM phone_numbers WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        )))
        .bind(org_id)
        .bind(page.cursor_after(PREFIX)?)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |n| n.id.clone()))
    }

    /// Applies `patch` in one statement; a new `e164` held elsewhere is a `Conflict`.
    pub async fn update_number(
        &self,
        org_id: &str,
        number_id: &str,
        patch: &PhoneNumberPatch,
    ) -> StoreResult<PhoneNumber> {
        let done = sqlx::query(
            "UPDATE phone_numbers SET e164 = COALESCE($1, e164), label = COALESCE($2, label), \
             provider = COALESCE($3, provider), profile = COALESCE($4, profile), \
             updated_at = $5 WHERE org_id = $6 AND id = $7",
        )
        .bind(patch.e164.as_deref())
        .bind(patch.label.as_deref())
        .bind(patch.provider.map(NumberProvider::as_str))
        .bind(patch.profile.as_ref().map(serde_json::Value::to_string))
        .bind(self.now_ms())
        .bind(org_id)
        .bind(number_id)
        .execute(&self.pool)
        .await
        .map_err(taken(patch.e164.as_deref().unwrap_or_default()))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_number(org_id, number_id).await
    }

    pub async fn delete_number(&self, org_id: &str, number_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM phone_numbers WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(number_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
