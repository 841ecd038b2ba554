//! Decoding the Messages event stream, protocols.md §3.2 and
//! <https://docs.anthropic.com/en/api/messages-streaming> . Each event is `event: <type>` +
//! `data: <json>` whose `type` repeats the name; in order:
//!
//! - `message_start` {message:{usage:{input_tokens, output_tokens}}};
//! - per content block: `content_block_start` {index, content_block: text | tool_use
//!   {id, name, input:{}}}, `content_block_delta` {index, delta: text_delta {text} |
//!   input_json_delta {partial_json}} ..., `content_block_stop` {index};
//! - `message_delta` {delta:{stop_reason}, usage:{output_tokens}} (counts are cumulative);
//! - `message_stop`. There is no `[DONE]`.
//!
//! `ping` may come anywhere; an `error` event {error:{type, message}} may come mid-stream;
//! unknown event and block types are skipped, as the versioning policy asks of clients.
//! A `tool_use` block's `partial_json` pieces are concatenated and parsed at its
//! `content_block_stop`, which emits the one `LlmEvent::ToolCall`. A body that ends after
//! `message_delta` is complete; one that ends earlier was cut.

use std::collections::BTreeMap;
use std::sync::Arc;

use callbridge_voice_api::{ErrorKind, FinishReason, LlmEvent, ProviderError, ToolCall, Usage};
use serde::Deserialize;
use serde_json::Value;

use crate::sse::{SseDecoder, SseEvent};

