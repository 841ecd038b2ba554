//! Decoding the Chat Completions event stream, protocols.md §3.1 and
//! <https://platform.openai.com/docs/api-reference/chat-streaming> :
//!
//! - every event is `data: <chat.completion.chunk JSON>`; the stream ends with `data: [DONE]`;
//! - `choices[0].delta.content` is more text (the first delta may carry only `role` and "");
//! - `delta.tool_calls[]` are fragments keyed by `index`: `id` and `function.name` come first,
//!   `function.arguments` is a JSON string sent in pieces that we concatenate and parse once
//!   the call is complete (an empty string means `{}`);
//! - `finish_reason` (stop | length | tool_calls | content_filter) closes the choice; with
//!   `stream_options.include_usage` one more chunk follows with `choices: []` (some servers
//!   send `null`) and `usage`;
//! - `data: {"error": {...}}` is a failure reported mid-stream.
//!
//! Each assembled call is emitted as one `LlmEvent::ToolCall` when `finish_reason` arrives;
//! `Finished` waits for the usage chunk, i.e. for `[DONE]` or the end of the body. A body that
//! ends after a `finish_reason` but without `[DONE]` is complete (some servers just close); one
//! that ends before any `finish_reason` was cut.

use std::collections::BTreeMap;
use std::sync::Arc;

use callbridge_voice_api::{ErrorKind, FinishReason, LlmEvent, ProviderError, ToolCall, Usage};
use serde::Deserialize;

use crate::sse::{SseDecoder, SseEvent};

/// The most argument text one response may accumulate (the SSE parser bounds each event, this
/// bounds their sum).
const MAX_ARGUMENT_BYTES: usize = 1 << 20;

#[derive(Debug, Deserialize)]
struct Chunk {
    choices: Option<Vec<Choice>>,
    usage: Option<WireUsage>,
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    index: u32,
    delta: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Delta {
    content: Option<String>,
    tool_calls: Option<Vec<ToolDelta>>,
}

#[derive(Debug, Deserialize)]
struct ToolDelta {
    index: Option<u32>,
    id: Option<String>,
    function: Option<FunctionDelta>,
}

#[derive(Debug, Deserialize)]
struct FunctionDelta {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

/// A tool call being assembled.
#[derive(Debug, Default)]
struct Partial {
    id: String,
    name: String,
    arguments: String,
}

/// The per-response decoder.
#[derive(Debug)]
pub(crate) struct ChatDecoder {
    provider: Arc<str>,
    /// Calls in progress by `index` (ordered, so they are emitted in the model's order).
    calls: BTreeMap<u32, Partial>,
    argument_bytes: usize,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
}

impl ChatDecoder {
    pub(crate) fn new(provider: Arc<str>) -> Self {
        ChatDecoder {
            provider,
            calls: BTreeMap::new(),
            argument_bytes: 0,
            finish: None,
            usage: None,
        }
    }

    fn error(&self, kind: ErrorKind, message: String) -> ProviderError {
        ProviderError::new(&self.provider, kind, message)
    }

    fn chunk(&mut self, chunk: Chunk, out: &mut Vec<LlmEvent>) -> Result<(), ProviderError> {
        if let Some(err) = chunk.error {
            return Err(self.error(ErrorKind::Server, stream_error_message(&err)));
        }
        if let Some(u) = chunk.usage {
            self.usage = Some(Usage {
                prompt_tokens: saturate(u.prompt_tokens),
                completion_tokens: saturate(u.completion_tokens),
            });
        }
        // We never ask for `n > 1`, so only choice 0 is ours.
        for choice in chunk.choices.into_iter().flatten().filter(|c| c.index == 0) {
            if let Some(delta) = choice.delta {
                if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                    out.push(LlmEvent::Text(text));
                }
                for fragment in delta.tool_calls.into_iter().flatten() {
                    self.fragment(fragment)?;
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.finish = Some(finish_reason(&reason));
                self.flush_calls(out)?;
            }
        }
        Ok(())
    }

