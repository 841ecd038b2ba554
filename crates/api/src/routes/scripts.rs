//! `/api/v1/scripts`: call scripts and their versions. Everyone reads; managers write.
//!
//! A script body is a list of steps: what the agent says, what answer it expects, where each
//! answer leads (branches to step ids), how often to re-ask, and what to do (book a meeting,
//! transfer, end, add to DNC). Branch targets must be step ids of the same body; a 422 names
//! the exact place, e.g. `body.steps[2].branches[0].goto`.
//!
//! Editing the body creates version n+1 (old versions never change, so a call can name the
//! text it followed); `GET /scripts/{id}/versions[/{n}]` reads the history.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::scripts::{
    self, NewScript, Script, ScriptKind, ScriptPatch, ScriptSummary, ScriptVersion,
    ScriptVersionSummary,
};
use callbridge_store::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::personas::text_list;
use super::routing::transfer_target;
use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(ScriptPage, ScriptSummary);
crate::page_type!(ScriptVersionPage, ScriptVersionSummary);

/// The kind of answer a step waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    YesNo,
    Number,
    Datetime,
    /// One of the step's `choices`.
    Choice,
    FreeText,
    /// Keypad digits.
    Dtmf,
}

/// Something the agent does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepAction {
    /// Offer times and book a meeting.
    BookMeeting,
    /// Transfer the call to an E.164 number or a `sip:` URI.
    Transfer { to: String },
    /// End the call.
    End,
    /// Put the caller on the do-not-call list.
    AddToDnc,
}

/// Where an answer leads.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// The answer: `yes`/`no` for yes_no, one of the choices for choice, digits (0-9 * #)
    /// for dtmf, a keyword for the other types.
    pub on: String,
    /// The step to go to.
    pub goto: Option<String>,
    /// An action to take first (or instead, without `goto`).
    pub action: Option<StepAction>,
}

/// One step of a script.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the script: letters, digits, `_` and `-`, up to 64.
    pub id: String,
    /// What the agent says.
    pub prompt: String,
    /// The answer the step waits for; absent for a statement.
    pub expect: Option<AnswerType>,
    /// The options of a `choice` step.
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub branches: Vec<Branch>,
    /// The step after this one when no branch matches (default: the next in the list).
    pub next: Option<String>,
    /// How often to re-ask an answer that cannot be understood (0-5).
    #[serde(default = "one")]
    pub retries: u8,
    /// An action taken when the step is reached.
    pub action: Option<StepAction>,
}

fn one() -> u8 {
    1
}

/// A script body: the first step is where the call starts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptBody {
    pub steps: Vec<Step>,
}

/// A new script (its version 1).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateScript {
    pub name: String,
    pub kind: ScriptKind,
    pub body: ScriptBody,
}

/// An edit: a `body` saves version n+1; `name` and `kind` change the script in place.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateScript {
    pub name: Option<String>,
    pub kind: Option<ScriptKind>,
    pub body: Option<ScriptBody>,
}

const MAX_STEPS: usize = 200;
const MAX_BRANCHES: usize = 50;
const MAX_RETRIES: u8 = 5;
const PROMPT: usize = 2000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_scripts, create_script))
        .routes(routes!(get_script, update_script, delete_script))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
}

/// Checks and normalizes a body; errors name the exact field.
fn checked_body(b: ScriptBody) -> ApiResult<serde_json::Value> {
    if b.steps.is_empty() || b.steps.len() > MAX_STEPS {
        return Err(AppError::invalid(
            "body.steps",
            format!("must have 1 to {MAX_STEPS} steps"),
        ));
    }
    let mut ids = HashSet::new();
    for (i, s) in b.steps.iter().enumerate() {
        let field = format!("body.steps[{i}].id");
        let id = s.id.trim();
        let ok = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        if !ok {
            return Err(AppError::invalid(
                &field,
                "1 to 64 letters, digits, '_' or '-'",
            ));
        }
        if !ids.insert(id.to_owned()) {
            return Err(AppError::invalid(&field, format!("duplicate step id {id}")));
        }
    }
    let steps = b
        .steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| checked_step(&format!("body.steps[{i}]"), s, &ids))
        .collect::<ApiResult<Vec<_>>>()?;
    serde_json::to_value(ScriptBody { steps }).map_err(AppError::internal)
}

