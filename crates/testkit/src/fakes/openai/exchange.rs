//! The plumbing both fake chat servers share: the reply queue, the request records, serving
//! on 127.0.0.1:0, and a streamed body that paces its frames on the tokio clock, can cut the
//! connection, and notices when the client hangs up.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use tokio::task::JoinHandle;

use super::ChatReply;

/// One request as received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRecord {
    pub method: String,
    /// The path, with any prefix the client's base URL added.
    pub path: String,
    /// Request headers, names lower-case, values verbatim (the key included: tests check it).
    pub headers: Vec<(String, String)>,
    /// The JSON body (Null when it was not JSON).
    pub body: serde_json::Value,
    /// The status answered.
    pub status: u16,
    /// Stream frames written before the body ended.
    pub frames_sent: usize,
    /// The client went away before the scripted stream ended.
    pub client_gone: bool,
}

impl ChatRecord {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Replies and records of one fake.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) api_key: Option<String>,
    replies: Mutex<VecDeque<ChatReply>>,
    last: ChatReply,
    records: Mutex<Vec<ChatRecord>>,
}

impl Exchange {
    pub(crate) fn new(replies: Vec<ChatReply>, api_key: Option<&str>) -> Arc<Self> {
        Arc::new(Exchange {
            api_key: api_key.map(str::to_owned),
            last: replies
                .last()
                .cloned()
                .unwrap_or_else(|| ChatReply::text(&["Hello."])),
            replies: Mutex::new(replies.into()),
            records: Mutex::new(Vec::new()),
        })
    }

    /// The next scripted reply (the last one repeats).
    pub(crate) fn next_reply(&self) -> ChatReply {
        lock(&self.replies)
            .pop_front()
            .unwrap_or_else(|| self.last.clone())
    }

    /// Records a request; returns its index.
    pub(crate) fn record(&self, r: ChatRecord) -> usize {
        let mut g = lock(&self.records);
        g.push(r);
        g.len() - 1
    }

    pub(crate) fn update(&self, i: usize, f: impl FnOnce(&mut ChatRecord)) {
        if let Some(r) = lock(&self.records).get_mut(i) {
            f(r);
        }
    }

    pub(crate) fn records(&self) -> Vec<ChatRecord> {
        lock(&self.records).clone()
    }

    /// Waits (tokio time, up to `limit`) until `cond` holds for the records.
    pub(crate) async fn wait_until(
        &self,
        limit: Duration,
        cond: impl Fn(&[ChatRecord]) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if cond(&self.records()) {
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

pub(crate) fn headers_of(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_owned(), v)
        })
        .collect()
}

/// `s` as a JSON string literal. The fakes write their frames by hand, keys in the order of
/// the vendors' documented examples (serde_json's `Value` would sort them).
pub(crate) fn q(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Serves `app` on 127.0.0.1 with a random port until the handle is aborted.
pub(crate) async fn serve(app: axum::Router) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, server))
}

/// How long a cut waits for the bytes before it to be flushed.
const CUT_FLUSH: Duration = Duration::from_millis(20);

/// One step of a streamed body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Wait `delay`, then write these bytes (one whole SSE event).
    Frame { delay: Duration, bytes: String },
    /// Abort the connection: the chunked body never gets its terminating chunk.
    Cut,
}

impl Step {
    pub(crate) fn now(bytes: String) -> Self {
        Step::Frame {
            delay: Duration::ZERO,
            bytes,
        }
    }

    pub(crate) fn after(delay: Duration, bytes: String) -> Self {
        Step::Frame { delay, bytes }
    }
}

/// Marks the record when the body is dropped before its script ended (the client hung up:
/// hyper drops the body when a write to the closed connection fails).
struct Watch {
    exchange: Arc<Exchange>,
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
            self.exchange.update(self.index, |r| r.client_gone = true);
        }
    }
}

/// The response body of request `index`: `steps` in order, paced, recorded.
pub(crate) fn body(exchange: Arc<Exchange>, index: usize, steps: Vec<Step>) -> Body {
    let watch = Watch {
        exchange,
        index,
        done: false,
    };
    let steps: VecDeque<Step> = steps.into();
    let stream = futures_util::stream::unfold(
        (watch, steps, 0usize),
        |(mut watch, mut steps, sent)| async move {
            match steps.pop_front() {
                None => {
                    watch.complete();
                    None
                }
                Some(Step::Cut) => {
                    // hyper discards written-but-unflushed bytes when a body fails; pausing
                    // lets it flush, so the client gets everything sent before the cut, as
                    // with a real connection dropped mid-stream.
                    tokio::time::sleep(CUT_FLUSH).await;
                    watch.complete();
                    let cut = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut");
                    Some((Err(cut), (watch, VecDeque::new(), sent)))
                }
                Some(Step::Frame { delay, bytes }) => {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    let sent = sent + 1;
                    watch.exchange.update(watch.index, |r| r.frames_sent = sent);
                    Some((Ok(Bytes::from(bytes)), (watch, steps, sent)))
                }
            }
        },
    );
    Body::from_stream(stream)
}
