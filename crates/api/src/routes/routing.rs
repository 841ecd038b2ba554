//! `/api/v1/routing-rules`: inbound routing rules (managers only). Rules are listed in
//! evaluation order, priority then creation; the first enabled rule whose conditions all hold
//! decides what happens to a call.
//!
//! Conditions: the called number, a caller number prefix, the detected intent, whether the
//! organization is open (its business hours), and weekly time ranges in its time zone. Each
//! list matches if any entry matches; absent or empty conditions match every call. Actions:
//! an AI agent with a persona and/or script, a transfer, voicemail, or hanging up.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::routing::{self, NewRoutingRule, RoutingRule, RoutingRulePatch};
use callbridge_store::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::numbers::{e164, ensure_refs};
use super::personas::opt_text;
use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(RoutingRulePage, RoutingRule);

/// Open or closed per the organization's business hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HoursState {
    Open,
    Closed,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// A weekly time range in the organization's time zone. An `end` before `start` runs past
/// midnight into the next day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    /// The days it applies to; empty means every day.
    #[serde(default)]
    pub days: Vec<Day>,
    /// "HH:MM".
    pub start: String,
    /// "HH:MM" ("24:00" for midnight at the end of the day).
    pub end: String,
}

/// When a rule applies. Every present condition must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleConditions {
    /// The call was made to one of these numbers (E.164).
    #[serde(default)]
    pub called_numbers: Vec<String>,
    /// The caller's number starts with one of these ("+" then 1 to 15 digits, e.g. "+1415").
    #[serde(default)]
    pub caller_prefixes: Vec<String>,
    /// The caller's detected intent is one of these (lower-case names like "billing").
    #[serde(default)]
    pub intents: Vec<String>,
    /// Whether the organization is open per its business hours.
    pub business_hours: Option<HoursState>,
    /// The call arrives within one of these ranges.
    #[serde(default)]
    pub time_ranges: Vec<TimeRange>,
}

/// What to do with a matching call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    /// Answer with the AI agent, playing this persona and following this script.
    Agent {
        persona_id: Option<String>,
        script_id: Option<String>,
    },
    /// Transfer to an E.164 number or a `sip:` URI.
    Transfer { to: String },
    /// Take a voicemail, after this greeting.
    Voicemail { greeting: Option<String> },
    /// Hang up, after saying this.
    HangUp { message: Option<String> },
}

/// A new rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRule {
    pub name: String,
    /// Lower is evaluated first (0 to 1000000, default 100).
    #[serde(default = "default_priority")]
    pub priority: i64,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub conditions: RuleConditions,
    pub action: RuleAction,
}

/// A partial update: absent fields stay; `conditions` and `action` replace the old ones.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRule {
    pub name: Option<String>,
    pub priority: Option<i64>,
    pub enabled: Option<bool>,
    pub conditions: Option<RuleConditions>,
    pub action: Option<RuleAction>,
}

fn default_priority() -> i64 {
    100
}

fn yes() -> bool {
    true
}

const MAX_PRIORITY: i64 = 1_000_000;
const MAX_ENTRIES: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
}

/// An E.164 number or a `sip:`/`sips:` URI to transfer to.
pub(crate) fn transfer_target(field: &str, v: &str) -> ApiResult<String> {
    let v = v.trim();
    if v.starts_with('+') {
        return e164(field, v);
    }
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("sip:")
        .or_else(|| lower.strip_prefix("sips:"));
    let host = rest.map(|r| r.rsplit('@').next().unwrap_or(r));
    let ok = v.len() <= 256
        && host.is_some_and(|h| !h.is_empty() && !h.starts_with([':', ';']))
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            "must be an E.164 number (+14155550100) or a SIP URI (sip:rep@pbx.example.com)",
        ))
    }
}

fn list<T, U>(
    field: &str,
    items: Vec<T>,
    check: impl Fn(&str, T) -> ApiResult<U>,
) -> ApiResult<Vec<U>> {
    if items.len() > MAX_ENTRIES {
        return Err(AppError::invalid(
            field,
            format!("at most {MAX_ENTRIES} entries"),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, x)| check(&format!("{field}[{i}]"), x))
        .collect()
}

fn caller_prefix(field: &str, v: String) -> ApiResult<String> {
    let digits = v.trim().strip_prefix('+').unwrap_or("");
    if (1..=15).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit()) {
        Ok(format!("+{digits}"))
    } else {
        Err(AppError::invalid(
            field,
            "must be + then 1 to 15 digits, e.g. +1415",
        ))
    }
}

fn intent(field: &str, v: String) -> ApiResult<String> {
    let v = v.trim();
    let ok = (1..=64).contains(&v.len())
        && v.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            "1 to 64 lower-case letters, digits or '_', e.g. billing",
        ))
    }
}

