//! `/api/v1/numbers`: the phone numbers calls arrive on (managers only), each with its
//! provider and the agent profile that answers it.
//!
//! A number can be registered by one organization only, server-wide: registering a number
//! that is taken answers 409 with the same message whichever organization holds it, so the
//! answer reveals nothing about other organizations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::numbers::{
    self, NewPhoneNumber, NumberProvider, PhoneNumber, PhoneNumberPatch,
};
use callbridge_store::users::Role;
use callbridge_store::{StoreError, personas, scripts};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::personas::opt_text;
use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(PhoneNumberPage, PhoneNumber);

/// How a call to the number is routed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NumberRouting {
    /// Evaluate the organization's routing rules; the profile's agent answers when none
    /// matches.
    #[default]
    Rules,
    /// Always answer with the profile's agent.
    Agent,
}

/// Who answers the number.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberProfile {
    /// The persona the agent plays.
    pub persona_id: Option<String>,
    /// The script the agent follows.
    pub script_id: Option<String>,
    #[serde(default)]
    pub routing: NumberRouting,
}

/// A number to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNumber {
    /// E.164: "+" then 8 to 15 digits. Spaces, dashes, dots and parentheses are removed.
    pub e164: String,
    /// A name for people, e.g. "US sales line".
    #[serde(default)]
    pub label: String,
    pub provider: NumberProvider,
    #[serde(default)]
    pub profile: NumberProfile,
}

/// A partial update: absent fields stay; a `profile` replaces the old one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNumber {
    pub e164: Option<String>,
    pub label: Option<String>,
    pub provider: Option<NumberProvider>,
    pub profile: Option<NumberProfile>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_numbers, create_number))
        .routes(routes!(get_number, update_number, delete_number))
}

/// An E.164 number: `+`, then 8 to 15 digits not starting with 0 (ITU-T E.164 §6: country
/// codes never start with 0). Visual separators are dropped first.
pub(crate) fn e164(field: &str, v: &str) -> ApiResult<String> {
    let compact: String = v
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let ok = compact.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    });
    if ok {
        Ok(compact)
    } else {
        Err(AppError::invalid(
            field,
            "must be an E.164 number: + then 8 to 15 digits, e.g. +14155550100",
        ))
    }
}

/// Checks that a persona and a script (when given) exist in the organization; errors name
/// `{prefix}.persona_id` / `{prefix}.script_id`.
pub(crate) async fn ensure_refs(
    st: &AppState,
    org: &str,
    prefix: &str,
    persona_id: Option<&str>,
    script_id: Option<&str>,
) -> ApiResult<()> {
    if let Some(pid) = persona_id {
        let field = format!("{prefix}.persona_id");
        let found = validate::path_id(personas::PREFIX, pid, "persona").is_ok()
            && exists(st.store.get_persona(org, pid).await)?;
        if !found {
            return Err(AppError::invalid(
                &field,
                "no such persona in this organization",
            ));
        }
    }
    if let Some(sid) = script_id {
        let field = format!("{prefix}.script_id");
        let found = validate::path_id(scripts::PREFIX, sid, "script").is_ok()
            && exists(st.store.get_script(org, sid).await)?;
        if !found {
            return Err(AppError::invalid(
                &field,
                "no such script in this organization",
            ));
        }
    }
    Ok(())
}

fn exists<T>(r: Result<T, StoreError>) -> ApiResult<bool> {
    match r {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

async fn checked_profile(
    st: &AppState,
    org: &str,
    p: NumberProfile,
) -> ApiResult<serde_json::Value> {
    ensure_refs(
        st,
        org,
        "profile",
        p.persona_id.as_deref(),
        p.script_id.as_deref(),
    )
    .await?;
    serde_json::to_value(&p).map_err(AppError::internal)
}

fn label(v: &str) -> ApiResult<String> {
    opt_text("label", v, 100)
}

/// List the organization's numbers (manager).
#[utoipa::path(get, path = "/numbers", tag = "numbers", params(PageQuery),
    responses((status = 200, body = PhoneNumberPage)))]
async fn list_numbers(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PhoneNumberPage>> {
    auth.require(Role::Manager)?;
    Ok(Json(
        st.store
            .list_numbers(auth.org(), &(&q).into())
            .await?
            .into(),
    ))
}

/// Register a number (manager). 409 if any organization already has it.
#[utoipa::path(post, path = "/numbers", tag = "numbers", request_body = CreateNumber,
    responses((status = 201, body = PhoneNumber)))]
async fn create_number(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateNumber>,
) -> ApiResult<(StatusCode, Json<PhoneNumber>)> {
    auth.require(Role::Manager)?;
    let new = NewPhoneNumber {
        e164: e164("e164", &req.e164)?,
        label: label(&req.label)?,
        provider: req.provider,
        profile: checked_profile(&st, auth.org(), req.profile).await?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_number(auth.org(), &new).await?),
    ))
}

/// Get a number (manager).
#[utoipa::path(get, path = "/numbers/{id}", tag = "numbers",
    params(("id" = String, Path, description = "Phone number id")),
    responses((status = 200, body = PhoneNumber)))]
async fn get_number(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PhoneNumber>> {
    auth.require(Role::Manager)?;
    validate::path_id(numbers::PREFIX, &id, "phone number")?;
    Ok(Json(
        st.store
            .get_number(auth.org(), &id)
            .await
            .map_err(missing("phone number"))?,
    ))
}

/// Change a number (manager). A new `e164` that is taken is 409.
#[utoipa::path(patch, path = "/numbers/{id}", tag = "numbers",
    params(("id" = String, Path, description = "Phone number id")),
    request_body = UpdateNumber,
    responses((status = 200, body = PhoneNumber)))]
async fn update_number(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateNumber>,
) -> ApiResult<Json<PhoneNumber>> {
    auth.require(Role::Manager)?;
    validate::path_id(numbers::PREFIX, &id, "phone number")?;
    let profile = match req.profile {
        Some(p) => Some(checked_profile(&st, auth.org(), p).await?),
        None => None,
    };
    let patch = PhoneNumberPatch {
        e164: req.e164.map(|v| e164("e164", &v)).transpose()?,
        label: req.label.map(|v| label(&v)).transpose()?,
        provider: req.provider,
        profile,
    };
    Ok(Json(
        st.store
            .update_number(auth.org(), &id, &patch)
            .await
            .map_err(missing("phone number"))?,
    ))
}

/// Release a number (manager).
#[utoipa::path(delete, path = "/numbers/{id}", tag = "numbers",
    params(("id" = String, Path, description = "Phone number id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_number(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id(numbers::PREFIX, &id, "phone number")?;
    st.store
        .delete_number(auth.org(), &id)
        .await
        .map_err(missing("phone number"))?;
    Ok(StatusCode::NO_CONTENT)
}