/// The most tool input JSON one response may accumulate (the SSE parser bounds each event,
/// this bounds their sum).
const MAX_INPUT_BYTES: usize = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    MessageStart {
        message: StartMessage,
    },
    ContentBlockStart {
        index: u64,
        content_block: BlockStart,
    },
    ContentBlockDelta {
        index: u64,
        delta: BlockDelta,
    },
    ContentBlockStop {
        index: u64,
    },
    MessageDelta {
        delta: MessageDelta,
        usage: Option<WireUsage>,
    },
    MessageStop,
    Ping,
    Error {
        error: WireError,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
struct StartMessage {
    usage: Option<WireUsage>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockStart {
    Text {
        #[serde(default)]
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    /// `thinking`, `redacted_thinking`, server tools...: nothing the caller hears.
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockDelta {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    /// `thinking_delta`, `signature_delta`, `citations_delta`...
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct MessageDelta {
    stop_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct WireError {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    message: String,
}

/// An open content block.
#[derive(Debug)]
enum Block {
    ToolUse {
        id: String,
        name: String,
        json: String,
        /// `input` of the start event, used when no `partial_json` came at all.
        start_input: Value,
    },
    Other,
}

/// The per-response decoder.
#[derive(Debug)]
pub(crate) struct MessagesDecoder {
    provider: Arc<str>,
    blocks: BTreeMap<u64, Block>,
    input_bytes: usize,
    usage: Option<Usage>,
    /// The `message_delta` stop reason; set means everything was delivered.
    stop: Option<FinishReason>,
}

impl MessagesDecoder {
    pub(crate) fn new(provider: Arc<str>) -> Self {
        MessagesDecoder {
            provider,
            blocks: BTreeMap::new(),
            input_bytes: 0,
            usage: None,
            stop: None,
        }
    }

    fn error(&self, kind: ErrorKind, message: String) -> ProviderError {
        ProviderError::new(&self.provider, kind, message)
    }

    fn add_usage(&mut self, u: WireUsage) {
        let usage = self.usage.get_or_insert_with(Usage::default);
        if let Some(n) = u.input_tokens {
            usage.prompt_tokens = saturate(n);
        }
        if let Some(n) = u.output_tokens {
            usage.completion_tokens = saturate(n);
        }
    }

    fn handle(&mut self, ev: Event, out: &mut Vec<LlmEvent>) -> Result<bool, ProviderError> {
        match ev {
            Event::MessageStart { message } => {
                if let Some(u) = message.usage {
                    self.add_usage(u);
                }
            }
            Event::ContentBlockStart {
                index,
                content_block,
            } => self.start_block(index, content_block, out),
            Event::ContentBlockDelta { index, delta } => self.delta(index, delta, out)?,
            Event::ContentBlockStop { index } => self.stop_block(index, out)?,
            Event::MessageDelta { delta, usage } => {
                if let Some(u) = usage {
                    self.add_usage(u);
                }
                let reason = delta
                    .stop_reason
                    .as_deref()
                    .map_or(FinishReason::Other, stop);
                self.stop = Some(reason);
            }
            Event::MessageStop => {
                self.finished(out)?;
                return Ok(true);
            }
            Event::Error { error } => return Err(self.stream_error(&error)),
            Event::Ping | Event::Unknown => {}
        }
        Ok(false)
    }

    fn start_block(&mut self, index: u64, start: BlockStart, out: &mut Vec<LlmEvent>) {
        let block = match start {
            BlockStart::Text { text } => {
                if !text.is_empty() {
                    out.push(LlmEvent::Text(text));
                }
                Block::Other
            }
            BlockStart::ToolUse { id, name, input } => Block::ToolUse {
                id,
                name,
                json: String::new(),
                start_input: input,
            },
            BlockStart::Other => Block::Other,
        };
        self.blocks.insert(index, block);
    }

    fn delta(
        &mut self,
        index: u64,
        delta: BlockDelta,
        out: &mut Vec<LlmEvent>,
    ) -> Result<(), ProviderError> {
        match delta {
            BlockDelta::TextDelta { text } => {
                if !text.is_empty() {
                    out.push(LlmEvent::Text(text));
                }
            }
            BlockDelta::InputJsonDelta { partial_json } => {
                let Some(Block::ToolUse { json, .. }) = self.blocks.get_mut(&index) else {
                    let msg = format!("input_json_delta for block {index}, not an open tool_use");
                    return Err(self.error(ErrorKind::Protocol, msg));
                };
                json.push_str(&partial_json);
                self.input_bytes += partial_json.len();
                if self.input_bytes > MAX_INPUT_BYTES {
                    let msg = format!("tool input exceeds {MAX_INPUT_BYTES} bytes");
                    return Err(self.error(ErrorKind::Protocol, msg));
                }
            }
            BlockDelta::Other => {}
        }
        Ok(())
    }

    fn stop_block(&mut self, index: u64, out: &mut Vec<LlmEvent>) -> Result<(), ProviderError> {
        let Some(Block::ToolUse {
            id,
            name,
            json,
            start_input,
        }) = self.blocks.remove(&index)
        else {
            return Ok(());
        };
        let arguments = if !json.trim().is_empty() {
            serde_json::from_str(&json).map_err(|e| {
                let msg = format!("tool_use {name}: input is not JSON: {e}");
                self.error(ErrorKind::Protocol, msg)
            })?
        } else if start_input.is_null() {
            Value::Object(serde_json::Map::new())
        } else {
            start_input
        };
        out.push(LlmEvent::ToolCall(ToolCall {
            id,
            name,
            arguments,
        }));
        Ok(())
    }

    fn finished(&mut self, out: &mut Vec<LlmEvent>) -> Result<(), ProviderError> {
        // A tool_use block left open is still complete once the message is: emit it.
        let open: Vec<u64> = self.blocks.keys().copied().collect();
        for index in open {
            self.stop_block(index, out)?;
        }
        out.push(LlmEvent::Finished {
            reason: self.stop.unwrap_or(FinishReason::Other),
            usage: self.usage,
        });
        Ok(())
    }

    /// An `error` event, classified by its type as the HTTP status Anthropic documents for it
    /// (<https://docs.anthropic.com/en/api/errors>): `overloaded_error` is 529, a retryable
    /// server failure.
    fn stream_error(&self, e: &WireError) -> ProviderError {
        let status = match e.kind.as_str() {
            "invalid_request_error" => 400,
            "authentication_error" => 401,
            "billing_error" => 402,
            "permission_error" => 403,
            "not_found_error" => 404,
            "request_too_large" => 413,
            "rate_limit_error" => 429,
            "timeout_error" => 504,
            "overloaded_error" => 529,
            // api_error and anything new: the vendor failed.
            _ => 500,
        };
        let msg = format!("stream error ({}): {}", e.kind, e.message);
        ProviderError::from_status(&self.provider, status, msg)
    }
}

impl SseDecoder for MessagesDecoder {
    type Item = LlmEvent;

    fn event(&mut self, ev: SseEvent, out: &mut Vec<LlmEvent>) -> Result<bool, ProviderError> {
        // The JSON `type` names the event (the `event:` line repeats it).
        let parsed: Event = serde_json::from_str(&ev.data).map_err(|e| {
            let start: String = ev.data.chars().take(200).collect();
            let name = ev.event.as_deref().unwrap_or("message");
            let msg = format!("malformed {name} event ({e}): {start}");
            self.error(ErrorKind::Protocol, msg)
        })?;
        self.handle(parsed, out)
    }

    fn end(&mut self, out: &mut Vec<LlmEvent>) -> Result<(), ProviderError> {
        if self.stop.is_some() {
            return self.finished(out);
        }
        let msg = "stream cut: the body ended before message_stop".to_owned();
        Err(self.error(ErrorKind::Network, msg))
    }
}

fn stop(reason: &str) -> FinishReason {
    match reason {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::ContentFilter,
        // pause_turn and anything new.
        _ => FinishReason::Other,
    }
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