/// Minutes since midnight of "HH:MM" (00:00 to 24:00).
fn hhmm(field: &str, v: &str) -> ApiResult<u32> {
    let parsed = v.split_once(':').and_then(|(h, m)| {
        let ok = h.len() == 2 && m.len() == 2;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (ok && ((h < 24 && m < 60) || (h == 24 && m == 0))).then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| AppError::invalid(field, "must be a time HH:MM from 00:00 to 24:00"))
}

fn time_range(field: &str, r: TimeRange) -> ApiResult<TimeRange> {
    let start = hhmm(&format!("{field}.start"), &r.start)?;
    let end = hhmm(&format!("{field}.end"), &r.end)?;
    if start == end || start == 24 * 60 {
        return Err(AppError::invalid(
            &format!("{field}.end"),
            "must differ from start (start before 24:00)",
        ));
    }
    let mut days = r.days;
    days.sort_unstable();
    days.dedup();
    Ok(TimeRange {
        days,
        start: r.start,
        end: r.end,
    })
}

fn checked_conditions(c: RuleConditions) -> ApiResult<serde_json::Value> {
    let c = RuleConditions {
        called_numbers: list("conditions.called_numbers", c.called_numbers, |f, v| {
            e164(f, &v)
        })?,
        caller_prefixes: list(
            "conditions.caller_prefixes",
            c.caller_prefixes,
            caller_prefix,
        )?,
        intents: list("conditions.intents", c.intents, intent)?,
        business_hours: c.business_hours,
        time_ranges: list("conditions.time_ranges", c.time_ranges, time_range)?,
    };
    serde_json::to_value(&c).map_err(AppError::internal)
}

async fn checked_action(st: &AppState, org: &str, a: RuleAction) -> ApiResult<serde_json::Value> {
    let a = match a {
        RuleAction::Agent {
            persona_id,
            script_id,
        } => {
            ensure_refs(
                st,
                org,
                "action",
                persona_id.as_deref(),
                script_id.as_deref(),
            )
            .await?;
            RuleAction::Agent {
                persona_id,
                script_id,
            }
        }
        RuleAction::Transfer { to } => RuleAction::Transfer {
            to: transfer_target("action.to", &to)?,
        },
        RuleAction::Voicemail { greeting } => RuleAction::Voicemail {
            greeting: spoken("action.greeting", greeting)?,
        },
        RuleAction::HangUp { message } => RuleAction::HangUp {
            message: spoken("action.message", message)?,
        },
    };
    serde_json::to_value(&a).map_err(AppError::internal)
}

/// An optional text to be spoken; blank means none.
fn spoken(field: &str, v: Option<String>) -> ApiResult<Option<String>> {
    let v = v.map(|t| opt_text(field, &t, 1000)).transpose()?;
    Ok(v.filter(|t| !t.is_empty()))
}

fn priority(v: i64) -> ApiResult<i64> {
    validate::range("priority", v, 0..=MAX_PRIORITY)
}

/// List the rules in evaluation order (manager).
#[utoipa::path(get, path = "/routing-rules", tag = "routing-rules", params(PageQuery),
    responses((status = 200, body = RoutingRulePage)))]
async fn list_rules(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<RoutingRulePage>> {
    auth.require(Role::Manager)?;
    Ok(Json(
        st.store
            .list_routing_rules(auth.org(), &(&q).into())
            .await?
            .into(),
    ))
}

/// Create a rule (manager).
#[utoipa::path(post, path = "/routing-rules", tag = "routing-rules", request_body = CreateRule,
    responses((status = 201, body = RoutingRule)))]
async fn create_rule(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateRule>,
) -> ApiResult<(StatusCode, Json<RoutingRule>)> {
    auth.require(Role::Manager)?;
    let new = NewRoutingRule {
        name: validate::text("name", &req.name, 200)?,
        priority: priority(req.priority)?,
        enabled: req.enabled,
        conditions: checked_conditions(req.conditions)?,
        action: checked_action(&st, auth.org(), req.action).await?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_routing_rule(auth.org(), &new).await?),
    ))
}

/// Get a rule (manager).
#[utoipa::path(get, path = "/routing-rules/{id}", tag = "routing-rules",
    params(("id" = String, Path, description = "Routing rule id")),
    responses((status = 200, body = RoutingRule)))]
async fn get_rule(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<RoutingRule>> {
    auth.require(Role::Manager)?;
    validate::path_id(routing::PREFIX, &id, "routing rule")?;
    Ok(Json(
        st.store
            .get_routing_rule(auth.org(), &id)
            .await
            .map_err(missing("routing rule"))?,
    ))
}

/// Change a rule (manager).
#[utoipa::path(patch, path = "/routing-rules/{id}", tag = "routing-rules",
    params(("id" = String, Path, description = "Routing rule id")),
    request_body = UpdateRule,
    responses((status = 200, body = RoutingRule)))]
async fn update_rule(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateRule>,
) -> ApiResult<Json<RoutingRule>> {
    auth.require(Role::Manager)?;
    validate::path_id(routing::PREFIX, &id, "routing rule")?;
    let action = match req.action {
        Some(a) => Some(checked_action(&st, auth.org(), a).await?),
        None => None,
    };
    let patch = RoutingRulePatch {
        name: req
            .name
            .map(|n| validate::text("name", &n, 200))
            .transpose()?,
        priority: req.priority.map(priority).transpose()?,
        enabled: req.enabled,
        conditions: req.conditions.map(checked_conditions).transpose()?,
        action,
    };
    Ok(Json(
        st.store
            .update_routing_rule(auth.org(), &id, &patch)
            .await
            .map_err(missing("routing rule"))?,
    ))
}

/// Delete a rule (manager).
#[utoipa::path(delete, path = "/routing-rules/{id}", tag = "routing-rules",
    params(("id" = String, Path, description = "Routing rule id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_rule(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id(routing::PREFIX, &id, "routing rule")?;
    st.store
        .delete_routing_rule(auth.org(), &id)
        .await
        .map_err(missing("routing rule"))?;
    Ok(StatusCode::NO_CONTENT)
}
