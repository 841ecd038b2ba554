//! Transcripts: `/api/v1/calls/{id}/segments` (append, manager), `/api/v1/calls/{id}/transcript`
//! (read as JSON or CSV; delete, manager) and `/api/v1/transcripts/search` (full-text search
//! with highlighted snippets). Reps read and search their own calls only.
//!
//! Segments are stored only for organizations that opted in (`store_transcripts`); otherwise
//! appending answers 409 `transcripts_disabled`. An append that returns success is committed:
//! it survives a crash and is searchable at once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use callbridge_store::StoreError;
use callbridge_store::calls::{CallStatus, Direction, Transport};
use callbridge_store::transcripts::{
    NewSegment, SearchHit, SearchRequest, Segment, SegmentError, Speaker,
};
use callbridge_store::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::calls::{FilterParams, call_filter, visible_call};
use crate::auth::Auth;
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validate;

crate::page_type!(SearchPage, SearchHit);

/// The most segments one append may carry.
const MAX_BATCH: usize = 500;
/// Segment times are offsets into a call; no call lasts a week.
const MAX_OFFSET_MS: i64 = 7 * 86_400_000;

/// Segments to append to a call's transcript (one or a batch; all or none are stored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppendSegments {
    /// 1 to 500 segments.
    pub segments: Vec<SegmentIn>,
}

/// A final transcript segment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentIn {
    /// Position in the transcript, unique per call. Re-sending a stored segment unchanged
    /// is harmless (a retry); different content under a used `seq` is a 409.
    #[schema(minimum = 0)]
    pub seq: i64,
    pub speaker: Speaker,
    /// Offset from the start of the call.
    #[schema(minimum = 0)]
    pub start_ms: i64,
    #[schema(minimum = 0)]
    pub end_ms: i64,
    /// 1 to 10000 characters.
    pub text: String,
    /// Recognizer confidence, 0 to 1.
    #[schema(minimum = 0, maximum = 1)]
    pub confidence: Option<f64>,
}

/// The stored segments of an append.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentsWritten {
    pub segments: Vec<Segment>,
    /// How many were new (the others were already stored, unchanged).
    pub created: usize,
}

/// A call's transcript.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transcript {
    pub call_id: String,
    /// In `seq` order.
    pub segments: Vec<Segment>,
}

/// Transcript export format.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TranscriptQuery {
    /// `json` (default) or `csv` (a header row, then one row per segment).
    #[param(inline)]
    pub format: Option<TranscriptFormat>,
}

/// A full-text search, with optional call filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words (all must occur), "quoted phrases", `or` between alternatives, `-word` to
    /// exclude. 1 to 500 characters.
    pub q: String,
    #[param(minimum = 0)]
    pub from: Option<i64>,
    #[param(minimum = 0)]
    pub to: Option<i64>,
    #[param(inline)]
    pub direction: Option<Direction>,
    #[param(inline)]
    pub transport: Option<Transport>,
    pub outcome: Option<String>,
    #[param(inline)]
    pub status: Option<CallStatus>,
    pub user_id: Option<String>,
    pub campaign_id: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(append_segments))
        .routes(routes!(get_transcript, delete_transcript))
        .routes(routes!(search))
}

impl From<SegmentError> for AppError {
    fn from(e: SegmentError) -> Self {
        match e {
            SegmentError::TranscriptsDisabled => {
                AppError::new(StatusCode::CONFLICT, "transcripts_disabled", e.to_string())
            }
            SegmentError::Store(StoreError::NotFound) => AppError::not_found("call"),
            SegmentError::Store(other) => other.into(),
        }
    }
}

fn segment(i: usize, s: SegmentIn) -> ApiResult<NewSegment> {
    let f = |name: &str| format!("segments[{i}].{name}");
    let seq = validate::range(&f("seq"), s.seq, 0..=i64::from(u32::MAX))?;
    let start_ms = validate::range(&f("start_ms"), s.start_ms, 0..=MAX_OFFSET_MS)?;
    let end_ms = validate::range(&f("end_ms"), s.end_ms, start_ms..=MAX_OFFSET_MS)
        .map_err(|_| AppError::invalid(&f("end_ms"), "must be between start_ms and 7 days"))?;
    if s.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
        return Err(AppError::invalid(
            &f("confidence"),
            "must be between 0 and 1",
        ));
    }
    Ok(NewSegment {
        seq,
        speaker: s.speaker,
        start_ms,
        end_ms,
        text: validate::text(&f("text"), &s.text, 10_000)?,
        confidence: s.confidence,
    })
}

