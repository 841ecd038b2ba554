//! Anthropic's bytes: the named events of a streamed message and the JSON error bodies, as
//! documented at <https://docs.anthropic.com/en/api/messages-streaming> and
//! <https://docs.anthropic.com/en/api/errors> .
//!
//! Every event is `event: <type>\ndata: <json>\n\n` with the same `type` inside the JSON:
//! `message_start`, then per content block `content_block_start` / `content_block_delta`... /
//! `content_block_stop` (a `ping` after the first block start, as in the docs' example), then
//! `message_delta` (stop reason, cumulative output tokens) and `message_stop`.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::fakes::openai::exchange::{Step, q};
use crate::fakes::openai::{Ending, StreamReply};

/// `event: <name>\ndata: <data>\n\n`.
fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn block_start(index: usize, block: &str) -> String {
    let data =
        format!("{{\"type\":\"content_block_start\",\"index\":{index},\"content_block\":{block}}}");
    event("content_block_start", &data)
}

fn block_delta(index: usize, delta: &str) -> String {
    let data = format!("{{\"type\":\"content_block_delta\",\"index\":{index},\"delta\":{delta}}}");
    event("content_block_delta", &data)
}

fn block_stop(index: usize) -> String {
    let data = format!("{{\"type\":\"content_block_stop\",\"index\":{index}}}");
    event("content_block_stop", &data)
}

