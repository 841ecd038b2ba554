//! `ChatContext`: the conversation as the LLM sees it, kept true to what the caller heard.
//!
//! Main loop: [`ChatContext::push_user`] the caller's turn, [`ChatContext::begin_assistant`]
//! the agent turn answering it, [`ChatContext::append_assistant`] the streamed text,
//! [`ChatContext::add_tool_calls`] / [`ChatContext::add_tool_result`] around tool use (text
//! after a tool result opens a new assistant message of the same turn), and
//! [`ChatContext::messages`] for each LLM request. After a barge-in,
//! [`ChatContext::cut_assistant`] makes the turn's assistant text exactly what was heard.
//!
//! Rules:
//! - Consecutive user turns with no assistant reply between them (the reply was cut before
//!   any of it was heard) are one user message: the new text is appended with a space.
//! - A cut assistant message that kept no words is removed, unless it carries tool calls that
//!   were executed (have a result); calls without a result are dropped, so no call is left
//!   unanswered.
//! - History is bounded: beyond `max_messages` non-system messages the oldest go first, and
//!   tool results left without their call at the front go with them. The system prompt stays.
//!
//! Invariants: every tool call in the context has a result after it, and every tool result a
//! call before it; messages are tagged with their agent turn (user messages with none).

use std::collections::VecDeque;

use callbridge_voice_api::{ChatMessage, ChatRole, ToolCall, TurnId};

use crate::error::ConvoError;

/// Default history bound.
pub const DEFAULT_MAX_MESSAGES: usize = 64;

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    msg: ChatMessage,
    turn: Option<TurnId>,
}

/// The chat history of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatContext {
    system: String,
    entries: VecDeque<Entry>,
    max_messages: usize,
}

impl ChatContext {
    /// A context with a system prompt (empty: none) keeping `max_messages` (at least 1) other
    /// messages.
    pub fn new(system_prompt: impl Into<String>, max_messages: usize) -> Self {
        ChatContext {
            system: system_prompt.into(),
            entries: VecDeque::new(),
            max_messages: max_messages.max(1),
        }
    }

    /// Replaces the system prompt.
    pub fn set_system_prompt(&mut self, text: impl Into<String>) {
        self.system = text.into();
    }

    /// The messages for an LLM request: the system prompt, then the history.
    pub fn messages(&self) -> Vec<ChatMessage> {
        let system = (!self.system.is_empty()).then(|| ChatMessage::system(self.system.clone()));
        system
            .into_iter()
            .chain(self.entries.iter().map(|e| e.msg.clone()))
            .collect()
    }

    /// Number of non-system messages.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No message besides the system prompt.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The caller's turn; merged into a trailing user message (see the module doc). Empty
    /// text is ignored.
    pub fn push_user(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if let Some(last) = self.entries.back_mut()
            && last.msg.role == ChatRole::User
        {
            if !last.msg.content.is_empty() {
                last.msg.content.push(' ');
            }
            last.msg.content.push_str(text);
            return;
        }
        self.push(ChatMessage::user(text), None);
    }

    /// Opens the (empty) assistant message of agent turn `turn`.
    pub fn begin_assistant(&mut self, turn: TurnId) {
        match self.entries.back() {
            Some(e) if e.turn == Some(turn) && e.msg.role == ChatRole::Assistant => {}
            _ => self.push(ChatMessage::assistant(""), Some(turn)),
        }
    }

    /// Streamed assistant text of `turn`: appended to its open message, or opening a new one
    /// after tool results.
    pub fn append_assistant(&mut self, turn: TurnId, text: &str) -> Result<(), ConvoError> {
        self.open_assistant(turn)?.content.push_str(text);
        Ok(())
    }

    /// Tool calls the model made in `turn`, on its open assistant message.
    pub fn add_tool_calls(&mut self, turn: TurnId, calls: Vec<ToolCall>) -> Result<(), ConvoError> {
        self.open_assistant(turn)?.tool_calls.extend(calls);
        Ok(())
    }

