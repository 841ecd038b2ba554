//! OpenAI's bytes: the `chat.completion.chunk` events of a streamed reply and the JSON error
//! bodies, as documented at <https://platform.openai.com/docs/api-reference/chat-streaming> ,
//! <https://platform.openai.com/docs/guides/function-calling> (streaming) and
//! <https://platform.openai.com/docs/guides/error-codes> .
//!
//! Every event is `data: <json>\n\n`; the stream ends with `data: [DONE]\n\n`. With
//! `stream_options.include_usage` every chunk carries `"usage": null` and one extra chunk with
//! `"choices": []` and the usage precedes `[DONE]`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::exchange::{Step, q};
use super::script::{Ending, StreamReply};

const CREATED: u64 = 1_700_000_000;

/// Renders chunks of one completion, keys in the order of the documentation's examples.
struct Chunks<'a> {
    id: String,
    model: &'a str,
    include_usage: bool,
}

impl Chunks<'_> {
    /// `data: {"id",...,"choices":<choices>[,"usage":<usage>]}`.
    fn frame(&self, choices: &str, usage: &str) -> String {
        let usage = if self.include_usage {
            format!(",\"usage\":{usage}")
        } else {
            String::new()
        };
        format!(
            "data: {{\"id\":{},\"object\":\"chat.completion.chunk\",\"created\":{CREATED},\
             \"model\":{},\"system_fingerprint\":\"fp_fake\",\"choices\":{choices}{usage}}}\n\n",
            q(&self.id),
            q(self.model),
        )
    }

    fn delta(&self, delta: &str, finish: Option<&str>) -> String {
        let finish = finish.map_or_else(|| "null".to_owned(), q);
        let choice = format!(
            "[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finish}}}]"
        );
        self.frame(&choice, "null")
    }
}

/// The events of `reply` for a request naming `model` (`n` numbers the completion id).
pub(crate) fn stream_steps(
    reply: &StreamReply,
    model: &str,
    include_usage: bool,
    n: usize,
) -> Vec<Step> {
    let c = Chunks {
        id: format!("chatcmpl-fake{n}"),
        model,
        include_usage,
    };
    let d = reply.per_token;
    // The first delta carries the role; its content is "" before text and null before calls.
    let first = if reply.text.is_empty() && !reply.calls.is_empty() {
        "null"
    } else {
        "\"\""
    };
    let role = format!("{{\"role\":\"assistant\",\"content\":{first},\"refusal\":null}}");
    let mut steps = vec![Step::now(c.delta(&role, None))];
    for piece in &reply.text {
        let delta = format!("{{\"content\":{}}}", q(piece));
        steps.push(Step::after(d, c.delta(&delta, None)));
    }
    for (i, call) in reply.calls.iter().enumerate() {
        let start = format!(
            "{{\"tool_calls\":[{{\"index\":{i},\"id\":{},\"type\":\"function\",\
             \"function\":{{\"name\":{},\"arguments\":\"\"}}}}]}}",
            q(&call.id),
            q(&call.name),
        );
        steps.push(Step::after(d, c.delta(&start, None)));
        for piece in call.pieces() {
            let frag = format!(
                "{{\"tool_calls\":[{{\"index\":{i},\"function\":{{\"arguments\":{}}}}}]}}",
                q(piece)
            );
            steps.push(Step::after(d, c.delta(&frag, None)));
        }
    }
    match reply.ending {
        Ending::Cut => steps.push(Step::Cut),
        Ending::StreamError => steps.push(Step::now(format!("data: {}\n\n", error_body(500, "")))),
        Ending::Malformed | Ending::Complete => {
            if reply.ending == Ending::Malformed {
                // A chunk cut off inside a string: not JSON.
                let bad = format!(
                    "data: {{\"id\":{},\"object\":\"chat.completion.chunk\",\
                     \"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"\n\n",
                    q(&c.id)
                );
                steps.push(Step::now(bad));
            }
            let finish = if !reply.calls.is_empty() {
                "tool_calls"
            } else if reply.truncated {
                "length"
            } else {
                "stop"
            };
            steps.push(Step::now(c.delta("{}", Some(finish))));
            if include_usage {
                let (p, k) = (reply.prompt_tokens, reply.completion_tokens);
                let usage = format!(
                    "{{\"prompt_tokens\":{p},\"completion_tokens\":{k},\"total_tokens\":{},\
                     \"prompt_tokens_details\":{{\"cached_tokens\":0,\"audio_tokens\":0}},\
                     \"completion_tokens_details\":{{\"reasoning_tokens\":0,\"audio_tokens\":0,\
                     \"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}}",
                    p + k
                );
                steps.push(Step::now(c.frame("[]", &usage)));
            }
            steps.push(Step::now("data: [DONE]\n\n".to_owned()));
        }
    }
    steps
}