/// The events of `reply` for a request naming `model` (`n` numbers the message id), keys in
/// the order of the documentation's examples.
pub(crate) fn stream_steps(reply: &StreamReply, model: &str, n: usize) -> Vec<Step> {
    let d = reply.per_token;
    let start = format!(
        "{{\"type\":\"message_start\",\"message\":{{\"id\":\"msg_fake{n}\",\"type\":\"message\",\
         \"role\":\"assistant\",\"content\":[],\"model\":{},\"stop_reason\":null,\
         \"stop_sequence\":null,\"usage\":{{\"input_tokens\":{},\"output_tokens\":1}}}}}}",
        q(model),
        reply.prompt_tokens,
    );
    let mut steps = vec![Step::now(event("message_start", &start))];
    let mut index = 0;
    if !reply.text.is_empty() {
        steps.push(Step::now(block_start(
            index,
            r#"{"type":"text","text":""}"#,
        )));
        for piece in &reply.text {
            let delta = format!("{{\"type\":\"text_delta\",\"text\":{}}}", q(piece));
            steps.push(Step::after(d, block_delta(index, &delta)));
        }
        steps.push(Step::now(block_stop(index)));
        index += 1;
    }
    for call in &reply.calls {
        let block = format!(
            "{{\"type\":\"tool_use\",\"id\":{},\"name\":{},\"input\":{{}}}}",
            q(&call.id),
            q(&call.name)
        );
        steps.push(Step::now(block_start(index, &block)));
        // The docs' example opens every tool input with an empty partial_json.
        let empty = r#"{"type":"input_json_delta","partial_json":""}"#;
        steps.push(Step::after(d, block_delta(index, empty)));
        for piece in call.pieces() {
            let json = format!(
                "{{\"type\":\"input_json_delta\",\"partial_json\":{}}}",
                q(piece)
            );
            steps.push(Step::after(d, block_delta(index, &json)));
        }
        steps.push(Step::now(block_stop(index)));
        index += 1;
    }
    // The docs' example has a ping right after the first block starts.
    let ping = Step::now(event("ping", r#"{"type": "ping"}"#));
    steps.insert(if index > 0 { 2 } else { 1 }, ping);
    match reply.ending {
        Ending::Cut => steps.push(Step::Cut),
        Ending::StreamError => steps.push(Step::now(event(
            "error",
            r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#,
        ))),
        Ending::Malformed | Ending::Complete => {
            if reply.ending == Ending::Malformed {
                // An event cut off inside a string: not JSON.
                let bad = format!(
                    "{{\"type\":\"content_block_delta\",\"index\":{index},\
                     \"delta\":{{\"type\":\"text_del"
                );
                steps.push(Step::now(event("content_block_delta", &bad)));
            }
            let reason = if !reply.calls.is_empty() {
                "tool_use"
            } else if reply.truncated {
                "max_tokens"
            } else {
                "end_turn"
            };
            let delta = format!(
                "{{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"{reason}\",\
                 \"stop_sequence\":null}},\"usage\":{{\"output_tokens\":{}}}}}",
                reply.completion_tokens
            );
            steps.push(Step::now(event("message_delta", &delta)));
            steps.push(Step::now(event(
                "message_stop",
                r#"{"type":"message_stop"}"#,
            )));
        }
    }
    steps
}

/// The documented error type and a message for `status`.
fn error_kind(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("invalid_request_error", "Invalid request."),
        401 => ("authentication_error", "invalid x-api-key"),
        402 => ("billing_error", "Your credit balance is too low."),
        403 => (
            "permission_error",
            "Your API key does not have permission to use the specified resource.",
        ),
        404 => ("not_found_error", "Not found."),
        413 => (
            "request_too_large",
            "Request exceeds the maximum allowed size.",
        ),
        429 => (
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit.",
        ),
        504 => ("timeout_error", "Request timed out."),
        529 => ("overloaded_error", "Overloaded"),
        _ => ("api_error", "Internal server error"),
    }
}

/// The documented error body `{"type":"error","error":{type,message},"request_id"}`
/// (`detail` replaces the message when not empty).
pub(crate) fn error_body(status: u16, detail: &str) -> String {
    let (kind, message) = error_kind(status);
    let message = if detail.is_empty() { message } else { detail };
    format!(
        "{{\"type\":\"error\",\"error\":{{\"type\":\"{kind}\",\"message\":{}}},\
         \"request_id\":\"req_fake\"}}",
        q(message)
    )
}

/// An error response with the documented body and `retry-after` seconds when given.
pub(crate) fn error_response(status: u16, retry_after: Option<u64>, detail: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (
        code,
        [
            (header::CONTENT_TYPE, "application/json"),
            (HeaderName::from_static("request-id"), "req_fake"),
        ],
        error_body(status, detail),
    )
        .into_response();
    if let Some(s) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::openai::ChatReply;

    fn bytes(reply: ChatReply) -> String {
        let ChatReply::Stream(s) = reply else {
            panic!("not a stream")
        };
        stream_steps(&s, "claude-x", 3)
            .into_iter()
            .map(|st| match st {
                Step::Frame { bytes, .. } => bytes,
                Step::Cut => "<cut>".to_owned(),
            })
            .collect()
    }

    /// Every frame is `event: <type>` + `data: <json with that type>`.
    fn frames_parse(got: &str) {
        for frame in got.split_terminator("\n\n") {
            let (ev, data) = frame.split_once('\n').unwrap();
            let data: serde_json::Value =
                serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(
                Some(ev.strip_prefix("event: ").unwrap()),
                data["type"].as_str()
            );
        }
    }

    #[test]
    fn text_stream_bytes() {
        let got = bytes(ChatReply::text(&["Hi"]).usage(25, 15));
        let want = "event: message_start\n\
            data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake3\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n\
            event: content_block_start\n\
            data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
            event: ping\n\
            data: {\"type\": \"ping\"}\n\n\
            event: content_block_delta\n\
            data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n\
            event: content_block_stop\n\
            data: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
            event: message_delta\n\
            data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n\
            event: message_stop\n\
            data: {\"type\":\"message_stop\"}\n\n";
        assert_eq!(got, want);
        frames_parse(&got);
    }

    #[test]
    fn tool_use_cut_and_error_bytes() {
        let got = bytes(ChatReply::tool_call("toolu_1", "f", r#"{"a":1}"#, &[3]));
        frames_parse(&got);
        assert!(got.contains("data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}\n\nevent: ping\n"));
        assert!(got.contains(r#""delta":{"type":"input_json_delta","partial_json":""}"#));
        assert!(got.contains(r#""delta":{"type":"input_json_delta","partial_json":"{\"a"}"#));
        assert!(got.contains(r#""stop_reason":"tool_use""#));
        let got = bytes(ChatReply::text(&["a"]).cut());
        assert!(got.ends_with("<cut>") && !got.contains("message_stop"));
        let got = bytes(ChatReply::text(&["a"]).stream_error());
        assert!(got.ends_with("event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n"), "{got}");
        let got = bytes(ChatReply::text(&["a"]).malformed());
        assert!(got.contains("\"delta\":{\"type\":\"text_del\n\n"));
        let got = bytes(ChatReply::text::<&str>(&[]).stream_error());
        assert!(got.starts_with("event: message_start\n") && got.contains("event: ping\n"));
    }

    #[test]
    fn error_bodies() {
        let b: serde_json::Value = serde_json::from_str(&error_body(529, "")).unwrap();
        assert_eq!(b["error"]["type"], "overloaded_error");
        assert_eq!(b["type"], "error");
        let b: serde_json::Value = serde_json::from_str(&error_body(400, "a \"b\"")).unwrap();
        assert_eq!(b["error"]["message"], "a \"b\"");
    }
}
