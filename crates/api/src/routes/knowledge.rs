//! `/api/v1/knowledge`: documents the agents answer from. Everyone reads; managers write.
//!
//! Four ways in, all ending as plain text: typed text (`{kind:"text"}`), a URL fetched by the
//! server (`{kind:"url"}`), an uploaded PDF (`POST /knowledge/pdf`) and an uploaded web page
//! (`POST /knowledge/html`). Uploads are read under the upload size limit, not the JSON one.
//! Whatever goes wrong with a document's bytes is a 422 naming `body` (or `url`), never a 500.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use callbridge_store::knowledge::{
    self, KnowledgeDoc, KnowledgeDocPatch, KnowledgeDocSummary, NewKnowledgeDoc, SourceKind,
};
use callbridge_store::users::Role;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, ErrorBody, missing};
use crate::extract::{ApiJson, ApiQuery, media_type};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::textextract::{self, fetch, pdf::PdfError};
use crate::validate;

crate::page_type!(KnowledgeDocPage, KnowledgeDocSummary);

/// How a JSON-created document gets its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CreateKind {
    /// `content` is the text.
    Text,
    /// The server fetches `url` (http/https, text/html or text/plain, up to 5 MB, 10 s).
    Url,
}

/// A document from text or from a URL.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKnowledge {
    pub kind: CreateKind,
    /// Required for `text`; for `url` it defaults to the page's title.
    pub title: Option<String>,
    /// The text (`text` only).
    pub content: Option<String>,
    /// The page to fetch (`url` only).
    pub url: Option<String>,
}

/// A partial update. New `content` bumps the version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKnowledge {
    pub title: Option<String>,
    pub content: Option<String>,
}

/// Query of a PDF upload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PdfQuery {
    /// The document's title.
    pub title: String,
    /// The uploaded file's name, kept as the document's source.
    pub filename: Option<String>,
}

/// Query of a web page upload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HtmlQuery {
    /// The document's title (default: the page's `<title>`).
    pub title: Option<String>,
    /// Where the page was captured from (http or https URL).
    pub source_url: Option<String>,
}

/// A PDF file, as the raw request body.
#[derive(Debug, ToSchema)]
#[schema(format = Binary)]
pub struct PdfFile(#[allow(dead_code)] String);

/// An HTML document, as the raw request body.
#[derive(Debug, ToSchema)]
pub struct HtmlPage(#[allow(dead_code)] String);

const TITLE: usize = 300;
/// Longest text kept, in characters (typed, extracted or edited).
const MAX_CONTENT: usize = 16 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_docs, create_doc))
        .routes(routes!(upload_pdf))
        .routes(routes!(upload_html))
        .routes(routes!(get_doc, update_doc, delete_doc))
}

/// Reads an upload under the upload limit: over it is 413 naming the limit.
async fn upload_bytes(st: &AppState, headers: &HeaderMap, body: Body) -> ApiResult<Vec<u8>> {
    let limit = st.limits.upload_body;
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::too_large(limit));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        let over = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
            .any(|e| e.to_string().contains("length limit"));
        if over {
            AppError::too_large(limit)
        } else {
            AppError::bad_request(format!("cannot read the request body: {e}"))
        }
    })?;
    if bytes.is_empty() {
        return Err(AppError::invalid("body", "the upload is empty"));
    }
    Ok(bytes.to_vec())
}

/// Document text as stored: line endings unified, no control characters but newlines and tabs.
fn content(field: &str, text: &str) -> ApiResult<String> {
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    validate::text(field, &unified, MAX_CONTENT)
}

/// Extracted text as stored: stray control characters (form feeds, NULs) are dropped, since
/// they come from the source document rather than from the caller.
fn extracted(field: &str, text: &str) -> ApiResult<String> {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
        .collect();
    content(field, &clean)
}

fn title(v: &str) -> ApiResult<String> {
    validate::text("title", v, TITLE)
}

/// An http(s) URL given as a label (not fetched).
fn source_url(v: &str) -> ApiResult<String> {
    let url = reqwest::Url::parse(v.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| AppError::invalid("source_url", "must be an http or https URL"))?;
    Ok(url.to_string())
}

/// List the organization's documents (without their text).
#[utoipa::path(get, path = "/knowledge", tag = "knowledge", params(PageQuery),
    responses((status = 200, body = KnowledgeDocPage)))]
async fn list_docs(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<KnowledgeDocPage>> {
    Ok(Json(
        st.store
            .list_knowledge_docs(auth.org(), &(&q).into())
            .await?
            .into(),
    ))
}

/// Create a document from text, or from a URL the server fetches (manager).
#[utoipa::path(post, path = "/knowledge", tag = "knowledge", request_body = CreateKnowledge,
    responses((status = 201, body = KnowledgeDoc)))]
async fn create_doc(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateKnowledge>,
) -> ApiResult<(StatusCode, Json<KnowledgeDoc>)> {
    auth.require(Role::Manager)?;
    let new = match req.kind {
        CreateKind::Text => from_text(req)?,
        CreateKind::Url => from_url(req).await?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_knowledge_doc(auth.org(), &new).await?),
    ))
}

fn from_text(req: CreateKnowledge) -> ApiResult<NewKnowledgeDoc> {
    if req.url.is_some() {
        return Err(AppError::invalid("url", "only for kind url"));
    }
    let t = req
        .title
        .ok_or_else(|| AppError::invalid("title", "required for kind text"))?;
    let c = req
        .content
        .ok_or_else(|| AppError::invalid("content", "required for kind text"))?;
    Ok(NewKnowledgeDoc {
        title: title(&t)?,
        source_kind: SourceKind::Text,
        source: String::new(),
        content: content("content", &c)?,
    })
}

