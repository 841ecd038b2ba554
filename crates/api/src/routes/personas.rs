//! `/api/v1/personas`: the AI buyers reps practice against. Everyone reads; managers write.
//!
//! The body is checked into [`PersonaBody`] (unknown fields refused) and stored in its
//! normalized form: trimmed texts, defaults filled in, so readers get one complete shape.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::personas::{self, NewPersona, Persona, PersonaPatch};
use callbridge_store::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(PersonaPage, Persona);

/// The speech synthesis voice the persona speaks with (flite voices).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Voice {
    /// US English, female.
    #[default]
    Slt,
    /// US English, male (16 kHz).
    Kal16,
    /// Scottish English, male.
    Awb,
    /// US English, male.
    Rms,
}

/// Who the persona is and how they behave on the call.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonaBody {
    /// Job title, e.g. "VP of Operations".
    pub role: String,
    /// The company the persona works for.
    pub company: String,
    /// The company's industry, e.g. "logistics".
    pub industry: String,
    /// How they come across, e.g. "skeptical, busy, direct".
    #[serde(default)]
    pub personality: String,
    #[serde(default)]
    pub voice: Voice,
    /// Free-form background the persona knows about themself.
    #[serde(default)]
    pub background: String,
    /// Facts the persona will share when asked (budget, team size, current tools).
    #[serde(default)]
    pub facts: Vec<String>,
    /// Needs the persona reveals only to good discovery questions.
    #[serde(default)]
    pub hidden_needs: Vec<String>,
    /// Objections the persona tends to raise.
    #[serde(default)]
    pub objections: Vec<String>,
}

/// A new persona.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePersona {
    /// Display name, e.g. "Dana Whitfield".
    pub name: String,
    pub body: PersonaBody,
}

/// A partial update: absent fields stay; a `body` replaces the whole body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePersona {
    pub name: Option<String>,
    pub body: Option<PersonaBody>,
}

/// Longest name or short text field.
const SHORT: usize = 200;
/// Longest long text field.
const LONG: usize = 4000;
/// Most entries of a list field.
const MAX_ITEMS: usize = 50;
/// Longest list entry.
const ITEM: usize = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_personas, create_persona))
        .routes(routes!(get_persona, update_persona, delete_persona))
}

/// A text that may be empty (then ""), otherwise like [`validate::text`].
pub(crate) fn opt_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        validate::text(field, value, max)
    }
}

/// A list of short texts: at most `MAX_ITEMS`, each non-empty and at most `ITEM` characters;
/// errors name the entry (`body.facts[2]`).
pub(crate) fn text_list(field: &str, items: &[String]) -> ApiResult<Vec<String>> {
    if items.len() > MAX_ITEMS {
        return Err(AppError::invalid(
            field,
            format!("at most {MAX_ITEMS} entries"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, s)| validate::text(&format!("{field}[{i}]"), s, ITEM))
        .collect()
}

/// The body, normalized, as stored.
fn checked_body(b: PersonaBody) -> ApiResult<serde_json::Value> {
    let body = PersonaBody {
        role: validate::text("body.role", &b.role, SHORT)?,
        company: validate::text("body.company", &b.company, SHORT)?,
        industry: validate::text("body.industry", &b.industry, SHORT)?,
        personality: opt_text("body.personality", &b.personality, ITEM)?,
        voice: b.voice,
        background: opt_text("body.background", &b.background, LONG)?,
        facts: text_list("body.facts", &b.facts)?,
        hidden_needs: text_list("body.hidden_needs", &b.hidden_needs)?,
        objections: text_list("body.objections", &b.objections)?,
    };
    serde_json::to_value(&body).map_err(AppError::internal)
}

/// List the organization's personas.
#[utoipa::path(get, path = "/personas", tag = "personas", params(PageQuery),
    responses((status = 200, body = PersonaPage)))]
async fn list_personas(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PersonaPage>> {
    Ok(Json(
        st.store
            .list_personas(auth.org(), &(&q).into())
            .await?
            .into(),
    ))
}

/// Create a persona (manager).
#[utoipa::path(post, path = "/personas", tag = "personas", request_body = CreatePersona,
    responses((status = 201, body = Persona)))]
async fn create_persona(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreatePersona>,
) -> ApiResult<(StatusCode, Json<Persona>)> {
    auth.require(Role::Manager)?;
    let new = NewPersona {
        name: validate::text("name", &req.name, SHORT)?,
        body: checked_body(req.body)?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_persona(auth.org(), &new).await?),
    ))
}

/// Get a persona.
#[utoipa::path(get, path = "/personas/{id}", tag = "personas",
    params(("id" = String, Path, description = "Persona id")),
    responses((status = 200, body = Persona)))]
async fn get_persona(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Persona>> {
    validate::path_id(personas::PREFIX, &id, "persona")?;
    Ok(Json(
        st.store
            .get_persona(auth.org(), &id)
            .await
            .map_err(missing("persona"))?,
    ))
}

/// Change a persona's name or body (manager).
#[utoipa::path(patch, path = "/personas/{id}", tag = "personas",
    params(("id" = String, Path, description = "Persona id")),
    request_body = UpdatePersona,
    responses((status = 200, body = Persona)))]
async fn update_persona(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdatePersona>,
) -> ApiResult<Json<Persona>> {
    auth.require(Role::Manager)?;
    validate::path_id(personas::PREFIX, &id, "persona")?;
    let patch = PersonaPatch {
        name: req
            .name
            .map(|n| validate::text("name", &n, SHORT))
            .transpose()?,
        body: req.body.map(checked_body).transpose()?,
    };
    Ok(Json(
        st.store
            .update_persona(auth.org(), &id, &patch)
            .await
            .map_err(missing("persona"))?,
    ))
}

/// Delete a persona (manager). Scenarios that used it keep existing without one.
#[utoipa::path(delete, path = "/personas/{id}", tag = "personas",
    params(("id" = String, Path, description = "Persona id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_persona(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id(personas::PREFIX, &id, "persona")?;
    st.store
        .delete_persona(auth.org(), &id)
        .await
        .map_err(missing("persona"))?;
    Ok(StatusCode::NO_CONTENT)
}
