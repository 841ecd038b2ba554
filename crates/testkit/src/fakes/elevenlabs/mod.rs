//! A local ElevenLabs (protocols.md §4): the HTTP streaming endpoint
//! `POST /v1/text-to-speech/{voice_id}/stream?output_format=...` and the WebSocket
//! `GET /v1/text-to-speech/{voice_id}/stream-input?model_id=...&output_format=...`.
//!
//! The audio is a known pattern ([`expected_samples`]) whose length is proportional to the
//! text (`ms_per_char`), sent in chunks of scripted, deliberately odd sizes so clients must
//! carry half samples across chunks. Requests take [`TtsReply`]s in turn (the last repeats):
//! audio, an error status (401/429 with Retry-After/500), or a stream cut mid-way. Everything
//! received is recorded, and so is a client hanging up mid-stream.

mod stream_input;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use callbridge_audio::g711;
use tokio::task::JoinHandle;

pub use stream_input::{WsRecord, WsScript};

/// A scripted answer to one request (HTTP) or connection (WebSocket handshake).
#[derive(Debug, Clone, PartialEq)]
pub enum TtsReply {
    /// Stream the audio for the text.
    Audio,
    /// An error status with an ElevenLabs-style JSON body (Retry-After seconds when given).
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Send this many audio bytes, then cut the connection.
    Cut { after_bytes: usize },
}

/// How audio is produced.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioShape {
    /// Audio length per character of text.
    pub ms_per_char: u64,
    /// Network chunk sizes in bytes, used in turn (odd sizes test byte-pair carry).
    pub chunk_sizes: Vec<usize>,
    /// Pause between chunks.
    pub chunk_interval: Duration,
    /// Delay before the first byte.
    pub first_byte: Duration,
}

impl Default for AudioShape {
    fn default() -> Self {
        AudioShape {
            ms_per_char: 5,
            chunk_sizes: vec![333, 1001, 77, 640],
            chunk_interval: Duration::from_millis(2),
            first_byte: Duration::ZERO,
        }
    }
}

/// One HTTP request as received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TtsHttpRecord {
    pub voice_id: String,
    pub raw_query: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// The JSON body (Null when it was not JSON).
    pub body: serde_json::Value,
    /// Audio bytes written before the response ended.
    pub bytes_sent: usize,
    /// The client went away before the audio ended.
    pub client_gone: bool,
}

impl TtsHttpRecord {
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.query, name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    api_key: Option<String>,
    pub(crate) shape: AudioShape,
    replies: Mutex<VecDeque<TtsReply>>,
    last_reply: TtsReply,
    ws_scripts: Mutex<VecDeque<WsScript>>,
    last_ws: WsScript,
    http: Mutex<Vec<TtsHttpRecord>>,
    pub(crate) ws: Mutex<Vec<WsRecord>>,
}

impl Shared {
    fn next_reply(&self) -> TtsReply {
        lock(&self.replies)
            .pop_front()
            .unwrap_or_else(|| self.last_reply.clone())
    }

    fn next_ws(&self) -> WsScript {
        lock(&self.ws_scripts)
            .pop_front()
            .unwrap_or_else(|| self.last_ws.clone())
    }

    fn with_http(&self, i: usize, f: impl FnOnce(&mut TtsHttpRecord)) {
        if let Some(r) = lock(&self.http).get_mut(i) {
            f(r);
        }
    }

    pub(crate) fn with_ws(&self, i: usize, f: impl FnOnce(&mut WsRecord)) {
        if let Some(r) = lock(&self.ws).get_mut(i) {
            f(r);
        }
    }
}

/// The fake server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeElevenLabs {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeElevenLabs {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeElevenLabs {
    /// Starts a server: HTTP requests get `replies` in turn, WebSocket connections `ws` in
    /// turn (the last of each repeats; none: audio). With `api_key`, other keys get 401.
    pub async fn start(
        replies: Vec<TtsReply>,
        ws: Vec<WsScript>,
        shape: AudioShape,
        api_key: Option<&str>,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            api_key: api_key.map(str::to_owned),
            shape,
            last_reply: replies.last().cloned().unwrap_or(TtsReply::Audio),
            replies: Mutex::new(replies.into()),
            last_ws: ws.last().cloned().unwrap_or_default(),
            ws_scripts: Mutex::new(ws.into()),
            http: Mutex::new(Vec::new()),
            ws: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/text-to-speech/{voice}/stream", post(http_stream))
            .route(
                "/v1/text-to-speech/{voice}/stream-input",
                get(stream_input::handler),
            )
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeElevenLabs {
            addr,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<TtsHttpRecord> {
        lock(&self.shared.http).clone()
    }

    pub fn connections(&self) -> Vec<WsRecord> {
        lock(&self.shared.ws).clone()
    }

    /// The samples a client should decode for `text` in `output_format`.
    pub fn expected_samples(&self, text: &str, output_format: &str) -> Vec<i16> {
        expected_samples(text, output_format, self.shared.shape.ms_per_char)
    }

    /// Waits (real time, up to `limit`) until `cond` holds for (HTTP, WebSocket) records.
    pub async fn wait_until(
        &self,
        limit: Duration,
        cond: impl Fn(&[TtsHttpRecord], &[WsRecord]) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if cond(&self.requests(), &self.connections()) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub(crate) fn headers_of(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_owned(), v)
        })
        .collect()
}

/// The pattern sample `n` (a sawtooth spanning both signs, so byte order errors show).
fn pattern(n: usize) -> i16 {
    ((n * 37) % 2001) as i16 * 13 - 13_000
}

