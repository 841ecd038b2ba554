//! The turn machine's vocabulary: its configuration, what it is told ([`TurnInput`]), what it
//! decides ([`TurnOutput`]) and a read-only view of its state ([`TurnState`]).
//!
//! The semantics of each item, and the transitions between states, are in the parent module's
//! doc ([`super`]). This file holds data only.

use std::time::{Duration, Instant};

use callbridge_voice_api::TurnId;

use crate::backchannel::DEFAULT_BACKCHANNELS;

/// Timing and barge-in policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnConfig {
    /// Silence after the caller's speech that ends the turn.
    pub end_of_turn_silence: Duration,
    /// Extra wait while the last words are an unfinished number, email or spelling.
    pub unfinished_extra_wait: Duration,
    /// How long to wait for the recognizer's final after `FinalizeStt`.
    pub stt_final_grace: Duration,
    /// Longest caller turn: a monologue is answered after this.
    pub max_turn: Duration,
    /// Caller speech must last this long to interrupt the agent (from the VAD onset to the
    /// moment the machine learns of it: a VAD whose end is reported late, after a long
    /// hangover, makes short bursts look longer).
    pub min_barge_in: Duration,
    /// Content (non-backchannel) words needed to interrupt; 0 = no word rule.
    pub barge_in_min_words: u32,
    /// Phrases that never interrupt ("mhm", "uh huh", ...).
    pub backchannels: Vec<String>,
    /// After an interruption's speech ends, how long to wait for words before `Resume`.
    pub resume_wait: Duration,
}

impl Default for TurnConfig {
    fn default() -> Self {
        TurnConfig {
            end_of_turn_silence: Duration::from_millis(500),
            unfinished_extra_wait: Duration::from_millis(1500),
            stt_final_grace: Duration::from_millis(400),
            max_turn: Duration::from_secs(30),
            min_barge_in: Duration::from_millis(300),
            barge_in_min_words: 0,
            backchannels: DEFAULT_BACKCHANNELS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            resume_wait: Duration::from_millis(800),
        }
    }
}

/// Something the machine is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnInput {
    /// The VAD heard the caller start speaking at `at` (its onset estimate, may be before now).
    VadSpeechStart { at: Instant },
    /// The VAD heard the caller stop at `at` (end of the last voiced audio).
    VadSpeechEnd { at: Instant },
    /// A provisional transcript of the current segment.
    SttInterim { text: String },
    /// A fixed transcript of a segment; `speech_final`: the recognizer saw the utterance end.
    SttFinal { text: String, speech_final: bool },
    /// The recognizer's word timing says the utterance ended.
    SttUtteranceEnd,
    /// The caller pressed a key.
    Dtmf { digit: char },
    /// The agent began producing `turn` (its own greeting or re-prompt, or an answer).
    AgentTurnStarted { turn: TurnId },
    /// The first audio of `turn` reached the listener.
    AgentPlaybackStarted { turn: TurnId },
    /// All audio of `turn` has played.
    AgentPlaybackDrained { turn: TurnId },
    /// The agent stopped `turn` (error, cancelled, or acknowledging `Interrupt`).
    AgentTurnAborted { turn: TurnId },
}

/// Something the machine decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnOutput {
    /// The caller's turn is over: answer `text` as agent turn `turn` (a new id).
    Respond { turn: TurnId, text: String },
    /// Ask the recognizer to finalize what it heard, now.
    FinalizeStt,
    /// Barge-in: stop agent turn `turn` now.
    Interrupt { turn: TurnId },
    /// The interruption of `turn` had no words: continue it from where it was cut.
    Resume { turn: TurnId },
    /// The caller began a turn (metrics, UI).
    UserStarted,
    /// The caller pressed `digit`: answer it as agent turn `turn` (a new id).
    Dtmf { turn: TurnId, digit: char },
}

/// A read-only view of the machine's state, for metrics, UI and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnState {
    /// Nobody has the floor.
    Idle,
    /// The caller is speaking (agent idle, or interrupted).
    CallerTalking,
    /// The caller paused; the end-of-turn wait runs.
    CallerPaused,
    /// `FinalizeStt` was sent; waiting for the final.
    AwaitingFinal,
    /// An interruption ended without words; waiting `resume_wait` for them.
    AwaitingWords,
    /// The agent produces `turn`, no audio yet.
    AgentThinking { turn: TurnId },
    /// Audio of `turn` is playing.
    AgentSpeaking { turn: TurnId },
    /// The caller speaks over `turn`; not (yet) an interruption.
    BargeInCandidate { turn: TurnId },
}
