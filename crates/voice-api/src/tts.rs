//! Text-to-speech: a sentence in, PCM chunks out as soon as they are synthesized.

use callbridge_audio::SampleRate;

use crate::{BoxStream, ProviderError};

/// What to say and how.
#[derive(Debug, Clone, PartialEq)]
pub struct TtsRequest {
    pub text: String,
    /// Provider-specific voice name or id ("slt", an ElevenLabs voice id, ...).
    pub voice: String,
    /// The rate the caller would like; providers return their native rate when they cannot.
    pub rate: SampleRate,
}

/// A piece of synthesized audio: mono i16 PCM, not aligned to 20 ms frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtsChunk {
    pub samples: Vec<i16>,
    pub rate: SampleRate,
}

/// A streaming synthesizer. Dropping the stream cancels the synthesis.
pub trait TextToSpeech: Send + Sync {
    fn name(&self) -> &str;
    fn synthesize(&self, req: TtsRequest) -> BoxStream<'static, Result<TtsChunk, ProviderError>>;
}