/// Samples per second of an output format, `None` when unsupported here.
pub(crate) fn format_rate(output_format: &str) -> Option<usize> {
    match output_format {
        "pcm_8000" | "ulaw_8000" => Some(8000),
        "pcm_16000" => Some(16000),
        "pcm_22050" => Some(22050),
        "pcm_24000" => Some(24000),
        "pcm_44100" => Some(44100),
        "pcm_48000" => Some(48000),
        _ => None,
    }
}

/// The wire bytes for `text`: `ms_per_char` of audio per character.
pub(crate) fn audio_bytes(text: &str, output_format: &str, ms_per_char: u64) -> Vec<u8> {
    let rate = format_rate(output_format).unwrap_or(16000);
    let n = text.chars().count() * ms_per_char as usize * rate / 1000;
    if output_format.starts_with("ulaw") {
        (0..n).map(|i| g711::mulaw_encode(pattern(i))).collect()
    } else {
        (0..n).flat_map(|i| pattern(i).to_le_bytes()).collect()
    }
}

/// What a correct client decodes from [`audio_bytes`].
pub fn expected_samples(text: &str, output_format: &str, ms_per_char: u64) -> Vec<i16> {
    let bytes = audio_bytes(text, output_format, ms_per_char);
    if output_format.starts_with("ulaw") {
        bytes.iter().map(|&b| g711::mulaw_decode(b)).collect()
    } else {
        bytes
            .chunks_exact(2)
            .map(|p| i16::from_le_bytes([p[0], p[1]]))
            .collect()
    }
}

/// An ElevenLabs-style error response.
pub(crate) fn error_response(status: u16, retry_after: Option<u64>) -> Response {
    let (s, msg) = match status {
        401 => ("invalid_api_key", "Invalid API key"),
        429 => (
            "too_many_concurrent_requests",
            "Too many concurrent requests.",
        ),
        400 | 422 => ("invalid_request", "Invalid request."),
        _ => ("internal_server_error", "Internal server error."),
    };
    let body = serde_json::json!({"detail": {"status": s, "message": msg}});
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Some(s) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

pub(crate) fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    match &shared.api_key {
        None => true,
        Some(k) => headers
            .get("xi-api-key")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == k),
    }
}

/// Splits `bytes` into the shape's chunk sizes, in turn.
pub(crate) fn chunked(bytes: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(640)
            .max(1);
        let (head, tail) = rest.split_at(n.min(rest.len()));
        out.push(head.to_vec());
        rest = tail;
        i += 1;
    }
    out
}

async fn http_stream(
    State(shared): State<Arc<Shared>>,
    Path(voice): Path<String>,
    RawQuery(raw): RawQuery,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let record = TtsHttpRecord {
        voice_id: voice,
        raw_query: raw.unwrap_or_default(),
        query,
        headers: headers_of(&headers),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        ..TtsHttpRecord::default()
    };
    let format = record
        .param("output_format")
        .unwrap_or("mp3_44100_128")
        .to_owned();
    let text = record
        .body
        .get("text")
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    let index = {
        let mut g = lock(&shared.http);
        g.push(record);
        g.len() - 1
    };
    if !authorized(&shared, &headers) {
        return error_response(401, None);
    }
    let reply = shared.next_reply();
    let (Some(text), Some(_)) = (text, format_rate(&format)) else {
        return error_response(400, None);
    };
    let limit = match reply {
        TtsReply::Status {
            status,
            retry_after,
        } => return error_response(status, retry_after),
        TtsReply::Cut { after_bytes } => Some(after_bytes),
        TtsReply::Audio => None,
    };
    let audio = audio_bytes(&text, &format, shared.shape.ms_per_char);
    let body = Body::from_stream(body_stream(shared, index, audio, limit));
    let content_type = if format.starts_with("ulaw") {
        "audio/basic"
    } else {
        "audio/pcm"
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Marks the request's record when the body is dropped before it finished (client gone).
struct Watch {
    shared: Arc<Shared>,
    index: usize,
    done: bool,
}

impl Watch {
    /// The body ended as scripted (read by `Drop`, which the assignment lint cannot see).
    fn complete(&mut self) {
        self.done = true;
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.done {
            self.shared.with_http(self.index, |r| r.client_gone = true);
        }
    }
}

fn body_stream(
    shared: Arc<Shared>,
    index: usize,
    audio: Vec<u8>,
    cut_after: Option<usize>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let shape = shared.shape.clone();
    let mut chunks: VecDeque<Vec<u8>> = chunked(&audio, &shape.chunk_sizes).into();
    let watch = Watch {
        shared,
        index,
        done: false,
    };
    let state = (watch, 0usize, true);
    futures_util::stream::unfold(state, move |(mut watch, sent, first)| {
        let next = chunks.pop_front();
        let shape = shape.clone();
        async move {
            tokio::time::sleep(if first {
                shape.first_byte
            } else {
                shape.chunk_interval
            })
            .await;
            let Some(mut chunk) = next else {
                watch.complete();
                return None;
            };
            if let Some(limit) = cut_after {
                if sent >= limit {
                    watch.done = true;
                    let cut = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut");
                    return Some((Err(cut), (watch, sent, false)));
                }
                chunk.truncate(limit - sent);
            }
            let sent = sent + chunk.len();
            watch.shared.with_http(watch.index, |r| r.bytes_sent = sent);
            Some((Ok(Bytes::from(chunk)), (watch, sent, false)))
        }
    })
}
