//! A local Anthropic Messages server (protocols.md §3.2): `POST <any prefix>/v1/messages` on
//! 127.0.0.1 with a random port.
//!
//! It plays the same [`ChatReply`] scripts as the OpenAI fake (the n-th request takes the n-th
//! reply, the last repeats), rendered as Anthropic's named events; a stream error is an
//! `overloaded_error` event, and `ChatReply::status(529, ..)` is the documented "Overloaded"
//! response. Like the real API it refuses what a client could get wrong: a missing or wrong
//! `x-api-key` (401), a missing `anthropic-version` or `max_tokens`, a `system` role inside
//! `messages`, turns that do not alternate, empty text blocks, and tool results that do not
//! answer the `tool_use` blocks of the turn before (400); a refused request does not use up a
//! reply. Every request is recorded ([`ChatRecord`]), and so is a client hanging up mid-stream.

mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::fakes::openai::exchange::{self, Exchange, headers_of};
pub use crate::fakes::openai::{ChatRecord, ChatReply, Ending, ScriptedCall, StreamReply};

/// The fake server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeAnthropic {
    addr: SocketAddr,
    exchange: Arc<Exchange>,
    server: JoinHandle<()>,
}

impl Drop for FakeAnthropic {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeAnthropic {
    /// Starts a server answering `replies` in turn (none: one "Hello." text). With `api_key`,
    /// requests must carry it in `x-api-key`.
    pub async fn start(replies: Vec<ChatReply>, api_key: Option<&str>) -> std::io::Result<Self> {
        let exchange = Exchange::new(replies, api_key);
        let app = Router::new().fallback(handle).with_state(exchange.clone());
        let (addr, server) = exchange::serve(app).await?;
        Ok(FakeAnthropic {
            addr,
            exchange,
            server,
        })
    }

    /// `http://127.0.0.1:<port>`, the shape of Anthropic's base URL.
    pub fn base_url(&self) -> String {
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
    if method != Method::POST || !uri.path().ends_with("/v1/messages") {
        return wire::error_response(404, None, "");
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(key) = &exchange.api_key
        && header("x-api-key") != Some(key.as_str())
    {
        return wire::error_response(401, None, "");
    }
    if header("anthropic-version").is_none() {
        return wire::error_response(400, None, "anthropic-version: header is required");
    }
    if body.is_null() {
        return wire::error_response(400, None, "There was an error parsing the body.");
    }
    if let Err(detail) = validate(body) {
        return wire::error_response(400, None, &detail);
    }
    let reply = match exchange.next_reply() {
        ChatReply::Status {
            status,
            retry_after,
        } => return wire::error_response(status, retry_after, ""),
        ChatReply::Stream(s) => s,
    };
    let model = body["model"].as_str().unwrap_or_default();
    if body["stream"] != json!(true) {
        let message = json!({"id": format!("msg_fake{index}"), "type": "message",
            "role": "assistant", "model": model,
            "content": [{"type": "text", "text": reply.text.concat()}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": reply.prompt_tokens,
                "output_tokens": reply.completion_tokens}});
        return axum::Json(message).into_response();
    }
    let steps = wire::stream_steps(&reply, model, index);
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

/// What the Messages API checks that a client could get wrong; `Err` carries its message.
fn validate(body: &Value) -> Result<(), String> {
    if !body["model"].is_string() {
        return Err("model: Field required".to_owned());
    }
    if !body["max_tokens"].is_u64() {
        return Err("max_tokens: Field required".to_owned());
    }
    let Some(messages) = body["messages"].as_array() else {
        return Err("messages: Field required".to_owned());
    };
    let mut prev_role = "";
    let mut open_tool_uses: Vec<String> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let role = m["role"].as_str().unwrap_or_default();
        if role == "system" {
            return Err(
                "messages: Unexpected role \"system\". The Messages API accepts a \
                        top-level `system` parameter, not \"system\" as an input message role."
                    .to_owned(),
            );
        }
        if role != "user" && role != "assistant" {
            return Err(format!(
                "messages.{i}.role: Input should be 'user' or 'assistant'"
            ));
        }
        if role == prev_role {
            return Err(format!(
                "messages: roles must alternate between \"user\" and \"assistant\", but found \
                 multiple \"{role}\" roles in a row"
            ));
        }
        prev_role = role;
        let blocks = content_blocks(i, m)?;
        let answered = check_blocks(i, role, &blocks, &open_tool_uses)?;
        if answered < open_tool_uses.len() {
            return Err(format!(
                "messages.{i}: `tool_use` ids were found without `tool_result` blocks \
                 immediately after. Each `tool_use` block must have a corresponding \
                 `tool_result` block in the next message."
            ));
        }
        open_tool_uses = blocks
            .iter()
            .filter(|b| b["type"] == "tool_use")
            .filter_map(|b| b["id"].as_str().map(str::to_owned))
            .collect();
    }
    Ok(())
}

/// A message's content as blocks (a plain string is one text block).
fn content_blocks(i: usize, m: &Value) -> Result<Vec<Value>, String> {
    match &m["content"] {
        Value::String(s) => Ok(vec![json!({"type": "text", "text": s})]),
        Value::Array(a) => Ok(a.clone()),
        _ => Err(format!("messages.{i}.content: Field required")),
    }
}

/// Checks one turn's blocks; returns how many of `open` (the previous turn's tool_use ids)
/// its tool_result blocks answer.
fn check_blocks(i: usize, role: &str, blocks: &[Value], open: &[String]) -> Result<usize, String> {
    let mut answered = 0;
    let mut seen_other = false;
    for (j, b) in blocks.iter().enumerate() {
        match b["type"].as_str() {
            Some("text") if b["text"].as_str().is_none_or(str::is_empty) => {
                return Err(format!(
                    "messages.{i}.content.{j}.text: text content blocks must be non-empty"
                ));
            }
            Some("tool_result") if role == "user" => {
                let id = b["tool_use_id"].as_str().unwrap_or_default();
                if !open.iter().any(|o| o == id) {
                    return Err(format!(
                        "messages.{i}.content.{j}: unexpected `tool_use_id` found in \
                         `tool_result` blocks: {id}. Each `tool_result` block must have a \
                         corresponding `tool_use` block in the previous message."
                    ));
                }
                if seen_other {
                    return Err(format!(
                        "messages.{i}.content.{j}: `tool_result` blocks must come before any \
                         other content in a user message."
                    ));
                }
                answered += 1;
            }
            Some("tool_use") if role == "assistant" => {
                if !b["input"].is_object() {
                    return Err(format!(
                        "messages.{i}.content.{j}.tool_use.input: Input should be a valid \
                         dictionary"
                    ));
                }
                seen_other = true;
            }
            Some("text") => seen_other = true,
            _ => return Err(format!("messages.{i}.content.{j}: unexpected block type")),
        }
    }
    Ok(answered)
}