/// The documented error object for `status` (`detail` fills the message where it varies).
pub(crate) fn error_body(status: u16, detail: &str) -> String {
    let (message, kind, code) = match status {
        400 => (detail, "invalid_request_error", None),
        401 => (
            "Incorrect API key provided: sk-fake***. You can find your API key at \
             https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            Some("invalid_api_key"),
        ),
        403 => (
            "Country, region, or territory not supported",
            "request_forbidden",
            Some("unsupported_country_region_territory"),
        ),
        404 => (detail, "invalid_request_error", Some("unknown_url")),
        429 => (
            "Rate limit reached for requests. Please try again in 1s.",
            "requests",
            Some("rate_limit_exceeded"),
        ),
        503 => (
            "The engine is currently overloaded, please try again later.",
            "server_error",
            None,
        ),
        _ => (
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        ),
    };
    format!(
        "{{\"error\":{{\"message\":{},\"type\":{},\"param\":null,\"code\":{}}}}}",
        q(message),
        q(kind),
        code.map_or_else(|| "null".to_owned(), q),
    )
}

/// An error response with the documented body (and `retry-after` seconds when given).
pub(crate) fn error_response(status: u16, retry_after: Option<u64>, detail: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (
        code,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::HeaderName::from_static("x-request-id"), "req_fake"),
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
    use std::time::Duration;

    use super::*;
    use crate::fakes::openai::ChatReply;

    fn bytes(reply: ChatReply, include_usage: bool) -> String {
        let ChatReply::Stream(s) = reply else {
            panic!("not a stream")
        };
        stream_steps(&s, "gpt-x", include_usage, 7)
            .into_iter()
            .map(|st| match st {
                Step::Frame { bytes, .. } => bytes,
                Step::Cut => "<cut>".to_owned(),
            })
            .collect()
    }

    /// Every frame is valid JSON after `data: ` (except `[DONE]` and scripted damage).
    fn frames_parse(got: &str) {
        for frame in got.split_terminator("\n\n") {
            let data = frame.strip_prefix("data: ").unwrap();
            if data != "[DONE]" {
                serde_json::from_str::<serde_json::Value>(data).unwrap();
            }
        }
    }

    #[test]
    fn text_stream_bytes() {
        let h = r#""id":"chatcmpl-fake7","object":"chat.completion.chunk","created":1700000000,"model":"gpt-x","system_fingerprint":"fp_fake""#;
        let want = format!(
            "data: {{{h},\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null}}\n\n\
             data: {{{h},\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"Hi\"}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null}}\n\n\
             data: {{{h},\"choices\":[{{\"index\":0,\"delta\":{{}},\"logprobs\":null,\"finish_reason\":\"stop\"}}],\"usage\":null}}\n\n\
             data: {{{h},\"choices\":[],\"usage\":{{\"prompt_tokens\":12,\"completion_tokens\":1,\"total_tokens\":13,\"prompt_tokens_details\":{{\"cached_tokens\":0,\"audio_tokens\":0}},\"completion_tokens_details\":{{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}}}}\n\n\
             data: [DONE]\n\n"
        );
        let got = bytes(ChatReply::text(&["Hi"]), true);
        assert_eq!(got, want);
        frames_parse(&got);
        // Without include_usage: no usage fields at all.
        let got = bytes(ChatReply::text(&["Hi"]), false);
        assert!(!got.contains("usage"), "{got}");
        frames_parse(&got);
    }

    #[test]
    fn tool_call_cut_and_error_bytes() {
        let got = bytes(
            ChatReply::tool_call("call_1", "f", r#"{"a":1}"#, &[2]),
            false,
        );
        frames_parse(&got);
        assert!(got.contains(r#""delta":{"role":"assistant","content":null,"refusal":null}"#));
        assert!(got.contains(r#""delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}"#));
        assert!(
            got.contains(r#""delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\""}}]}"#)
        );
        assert!(got.contains(r#""finish_reason":"tool_calls""#));
        let got = bytes(ChatReply::text(&["a"]).cut(), true);
        assert!(got.ends_with("<cut>") && !got.contains("[DONE]"));
        let got = bytes(ChatReply::text(&["a"]).stream_error(), true);
        let want = r#"data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#;
        assert!(got.ends_with(&format!("{want}\n\n")), "{got}");
        let got = bytes(ChatReply::text(&["a"]).malformed(), false);
        assert!(got.contains("\"delta\":{\"content\":\"\n\n") && got.ends_with("[DONE]\n\n"));
        let reply = ChatReply::text(&["a"]).per_token(Duration::from_millis(9));
        let ChatReply::Stream(s) = reply else {
            panic!("not a stream")
        };
        let steps = stream_steps(&s, "m", false, 0);
        assert!(
            matches!(&steps[1], Step::Frame { delay, .. } if *delay == Duration::from_millis(9))
        );
    }

    #[test]
    fn error_bodies() {
        let b: serde_json::Value = serde_json::from_str(&error_body(401, "")).unwrap();
        assert_eq!(b["error"]["code"], "invalid_api_key");
        let b: serde_json::Value = serde_json::from_str(&error_body(400, "bad \"x\"")).unwrap();
        assert_eq!(b["error"]["message"], "bad \"x\"");
        assert_eq!(b["error"]["type"], "invalid_request_error");
    }
}
