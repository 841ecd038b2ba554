//! `/api/v1/calls`: the call log. Everyone lists and reads calls (reps only their own: a
//! call of another rep answers 404, exactly like a missing one); managers import call
//! records and delete calls, which removes the transcript and the recording file too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::analyses::Analysis;
use callbridge_store::calls::{
    Call, CallFilter, CallMode, CallStatus, Direction, NewCall, Transport,
};
use callbridge_store::consent::{Consent, NewConsent};
use callbridge_store::recordings::Recording;
use callbridge_store::users::Role;
use callbridge_store::{PageRequest, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validate;

crate::page_type!(CallPage, Call);

/// List filters (all optional, combined with AND) and the page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallQuery {
    /// Calls that started at or after this time (ms since the epoch).
    #[param(minimum = 0)]
    pub from: Option<i64>,
    /// Calls that started before this time (ms since the epoch).
    #[param(minimum = 0)]
    pub to: Option<i64>,
    #[param(inline)]
    pub direction: Option<Direction>,
    #[param(inline)]
    pub transport: Option<Transport>,
    /// e.g. booked, transferred, no_answer, voicemail, dnc.
    pub outcome: Option<String>,
    #[param(inline)]
    pub status: Option<CallStatus>,
    /// Calls of this user (reps always see only their own).
    pub user_id: Option<String>,
    pub campaign_id: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The call filters of a query string, before validation.
#[derive(Debug, Default)]
pub(crate) struct FilterParams<'a> {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub direction: Option<Direction>,
    pub transport: Option<Transport>,
    pub outcome: Option<&'a str>,
    pub status: Option<CallStatus>,
    pub user_id: Option<&'a str>,
    pub campaign_id: Option<&'a str>,
}

/// A call with what belongs to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallDetail {
    pub call: Call,
    /// Number of stored transcript segments.
    pub segment_count: i64,
    pub recording: Option<Recording>,
    pub consent: Vec<Consent>,
    /// The newest analysis of the call.
    pub analysis: Option<Analysis>,
}

/// An external call record to import (from a CRM, or for later analysis). It is stored as a
/// completed call with transport `upload`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportCall {
    pub direction: Direction,
    /// Caller's number, E.164 (`+15551234567`; spaces, dashes, dots and parentheses are
    /// ignored) or a short extension.
    pub from_number: String,
    pub to_number: String,
    /// ms since the epoch.
    pub started_at: i64,
    /// ms since the epoch; not before `started_at`.
    pub ended_at: i64,
    /// The rep of the call (a user of your organization).
    pub user_id: Option<String>,
    pub campaign_id: Option<String>,
    /// e.g. booked, transferred, no_answer (lower case, digits, `_`).
    pub outcome: Option<String>,
    /// The source system's id of the call.
    pub external_id: Option<String>,
    /// Consent given on the original call.
    #[serde(default)]
    pub consent: Vec<NewConsent>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calls))
        .routes(routes!(import_call))
        .routes(routes!(get_call, delete_call))
}

/// The call `id` if the caller may see it: any call of the organization for managers, their
/// own calls for reps. Everything else is a 404, like a missing call.
pub(crate) async fn visible_call(st: &AppState, auth: &Auth, id: &str) -> ApiResult<Call> {
    validate::path_id("call", id, "call")?;
    let call = st
        .store
        .get_call(auth.org(), id)
        .await
        .map_err(missing("call"))?;
    if auth.role() < Role::Manager && call.user_id.as_deref() != Some(auth.user()) {
        return Err(AppError::not_found("call"));
    }
    Ok(call)
}

/// Validates the filters into a store filter; reps are limited to their own calls.
pub(crate) fn call_filter(p: FilterParams<'_>, auth: &Auth) -> ApiResult<CallFilter> {
    for (field, v) in [("from", p.from), ("to", p.to)] {
        if v.is_some_and(|t| t < 0) {
            return Err(AppError::invalid(
                field,
                "must be ms since the epoch (>= 0)",
            ));
        }
    }
    if let (Some(f), Some(t)) = (p.from, p.to)
        && t < f
    {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    let outcome = p.outcome.map(|o| slug("outcome", o)).transpose()?;
    let user_id = p.user_id.map(|u| ref_id("user_id", u)).transpose()?;
    let campaign_id = p
        .campaign_id
        .map(|c| ref_id("campaign_id", c))
        .transpose()?;
    Ok(CallFilter {
        from: p.from,
        to: p.to,
        direction: p.direction,
        transport: p.transport,
        outcome,
        status: p.status,
        user_id,
        campaign_id,
        visible_to: (auth.role() < Role::Manager).then(|| auth.user().to_owned()),
    })
}

/// An outcome word: lower case letters, digits and `_`, 1 to 40 characters.
fn slug(field: &str, v: &str) -> ApiResult<String> {
    let ok = (1..=40).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(AppError::invalid(
            field,
            "must be 1-40 lower-case letters, digits or _",
        ))
    }
}

/// An object id as given by this API: letters, digits and `_`, at most 64 characters.
fn ref_id(field: &str, v: &str) -> ApiResult<String> {
    let ok =
        (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(AppError::invalid(field, "not an id of this API"))
    }
}

/// A phone number, E.164-ish: an optional `+` and 3 to 15 digits once separators are gone.
fn phone(field: &str, v: &str) -> ApiResult<String> {
    let kept: String = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = kept.strip_prefix('+').unwrap_or(&kept);
    if (3..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(kept)
    } else {
        Err(AppError::invalid(
            field,
            "must be a phone number like +15551234567 (3 to 15 digits)",
        ))
    }
}