fn checked_step(f: &str, s: Step, ids: &HashSet<String>) -> ApiResult<Step> {
    let prompt = validate::text(&format!("{f}.prompt"), &s.prompt, PROMPT)?;
    let choices = match (s.expect, s.choices.is_empty()) {
        (Some(AnswerType::Choice), true) => {
            return Err(AppError::invalid(
                &format!("{f}.choices"),
                "a choice step needs its choices",
            ));
        }
        (Some(AnswerType::Choice), false) => text_list(&format!("{f}.choices"), &s.choices)?,
        (_, true) => Vec::new(),
        (_, false) => {
            return Err(AppError::invalid(
                &format!("{f}.choices"),
                "only a step that expects a choice has choices",
            ));
        }
    };
    if s.retries > MAX_RETRIES {
        return Err(AppError::invalid(
            &format!("{f}.retries"),
            format!("must be between 0 and {MAX_RETRIES}"),
        ));
    }
    let branches = checked_branches(f, &s, &choices, ids)?;
    Ok(Step {
        id: s.id.trim().to_owned(),
        prompt,
        expect: s.expect,
        choices,
        branches,
        next: step_ref(&format!("{f}.next"), s.next, ids)?,
        retries: s.retries,
        action: checked_action(&format!("{f}.action"), s.action)?,
    })
}

fn checked_branches(
    f: &str,
    s: &Step,
    choices: &[String],
    ids: &HashSet<String>,
) -> ApiResult<Vec<Branch>> {
    if s.branches.is_empty() {
        return Ok(Vec::new());
    }
    let Some(expect) = s.expect else {
        return Err(AppError::invalid(
            &format!("{f}.branches"),
            "branches need an expected answer (expect)",
        ));
    };
    if s.branches.len() > MAX_BRANCHES {
        return Err(AppError::invalid(
            &format!("{f}.branches"),
            format!("at most {MAX_BRANCHES} branches"),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(s.branches.len());
    for (j, b) in s.branches.iter().enumerate() {
        let bf = format!("{f}.branches[{j}]");
        let on = answer(&format!("{bf}.on"), expect, &b.on, choices)?;
        if !seen.insert(on.clone()) {
            return Err(AppError::invalid(
                &format!("{bf}.on"),
                format!("another branch of this step is already on {on:?}"),
            ));
        }
        if b.goto.is_none() && b.action.is_none() {
            return Err(AppError::invalid(
                &bf,
                "a branch needs a goto, an action or both",
            ));
        }
        out.push(Branch {
            on,
            goto: step_ref(&format!("{bf}.goto"), b.goto.clone(), ids)?,
            action: checked_action(&format!("{bf}.action"), b.action.clone())?,
        });
    }
    Ok(out)
}

/// A branch's answer, checked against what the step expects.
fn answer(field: &str, expect: AnswerType, on: &str, choices: &[String]) -> ApiResult<String> {
    let on = on.trim();
    let ok = match expect {
        AnswerType::YesNo => matches!(on, "yes" | "no"),
        AnswerType::Choice => choices.iter().any(|c| c == on),
        AnswerType::Dtmf => {
            (1..=32).contains(&on.len())
                && on
                    .bytes()
                    .all(|c| c.is_ascii_digit() || c == b'*' || c == b'#')
        }
        AnswerType::Number | AnswerType::Datetime | AnswerType::FreeText => {
            return validate::text(field, on, 200);
        }
    };
    if ok {
        Ok(on.to_owned())
    } else {
        let expected = match expect {
            AnswerType::YesNo => "yes or no".to_owned(),
            AnswerType::Choice => format!("one of the step's choices: {}", choices.join(", ")),
            _ => "keypad digits 0-9, * and # (1 to 32)".to_owned(),
        };
        Err(AppError::invalid(field, format!("must be {expected}")))
    }
}

/// A reference to a step of the same body.
fn step_ref(field: &str, r: Option<String>, ids: &HashSet<String>) -> ApiResult<Option<String>> {
    match r {
        None => Ok(None),
        Some(id) if ids.contains(id.trim()) => Ok(Some(id.trim().to_owned())),
        Some(id) => Err(AppError::invalid(
            field,
            format!("no step has the id {id:?}"),
        )),
    }
}

fn checked_action(field: &str, a: Option<StepAction>) -> ApiResult<Option<StepAction>> {
    Ok(match a {
        Some(StepAction::Transfer { to }) => Some(StepAction::Transfer {
            to: transfer_target(&format!("{field}.to"), &to)?,
        }),
        other => other,
    })
}

fn version_number(v: &str) -> ApiResult<i64> {
    v.parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| AppError::not_found("script version"))
}

/// List the organization's scripts (without bodies).
#[utoipa::path(get, path = "/scripts", tag = "scripts", params(PageQuery),
    responses((status = 200, body = ScriptPage)))]
