//! The agent turn in progress: its tasks, what it has said and what is left to say.

use std::collections::VecDeque;
use std::time::Duration;

use callbridge_voice_api::TurnId;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::timing::TurnTiming;
use crate::tools::CallAction;

/// The voice task speaking the turn now.
#[derive(Debug)]
pub(crate) struct VoiceTask {
    pub epoch: u64,
    /// Sentences to synthesize; `None` once closed (nothing more will come).
    pub input: Option<UnboundedSender<String>>,
    pub abort: AbortHandle,
    /// Sentences handed to this task, and how many it has begun.
    pub given: Vec<String>,
    pub begun: usize,
    /// All given sentences were synthesized and the input was closed.
    pub finished: bool,
}

impl VoiceTask {
    /// Hands a sentence over.
    pub(crate) fn give(&mut self, text: String) {
        if let Some(tx) = &self.input {
            let _ = tx.send(text.clone());
        }
        self.given.push(text);
    }

    /// Sentences given but not begun (lost when the task is aborted).
    pub(crate) fn not_begun(&self) -> Vec<String> {
        self.given.iter().skip(self.begun).cloned().collect()
    }
}

#[derive(Debug)]
pub(crate) struct TurnRun {
    pub turn: TurnId,
    pub think: Option<AbortHandle>,
    pub thinking_done: bool,
    pub voice: Option<VoiceTask>,
    /// Sentences not handed to any voice task (they arrived while the turn was interrupted).
    pub unvoiced: VecDeque<String>,
    /// The ledger index of the sentence being voiced.
    pub sentence: Option<usize>,
    pub sent_audio: bool,
    /// The leg reported everything sent so far as played.
    pub drained: bool,
    pub interrupted: bool,
    pub action: Option<CallAction>,
    pub timing: TurnTiming,
    /// The assistant text so far needs a space before the next sentence.
    pub need_space: bool,
    /// Call time of the turn's first audio.
    pub started_at: Option<Duration>,
    /// When the leg began playing the turn, and whether it was ever cleared: a call that ends
    /// mid-turn counts as heard what played by this clock until the end.
    pub playing_since: Option<std::time::Instant>,
    pub cleared: bool,
}

impl TurnRun {
    pub(crate) fn new(turn: TurnId, timing: TurnTiming) -> Self {
        TurnRun {
            turn,
            think: None,
            thinking_done: false,
            voice: None,
            unvoiced: VecDeque::new(),
            sentence: None,
            sent_audio: false,
            drained: false,
            interrupted: false,
            action: None,
            timing,
            need_space: false,
            started_at: None,
            playing_since: None,
            cleared: false,
        }
    }

    /// Stops every task of the turn.
    pub(crate) fn abort(&mut self) {
        if let Some(h) = self.think.take() {
            h.abort();
        }
        if let Some(v) = self.voice.take() {
            v.abort.abort();
        }
    }

    /// Thinking is over, every sentence was voiced, and the leg played it all.
    pub(crate) fn complete(&self) -> bool {
        !self.interrupted
            && self.thinking_done
            && self.voice.as_ref().is_none_or(|v| v.finished)
            && self.unvoiced.is_empty()
            && (!self.sent_audio || self.drained)
    }
}