/// List calls, newest first.
#[utoipa::path(get, path = "/calls", tag = "calls", params(CallQuery),
    responses((status = 200, body = CallPage)))]
async fn list_calls(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CallQuery>,
) -> ApiResult<Json<CallPage>> {
    let filter = call_filter(
        FilterParams {
            from: q.from,
            to: q.to,
            direction: q.direction,
            transport: q.transport,
            outcome: q.outcome.as_deref(),
            status: q.status,
            user_id: q.user_id.as_deref(),
            campaign_id: q.campaign_id.as_deref(),
        },
        &auth,
    )?;
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(
        st.store
            .list_calls(auth.org(), &filter, &page)
            .await?
            .into(),
    ))
}

async fn detail(st: &AppState, org: &str, call: Call) -> ApiResult<CallDetail> {
    let recording = match st.store.get_recording(org, &call.id).await {
        Ok(r) => Some(r),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(CallDetail {
        segment_count: st.store.count_segments(org, &call.id).await?,
        recording,
        consent: st.store.list_consent(org, &call.id).await?,
        analysis: st.store.latest_analysis(org, &call.id).await?,
        call,
    })
}

/// A call with its segment count, recording, consent records and newest analysis.
#[utoipa::path(get, path = "/calls/{id}", tag = "calls",
    params(("id" = String, Path, description = "Call id")),
    responses((status = 200, body = CallDetail)))]
async fn get_call(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CallDetail>> {
    let call = visible_call(&st, &auth, &id).await?;
    Ok(Json(detail(&st, auth.org(), call).await?))
}

/// Import an external call record with its consent records (manager).
#[utoipa::path(post, path = "/calls/records", tag = "calls", request_body = ImportCall,
    responses((status = 201, body = CallDetail)))]
async fn import_call(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ImportCall>,
) -> ApiResult<(StatusCode, Json<CallDetail>)> {
    auth.require(Role::Manager)?;
    let new = import_to_new_call(&body, st.store.now_ms())?;
    for (i, c) in body.consent.iter().enumerate() {
        consent_detail(&format!("consent[{i}].detail"), &c.detail)?;
    }
    if body.consent.len() > 20 {
        return Err(AppError::invalid("consent", "at most 20 records"));
    }
    let call = st
        .store
        .create_call_with_consent(auth.org(), &new, &body.consent)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&st, auth.org(), call).await?),
    ))
}

/// Validates an import into a completed `upload` call.
fn import_to_new_call(body: &ImportCall, now: i64) -> ApiResult<NewCall> {
    // A day of slack for clocks that run ahead of ours.
    let latest = now + 86_400_000;
    let started_at = validate::range("started_at", body.started_at, 0..=latest)?;
    let ended_at = validate::range("ended_at", body.ended_at, 0..=latest)?;
    if ended_at < started_at {
        return Err(AppError::invalid(
            "ended_at",
            "must not be before started_at",
        ));
    }
    Ok(NewCall {
        direction: body.direction,
        transport: Transport::Upload,
        mode: CallMode::Analysis,
        status: CallStatus::Completed,
        from_number: phone("from_number", &body.from_number)?,
        to_number: phone("to_number", &body.to_number)?,
        user_id: body
            .user_id
            .as_deref()
            .map(|u| ref_id("user_id", u))
            .transpose()?,
        campaign_id: body
            .campaign_id
            .as_deref()
            .map(|c| ref_id("campaign_id", c))
            .transpose()?,
        lead_id: None,
        persona_id: None,
        script_id: None,
        script_version: None,
        external_id: body
            .external_id
            .as_deref()
            .map(|e| validate::text("external_id", e, 200))
            .transpose()?,
        started_at,
        // An imported record is of a call that was connected for its whole length.
        answered_at: Some(started_at),
        ended_at: Some(ended_at),
        outcome: body
            .outcome
            .as_deref()
            .map(|o| slug("outcome", o))
            .transpose()?,
        end_reason: None,
    })
}

/// A consent detail: free text up to 500 characters, may be empty.
pub(crate) fn consent_detail(field: &str, v: &str) -> ApiResult<()> {
    if v.is_empty() {
        return Ok(());
    }
    validate::text(field, v, 500).map(|_| ())
}

/// Delete a call with its transcript, recording (row and file), consent records and
/// analyses (manager).
#[utoipa::path(delete, path = "/calls/{id}", tag = "calls",
    params(("id" = String, Path, description = "Call id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_call(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id("call", &id, "call")?;
    let paths = st
        .store
        .delete_call(auth.org(), &id)
        .await
        .map_err(missing("call"))?;
    crate::files::remove_recordings(&st.data_dir, &paths).await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_e164_ish() {
        assert_eq!(
            phone("f", "+1 (555) 010-0199").ok().as_deref(),
            Some("+15550100199")
        );
        assert_eq!(phone("f", "1001").ok().as_deref(), Some("1001"));
        for bad in ["", "+", "12", "+1234567890123456", "555-CALL", "++15550100"] {
            assert!(phone("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs_and_ids() {
        assert!(slug("o", "no_answer").is_ok());
        for bad in ["", "Booked", "no answer", "x;drop"] {
            assert!(slug("o", bad).is_err(), "{bad}");
        }
        assert!(ref_id("u", "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV").is_ok());
        assert!(ref_id("u", "usr x").is_err());
    }
}
