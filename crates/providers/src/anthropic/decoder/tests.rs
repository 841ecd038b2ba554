//! The decoder over hand-written bodies in the shapes of the messages-streaming docs, each fed
//! through the SSE parser split at every byte boundary and byte by byte: the items must not
//! depend on the chunking.

use serde_json::json;

use super::*;
use crate::sse::SseParser;

type Item = Result<LlmEvent, ProviderError>;

/// What `SseBody::decode` would yield for a body arriving in `chunks`.
fn decode(chunks: &[&[u8]]) -> Vec<Item> {
    let mut parser = SseParser::new();
    let mut dec = MessagesDecoder::new("anthropic".into());
    let mut out = Vec::new();
    let mut feed = |ev: SseEvent, out: &mut Vec<Item>| {
        let mut items = Vec::new();
        let r = dec.event(ev, &mut items);
        out.extend(items.into_iter().map(Ok));
        match r {
            Ok(done) => done,
            Err(e) => {
                out.push(Err(e));
                true
            }
        }
    };
    for chunk in chunks {
        for ev in parser.feed(chunk).unwrap() {
            if feed(ev, &mut out) {
                return out;
            }
        }
    }
    if let Some(ev) = parser.finish()
        && feed(ev, &mut out)
    {
        return out;
    }
    let mut items = Vec::new();
    let r = dec.end(&mut items);
    out.extend(items.into_iter().map(Ok));
    if let Err(e) = r {
        out.push(Err(e));
    }
    out
}

/// Decodes `body` whole, split in two at every boundary and byte by byte; all must agree.
fn decode_any_split(body: &str) -> Vec<Item> {
    let b = body.as_bytes();
    let whole = decode(&[b]);
    for i in 0..=b.len() {
        assert_eq!(decode(&[&b[..i], &b[i..]]), whole, "split at {i}");
    }
    let bytes: Vec<&[u8]> = b.chunks(1).collect();
    assert_eq!(decode(&bytes), whole, "byte by byte");
    whole
}

/// `event: <type>\ndata: <json>\n\n` for each JSON (its `type` names the event).
fn events(datas: &[serde_json::Value]) -> String {
    datas
        .iter()
        .map(|d| format!("event: {}\ndata: {d}\n\n", d["type"].as_str().unwrap()))
        .collect()
}

fn message_start() -> serde_json::Value {
    json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
        "role": "assistant", "content": [], "model": "claude", "stop_reason": null,
        "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}})
}

fn text_start(i: u64) -> serde_json::Value {
    json!({"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}})
}

fn text_delta(i: u64, t: &str) -> serde_json::Value {
    json!({"type": "content_block_delta", "index": i, "delta": {"type": "text_delta", "text": t}})
}

fn json_delta(i: u64, p: &str) -> serde_json::Value {
    json!({"type": "content_block_delta", "index": i,
        "delta": {"type": "input_json_delta", "partial_json": p}})
}

fn block_stop(i: u64) -> serde_json::Value {
    json!({"type": "content_block_stop", "index": i})
}

fn message_delta(reason: &str, out: u64) -> serde_json::Value {
    json!({"type": "message_delta", "delta": {"stop_reason": reason, "stop_sequence": null},
        "usage": {"output_tokens": out}})
}

fn message_stop() -> serde_json::Value {
    json!({"type": "message_stop"})
}

fn ping() -> serde_json::Value {
    json!({"type": "ping"})
}

fn text(t: &str) -> Item {
    Ok(LlmEvent::Text(t.to_owned()))
}

fn finished(reason: FinishReason, prompt: u32, completion: u32) -> Item {
    Ok(LlmEvent::Finished {
        reason,
        usage: Some(Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
        }),
    })
}

#[test]
fn text_stream_with_pings() {
    let body = events(&[
        message_start(),
        text_start(0),
        ping(),
        text_delta(0, "Hello"),
        text_delta(0, ", wörld 😀"),
        block_stop(0),
        message_delta("end_turn", 15),
        message_stop(),
    ]);
    assert_eq!(
        decode_any_split(&body),
        vec![
            text("Hello"),
            text(", wörld 😀"),
            finished(FinishReason::Stop, 25, 15)
        ]
    );
}

#[test]
fn tool_use_is_assembled_at_block_stop() {
    let body = events(&[
        message_start(),
        text_start(0),
        text_delta(0, "Okay."),
        block_stop(0),
        json!({"type": "content_block_start", "index": 1, "content_block":
            {"type": "tool_use", "id": "toolu_01", "name": "transfer_call", "input": {}}}),
        json_delta(1, ""),
        json_delta(1, "{\"to\": \"+15"),
        json_delta(1, "550001111\"}"),
        block_stop(1),
        json!({"type": "content_block_start", "index": 2, "content_block":
            {"type": "tool_use", "id": "toolu_02", "name": "end_call", "input": {}}}),
        block_stop(2),
        message_delta("tool_use", 40),
        message_stop(),
    ]);
    assert_eq!(
        decode_any_split(&body),
        vec![
            text("Okay."),
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "toolu_01".into(),
                name: "transfer_call".into(),
                arguments: json!({"to": "+15550001111"}),
            })),
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "toolu_02".into(),
                name: "end_call".into(),
                arguments: json!({}),
            })),
            finished(FinishReason::ToolCalls, 25, 40),
        ]
    );
}

