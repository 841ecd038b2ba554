//! Language models: a chat request in, a stream of text deltas and assembled tool calls out.

use serde::{Deserialize, Serialize};

use crate::{BoxStream, ProviderError};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    System,
    User,
    Assistant,
    Tool,
}

/// A tool invocation the model asked for, assembled from the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The vendor's id, echoed back with the result.
    pub id: String,
    pub name: String,
    /// Arguments as parsed JSON.
    pub arguments: serde_json::Value,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: ChatRole,
    pub content: String,
    /// For assistant messages that called tools.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For tool results: the call they answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn system(text: impl Into<String>) -> Self {
        Self::plain(ChatRole::System, text)
    }

    pub fn user(text: impl Into<String>) -> Self {
        Self::plain(ChatRole::User, text)
    }

    pub fn assistant(text: impl Into<String>) -> Self {
        Self::plain(ChatRole::Assistant, text)
    }

    pub fn tool_result(call_id: &str, text: impl Into<String>) -> Self {
        ChatMessage {
            role: ChatRole::Tool,
            content: text.into(),
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.to_owned()),
        }
    }

    fn plain(role: ChatRole, text: impl Into<String>) -> Self {
        ChatMessage {
            role,
            content: text.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// A tool the model may call: name, description and JSON Schema of its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
}

/// A request for the next assistant message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSpec>,
    /// Vendor model name; `None`: the provider's configured default.
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
}

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    Other,
}

/// Token counts, when the vendor reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// One item of a streamed response.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmEvent {
    /// More assistant text.
    Text(String),
    /// A complete tool call (fragments are assembled by the provider).
    ToolCall(ToolCall),
    /// The end of the response.
    Finished {
        reason: FinishReason,
        usage: Option<Usage>,
    },
}

/// A streaming chat model. Dropping the stream cancels the request.
pub trait LanguageModel: Send + Sync {
    fn name(&self) -> &str;
    fn stream(&self, req: ChatRequest) -> BoxStream<'static, Result<LlmEvent, ProviderError>>;
}