async fn from_url(req: CreateKnowledge) -> ApiResult<NewKnowledgeDoc> {
    if req.content.is_some() {
        return Err(AppError::invalid("content", "only for kind text"));
    }
    let given_title = req.title.as_deref().map(title).transpose()?;
    let raw = req
        .url
        .ok_or_else(|| AppError::invalid("url", "required for kind url"))?;
    let url = fetch::check_url(&raw).map_err(|m| AppError::invalid("url", m))?;
    let source = url.to_string();
    let page = fetch::fetch_page(url)
        .await
        .map_err(|m| AppError::invalid("url", m))?;
    if page.text.is_empty() {
        return Err(AppError::invalid("url", "the page has no readable text"));
    }
    let doc_title = match given_title.or(page.title) {
        Some(t) => title(&t)?,
        None => source.chars().take(TITLE).collect(),
    };
    Ok(NewKnowledgeDoc {
        title: doc_title,
        source_kind: SourceKind::Web,
        source,
        content: extracted("url", &page.text)?,
    })
}

/// Upload a PDF; its text becomes the document (manager). A PDF without extractable text,
/// broken or hostile, is 422 naming `body`.
#[utoipa::path(post, path = "/knowledge/pdf", tag = "knowledge", params(PdfQuery),
    request_body(description = "The PDF file",
        content((PdfFile = "application/pdf"), (PdfFile = "application/octet-stream"))),
    responses((status = 201, body = KnowledgeDoc),
        (status = 503, description = "All PDF extraction slots stayed busy; retry later",
            body = ErrorBody)))]
async fn upload_pdf(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PdfQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<KnowledgeDoc>)> {
    auth.require(Role::Manager)?;
    let mt = media_type(&headers);
    if mt != "application/pdf" && mt != "application/octet-stream" {
        return Err(AppError::unsupported_media_type("application/pdf"));
    }
    let doc_title = title(&q.title)?;
    let source = q
        .filename
        .map(|f| validate::text("filename", &f, 255))
        .transpose()?
        .unwrap_or_default();
    let bytes = upload_bytes(&st, &headers, body).await?;
    if !bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
    {
        return Err(AppError::invalid("body", "not a PDF (no %PDF- header)"));
    }
    let text = textextract::pdf::pdf_to_text(bytes)
        .await
        .map_err(|e| match e {
            PdfError::Busy => AppError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string()),
            other => AppError::invalid("body", other.to_string()),
        })?;
    let new = NewKnowledgeDoc {
        title: doc_title,
        source_kind: SourceKind::Pdf,
        source,
        content: extracted("body", &text)?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_knowledge_doc(auth.org(), &new).await?),
    ))
}

/// Upload a captured web page; its readable text becomes the document (manager).
#[utoipa::path(post, path = "/knowledge/html", tag = "knowledge", params(HtmlQuery),
    request_body(description = "The page's HTML", content((HtmlPage = "text/html"))),
    responses((status = 201, body = KnowledgeDoc)))]
async fn upload_html(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<HtmlQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<KnowledgeDoc>)> {
    auth.require(Role::Manager)?;
    if media_type(&headers) != "text/html" {
        return Err(AppError::unsupported_media_type("text/html"));
    }
    let given_title = q.title.as_deref().map(title).transpose()?;
    let source = q.source_url.as_deref().map(source_url).transpose()?;
    let bytes = upload_bytes(&st, &headers, body).await?;
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let html = textextract::decode_page(&bytes, content_type);
    let text = textextract::html_to_text(&html);
    if text.is_empty() {
        return Err(AppError::invalid("body", "the page has no readable text"));
    }
    let doc_title = match given_title.or_else(|| textextract::html_title(&html)) {
        Some(t) => title(&t)?,
        None => {
            return Err(AppError::invalid(
                "title",
                "required when the page has no <title>",
            ));
        }
    };
    let new = NewKnowledgeDoc {
        title: doc_title,
        source_kind: SourceKind::Web,
        source: source.unwrap_or_default(),
        content: extracted("body", &text)?,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_knowledge_doc(auth.org(), &new).await?),
    ))
}

/// Get a document with its text.
#[utoipa::path(get, path = "/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "Knowledge document id")),
    responses((status = 200, body = KnowledgeDoc)))]
async fn get_doc(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<KnowledgeDoc>> {
    validate::path_id(knowledge::PREFIX, &id, "knowledge document")?;
    Ok(Json(
        st.store
            .get_knowledge_doc(auth.org(), &id)
            .await
            .map_err(missing("knowledge document"))?,
    ))
}

/// Change a document's title or text (manager). New text bumps the version.
#[utoipa::path(patch, path = "/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "Knowledge document id")),
    request_body = UpdateKnowledge,
    responses((status = 200, body = KnowledgeDoc)))]
async fn update_doc(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateKnowledge>,
) -> ApiResult<Json<KnowledgeDoc>> {
    auth.require(Role::Manager)?;
    validate::path_id(knowledge::PREFIX, &id, "knowledge document")?;
    let patch = KnowledgeDocPatch {
        title: req.title.as_deref().map(title).transpose()?,
        content: req
            .content
            .as_deref()
            .map(|c| content("content", c))
            .transpose()?,
    };
    Ok(Json(
        st.store
            .update_knowledge_doc(auth.org(), &id, &patch)
            .await
            .map_err(missing("knowledge document"))?,
    ))
}

/// Delete a document (manager).
#[utoipa::path(delete, path = "/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, description = "Knowledge document id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_doc(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    validate::path_id(knowledge::PREFIX, &id, "knowledge document")?;
    st.store
        .delete_knowledge_doc(auth.org(), &id)
        .await
        .map_err(missing("knowledge document"))?;
    Ok(StatusCode::NO_CONTENT)
}