#[test]
fn stop_reasons() {
    for (wire, want) in [
        ("end_turn", FinishReason::Stop),
        ("stop_sequence", FinishReason::Stop),
        ("max_tokens", FinishReason::Length),
        ("tool_use", FinishReason::ToolCalls),
        ("refusal", FinishReason::ContentFilter),
        ("pause_turn", FinishReason::Other),
    ] {
        let body = events(&[message_start(), message_delta(wire, 2), message_stop()]);
        assert_eq!(decode(&[body.as_bytes()]), vec![finished(want, 25, 2)]);
    }
}

#[test]
fn end_after_message_delta_is_complete_earlier_is_cut() {
    let body = events(&[
        message_start(),
        text_start(0),
        text_delta(0, "Hi"),
        block_stop(0),
        message_delta("end_turn", 3),
    ]);
    assert_eq!(
        decode_any_split(&body),
        vec![text("Hi"), finished(FinishReason::Stop, 25, 3)]
    );
    let body = events(&[message_start(), text_start(0), text_delta(0, "Hi")]);
    let got = decode_any_split(&body);
    assert_eq!(got[0], text("Hi"));
    let err = got[1].as_ref().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Network);
    assert_eq!(got.len(), 2);
}

#[test]
fn error_events_by_type() {
    let error = |ty: &str| {
        events(&[
            message_start(),
            json!({"type": "error", "error": {"type": ty, "message": "Overloaded"}}),
        ])
    };
    let got = decode_any_split(&error("overloaded_error"));
    let e = got[0].as_ref().unwrap_err();
    assert_eq!((e.kind, e.retryable), (ErrorKind::Server, true));
    assert!(e.message.contains("overloaded_error"));
    for (ty, kind) in [
        ("api_error", ErrorKind::Server),
        ("rate_limit_error", ErrorKind::RateLimited),
        ("authentication_error", ErrorKind::Auth),
        ("invalid_request_error", ErrorKind::BadRequest),
        ("brand_new_error", ErrorKind::Server),
    ] {
        let got = decode(&[error(ty).as_bytes()]);
        assert_eq!(got[0].as_ref().unwrap_err().kind, kind, "{ty}");
    }
}

#[test]
fn malformed_json_and_bad_tool_input_are_protocol_errors() {
    let body = format!(
        "{}event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_del\n\n{}",
        events(&[message_start(), text_start(0), text_delta(0, "Hi")]),
        events(&[text_delta(0, "never")]),
    );
    let got = decode_any_split(&body);
    assert_eq!(got[0], text("Hi"));
    assert_eq!(got[1].as_ref().unwrap_err().kind, ErrorKind::Protocol);
    assert_eq!(got.len(), 2);

    let body = events(&[
        message_start(),
        json!({"type": "content_block_start", "index": 0, "content_block":
            {"type": "tool_use", "id": "t", "name": "f", "input": {}}}),
        json_delta(0, "{\"x\": "),
        block_stop(0),
    ]);
    let got = decode_any_split(&body);
    assert_eq!(got[0].as_ref().unwrap_err().kind, ErrorKind::Protocol);

    // partial_json for a block that is not a tool_use.
    let body = events(&[message_start(), text_start(0), json_delta(0, "{}")]);
    assert_eq!(
        decode_any_split(&body)[0].as_ref().unwrap_err().kind,
        ErrorKind::Protocol
    );
}

#[test]
fn unknown_events_and_blocks_are_skipped() {
    let body = events(&[
        message_start(),
        json!({"type": "content_block_start", "index": 0, "content_block":
            {"type": "thinking", "thinking": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta":
            {"type": "thinking_delta", "thinking": "hmm"}}),
        block_stop(0),
        json!({"type": "something_new", "x": 1}),
        text_start(1),
        text_delta(1, "Yes."),
        block_stop(1),
        message_delta("end_turn", 9),
        message_stop(),
    ]);
    assert_eq!(
        decode_any_split(&body),
        vec![text("Yes."), finished(FinishReason::Stop, 25, 9)]
    );
}
