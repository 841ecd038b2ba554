//! A language model that answers from a script with fixed latencies.
//!
//! Rules match the last user (or tool) message by substring; the first matching rule's reply
//! is streamed: `first_token` after the request, then ~4-character tokens every `per_token`.
//! Replies can call tools and fail mid-stream. Every request is recorded.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callbridge_voice_api::{
    BoxStream, ChatMessage, ChatRequest, ChatRole, FinishReason, LanguageModel, LlmEvent,
    ProviderError, ToolCall,
};

/// What the model answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Stream this text.
    Text(String),
    /// Call a tool (after any text in `before`).
    Tool {
        before: String,
        name: String,
        arguments: serde_json::Value,
    },
    /// Stream `tokens` tokens of `text`, then fail with `error`.
    FailAfter {
        text: String,
        tokens: usize,
        error: ProviderError,
    },
}

/// The scripted model.
#[derive(Debug, Clone)]
pub struct ScriptedLlm {
    name: String,
    rules: Vec<(String, Reply)>,
    default: Reply,
    first_token: Duration,
    per_token: Duration,
    requests: Arc<Mutex<Vec<ChatRequest>>>,
}

impl ScriptedLlm {
    pub fn new(default: Reply, first_token: Duration, per_token: Duration) -> Self {
        ScriptedLlm {
            name: "scripted-llm".to_owned(),
            rules: Vec::new(),
            default,
            first_token,
            per_token,
            requests: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Renames the provider (fallback-chain tests tell providers apart by name).
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// When the last user/tool message contains `needle` (case-insensitive), answer `reply`.
    pub fn on(mut self, needle: &str, reply: Reply) -> Self {
        self.rules.push((needle.to_lowercase(), reply));
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<ChatRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn pick(&self, messages: &[ChatMessage]) -> Reply {
        let last = messages
            .iter()
            .rev()
            .find(|m| matches!(m.role, ChatRole::User | ChatRole::Tool))
            .map(|m| m.content.to_lowercase())
            .unwrap_or_default();
        self.rules
            .iter()
            .find(|(needle, _)| last.contains(needle.as_str()))
            .map_or_else(|| self.default.clone(), |(_, r)| r.clone())
    }
}

/// Splits text into ~4-character tokens that keep leading spaces, like BPE output does.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if (ch == ' ' && !cur.is_empty()) || cur.chars().count() >= 4 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl LanguageModel for ScriptedLlm {
    fn name(&self) -> &str {
        &self.name
    }

    fn stream(&self, req: ChatRequest) -> BoxStream<'static, Result<LlmEvent, ProviderError>> {
        let reply = self.pick(&req.messages);
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(req);
        let (text, tail): (String, Vec<Result<LlmEvent, ProviderError>>) = match reply {
            Reply::Text(t) => (
                t,
                vec![Ok(LlmEvent::Finished {
                    reason: FinishReason::Stop,
                    usage: None,
                })],
            ),
            Reply::Tool {
                before,
                name,
                arguments,
            } => (
                before,
                vec![
                    Ok(LlmEvent::ToolCall(ToolCall {
                        id: format!("call_{name}"),
                        name,
                        arguments,
                    })),
                    Ok(LlmEvent::Finished {
                        reason: FinishReason::ToolCalls,
                        usage: None,
                    }),
                ],
            ),
            Reply::FailAfter {
                text,
                tokens: n,
                error,
            } => {
                let partial: String = tokens(&text).into_iter().take(n).collect();
                (partial, vec![Err(error)])
            }
        };
        let mut items: Vec<(Duration, Result<LlmEvent, ProviderError>)> = Vec::new();
        for (i, tok) in tokens(&text).into_iter().enumerate() {
            let delay = if i == 0 {
                self.first_token
            } else {
                self.per_token
            };
            items.push((delay, Ok(LlmEvent::Text(tok))));
        }
        let first_tail_delay = if items.is_empty() {
            self.first_token
        } else {
            Duration::ZERO
        };
        for (i, t) in tail.into_iter().enumerate() {
            items.push((
                if i == 0 {
                    first_tail_delay
                } else {
                    Duration::ZERO
                },
                t,
            ));
        }
        Box::pin(futures_util::stream::unfold(
            items.into_iter(),
            |mut it| async move {
                let (delay, item) = it.next()?;
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                Some((item, it))
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_rebuild_the_text() {
        let t = "It costs $4.99 a month.";
        assert_eq!(tokens(t).concat(), t);
        assert!(tokens(t).len() > 4);
    }
}
