//! `/api/v1/calls/{id}/recording`: a call's WAV recording. Managers upload (replacing any
//! earlier one) and delete; whoever may see the call downloads it, with HTTP range requests
//! (players seek with them).
//!
//! Files live at `<data_dir>/recordings/<org>/<call>.wav`. An upload is validated as WAV,
//! written to a temporary file, flushed to disk and renamed into place, so a reader or a
//! crash never sees half a file; only then is the row stored.

use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use callbridge_audio::wav;
use callbridge_store::consent::{ConsentKind, ConsentMethod, NewConsent};
use callbridge_store::recordings::{NewRecording, Recording};
use callbridge_store::users::Role;
use tower_http::services::ServeFile;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::calls::visible_call;
use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::media_type;
use crate::state::AppState;

/// A WAV file (16-bit PCM, or 8-bit G.711 mu-law/A-law).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct WavFile(pub Vec<u8>);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(put_recording, get_recording, delete_recording))
}

/// The relative path of a call's recording.
fn relative_path(org: &str, call: &str) -> String {
    format!("recordings/{org}/{call}.wav")
}

/// Reads the whole body, refusing more than `limit` bytes (413), without axum's JSON-sized
/// default limit: uploads have their own, larger one.
async fn read_upload(headers: &HeaderMap, body: Body, limit: usize) -> ApiResult<Vec<u8>> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::too_large(limit));
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b.to_vec()),
        // http-body-util's LengthLimitError ("length limit exceeded"), as in `extract`.
        Err(e) if e.to_string().contains("length limit") => Err(AppError::too_large(limit)),
        Err(e) => Err(AppError::bad_request(format!(
            "cannot read the request body: {e}"
        ))),
    }
}

/// Writes `bytes` to `path` through a flushed temporary file and a rename.
async fn write_atomically(path: PathBuf, bytes: Vec<u8>) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let dir = path.parent().unwrap_or(FsPath::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = path.with_extension(format!("wav.tmp-{}", callbridge_store::id::random_hex(6)));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // The rename itself is durable once the directory is synced.
            std::fs::File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Upload a call's recording as a WAV file (`audio/wav`, or `application/octet-stream` as
/// generic HTTP clients send it; the bytes must parse as WAV either way) (manager); replaces
/// an earlier one. The call gets
/// a `recording` consent record (method `setting`) unless it has one.
#[utoipa::path(put, path = "/calls/{id}/recording", tag = "recordings",
    params(("id" = String, Path, description = "Call id")),
    request_body(description = "The WAV file",
        content((WavFile = "audio/wav"), (WavFile = "application/octet-stream"))),
    responses(
        (status = 201, body = Recording, description = "Stored"),
        (status = 200, body = Recording, description = "Replaced the earlier recording"),
    ))]
async fn put_recording(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, axum::Json<Recording>)> {
    auth.require(Role::Manager)?;
    let call = visible_call(&st, &auth, &id).await?;
    if !matches!(
        media_type(&headers).as_str(),
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" | "application/octet-stream"
    ) {
        return Err(AppError::unsupported_media_type("audio/wav"));
    }
    let bytes = read_upload(&headers, body, st.limits.upload_body).await?;
    let parsed = wav::read(&bytes).map_err(|e| AppError::invalid("body", e.to_string()))?;
    let existed = st.store.get_recording(auth.org(), &call.id).await.is_ok();
    let rel = relative_path(auth.org(), &call.id);
    let abs = crate::files::resolve(&st.data_dir, &rel)
        .ok_or_else(|| AppError::internal("recording path leaves the data directory"))?;
    let size = bytes.len() as i64;
    write_atomically(abs, bytes)
        .await
        .map_err(AppError::internal)?;
    let new = NewRecording {
        path: rel.clone(),
        channels: i64::from(parsed.channels),
        sample_rate: i64::from(parsed.sample_rate),
        duration_ms: (parsed.frames() as i64 * 1000) / i64::from(parsed.sample_rate.max(1)),
        bytes: size,
        consent: NewConsent {
            kind: ConsentKind::Recording,
            granted: true,
            method: ConsentMethod::Setting,
            detail: "recording uploaded through the API by a manager".to_owned(),
        },
    };
    let saved = match st.store.create_recording(auth.org(), &call.id, &new).await {
        Ok(s) => s,
        Err(e) => {
            // The call went away meanwhile: its file must not stay behind.
            if !existed {
                crate::files::remove_recordings(&st.data_dir, &[rel]).await;
            }
            return Err(missing("call")(e));
        }
    };
    crate::files::remove_recordings(&st.data_dir, &saved.replaced_paths).await;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(saved.recording)))
}

/// Download a call's recording. Supports single byte ranges (`Range: bytes=0-1023`):
/// 206 with `Content-Range`; an unsatisfiable or malformed range is 416.
#[utoipa::path(get, path = "/calls/{id}/recording", tag = "recordings",
    params(
        ("id" = String, Path, description = "Call id"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. bytes=0-1023"),
    ),
    responses(
        (status = 200, body = WavFile, content_type = "audio/wav", description = "The file"),
        (status = 206, body = WavFile, content_type = "audio/wav", description = "The range"),
        (status = 416, description = "Range not satisfiable; Content-Range: bytes */size"),
    ))]
async fn get_recording(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let call = visible_call(&st, &auth, &id).await?;
    let rec = st
        .store
        .get_recording(auth.org(), &call.id)
        .await
        .map_err(missing("recording"))?;
    let abs = crate::files::resolve(&st.data_dir, &rec.path)
        .ok_or_else(|| AppError::internal("stored recording path leaves the data directory"))?;
    if !tokio::fs::try_exists(&abs).await.unwrap_or(false) {
        tracing::warn!(call_id = %call.id, "recording row without its file");
        return Err(AppError::not_found("recording"));
    }
    let resp = ServeFile::new(&abs)
        .try_call(req)
        .await
        .map_err(AppError::internal)?;
    let mut resp = resp.map(Body::new).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.wav\"", call.id)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// Delete a call's recording, row and file (manager).
#[utoipa::path(delete, path = "/calls/{id}/recording", tag = "recordings",
    params(("id" = String, Path, description = "Call id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_recording(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    let call = visible_call(&st, &auth, &id).await?;
    let paths = st
        .store
        .delete_recording(auth.org(), &call.id)
        .await
        .map_err(missing("recording"))?;
    crate::files::remove_recordings(&st.data_dir, &paths).await;
    Ok(StatusCode::NO_CONTENT)
}
