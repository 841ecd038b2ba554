//! A local OpenAI-compatible Chat Completions server (protocols.md §3.1):
//! `POST <any prefix>/chat/completions` on 127.0.0.1 with a random port, so base URLs with a
//! path prefix (OpenRouter's `/api/v1`) can be tested.
//!
//! Requests take [`ChatReply`]s in turn (the last repeats): text streamed in given pieces with
//! a pause per piece, tool calls with arguments split into uneven fragments, an error status
//! with OpenAI's documented body (401, 429 + Retry-After, 500, ...), a cut connection, a
//! malformed frame, or an in-stream error event. With `api_key`, a request without
//! `Authorization: Bearer <key>` gets the documented 401. Conversations that OpenAI refuses
//! (a `tool` message that answers no preceding `tool_calls`, `arguments` that is not a string)
//! get its 400; a refused request does not use up a reply. Every request is recorded
//! ([`ChatRecord`]), and so is a client hanging up.
//!
//! `script` (the reply types) and `exchange` (queue, records, paced body) are vendor-neutral
//! and shared with the Anthropic fake.

pub(crate) mod exchange;
mod script;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub use exchange::ChatRecord;
pub use script::{ChatReply, Ending, ScriptedCall, StreamReply};

use exchange::{Exchange, headers_of};

/// The fake server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeOpenAi {
    addr: SocketAddr,
    exchange: Arc<Exchange>,
    server: JoinHandle<()>,
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeOpenAi {
    /// Starts a server answering `replies` in turn (none: one "Hello." text). With `api_key`,
    /// requests must carry `Authorization: Bearer <api_key>`; without, any or none is taken.
    pub async fn start(replies: Vec<ChatReply>, api_key: Option<&str>) -> std::io::Result<Self> {
        let exchange = Exchange::new(replies, api_key);
        let app = Router::new().fallback(handle).with_state(exchange.clone());
        let (addr, server) = exchange::serve(app).await?;
        Ok(FakeOpenAi {
            addr,
            exchange,
            server,
        })
    }

    /// `http://127.0.0.1:<port>/v1`, the shape of OpenAI's base URL.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.origin())
    }

    /// `http://127.0.0.1:<port>`, to build base URLs with other prefixes.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<ChatRecord> {
        self.exchange.records()
    }

    /// Waits (tokio time, up to `limit`) until `cond` holds for the records.
    pub async fn wait_until(&self, limit: Duration, cond: impl Fn(&[ChatRecord]) -> bool) -> bool {
        self.exchange.wait_until(limit, cond).await
    }
}

async fn handle(
    State(exchange): State<Arc<Exchange>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let index = exchange.record(ChatRecord {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: headers_of(&headers),
        body: json.clone(),
        ..ChatRecord::default()
    });
    let resp = answer(&exchange, index, &method, &uri, &headers, &json);
    let status = resp.status().as_u16();
    exchange.update(index, |r| r.status = status);
    resp
}

fn answer(
    exchange: &Arc<Exchange>,
    index: usize,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Value,
) -> Response {
    if method != Method::POST || !uri.path().ends_with("/chat/completions") {
        let detail = format!("Invalid URL ({method} {})", uri.path());
        return wire::error_response(404, None, &detail);
    }
    if let Some(key) = &exchange.api_key {
        let want = format!("Bearer {key}");
        let got = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if got != Some(want.as_str()) {
            return wire::error_response(401, None, "");
        }
    }
    if let Err(detail) = validate(body) {
        return wire::error_response(400, None, &detail);
    }
    let reply = match exchange.next_reply() {
        ChatReply::Status {
            status,
            retry_after,
        } => return wire::error_response(status, retry_after, "Scripted failure."),
        ChatReply::Stream(s) => s,
    };
    let model = body["model"].as_str().unwrap_or_default();
    if body["stream"] != json!(true) {
        return completion(&reply, model, index).into_response();
    }
    let include_usage = body["stream_options"]["include_usage"] == json!(true);
    let steps = wire::stream_steps(&reply, model, include_usage, index);
    let body = exchange::body(exchange.clone(), index, steps);
    (
        [
            (header::CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// What OpenAI checks that a client could get wrong; `Err` carries its 400 message.
fn validate(body: &Value) -> Result<(), String> {
    let Some(messages) = body["messages"].as_array() else {
        return Err("Missing required parameter: 'messages'.".to_owned());
    };
    if !body["model"].is_string() {
        return Err("you must provide a model parameter".to_owned());
    }
    let mut open_calls: Vec<&str> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        match m["role"].as_str() {
            Some("assistant") => {
                open_calls.clear();
                for c in m["tool_calls"].as_array().into_iter().flatten() {
                    if !c["function"]["arguments"].is_string() {
                        return Err(format!(
                            "Invalid type for 'messages[{i}].tool_calls[0].function.arguments': \
                             expected a string."
                        ));
                    }
                    open_calls.extend(c["id"].as_str());
                }
            }
            Some("tool") => {
                let id = m["tool_call_id"].as_str().unwrap_or_default();
                if !open_calls.contains(&id) {
                    return Err("Invalid parameter: messages with role 'tool' must be a \
                                response to a preceeding message with 'tool_calls'."
                        .to_owned());
                }
            }
            Some("system" | "user" | "developer") => open_calls.clear(),
            _ => return Err(format!("Invalid value: messages[{i}].role")),
        }
    }
    Ok(())
}

/// A non-streamed `chat.completion` (a client that forgot `stream: true` gets JSON).
fn completion(reply: &StreamReply, model: &str, n: usize) -> (StatusCode, axum::Json<Value>) {
    let body = json!({
        "id": format!("chatcmpl-fake{n}"), "object": "chat.completion", "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text.concat()},
            "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens},
    });
    (StatusCode::OK, axum::Json(body))
}
