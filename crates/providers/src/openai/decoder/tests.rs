//! The decoder over hand-written bodies in the shapes of protocols.md §3.1, each fed through
//! the SSE parser split at every byte boundary and byte by byte: the items must not depend
//! on the chunking.

use serde_json::json;

use super::*;
use crate::sse::SseParser;

type Item = Result<LlmEvent, ProviderError>;

/// What `SseBody::decode` would yield for a body arriving in `chunks`.
fn decode(chunks: &[&[u8]]) -> Vec<Item> {
    let mut parser = SseParser::new();
    let mut dec = ChatDecoder::new("openai".into());
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

fn text(t: &str) -> Item {
    Ok(LlmEvent::Text(t.to_owned()))
}

fn finished(reason: FinishReason, usage: Option<(u32, u32)>) -> Item {
    Ok(LlmEvent::Finished {
        reason,
        usage: usage.map(|(p, c)| Usage {
            prompt_tokens: p,
            completion_tokens: c,
        }),
    })
}

fn kind(item: &Item) -> ErrorKind {
    item.as_ref().unwrap_err().kind
}

const ROLE: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"#;
const USAGE: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#;

fn content(t: &str) -> String {
    format!(
        r#"data: {{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{{"index":0,"delta":{{"content":{}}},"logprobs":null,"finish_reason":null}}],"usage":null}}"#,
        json!(t)
    )
}

fn finish(reason: &str) -> String {
    format!(
        r#"data: {{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{{"index":0,"delta":{{}},"logprobs":null,"finish_reason":"{reason}"}}],"usage":null}}"#
    )
}

fn events(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n\n")).collect()
}

#[test]
fn text_usage_and_done() {
    let body = events(&[
        ROLE,
        &content("Hel"),
        &content("lo, wörld 😀"),
        &finish("stop"),
        USAGE,
        "data: [DONE]",
    ]);
    assert_eq!(
        decode_any_split(&body),
        vec![
            text("Hel"),
            text("lo, wörld 😀"),
            finished(FinishReason::Stop, Some((12, 3)))
        ]
    );
}

#[test]
fn gateway_variations_are_tolerated() {
    // OpenRouter-style comments, `data:` without the space, CRLF line ends, `choices: null`
    // in the usage chunk, and a final `[DONE]` without its blank line before the close.
    let body = format!(
        ": OPENROUTER PROCESSING\r\n\r\n{}\r\n\r\ndata:{}\r\n\r\n{}\r\n\r\n{}\r\n\r\ndata: [DONE]\n",
        ROLE,
        &content("Hi").trim_start_matches("data: "),
        finish("length"),
        r#"data: {"choices":null,"usage":{"prompt_tokens":1,"completion_tokens":2}}"#,
    );
    assert_eq!(
        decode_any_split(&body),
        vec![text("Hi"), finished(FinishReason::Length, Some((1, 2)))]
    );
}

#[test]
fn tool_calls_are_assembled_from_fragments() {
    let frag = |delta: &str| {
        format!(
            r#"data: {{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":null}}]}}"#
        )
    };
    let body = events(&[
        &frag(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"transfer_call","arguments":""}}]}"#,
        ),
        &frag(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"to"}}]}"#),
        &frag(r#"{"tool_calls":[{"index":0,"function":{"arguments":"\":\"+1555"}}]}"#),
        &frag(r#"{"tool_calls":[{"index":0,"function":{"arguments":"0001111\"}"}}]}"#),
        &frag(
            r#"{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"end_call","arguments":""}}]}"#,
        ),
        &finish("tool_calls"),
        USAGE,
        "data: [DONE]",
    ]);
    assert_eq!(
        decode_any_split(&body),
        vec![
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "call_abc".into(),
                name: "transfer_call".into(),
                arguments: json!({"to": "+15550001111"}),
            })),
            Ok(LlmEvent::ToolCall(ToolCall {
                id: "call_2".into(),
                name: "end_call".into(),
                arguments: json!({}),
            })),
            finished(FinishReason::ToolCalls, Some((12, 3))),
        ]
    );
}