async fn list_scripts(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ScriptPage>> {
    Ok(Json(
        st.store
            .list_scripts(auth.org(), &(&q).into())
            .await?
            .into(),
    ))
}

/// Create a script; its body becomes version 1 (manager).
#[utoipa::path(post, path = "/scripts", tag = "scripts", request_body = CreateScript,
    responses((status = 201, body = Script)))]
async fn create_script(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateScript>,
) -> ApiResult<(StatusCode, Json<Script>)> {
    auth.require(Role::Manager)?;
    let new = NewScript {
        name: validate::text("name", &req.name, 200)?,
        kind: req.kind,
        body: checked_body(req.body)?,
        created_by: Some(auth.user().to_owned()),
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_script(auth.org(), &new).await?),
    ))
}

/// Get a script with its current version's body.
#[utoipa::path(get, path = "/scripts/{id}", tag = "scripts",
    params(("id" = String, Path, description = "Script id")),
    responses((status = 200, body = Script)))]
async fn get_script(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Script>> {
    validate::path_id(scripts::PREFIX, &id, "script")?;
    Ok(Json(
        st.store
            .get_script(auth.org(), &id)
            .await
            .map_err(missing("script"))?,
    ))
}

/// Edit a script (manager): a `body` saves a new version, atomically numbered n+1.
#[utoipa::path(patch, path = "/scripts/{id}", tag = "scripts",
    params(("id" = String, Path, description = "Script id")),
    request_body = UpdateScript,
    responses((status = 200, body = Script)))]
async fn update_script(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateScript>,
) -> ApiResult<Json<Script>> {
    auth.require(Role::Manager)?;
    validate::path_id(scripts::PREFIX, &id, "script")?;
    let patch = ScriptPatch {
        name: req
            .name
            .map(|n| validate::text("name", &n, 200))
            .transpose()?,
        kind: req.kind,
        body: req.body.map(checked_body).transpose()?,
        created_by: Some(auth.user().to_owned()),
    };
    Ok(Json(
        st.store
            .update_script(auth.org(), &id, &patch)
            .await
            .map_err(missing("script"))?,
    ))
}

/// Delete a script and its versions (manager). Calls keep the id and version they used.
#[utoipa::path(delete, path = "/scripts/{id}", tag = "scripts",
    params(("id" = String, Path, description = "Script id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_script(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id(scripts::PREFIX, &id, "script")?;
    st.store
        .delete_script(auth.org(), &id)
        .await
        .map_err(missing("script"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A script's versions, oldest first (without bodies).
#[utoipa::path(get, path = "/scripts/{id}/versions", tag = "scripts",
    params(("id" = String, Path, description = "Script id"), PageQuery),
    responses((status = 200, body = ScriptVersionPage)))]
async fn list_versions(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<ScriptVersionPage>> {
    validate::path_id(scripts::PREFIX, &id, "script")?;
    Ok(Json(
        st.store
            .list_script_versions(auth.org(), &id, &(&q).into())
            .await
            .map_err(missing("script"))?
            .into(),
    ))
}

/// One version of a script, with its body.
#[utoipa::path(get, path = "/scripts/{id}/versions/{version}", tag = "scripts",
    params(("id" = String, Path, description = "Script id"),
        ("version" = i64, Path, description = "Version number, from 1", minimum = 1)),
    responses((status = 200, body = ScriptVersion)))]
async fn get_version(
    State(st): State<AppState>,
    auth: Auth,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<ScriptVersion>> {
    validate::path_id(scripts::PREFIX, &id, "script")?;
    let version = version_number(&version)?;
    Ok(Json(
        st.store
            .get_script_version(auth.org(), &id, version)
            .await
            .map_err(missing("script version"))?,
    ))
}
