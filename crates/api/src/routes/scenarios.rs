//! `/api/v1/scenarios`: practice situations (difficulty, focus, objections in order, win
//! conditions, context), optionally played by a persona of the same organization. Everyone
//! reads; managers write. A `persona_id` that is not one of the organization's personas is a
//! 422 naming `persona_id`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::scenarios::{self, NewScenario, Scenario, ScenarioPatch};
use callbridge_store::users::Role;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::personas::{opt_text, text_list};
use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(ScenarioPage, Scenario);

/// How hard the persona makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
    Expert,
}

/// What the session trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Focus {
    SalesCall,
    Discovery,
    Demo,
    Objection,
    Negotiation,
    Closing,
    General,
}

/// The scenario itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioBody {
    pub difficulty: Difficulty,
    pub focus: Focus,
    /// Objections the persona raises, in this order.
    #[serde(default)]
    pub objections: Vec<String>,
    /// What counts as a win, e.g. "books a demo for next week".
    #[serde(default)]
    pub win_conditions: Vec<String>,
    /// The situation: how the call came about, what happened before.
    #[serde(default)]
    pub context: String,
}

/// A new scenario.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateScenario {
    pub name: String,
    /// A persona of the organization to play the buyer.
    pub persona_id: Option<String>,
    pub body: ScenarioBody,
}

/// A partial update: absent fields stay; `persona_id: null` removes the persona; a `body`
/// replaces the whole body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateScenario {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub persona_id: Option<Option<String>>,
    pub body: Option<ScenarioBody>,
}

/// Tells a field sent as `null` (`Some(None)`) from an absent one (`None`, via `default`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

const SHORT: usize = 200;
const LONG: usize = 4000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_scenarios, create_scenario))
        .routes(routes!(get_scenario, update_scenario, delete_scenario))
}

fn checked_body(b: ScenarioBody) -> ApiResult<serde_json::Value> {
    let body = ScenarioBody {
        difficulty: b.difficulty,
        focus: b.focus,
        objections: text_list("body.objections", &b.objections)?,
        win_conditions: text_list("body.win_conditions", &b.win_conditions)?,
        context: opt_text("body.context", &b.context, LONG)?,
    };
    serde_json::to_value(&body).map_err(AppError::internal)
}

/// List the organization's scenarios.
#[utoipa::path(get, path = "/scenarios", tag = "scenarios", params(PageQuery),
    responses((status = 200, body = ScenarioPage)))]
async fn list_scenarios(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ScenarioPage>> {
    Ok(Json(
        st.store
            .list_scenarios(auth.org(), &(&q).into())
            .await?
            .into(),
    ))
}

/// Create a scenario (manager).
#[utoipa::path(post, path = "/scenarios", tag = "scenarios", request_body = CreateScenario,
    responses((status = 201, body = Scenario)))]
async fn create_scenario(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateScenario>,
) -> ApiResult<(StatusCode, Json<Scenario>)> {
    auth.require(Role::Manager)?;
    let new = NewScenario {
        name: validate::text("name", &req.name, SHORT)?,
        persona_id: req.persona_id,
        body: checked_body(req.body)?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_scenario(auth.org(), &new).await?),
    ))
}

/// Get a scenario.
#[utoipa::path(get, path = "/scenarios/{id}", tag = "scenarios",
    params(("id" = String, Path, description = "Scenario id")),
    responses((status = 200, body = Scenario)))]
async fn get_scenario(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Scenario>> {
    validate::path_id(scenarios::PREFIX, &id, "scenario")?;
    Ok(Json(
        st.store
            .get_scenario(auth.org(), &id)
            .await
            .map_err(missing("scenario"))?,
    ))
}

/// Change a scenario (manager).
#[utoipa::path(patch, path = "/scenarios/{id}", tag = "scenarios",
    params(("id" = String, Path, description = "Scenario id")),
    request_body = UpdateScenario,
    responses((status = 200, body = Scenario)))]
async fn update_scenario(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateScenario>,
) -> ApiResult<Json<Scenario>> {
    auth.require(Role::Manager)?;
    validate::path_id(scenarios::PREFIX, &id, "scenario")?;
    let patch = ScenarioPatch {
        name: req
            .name
            .map(|n| validate::text("name", &n, SHORT))
            .transpose()?,
        persona_id: req.persona_id,
        body: req.body.map(checked_body).transpose()?,
    };
    Ok(Json(
        st.store
            .update_scenario(auth.org(), &id, &patch)
            .await
            .map_err(missing("scenario"))?,
    ))
}

/// Delete a scenario (manager).
#[utoipa::path(delete, path = "/scenarios/{id}", tag = "scenarios",
    params(("id" = String, Path, description = "Scenario id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_scenario(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id(scenarios::PREFIX, &id, "scenario")?;
    st.store
        .delete_scenario(auth.org(), &id)
        .await
        .map_err(missing("scenario"))?;
    Ok(StatusCode::NO_CONTENT)
}