#[test]
fn fragments_without_index_continue_the_latest_call() {
    let body = events(&[
        r#"data: {"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{\"x\":"}}]}}]}"#,
        r#"data: {"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"1}"}}]}}]}"#,
        r#"data: {"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"{}"}}]}}]}"#,
        r#"data: {"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
        "data: [DONE]",
    ]);
    let got = decode_any_split(&body);
    let names: Vec<_> = got
        .iter()
        .filter_map(|i| match i {
            Ok(LlmEvent::ToolCall(c)) => {
                Some((c.id.as_str(), c.name.as_str(), c.arguments.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        vec![("a", "f", json!({"x": 1})), ("b", "g", json!({}))]
    );
}

#[test]
fn finish_without_done_is_complete_without_finish_is_cut() {
    let body = events(&[ROLE, &content("Hi"), &finish("content_filter")]);
    assert_eq!(
        decode_any_split(&body),
        vec![text("Hi"), finished(FinishReason::ContentFilter, None)]
    );
    let body = events(&[ROLE, &content("Hi"), &content(" there")]);
    let got = decode_any_split(&body);
    assert_eq!(got[..2], [text("Hi"), text(" there")]);
    assert_eq!(got.len(), 3);
    assert_eq!(kind(&got[2]), ErrorKind::Network);
    assert!(got[2].as_ref().unwrap_err().retryable);
}

#[test]
fn malformed_chunk_is_a_protocol_error() {
    let body = events(&[
        &content("Hi"),
        r#"data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"oops"#,
        &content("never"),
    ]);
    let got = decode_any_split(&body);
    assert_eq!(got[0], text("Hi"));
    assert_eq!(got.len(), 2);
    assert_eq!(kind(&got[1]), ErrorKind::Protocol);
}

#[test]
fn invalid_or_unnamed_tool_calls_are_protocol_errors() {
    let body = events(&[
        r#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{\"x\":"}}]}}]}"#,
        &finish("tool_calls"),
    ]);
    let got = decode_any_split(&body);
    assert_eq!(got.len(), 1);
    assert_eq!(kind(&got[0]), ErrorKind::Protocol);
    let body = events(&[
        r#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"arguments":"{}"}}]}}]}"#,
        &finish("tool_calls"),
    ]);
    assert_eq!(kind(&decode_any_split(&body)[0]), ErrorKind::Protocol);
}

#[test]
fn error_event_is_a_server_error() {
    let body = events(&[
        &content("Hi"),
        r#"data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#,
    ]);
    let got = decode_any_split(&body);
    assert_eq!(got[0], text("Hi"));
    let err = got[1].as_ref().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert!(err.message.contains("server_error"), "{}", err.message);
}

#[test]
fn other_choices_and_unknown_fields_are_ignored() {
    let body = events(&[
        r#"data: {"choices":[{"index":1,"delta":{"content":"not ours"}},{"index":0,"delta":{"content":"ours","reasoning_content":"x"},"future":1}]}"#,
        &finish("something_new"),
        "data: [DONE]",
    ]);
    assert_eq!(
        decode_any_split(&body),
        vec![text("ours"), finished(FinishReason::Other, None)]
    );
}

#[test]
fn argument_growth_is_bounded() {
    let mut dec = ChatDecoder::new("openai".into());
    let piece = "x".repeat(64 * 1024);
    let ev = |args: &str| {
        SseEvent {
        data: json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":args}}]}}]}).to_string(),
        ..SseEvent::default()
    }
    };
    let mut out = Vec::new();
    let mut failed = None;
    for _ in 0..20 {
        if let Err(e) = dec.event(ev(&piece), &mut out) {
            failed = Some(e);
            break;
        }
    }
    assert_eq!(failed.unwrap().kind, ErrorKind::Protocol);
}
