//! `/api/v1/settings`: the organization's settings. Everyone reads; admins write.

use axum::Json;
use axum::extract::State;
use callbridge_store::settings::{OrgSettings, SettingsPatch};
use callbridge_store::users::Role;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::validate;

/// A partial update of the settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// Store call transcripts (opt-in).
    pub store_transcripts: Option<bool>,
    /// Days to keep transcripts and recordings (1-3650).
    pub retention_days: Option<i64>,
    /// IANA time zone, e.g. "America/New_York".
    pub time_zone: Option<String>,
    /// Weekly hours: keys mon..sun, each a list of ["HH:MM","HH:MM"] ranges.
    #[schema(value_type = Option<Object>)]
    pub business_hours: Option<serde_json::Value>,
    /// ISO 3166-1 alpha-2 region for national-format numbers, e.g. "US".
    pub default_country: Option<String>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, update_settings))
}

/// The organization's settings.
#[utoipa::path(get, path = "/settings", tag = "settings",
    responses((status = 200, body = OrgSettings)))]
async fn get_settings(State(st): State<AppState>, auth: Auth) -> ApiResult<Json<OrgSettings>> {
    Ok(Json(
        st.store
            .get_settings(auth.org())
            .await
            .map_err(missing("settings"))?,
    ))
}

/// Change settings (admin).
#[utoipa::path(patch, path = "/settings", tag = "settings", request_body = UpdateSettings,
    responses((status = 200, body = OrgSettings)))]
async fn update_settings(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<UpdateSettings>,
) -> ApiResult<Json<OrgSettings>> {
    auth.require(Role::Admin)?;
    let patch = SettingsPatch {
        store_transcripts: body.store_transcripts,
        retention_days: body
            .retention_days
            .map(|d| validate::range("retention_days", d, 1..=3650))
            .transpose()?,
        time_zone: body.time_zone.map(|t| time_zone(&t)).transpose()?,
        business_hours: body
            .business_hours
            .map(|h| business_hours(&h))
            .transpose()?,
        default_country: body.default_country.map(|c| country(&c)).transpose()?,
    };
    Ok(Json(
        st.store
            .update_settings(auth.org(), &patch)
            .await
            .map_err(missing("settings"))?,
    ))
}

/// An IANA zone name: "UTC" or Area/Location with the characters zone names use.
fn time_zone(v: &str) -> ApiResult<String> {
    let ok = v == "UTC"
        || (v.contains('/')
            && v.len() <= 64
            && v.split('/').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
            }));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(AppError::invalid(
            "time_zone",
            "must be an IANA zone such as Europe/Berlin or UTC",
        ))
    }
}

fn country(v: &str) -> ApiResult<String> {
    if v.len() == 2 && v.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(v.to_owned())
    } else {
        Err(AppError::invalid(
            "default_country",
            "must be an ISO 3166-1 alpha-2 code such as US",
        ))
    }
}

/// Validates `{"mon": [["09:00","17:00"]], ...}`.
fn business_hours(v: &serde_json::Value) -> ApiResult<serde_json::Value> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let obj = v
        .as_object()
        .ok_or_else(|| AppError::invalid("business_hours", "must be an object keyed by day"))?;
    for (day, ranges) in obj {
        let field = format!("business_hours.{day}");
        if !DAYS.contains(&day.as_str()) {
            return Err(AppError::invalid(
                &field,
                "days are mon, tue, wed, thu, fri, sat, sun",
            ));
        }
        let list = ranges
            .as_array()
            .ok_or_else(|| AppError::invalid(&field, "must be a list of [start, end] pairs"))?;
        for r in list {
            let pair = r.as_array().filter(|p| p.len() == 2);
            let mins: Option<Vec<u32>> = pair.map(|p| p.iter().filter_map(hhmm).collect());
            match mins {
                Some(m) if m.len() == 2 && m[0] < m[1] => {}
                _ => {
                    return Err(AppError::invalid(
                        &field,
                        "each range is [\"HH:MM\", \"HH:MM\"] with start before end",
                    ));
                }
            }
        }
    }
    Ok(v.clone())
}

fn hhmm(v: &serde_json::Value) -> Option<u32> {
    let s = v.as_str()?;
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    // 24:00 closes a day that runs to midnight.
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
}
