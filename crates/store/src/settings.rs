//! Per-organization settings: transcript storage opt-in, retention, time zone, business hours.

use serde::Serialize;
use sqlx::any::AnyRow;

use crate::row::{bool_int, get, get_bool, get_json};
use crate::{Store, StoreResult};

const T: &str = "org_settings";

/// An organization's settings.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgSettings {
    /// Whether call transcripts are stored at all (opt-in; off by default).
    pub store_transcripts: bool,
    /// Transcripts and recordings older than this many days are deleted.
    pub retention_days: i64,
    /// IANA time zone of the organization (business hours are in it).
    pub time_zone: String,
    /// Weekly opening hours: `{"mon": [["09:00","17:00"]], ...}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub business_hours: serde_json::Value,
    /// ISO 3166 region used to read national-format phone numbers.
    pub default_country: String,
    pub updated_at: i64,
}

/// A partial update.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub store_transcripts: Option<bool>,
    pub retention_days: Option<i64>,
    pub time_zone: Option<String>,
    pub business_hours: Option<serde_json::Value>,
    pub default_country: Option<String>,
}

fn from_row(r: &AnyRow) -> StoreResult<OrgSettings> {
    Ok(OrgSettings {
        store_transcripts: get_bool(r, T, "store_transcripts")?,
        retention_days: get(r, T, "retention_days")?,
        time_zone: get(r, T, "time_zone")?,
        business_hours: get_json(r, T, "business_hours")?,
        default_country: get(r, T, "default_country")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

impl Store {
    pub async fn get_settings(&self, org_id: &str) -> StoreResult<OrgSettings> {
        let row = sqlx::query(
            "SELECT store_transcripts, retention_days, time_zone, business_hours, \
             default_country, updated_at FROM org_settings WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    pub async fn update_settings(
        &self,
        org_id: &str,
        patch: &SettingsPatch,
    ) -> StoreResult<OrgSettings> {
        let cur = self.get_settings(org_id).await?;
        let hours = patch.business_hours.as_ref().unwrap_or(&cur.business_hours);
        sqlx::query(
            "UPDATE org_settings SET store_transcripts = $1, retention_days = $2, time_zone = $3, \
             business_hours = $4, default_country = $5, updated_at = $6 WHERE org_id = $7",
        )
        .bind(bool_int(
            patch.store_transcripts.unwrap_or(cur.store_transcripts),
        ))
        .bind(patch.retention_days.unwrap_or(cur.retention_days))
        .bind(patch.time_zone.as_ref().unwrap_or(&cur.time_zone))
        .bind(hours.to_string())
        .bind(
            patch
                .default_country
                .as_ref()
                .unwrap_or(&cur.default_country),
        )
        .bind(self.now_ms())
        .bind(org_id)
        .execute(&self.pool)
        .await?;
        self.get_settings(org_id).await
    }
}
