//! ElevenLabs text-to-speech (protocols.md §4): the HTTP streaming endpoint per sentence
//! ([`ElevenLabsTts`], a [`TextToSpeech`](callbridge_voice_api::TextToSpeech), what the agent
//! uses by default) and the WebSocket input-streaming API for token-by-token synthesis
//! ([`ElevenLabsStream`], the lower-latency option).
//!
//! Both ask for headerless audio (`pcm_*` little-endian i16, or `ulaw_8000`) and return it as
//! [`TtsChunk`](callbridge_voice_api::TtsChunk)s at the format's rate, keeping PCM16 byte pairs
//! intact across network chunks. The key goes in the `xi-api-key` header and is never logged.

mod http;
mod pcm;
mod ws;

use callbridge_audio::SampleRate;
use callbridge_voice_api::{ErrorKind, ProviderError};

use crate::http::Timeouts;
use crate::retry::RetryPolicy;

pub use http::ElevenLabsTts;
pub use ws::{ElevenLabsStream, ElevenLabsTextSink};

/// The provider name in errors and metrics.
pub(crate) const PROVIDER: &str = "elevenlabs";

/// The `output_format` query parameter (headerless formats only: we stream them as PCM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// `pcm_8000`: s16le mono 8 kHz.
    Pcm8000,
    /// `pcm_16000`: s16le mono 16 kHz (our canonical rate).
    Pcm16000,
    /// `pcm_24000`: s16le mono 24 kHz.
    Pcm24000,
    /// `pcm_48000`: s16le mono 48 kHz.
    Pcm48000,
    /// `ulaw_8000`: G.711 mu-law 8 kHz (Twilio's format), decoded to PCM here.
    Ulaw8000,
}

impl OutputFormat {
    pub fn wire_name(self) -> &'static str {
        match self {
            OutputFormat::Pcm8000 => "pcm_8000",
            OutputFormat::Pcm16000 => "pcm_16000",
            OutputFormat::Pcm24000 => "pcm_24000",
            OutputFormat::Pcm48000 => "pcm_48000",
            OutputFormat::Ulaw8000 => "ulaw_8000",
        }
    }

    /// The rate of the decoded samples.
    pub fn rate(self) -> SampleRate {
        match self {
            OutputFormat::Pcm8000 | OutputFormat::Ulaw8000 => SampleRate::Hz8000,
            OutputFormat::Pcm16000 => SampleRate::Hz16000,
            OutputFormat::Pcm24000 => SampleRate::Hz24000,
            OutputFormat::Pcm48000 => SampleRate::Hz48000,
        }
    }

    /// PCM at `rate`.
    pub fn pcm(rate: SampleRate) -> Self {
        match rate {
            SampleRate::Hz8000 => OutputFormat::Pcm8000,
            SampleRate::Hz16000 => OutputFormat::Pcm16000,
            SampleRate::Hz24000 => OutputFormat::Pcm24000,
            SampleRate::Hz48000 => OutputFormat::Pcm48000,
        }
    }
}

/// `voice_settings`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceSettings {
    pub stability: f32,
    pub similarity_boost: f32,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            stability: 0.5,
            similarity_boost: 0.75,
        }
    }
}

impl VoiceSettings {
    fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "stability": self.stability,
            "similarity_boost": self.similarity_boost,
        })
    }
}

/// ElevenLabs client settings. `Debug` redacts the key.
#[derive(Clone, PartialEq)]
pub struct ElevenLabsConfig {
    /// `https://api.elevenlabs.io` (tests: `http://127.0.0.1:<port>`); the WebSocket API uses
    /// the same host with `wss://`.
    pub base_url: String,
    pub api_key: String,
    /// The voice when a request names none.
    pub voice_id: String,
    /// `eleven_flash_v2_5` (lowest latency).
    pub model_id: String,
    /// A fixed output format; `None`: PCM at the rate each request asks for.
    pub output_format: Option<OutputFormat>,
    pub voice_settings: VoiceSettings,
    /// stream-input `generation_config.chunk_length_schedule` (characters buffered before
    /// each successive generation).
    pub chunk_length_schedule: Vec<u32>,
    pub timeouts: Timeouts,
    /// Retries before the first audio (429, 5xx, network).
    pub retry: RetryPolicy,
}

impl ElevenLabsConfig {
    pub fn new(api_key: &str, voice_id: &str) -> Self {
        ElevenLabsConfig {
            base_url: "https://api.elevenlabs.io".to_owned(),
            api_key: api_key.to_owned(),
            voice_id: voice_id.to_owned(),
            model_id: "eleven_flash_v2_5".to_owned(),
            output_format: None,
            voice_settings: VoiceSettings::default(),
            chunk_length_schedule: vec![120, 160, 250, 290],
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }

    pub fn with_base_url(mut self, base_url: &str) -> Self {
        self.base_url = base_url.to_owned();
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ProviderError> {
        if self.api_key.is_empty() {
            return Err(ProviderError::new(PROVIDER, ErrorKind::Auth, "no API key"));
        }
        crate::ws::endpoint(PROVIDER, &self.base_url, false, &[])?;
        Ok(())
    }

    /// The request's voice, else the configured one.
    pub(crate) fn voice<'a>(&'a self, requested: &'a str) -> Result<&'a str, ProviderError> {
        let v = if requested.is_empty() {
            self.voice_id.as_str()
        } else {
            requested
        };
        if v.is_empty() {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::BadRequest,
                "no voice id",
            ));
        }
        Ok(v)
    }
}

impl std::fmt::Debug for ElevenLabsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElevenLabsConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("voice_id", &self.voice_id)
            .field("model_id", &self.model_id)
            .field("output_format", &self.output_format)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_rates() {
        assert_eq!(OutputFormat::Ulaw8000.wire_name(), "ulaw_8000");
        assert_eq!(OutputFormat::Ulaw8000.rate(), SampleRate::Hz8000);
        for r in SampleRate::ALL {
            assert_eq!(OutputFormat::pcm(r).rate(), r);
        }
        assert_eq!(
            OutputFormat::pcm(SampleRate::Hz16000).wire_name(),
            "pcm_16000"
        );
    }

    #[test]
    fn config_validation_voice_and_redaction() {
        let c = ElevenLabsConfig::new("xi-secret", "v1");
        assert!(c.validate().is_ok());
        assert!(!format!("{c:?}").contains("xi-secret"));
        assert_eq!(c.voice("").unwrap(), "v1");
        assert_eq!(c.voice("v2").unwrap(), "v2");
        let c = ElevenLabsConfig::new("", "");
        assert_eq!(c.validate().unwrap_err().kind, ErrorKind::Auth);
        assert_eq!(c.voice("").unwrap_err().kind, ErrorKind::BadRequest);
    }
}
