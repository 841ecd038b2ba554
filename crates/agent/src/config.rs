//! How a call's agent behaves, and the engines it talks to.

use std::sync::Arc;

use callbridge_audio::SampleRate;
use callbridge_audio::vad::VadConfig;
use callbridge_convo::TurnConfig;
use callbridge_voice_api::{LanguageModel, SpeechToText, SttConfig, TextToSpeech};

/// The three engines of a call. Vendors, embedded engines, fallback chains and test fakes all
/// look the same here.
#[derive(Clone)]
pub struct Providers {
    pub stt: Arc<dyn SpeechToText>,
    pub llm: Arc<dyn LanguageModel>,
    pub tts: Arc<dyn TextToSpeech>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("stt", &self.stt.name())
            .field("llm", &self.llm.name())
            .field("tts", &self.tts.name())
            .finish()
    }
}

/// The agent's behaviour on one call.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentConfig {
    /// End of turn and barge-in policy.
    pub turn: TurnConfig,
    /// Voice activity detection of the caller's audio (at 16 kHz).
    pub vad: VadConfig,
    /// Recognizer options.
    pub stt: SttConfig,
    /// The system prompt (persona, script, rules).
    pub system_prompt: String,
    /// Said first, before the caller speaks (AI disclosure on outbound calls goes here).
    pub greeting: Option<String>,
    /// TTS voice.
    pub voice: String,
    /// The rate of the audio handed to the leg.
    pub out_rate: SampleRate,
    /// Spoken when the model fails mid-turn, so the caller never hears silence.
    pub apology: String,
    /// Chat history bound (non-system messages).
    pub max_context_messages: usize,
    /// Longest sentence sent to TTS at once.
    pub sentence_max_chars: usize,
    /// Model requests per turn that may end in tool calls (then the turn ends).
    pub max_tool_rounds: u32,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// How often a failed recognizer session is reopened before the call goes on deaf.
    pub stt_reopen_attempts: u32,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            turn: TurnConfig::default(),
            // The turn machine times barge-in from the VAD onset to the moment it hears of
            // the end; a long VAD hangover would make a cough look long enough to interrupt.
            // 120 ms bridges the gaps between words and keeps a 150 ms cough well short of
            // `min_barge_in` (300 ms). End of turn adds its own 500 ms on top.
            vad: VadConfig {
                hangover_ms: 120,
                ..VadConfig::default()
            },
            stt: SttConfig::default(),
            system_prompt: "You are a helpful voice assistant. Answer in short spoken \
                            sentences."
                .to_owned(),
            greeting: None,
            voice: String::new(),
            out_rate: SampleRate::Hz16000,
            apology: "Sorry, I'm having a little trouble on my end. Could you say that again?"
                .to_owned(),
            max_context_messages: callbridge_convo::context::DEFAULT_MAX_MESSAGES,
            sentence_max_chars: 150,
            max_tool_rounds: 3,
            model: None,
            temperature: None,
            max_tokens: None,
            stt_reopen_attempts: 3,
        }
    }
}
