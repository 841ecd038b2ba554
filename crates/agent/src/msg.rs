//! What a turn's tasks tell the call loop. Every message names its turn (and voice tasks their
//! epoch), so the loop drops the messages of a task it has already cancelled with an integer
//! compare: stale audio never reaches the leg.

use callbridge_audio::AudioFrame;
use callbridge_voice_api::{ProviderError, SttSession, ToolCall, TurnId};

use crate::tools::CallAction;

/// From a turn's thinking task (model + tools).
#[derive(Debug)]
pub(crate) enum Thought {
    /// The model's first token (metrics).
    FirstToken,
    /// A complete sentence to speak.
    Sentence(String),
    /// The model called tools (assembled), before they run.
    ToolCalls(Vec<ToolCall>),
    /// A tool ran.
    ToolResult { call: ToolCall, result: String },
    /// A tool asked the call to do something once the turn has been spoken.
    Action(CallAction),
    /// The model is done with this turn.
    Done,
    /// The model failed (after retries and fallbacks); nothing more comes.
    Failed(ProviderError),
}

/// From a turn's voice task (TTS).
#[derive(Debug)]
pub(crate) enum Voiced {
    /// Synthesis of a sentence begins; its frames follow.
    Begin(String),
    /// The first synthesized audio of the sentence (metrics).
    FirstAudio,
    /// 20 ms of agent audio at the leg's rate.
    Frame(AudioFrame),
    /// The sentence's audio is complete.
    End,
    /// Synthesis of a sentence failed; its text is not spoken.
    Failed { text: String, error: ProviderError },
    /// Every sentence given was synthesized and the input is closed.
    Finished,
}

#[derive(Debug)]
pub(crate) enum Msg {
    Thought {
        turn: TurnId,
        thought: Thought,
    },
    Voiced {
        turn: TurnId,
        epoch: u64,
        voiced: Voiced,
    },
    /// A recognizer session finished opening.
    Stt(Result<SttSession, ProviderError>),
}
