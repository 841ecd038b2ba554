//! Streaming speech-to-text: audio frames in, interim and final transcripts out.

use std::time::Duration;

use callbridge_audio::AudioFrame;

use crate::{BoxFuture, BoxStream, ProviderError};

/// How to recognize a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SttConfig {
    /// BCP 47 language, e.g. "en-US".
    pub language: String,
    /// Words to boost (names, products).
    pub keywords: Vec<String>,
    /// Ask for interim results.
    pub interim_results: bool,
}

impl Default for SttConfig {
    fn default() -> Self {
        SttConfig {
            language: "en-US".to_owned(),
            keywords: Vec::new(),
            interim_results: true,
        }
    }
}

/// A recognition result or signal. Times are audio time since the session began.
#[derive(Debug, Clone, PartialEq)]
pub enum SttEvent {
    /// The recognizer heard speech begin.
    SpeechStarted { at: Duration },
    /// A provisional transcript of the current segment (will be revised).
    Interim {
        text: String,
        start: Duration,
        end: Duration,
    },
    /// A fixed transcript of a segment. `speech_final`: the recognizer also saw the utterance end.
    Final {
        text: String,
        confidence: f32,
        start: Duration,
        end: Duration,
        speech_final: bool,
    },
    /// The recognizer's word timing says the utterance ended.
    UtteranceEnd { last_word_end: Duration },
    /// The session failed; no more events follow.
    Error(ProviderError),
}

/// The audio side of a session. Never blocks: implementations buffer and send in the background.
pub trait SttInput: Send {
    /// Adds 20 ms of audio.
    fn push(&mut self, frame: &AudioFrame) -> Result<(), ProviderError>;
    /// Asks for everything heard so far to be finalized now (end of turn decided locally).
    fn finalize(&mut self) -> Result<(), ProviderError>;
    /// Ends the session after flushing; the event stream then ends.
    fn close(&mut self);
}

/// An open recognition session. Dropping both halves cancels it.
pub struct SttSession {
    pub input: Box<dyn SttInput>,
    pub events: BoxStream<'static, SttEvent>,
}

impl std::fmt::Debug for SttSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SttSession")
    }
}

/// A streaming recognizer.
pub trait SpeechToText: Send + Sync {
    fn name(&self) -> &str;
    fn open(&self, cfg: &SttConfig) -> BoxFuture<'static, Result<SttSession, ProviderError>>;
}
