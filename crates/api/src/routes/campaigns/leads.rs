//! `/api/v1/campaigns/{id}/leads`: one campaign's leads (managers). A new lead's number is
//! normalized to E.164 with the organization's default region, and its time zone is the one
//! given, else the number's, else the organization's.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_dialplan::phone::{self, E164, ZoneSource};
use callbridge_store::PageRequest;
use callbridge_store::leads::{Lead, LeadPatch, LeadStatus, NewLead, TimeZoneSource};
use callbridge_store::users::Role;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validate;

crate::page_type!(LeadPage, Lead);

/// One lead.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLead {
    /// Any common format; national numbers are read in the organization's default country.
    pub phone: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub email: String,
    /// IANA zone; derived from the number when absent.
    pub time_zone: Option<String>,
    /// Extra string fields kept with the lead.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A partial update: absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLead {
    pub name: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    /// IANA zone (its source becomes `row`).
    pub time_zone: Option<String>,
    /// `pending` re-queues (attempts start over; 409 while the number is on the DNC list),
    /// `done` or `failed` close the lead; `calling` and `dnc` are set by the system (422).
    pub status: Option<LeadStatus>,
    /// Replaces the extra fields.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `?status=...&cursor=...&limit=...`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadQuery {
    /// Only leads in this status.
    pub status: Option<LeadStatus>,
    /// `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_leads, create_lead))
        .routes(routes!(get_lead, update_lead, delete_lead))
}

/// The zone a lead is called in and where it came from: the row's own (already validated),
/// else the number's (the organization's zone if the number spans several including it,
/// else the first), else the organization's. The note says when a pick was a guess.
pub fn lead_zone(
    given: Option<&str>,
    number: &E164,
    org_zone: &str,
) -> (String, TimeZoneSource, Option<String>) {
    if let Some(z) = given {
        return (z.to_owned(), TimeZoneSource::Row, None);
    }
    let choice = phone::zone_for_number(number, org_zone);
    let note = choice.ambiguous().then(|| {
        format!(
            "the number may be in any of {}; chose {}",
            choice.candidates.join(", "),
            choice.zone
        )
    });
    let source = match choice.source {
        ZoneSource::Number => TimeZoneSource::Number,
        ZoneSource::Org => TimeZoneSource::Org,
    };
    (choice.zone, source, note)
}

/// An IANA zone name, or a 422 naming `field`.
pub fn zone(field: &str, value: &str) -> ApiResult<String> {
    let v = value.trim();
    if phone::is_known_zone(v) {
        Ok(v.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            "must be an IANA time zone such as America/New_York",
        ))
    }
}

/// Extra fields: string values only (as a CSV row would give), short keys.
fn fields(map: serde_json::Map<String, serde_json::Value>) -> ApiResult<serde_json::Value> {
    for (k, v) in &map {
        let field = format!("fields.{k}");
        if k.is_empty() || k.chars().count() > 100 {
            return Err(AppError::invalid(&field, "keys are 1 to 100 characters"));
        }
        match v.as_str() {
            Some(s) if s.chars().count() <= 2000 => {}
            Some(_) => return Err(AppError::invalid(&field, "at most 2000 characters")),
            None => return Err(AppError::invalid(&field, "values are strings")),
        }
    }
    Ok(serde_json::Value::Object(map))
}

/// Optional text: "" stays "", else a checked text.
fn opt_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        validate::text(field, value, max)
    }
}

fn opt_email(value: &str) -> ApiResult<String> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        validate::email("email", value)
    }
}

/// List a campaign's leads (manager).
#[utoipa::path(get, path = "/campaigns/{id}/leads", tag = "leads",
    params(("id" = String, Path, description = "Campaign id"), LeadQuery),
    responses((status = 200, body = LeadPage)))]
async fn list_leads(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LeadQuery>,
) -> ApiResult<Json<LeadPage>> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(
        st.store
            .list_leads(auth.org(), &id, q.status, &page)
            .await
            .map_err(missing("campaign"))?
            .into(),
    ))
}

