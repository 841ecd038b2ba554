//! A local Deepgram (protocols.md §2): the live WebSocket at `GET /v1/listen` and pre-recorded
//! transcription at `POST /v1/listen`, on 127.0.0.1 with a random port.
//!
//! Each live connection follows a [`LiveScript`] (the n-th connection takes the n-th script;
//! the last one repeats): transcripts keyed to the audio time received on that connection,
//! Finalize/CloseStream handling, the idle timeout, handshake refusals, drops and malformed
//! frames. Pre-recorded requests take [`PrerecordedReply`]s the same way. Everything received
//! is recorded ([`LiveRecord`], [`HttpRecord`]) so tests can assert the client's bytes.

mod live;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::task::JoinHandle;

pub use live::{LiveScript, Step};

/// What a live connection received and how it ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveRecord {
    /// The raw query string, byte for byte.
    pub raw_query: String,
    /// The query, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Request headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The status the handshake was refused with, if it was.
    pub rejected: Option<u16>,
    /// Text frames received, verbatim.
    pub texts: Vec<String>,
    /// Sizes of the binary frames received, in order.
    pub binary_sizes: Vec<usize>,
    /// All binary bytes received, concatenated.
    pub audio: Vec<u8>,
    /// The close code the client sent (1005 when its close frame had none).
    pub client_close: Option<u16>,
    /// The close code the fake sent.
    pub server_close: Option<u16>,
    /// The connection is over (either side closed or dropped it).
    pub ended: bool,
}

impl LiveRecord {
    /// The value of query parameter `name` (the first one).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of query parameter `name`.
    pub fn params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }

    /// Text frames whose JSON `type` is `ty`.
    pub fn texts_of_type(&self, ty: &str) -> usize {
        self.texts
            .iter()
            .filter(|t| {
                serde_json::from_str::<serde_json::Value>(t)
                    .ok()
                    .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(|s| s == ty))
                    .unwrap_or(false)
            })
            .count()
    }
}

/// One HTTP request as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRecord {
    pub method: String,
    pub path: String,
    pub raw_query: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRecord {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }
}

/// A scripted pre-recorded answer.
#[derive(Debug, Clone, PartialEq)]
pub enum PrerecordedReply {
    /// 200 with this transcript (words spread evenly over `duration` seconds; utterances
    /// included when the request asked for them).
    Transcript { text: String, duration: f64 },
    /// An error status with a Deepgram-style JSON body, and Retry-After when given.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// 200 with a body that is not JSON.
    Malformed,
}

impl PrerecordedReply {
    pub fn transcript(text: &str, duration: f64) -> Self {
        PrerecordedReply::Transcript {
            text: text.to_owned(),
            duration,
        }
    }
}

/// Scripts handed out in order; the last one repeats.
#[derive(Debug)]
struct Queue<T: Clone> {
    items: VecDeque<T>,
    last: T,
}

impl<T: Clone> Queue<T> {
    fn new(items: Vec<T>, fallback: T) -> Self {
        let last = items.last().cloned().unwrap_or(fallback);
        Queue {
            items: items.into(),
            last,
        }
    }

