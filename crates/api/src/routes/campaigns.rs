//! `/api/v1/campaigns`: outbound campaigns (managers), their status actions
//! (start, pause, resume, complete; an illegal one is a 409), and their leads with CSV import
//! (see [`leads`] and [`import`]).

pub mod csv_upload;
mod import;
mod leads;
mod settings;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::PageRequest;
use callbridge_store::campaigns::{
    Campaign, CampaignPatch, CampaignSettings, CampaignStatus, NewCampaign,
};
use callbridge_store::users::Role;
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validate;

crate::page_type!(CampaignPage, Campaign);

/// A new campaign; it starts as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    pub name: String,
    /// A script of the organization (needed before the campaign can start).
    pub script_id: Option<String>,
    pub settings: CampaignSettings,
}

/// A partial update: absent fields stay; `script_id: null` clears the script; `settings`
/// replaces the whole settings object.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaign {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub script_id: Option<Option<String>>,
    pub settings: Option<CampaignSettings>,
}

/// Tells an explicit `null` (Some(None)) from an absent field (None, via `default`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `?status=...&cursor=...&limit=...`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// Only campaigns in this status.
    pub status: Option<CampaignStatus>,
    /// `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign, delete_campaign))
        .routes(routes!(start_campaign))
        .routes(routes!(pause_campaign))
        .routes(routes!(resume_campaign))
        .routes(routes!(complete_campaign))
        .merge(leads::router())
        .merge(import::router())
}

/// The organization's default region for national-format numbers.
pub(crate) async fn default_region(st: &AppState, org: &str) -> ApiResult<String> {
    Ok(st
        .store
        .get_settings(org)
        .await
        .map_err(missing("settings"))?
        .default_country)
}

/// List campaigns (manager).
#[utoipa::path(get, path = "/campaigns", tag = "campaigns", params(CampaignQuery),
    responses((status = 200, body = CampaignPage)))]
async fn list_campaigns(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> ApiResult<Json<CampaignPage>> {
    auth.require(Role::Manager)?;
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(
        st.store
            .list_campaigns(auth.org(), q.status, &page)
            .await?
            .into(),
    ))
}

/// Create a draft campaign (manager).
#[utoipa::path(post, path = "/campaigns", tag = "campaigns", request_body = CreateCampaign,
    responses((status = 201, body = Campaign)))]
async fn create_campaign(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateCampaign>,
) -> ApiResult<(StatusCode, Json<Campaign>)> {
    auth.require(Role::Manager)?;
    let region = default_region(&st, auth.org()).await?;
    let new = NewCampaign {
        name: validate::text("name", &body.name, 200)?,
        script_id: body.script_id,
        settings: settings::check(body.settings, &region)?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_campaign(auth.org(), &new).await?),
    ))
}

/// Get a campaign (manager).
#[utoipa::path(get, path = "/campaigns/{id}", tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Campaign)))]
async fn get_campaign(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Campaign>> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    Ok(Json(
        st.store
            .get_campaign(auth.org(), &id)
            .await
            .map_err(missing("campaign"))?,
    ))
}

/// Change a campaign's name, script or settings (manager). A completed campaign is final
/// (409).
#[utoipa::path(patch, path = "/campaigns/{id}", tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    request_body = UpdateCampaign,
    responses((status = 200, body = Campaign)))]
async fn update_campaign(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateCampaign>,
) -> ApiResult<Json<Campaign>> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    let settings = match body.settings {
        Some(s) => Some(settings::check(s, &default_region(&st, auth.org()).await?)?),
        None => None,
    };
    let patch = CampaignPatch {
        name: body
            .name
            .map(|n| validate::text("name", &n, 200))
            .transpose()?,
        script_id: body.script_id,
        settings,
    };
    Ok(Json(
        st.store
            .update_campaign(auth.org(), &id, &patch)
            .await
            .map_err(missing("campaign"))?,
    ))
}

/// Delete a campaign and its leads (manager). A running campaign must be paused or
/// completed first (409).
#[utoipa::path(delete, path = "/campaigns/{id}", tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_campaign(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    st.store
        .delete_campaign(auth.org(), &id)
        .await
        .map_err(missing("campaign"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves campaign `id` from one of `from` to `to`; anything else is a 409 naming the states.
async fn transition(
    st: &AppState,
    auth: &Auth,
    id: &str,
    from: &[CampaignStatus],
    to: CampaignStatus,
    action: &str,
) -> ApiResult<Json<Campaign>> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", id, "campaign")?;
    let cur = st
        .store
        .get_campaign(auth.org(), id)
        .await
        .map_err(missing("campaign"))?;
    if !from.contains(&cur.status) {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        return Err(AppError::conflict(format!(
            "cannot {action} a {} campaign (only a {} one)",
            cur.status.as_str(),
            from.join(" or ")
        )));
    }
    Ok(Json(
        st.store
            .set_campaign_status(auth.org(), id, to)
            .await
            .map_err(missing("campaign"))?,
    ))
}

/// Start a draft campaign (manager). It needs a script (409 otherwise).
#[utoipa::path(post, path = "/campaigns/{id}/start", tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Campaign)))]
async fn start_campaign(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Campaign>> {
    use CampaignStatus::{Draft, Running};
    transition(&st, &auth, &id, &[Draft], Running, "start").await
}

/// Pause a running campaign (manager).
#[utoipa::path(post, path = "/campaigns/{id}/pause", tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Campaign)))]
async fn pause_campaign(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Campaign>> {
    use CampaignStatus::{Paused, Running};
    transition(&st, &auth, &id, &[Running], Paused, "pause").await
}

/// Resume a paused campaign (manager).
#[utoipa::path(post, path = "/campaigns/{id}/resume", tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Campaign)))]
async fn resume_campaign(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Campaign>> {
    use CampaignStatus::{Paused, Running};
    transition(&st, &auth, &id, &[Paused], Running, "resume").await
}

/// Complete a running or paused campaign for good (manager).
#[utoipa::path(post, path = "/campaigns/{id}/complete", tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = Campaign)))]
async fn complete_campaign(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Campaign>> {
    use CampaignStatus::{Completed, Paused, Running};
    transition(&st, &auth, &id, &[Running, Paused], Completed, "complete").await
}