    /// Adds one tool-call fragment to its call.
    fn fragment(&mut self, f: ToolDelta) -> Result<(), ProviderError> {
        let id = f.id.filter(|s| !s.is_empty());
        let index = match f.index {
            Some(i) => i,
            // Not OpenAI, but some compatible servers omit `index`: a fragment with an id we
            // have not seen starts a call, anything else continues the latest one.
            None => self.index_without_key(id.as_deref()),
        };
        let call = self.calls.entry(index).or_default();
        if let Some(id) = id
            && call.id.is_empty()
        {
            call.id = id;
        }
        let Some(function) = f.function else {
            return Ok(());
        };
        if let Some(name) = function.name.filter(|n| !n.is_empty())
            && call.name.is_empty()
        {
            call.name = name;
        }
        if let Some(piece) = function.arguments {
            self.argument_bytes += piece.len();
            call.arguments.push_str(&piece);
        }
        if self.argument_bytes > MAX_ARGUMENT_BYTES {
            let msg = format!("tool call arguments exceed {MAX_ARGUMENT_BYTES} bytes");
            return Err(self.error(ErrorKind::Protocol, msg));
        }
        Ok(())
    }

    fn index_without_key(&self, id: Option<&str>) -> u32 {
        let last = self.calls.keys().next_back().copied();
        match (id, last) {
            (_, None) => 0,
            (Some(id), Some(last)) => self
                .calls
                .iter()
                .find(|(_, c)| c.id == id)
                .map_or(last + 1, |(i, _)| *i),
            (None, Some(last)) => last,
        }
    }

    /// Emits every call in progress, parsing its arguments.
    fn flush_calls(&mut self, out: &mut Vec<LlmEvent>) -> Result<(), ProviderError> {
        for (index, call) in std::mem::take(&mut self.calls) {
            if call.name.is_empty() {
                let msg = format!("tool call {index} has no function name");
                return Err(self.error(ErrorKind::Protocol, msg));
            }
            let arguments = if call.arguments.trim().is_empty() {
                serde_json::Value::Object(serde_json::Map::new())
            } else {
                serde_json::from_str(&call.arguments).map_err(|e| {
                    let msg = format!("tool call {}: arguments are not JSON: {e}", call.name);
                    self.error(ErrorKind::Protocol, msg)
                })?
            };
            // The id is only echoed back to the same server; one that sent none gets ours.
            let id = if call.id.is_empty() {
                format!("call_{index}")
            } else {
                call.id
            };
            out.push(LlmEvent::ToolCall(ToolCall {
                id,
                name: call.name,
                arguments,
            }));
        }
        Ok(())
    }

    fn finished(&mut self, out: &mut Vec<LlmEvent>) -> Result<(), ProviderError> {
        self.flush_calls(out)?;
        out.push(LlmEvent::Finished {
            reason: self.finish.unwrap_or(FinishReason::Other),
            usage: self.usage,
        });
        Ok(())
    }
}

impl SseDecoder for ChatDecoder {
    type Item = LlmEvent;

    fn event(&mut self, ev: SseEvent, out: &mut Vec<LlmEvent>) -> Result<bool, ProviderError> {
        let data = ev.data.trim();
        if data == "[DONE]" {
            self.finished(out)?;
            return Ok(true);
        }
        if data.is_empty() {
            return Ok(false);
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
            let start: String = data.chars().take(200).collect();
            self.error(
                ErrorKind::Protocol,
                format!("malformed chunk ({e}): {start}"),
            )
        })?;
        self.chunk(chunk, out)?;
        Ok(false)
    }

    fn end(&mut self, out: &mut Vec<LlmEvent>) -> Result<(), ProviderError> {
        if self.finish.is_some() {
            return self.finished(out);
        }
        let msg = "stream cut: the body ended before finish_reason".to_owned();
        Err(self.error(ErrorKind::Network, msg))
    }
}

fn finish_reason(s: &str) -> FinishReason {
    match s {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        // `function_call` is the pre-tools name of the same thing.
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

/// The message of an in-stream `{"error": {"message", "type", "code"}}` (or a bare string).
fn stream_error_message(err: &serde_json::Value) -> String {
    let text = |k: &str| err.get(k).and_then(|v| v.as_str());
    match (err.as_str(), text("message"), text("type")) {
        (Some(s), _, _) => format!("stream error: {s}"),
        (None, Some(m), Some(t)) => format!("stream error ({t}): {m}"),
        (None, Some(m), None) => format!("stream error: {m}"),
        (None, None, _) => format!("stream error: {err}"),
    }
}

fn saturate(n: Option<u64>) -> u32 {
    n.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
