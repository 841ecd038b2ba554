//! Tools the conversation can call (book_meeting, transfer, end_call, add_to_dnc, lookup_faq),
//! registered by the conversation mode that runs the call. A tool returns text for the model
//! and, optionally, an action the agent carries out on the call.

use std::collections::BTreeMap;
use std::sync::Arc;

use callbridge_voice_api::{BoxFuture, ToolCall, ToolSpec};

/// What the call should do after a tool ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    /// Say the model's closing words, then hang up.
    EndCall { reason: String },
    /// Transfer the caller to a number or SIP URI (after the model's last words).
    Transfer { target: String, summary: String },
}

/// A tool's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutcome {
    /// Fed back to the model as the tool message.
    pub result: String,
    pub action: Option<CallAction>,
}

impl ToolOutcome {
    pub fn text(result: impl Into<String>) -> Self {
        ToolOutcome {
            result: result.into(),
            action: None,
        }
    }
}

type Handler = Arc<dyn Fn(ToolCall) -> BoxFuture<'static, ToolOutcome> + Send + Sync>;

/// Tools by name.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: BTreeMap<String, (ToolSpec, Handler)>,
}

impl std::fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.tools.keys()).finish()
    }
}

impl ToolRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tool; a later registration with the same name replaces the earlier one.
    pub fn register<F>(&mut self, spec: ToolSpec, handler: F)
    where
        F: Fn(ToolCall) -> BoxFuture<'static, ToolOutcome> + Send + Sync + 'static,
    {
        self.tools
            .insert(spec.name.clone(), (spec, Arc::new(handler)));
    }

    /// The specs to offer the model.
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.tools.values().map(|(s, _)| s.clone()).collect()
    }

    /// Runs a call; an unknown tool answers with an error text the model can recover from.
    pub async fn run(&self, call: ToolCall) -> ToolOutcome {
        match self.tools.get(&call.name) {
            Some((_, h)) => h(call).await,
            None => ToolOutcome::text(format!("error: there is no tool named {}", call.name)),
        }
    }
}