    /// The result of tool call `call_id` made in `turn`.
    pub fn add_tool_result(
        &mut self,
        turn: TurnId,
        call_id: &str,
        text: &str,
    ) -> Result<(), ConvoError> {
        if !self.knows(turn) {
            return Err(ConvoError::UnknownTurn(turn));
        }
        self.push(ChatMessage::tool_result(call_id, text), Some(turn));
        Ok(())
    }

    /// The assistant text of `turn` (its messages' contents joined by spaces).
    pub fn assistant_text(&self, turn: TurnId) -> String {
        self.entries
            .iter()
            .filter(|e| e.turn == Some(turn) && e.msg.role == ChatRole::Assistant)
            .map(|e| e.msg.content.trim())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// After a barge-in: the assistant text of `turn` becomes exactly `heard`, spread over
    /// its messages in order (each keeps as many words as it had; the last takes the rest).
    /// Messages left without words are removed unless they hold executed tool calls.
    pub fn cut_assistant(&mut self, turn: TurnId, heard: &str) -> Result<(), ConvoError> {
        if !self.knows(turn) {
            return Err(ConvoError::UnknownTurn(turn));
        }
        let spans = word_spans(heard);
        let mine: Vec<usize> = (0..self.entries.len())
            .filter(|&k| {
                self.entries
                    .get(k)
                    .is_some_and(|e| e.turn == Some(turn) && e.msg.role == ChatRole::Assistant)
            })
            .collect();
        let mut used = 0;
        for (n, &k) in mine.iter().enumerate() {
            let Some(entry) = self.entries.get_mut(k) else {
                continue;
            };
            let had = word_spans(&entry.msg.content).len();
            let take = if n + 1 == mine.len() {
                spans.len().saturating_sub(used)
            } else {
                had.min(spans.len().saturating_sub(used))
            };
            entry.msg.content = match (spans.get(used), spans.get(used + take.max(1) - 1)) {
                (Some(first), Some(last)) if take > 0 => {
                    heard.get(first.0..last.1).unwrap_or_default().to_owned()
                }
                _ => String::new(),
            };
            used += take;
        }
        self.drop_unanswered_calls(turn);
        self.entries.retain(|e| {
            !(e.turn == Some(turn)
                && e.msg.role == ChatRole::Assistant
                && e.msg.content.is_empty()
                && e.msg.tool_calls.is_empty())
        });
        Ok(())
    }

    /// Removes `turn`'s tool calls that have no result in the context.
    fn drop_unanswered_calls(&mut self, turn: TurnId) {
        let answered: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.msg.role == ChatRole::Tool)
            .filter_map(|e| e.msg.tool_call_id.clone())
            .collect();
        for e in self.entries.iter_mut().filter(|e| e.turn == Some(turn)) {
            e.msg.tool_calls.retain(|c| answered.contains(&c.id));
        }
    }

    fn knows(&self, turn: TurnId) -> bool {
        self.entries.iter().any(|e| e.turn == Some(turn))
    }

    /// The assistant message of `turn` that new text or calls go to.
    fn open_assistant(&mut self, turn: TurnId) -> Result<&mut ChatMessage, ConvoError> {
        let open = self
            .entries
            .back()
            .is_some_and(|e| e.turn == Some(turn) && e.msg.role == ChatRole::Assistant);
        if !open {
            if !self.knows(turn) {
                return Err(ConvoError::UnknownTurn(turn));
            }
            self.push(ChatMessage::assistant(""), Some(turn));
        }
        self.entries
            .back_mut()
            .map(|e| &mut e.msg)
            .ok_or(ConvoError::UnknownTurn(turn))
    }

    fn push(&mut self, msg: ChatMessage, turn: Option<TurnId>) {
        self.entries.push_back(Entry { msg, turn });
        while self.entries.len() > self.max_messages {
            self.entries.pop_front();
        }
        while self
            .entries
            .front()
            .is_some_and(|e| e.msg.role == ChatRole::Tool)
        {
            self.entries.pop_front();
        }
    }
}

/// Byte spans `(start, end)` of the whitespace-separated words of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (k, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, k));
                start = None;
            }
            (false, None) => start = Some(k),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests;