    fn next(&mut self) -> T {
        self.items.pop_front().unwrap_or_else(|| self.last.clone())
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    api_key: Option<String>,
    live: Mutex<Queue<LiveScript>>,
    prerecorded: Mutex<Queue<PrerecordedReply>>,
    pub(crate) connections: Mutex<Vec<LiveRecord>>,
    requests: Mutex<Vec<HttpRecord>>,
}

impl Shared {
    pub(crate) fn with_conn(&self, i: usize, f: impl FnOnce(&mut LiveRecord)) {
        let mut g = lock(&self.connections);
        if let Some(r) = g.get_mut(i) {
            f(r);
        }
    }
}

/// The fake server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeDeepgram {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeDeepgram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeDeepgram {
    /// Starts a server whose live connections follow `live` in turn and whose pre-recorded
    /// requests get `prerecorded` in turn. With `api_key`, other keys get 401.
    pub async fn start(
        live: Vec<LiveScript>,
        prerecorded: Vec<PrerecordedReply>,
        api_key: Option<&str>,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            api_key: api_key.map(str::to_owned),
            live: Mutex::new(Queue::new(live, LiveScript::new())),
            prerecorded: Mutex::new(Queue::new(
                prerecorded,
                PrerecordedReply::transcript("", 0.0),
            )),
            connections: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/listen", get(live_handler).post(prerecorded_handler))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeDeepgram {
            addr,
            shared,
            server,
        })
    }

    /// `ws://127.0.0.1:<port>` (the client switches to `http://` for pre-recorded).
    pub fn base_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Live connections so far, in order (refused handshakes included).
    pub fn connections(&self) -> Vec<LiveRecord> {
        lock(&self.shared.connections).clone()
    }

    /// Pre-recorded requests so far.
    pub fn requests(&self) -> Vec<HttpRecord> {
        lock(&self.shared.requests).clone()
    }

    /// Waits (real time, up to `limit`) until `cond` holds for the connections; returns
    /// whether it did.
    pub async fn wait_until(&self, limit: Duration, cond: impl Fn(&[LiveRecord]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if cond(&self.connections()) {
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

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn headers_of(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A Deepgram-style refusal (§2.1 "Handshake errors are HTTP 400/401/402/429 with JSON body").
fn refusal(status: u16, retry_after: Option<u64>) -> Response {
    let (code, msg) = match status {
        401 => ("INVALID_AUTH", "Invalid credentials."),
        402 => (
            "ASR_PAYMENT_REQUIRED",
            "Project does not have enough credits.",
        ),
        429 => (
            "TOO_MANY_REQUESTS",
            "Too many requests. Please try again later.",
        ),
        400 => ("Bad Request", "Bad Request: failed to process audio."),
        _ => ("INTERNAL_SERVER_ERROR", "Internal server error."),
    };
    let body = serde_json::json!({"err_code": code, "err_msg": msg, "request_id": "fake-request"});
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (
        status,
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

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    match &shared.api_key {
        None => true,
        Some(k) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Token {k}")),
    }
}

async fn live_handler(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let script = lock(&shared.live).next();
    let mut record = LiveRecord {
        raw_query: raw.unwrap_or_default(),
        query,
        headers: headers_of(&headers),
        ..LiveRecord::default()
    };
    let refused = if !authorized(&shared, &headers) {
        Some((401, None))
    } else {
        script.reject
    };
    if let Some((status, retry_after)) = refused {
        record.rejected = Some(status);
        record.ended = true;
        lock(&shared.connections).push(record);
        return refusal(status, retry_after);
    }
    let index = {
        let mut g = lock(&shared.connections);
        g.push(record.clone());
        g.len() - 1
    };
    let mut resp =
        upgrade.on_upgrade(move |socket| live::serve(socket, shared, index, script, record));
    resp.headers_mut()
        .insert("dg-request-id", HeaderValue::from_static("fake-request"));
    resp
}

async fn prerecorded_handler(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let record = HttpRecord {
        method: "POST".to_owned(),
        path: "/v1/listen".to_owned(),
        raw_query: raw.unwrap_or_default(),
        query,
        headers: headers_of(&headers),
        body: body.to_vec(),
    };
    let utterances = record.param("utterances") == Some("true");
    lock(&shared.requests).push(record);
    if !authorized(&shared, &headers) {
        return refusal(401, None);
    }
    match lock(&shared.prerecorded).next() {
        PrerecordedReply::Status {
            status,
            retry_after,
        } => refusal(status, retry_after),
        PrerecordedReply::Malformed => (StatusCode::OK, "{\"metadata\": [").into_response(),
        PrerecordedReply::Transcript { text, duration } => {
            let body = prerecorded_body(&text, duration, utterances);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        }
    }
}

/// The §2.2 response shape.
fn prerecorded_body(text: &str, duration: f64, utterances: bool) -> serde_json::Value {
    let words = live::words_json(text, 0.0, duration);
    let mut results = serde_json::json!({
        "channels": [{"alternatives": [{"transcript": text, "confidence": 0.98, "words": words}]}]
    });
    if utterances {
        results["utterances"] = serde_json::json!([{
            "start": 0.0, "end": duration, "confidence": 0.98, "channel": 0,
            "transcript": text, "words": words, "speaker": 0, "id": "fake-utterance"
        }]);
    }
    serde_json::json!({
        "metadata": {
            "transaction_key": "deprecated", "request_id": "fake-request", "sha256": "0",
            "created": "2024-08-29T22:37:55.202Z", "duration": duration, "channels": 1,
            "models": ["fake-model"],
            "model_info": {"fake-model": {"name": "general-nova-3", "version": "1", "arch": "nova-3"}}
        },
        "results": results
    })
}
