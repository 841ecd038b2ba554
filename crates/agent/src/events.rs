//! What a call reports while it runs: transcript lines, turn metrics, tool calls, the end.
//! The server turns these into stored segments, Prometheus histograms and supervisor events;
//! the agent itself stores nothing (adapters do not depend on one another).

use std::time::Duration;

use callbridge_voice_api::{HangupReason, TurnId};

/// Latency of one agent turn, each measured from the end of the caller's speech (VAD).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnMetrics {
    pub turn: TurnId,
    /// End of speech -> the recognizer's final transcript.
    pub stt_final: Option<Duration>,
    /// End of speech -> the turn decision (endpointing).
    pub endpoint: Option<Duration>,
    /// End of speech -> the model's first token.
    pub llm_first_token: Option<Duration>,
    /// End of speech -> the first synthesized audio.
    pub tts_first_audio: Option<Duration>,
    /// End of speech -> the first agent frame handed to the leg.
    pub first_frame_out: Option<Duration>,
    pub llm_provider: String,
    pub tts_provider: String,
}

/// Something that happened on the call. Times are call time (since the call began).
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// The caller finished a turn: their words.
    UserTurn {
        turn: TurnId,
        text: String,
        start: Duration,
        end: Duration,
    },
    /// The agent finished (or was cut off in) a turn: the words the caller actually heard.
    AgentTurn {
        turn: TurnId,
        text: String,
        interrupted: bool,
        start: Duration,
        end: Duration,
    },
    /// A DTMF key from the caller.
    Dtmf {
        digit: char,
        at: Duration,
    },
    /// A tool ran.
    ToolCalled {
        name: String,
        arguments: serde_json::Value,
        result: String,
    },
    /// A provider failed; `fell_back_to` names what served instead (None: an apology was spoken).
    ProviderFailed {
        stage: &'static str,
        provider: String,
        error: String,
        fell_back_to: Option<String>,
    },
    Metrics(TurnMetrics),
    /// The call is over; nothing follows.
    Ended {
        reason: HangupReason,
    },
}