/// Append transcript segments to a call (manager). 201 when at least one segment is new,
/// 200 when all were already stored unchanged.
#[utoipa::path(post, path = "/calls/{id}/segments", tag = "transcripts",
    params(("id" = String, Path, description = "Call id")),
    request_body = AppendSegments,
    responses(
        (status = 201, body = SegmentsWritten, description = "Stored"),
        (status = 200, body = SegmentsWritten, description = "Already stored, unchanged"),
    ))]
async fn append_segments(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AppendSegments>,
) -> ApiResult<(StatusCode, Json<SegmentsWritten>)> {
    auth.require(Role::Manager)?;
    validate::path_id("call", &id, "call")?;
    if body.segments.is_empty() || body.segments.len() > MAX_BATCH {
        return Err(AppError::invalid(
            "segments",
            format!("must hold 1 to {MAX_BATCH} segments"),
        ));
    }
    let mut new = Vec::with_capacity(body.segments.len());
    let mut seen = std::collections::HashSet::new();
    for (i, s) in body.segments.into_iter().enumerate() {
        let s = segment(i, s)?;
        if !seen.insert(s.seq) {
            return Err(AppError::invalid(
                &format!("segments[{i}].seq"),
                "appears twice in this batch",
            ));
        }
        new.push(s);
    }
    let written = st.store.add_segments(auth.org(), &id, &new).await?;
    let created = written.iter().filter(|w| w.created).count();
    let status = if created > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(SegmentsWritten {
            segments: written.into_iter().map(|w| w.segment).collect(),
            created,
        }),
    ))
}

/// A call's transcript, as JSON (default) or CSV.
#[utoipa::path(get, path = "/calls/{id}/transcript", tag = "transcripts",
    params(("id" = String, Path, description = "Call id"), TranscriptQuery),
    responses((status = 200, description = "The segments in order",
        content((Transcript = "application/json"), (String = "text/csv")))))]
async fn get_transcript(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TranscriptQuery>,
) -> ApiResult<Response> {
    let call = visible_call(&st, &auth, &id).await?;
    let segments = st.store.list_segments(auth.org(), &call.id).await?;
    Ok(match q.format.unwrap_or_default() {
        TranscriptFormat::Json => Json(Transcript {
            call_id: call.id,
            segments,
        })
        .into_response(),
        TranscriptFormat::Csv => {
            let body = to_csv(&segments).map_err(AppError::internal)?;
            let disposition = format!("attachment; filename=\"{}-transcript.csv\"", call.id);
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response()
        }
    })
}

/// RFC 4180 CSV: a header row, fields quoted where needed (commas, quotes, line breaks).
fn to_csv(segments: &[Segment]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["seq", "speaker", "start_ms", "end_ms", "confidence", "text"])?;
    for s in segments {
        w.write_record([
            s.seq.to_string(),
            s.speaker.as_str().to_owned(),
            s.start_ms.to_string(),
            s.end_ms.to_string(),
            s.confidence.map(|c| c.to_string()).unwrap_or_default(),
            s.text.clone(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Delete a call's transcript (manager). The call and its consent records stay.
#[utoipa::path(delete, path = "/calls/{id}/transcript", tag = "transcripts",
    params(("id" = String, Path, description = "Call id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_transcript(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id("call", &id, "call")?;
    st.store
        .delete_transcript(auth.org(), &id)
        .await
        .map_err(crate::error::missing("call"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Search transcripts. Hits are segments, best first, with the matching words of the
/// snippet (escaped HTML) in `<mark>` tags.
#[utoipa::path(get, path = "/transcripts/search", tag = "transcripts", params(SearchQuery),
    responses((status = 200, body = SearchPage)))]
async fn search(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchPage>> {
    let text = validate::text("q", &q.q, 500)?;
    let calls = call_filter(
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
    let req = SearchRequest {
        q: text,
        calls,
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(
        st.store.search_transcripts(auth.org(), &req).await?.into(),
    ))
}
