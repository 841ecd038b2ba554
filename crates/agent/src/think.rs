//! A turn's thinking task: stream the model, cut its text into sentences as they complete (the
//! first goes to TTS before the model has finished), assemble and run tool calls, feed their
//! results back for another round, and report everything to the call loop in order.

use std::sync::Arc;

use callbridge_convo::SentenceChunker;
use callbridge_voice_api::{ChatMessage, ChatRequest, LanguageModel, LlmEvent, ToolCall, TurnId};
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use crate::msg::{Msg, Thought};
use crate::tools::ToolRegistry;

/// Everything a thinking task needs, moved into it.
pub(crate) struct Thinking {
    pub turn: TurnId,
    pub req: ChatRequest,
    pub llm: Arc<dyn LanguageModel>,
    pub tools: ToolRegistry,
    pub max_rounds: u32,
    pub sentence_max_chars: usize,
    pub tx: UnboundedSender<Msg>,
}

impl Thinking {
    fn send(&self, thought: Thought) {
        // The loop is gone only when the call ended; this task is then aborted anyway.
        let _ = self.tx.send(Msg::Thought {
            turn: self.turn,
            thought,
        });
    }

    pub(crate) async fn run(mut self) {
        let mut chunker = SentenceChunker::new(self.sentence_max_chars);
        let mut first = true;
        for round in 1..=self.max_rounds.max(1) {
            let mut stream = self.llm.stream(self.req.clone());
            let mut text = String::new();
            let mut calls: Vec<ToolCall> = Vec::new();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(LlmEvent::Text(t)) => {
                        if first {
                            first = false;
                            self.send(Thought::FirstToken);
                        }
                        text.push_str(&t);
                        for s in chunker.push(&t) {
                            self.send(Thought::Sentence(s));
                        }
                    }
                    Ok(LlmEvent::ToolCall(c)) => calls.push(c),
                    Ok(LlmEvent::Finished { .. }) => break,
                    Err(e) => {
                        if let Some(s) = chunker.flush() {
                            self.send(Thought::Sentence(s));
                        }
                        self.send(Thought::Failed(e));
                        return;
                    }
                }
            }
            drop(stream);
            if let Some(s) = chunker.flush() {
                self.send(Thought::Sentence(s));
            }
            if calls.is_empty() || round == self.max_rounds.max(1) {
                break;
            }
            self.send(Thought::ToolCalls(calls.clone()));
            let mut assistant = ChatMessage::assistant(text.trim());
            assistant.tool_calls = calls.clone();
            self.req.messages.push(assistant);
            for call in calls {
                let outcome = self.tools.run(call.clone()).await;
                self.req
                    .messages
                    .push(ChatMessage::tool_result(&call.id, outcome.result.clone()));
                self.send(Thought::ToolResult {
                    call,
                    result: outcome.result,
                });
                if let Some(action) = outcome.action {
                    self.send(Thought::Action(action));
                }
            }
        }
        self.send(Thought::Done);
    }
}