/// Add one lead (manager). A number on the DNC list or already in the campaign is a 409.
#[utoipa::path(post, path = "/campaigns/{id}/leads", tag = "leads",
    params(("id" = String, Path, description = "Campaign id")),
    request_body = CreateLead,
    responses((status = 201, body = Lead)))]
async fn create_lead(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateLead>,
) -> ApiResult<(StatusCode, Json<Lead>)> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    let settings = st
        .store
        .get_settings(auth.org())
        .await
        .map_err(missing("settings"))?;
    let number = phone::normalize(&body.phone, &settings.default_country)
        .map_err(|e| AppError::invalid("phone", e.to_string()))?;
    let given = body.time_zone.map(|z| zone("time_zone", &z)).transpose()?;
    let (time_zone, time_zone_source, _) =
        lead_zone(given.as_deref(), &number, &settings.time_zone);
    let new = NewLead {
        phone: number.into_string(),
        name: opt_text("name", &body.name, 200)?,
        company: opt_text("company", &body.company, 200)?,
        email: opt_email(&body.email)?,
        time_zone,
        time_zone_source,
        fields: fields(body.fields)?,
    };
    let lead = st
        .store
        .create_lead(auth.org(), &id, &new)
        .await
        .map_err(missing("campaign"))?;
    Ok((StatusCode::CREATED, Json(lead)))
}

/// Get a lead (manager).
#[utoipa::path(get, path = "/campaigns/{id}/leads/{lead_id}", tag = "leads",
    params(("id" = String, Path, description = "Campaign id"),
        ("lead_id" = String, Path, description = "Lead id")),
    responses((status = 200, body = Lead)))]
async fn get_lead(
    State(st): State<AppState>,
    auth: Auth,
    Path((id, lead_id)): Path<(String, String)>,
) -> ApiResult<Json<Lead>> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    validate::path_id("lead", &lead_id, "lead")?;
    Ok(Json(
        st.store
            .get_lead(auth.org(), &id, &lead_id)
            .await
            .map_err(missing("lead"))?,
    ))
}

/// Update a lead (manager).
#[utoipa::path(patch, path = "/campaigns/{id}/leads/{lead_id}", tag = "leads",
    params(("id" = String, Path, description = "Campaign id"),
        ("lead_id" = String, Path, description = "Lead id")),
    request_body = UpdateLead,
    responses((status = 200, body = Lead)))]
async fn update_lead(
    State(st): State<AppState>,
    auth: Auth,
    Path((id, lead_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateLead>,
) -> ApiResult<Json<Lead>> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    validate::path_id("lead", &lead_id, "lead")?;
    let patch = LeadPatch {
        name: body.name.map(|v| opt_text("name", &v, 200)).transpose()?,
        company: body
            .company
            .map(|v| opt_text("company", &v, 200))
            .transpose()?,
        email: body.email.map(|v| opt_email(&v)).transpose()?,
        time_zone: body.time_zone.map(|z| zone("time_zone", &z)).transpose()?,
        status: body.status,
        fields: body.fields.map(fields).transpose()?,
    };
    Ok(Json(
        st.store
            .update_lead(auth.org(), &id, &lead_id, &patch)
            .await
            .map_err(missing("lead"))?,
    ))
}

/// Delete a lead (manager).
#[utoipa::path(delete, path = "/campaigns/{id}/leads/{lead_id}", tag = "leads",
    params(("id" = String, Path, description = "Campaign id"),
        ("lead_id" = String, Path, description = "Lead id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_lead(
    State(st): State<AppState>,
    auth: Auth,
    Path((id, lead_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    validate::path_id("lead", &lead_id, "lead")?;
    st.store
        .delete_lead(auth.org(), &id, &lead_id)
        .await
        .map_err(missing("lead"))?;
    Ok(StatusCode::NO_CONTENT)
}
