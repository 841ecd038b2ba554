//! Deepgram speech-to-text (protocols.md §2): live streaming over a WebSocket
//! ([`DeepgramLive`], a [`SpeechToText`](callbridge_voice_api::SpeechToText)) and pre-recorded
//! transcription of uploaded files ([`DeepgramPrerecorded`]).
//!
//! Both share [`DeepgramConfig`]: one base URL (`wss://` or `https://`, the scheme is switched
//! per API), the key (sent as `Authorization: Token <key>`, never logged), the model and the
//! recognition options that become `/v1/listen` query parameters.

mod encoder;
mod live;
mod messages;
mod outbox;
mod prerecorded;
mod replay;
mod session;

use std::time::Duration;

use callbridge_audio::SampleRate;
use callbridge_voice_api::{ErrorKind, ProviderError, SttConfig};
use reqwest::Url;

use crate::http::Timeouts;
use crate::retry::RetryPolicy;

pub use live::DeepgramLive;
pub use prerecorded::{
    DeepgramPrerecorded, TranscribeOptions, Transcript, TranscriptUtterance, TranscriptWord,
};

/// The provider name in errors and metrics.
pub(crate) const PROVIDER: &str = "deepgram";

/// How audio goes over the wire (§2.1 `encoding` + `sample_rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioEncoding {
    /// Little-endian signed 16-bit PCM at this rate (our canonical frames: 16 kHz).
    Linear16(SampleRate),
    /// G.711 mu-law at 8 kHz (Twilio's audio, sent without transcoding loss beyond G.711).
    Mulaw,
}

impl AudioEncoding {
    /// The `encoding` query value.
    pub fn wire_name(self) -> &'static str {
        match self {
            AudioEncoding::Linear16(_) => "linear16",
            AudioEncoding::Mulaw => "mulaw",
        }
    }

    /// The `sample_rate` query value.
    pub fn sample_rate(self) -> SampleRate {
        match self {
            AudioEncoding::Linear16(rate) => rate,
            AudioEncoding::Mulaw => SampleRate::Hz8000,
        }
    }

    /// Bytes per second of audio in this encoding.
    pub fn bytes_per_second(self) -> u32 {
        match self {
            AudioEncoding::Linear16(rate) => rate.hz() * 2,
            AudioEncoding::Mulaw => 8000,
        }
    }
}

/// Deepgram client settings. `Debug` redacts the key.
#[derive(Clone, PartialEq)]
pub struct DeepgramConfig {
    /// `wss://api.deepgram.com` (tests: `ws://127.0.0.1:<port>`); `https://` also accepted.
    pub base_url: String,
    pub api_key: String,
    /// `nova-3`, `nova-2-phonecall`, ...
    pub model: String,
    /// Language when a request does not name one (the live session uses `SttConfig.language`).
    pub language: String,
    /// Live audio encoding; frames of another rate are resampled to it.
    pub encoding: AudioEncoding,
    /// `endpointing`: ms of silence before `speech_final`; `None` sends `endpointing=false`.
    pub endpointing_ms: Option<u32>,
    /// `utterance_end_ms` (>= 1000). Deepgram requires interim results for it, so when set,
    /// interim results are requested on the wire even if the session did not ask for them
    /// (they are then not reported).
    pub utterance_end_ms: Option<u32>,
    /// `vad_events`: report SpeechStarted.
    pub vad_events: bool,
    pub smart_format: bool,
    pub punctuate: bool,
    pub timeouts: Timeouts,
    /// Send `{"type":"KeepAlive"}` after this long without audio (§2.1: every 3-5 s).
    pub keepalive: Duration,
    /// Retries of the first connect and of pre-recorded requests.
    pub retry: RetryPolicy,
    /// Reconnects after an unexpected drop mid-session (`attempts` = tries per outage).
    pub reconnect: RetryPolicy,
    /// Audio not yet covered by a final that is re-sent after a reconnect, at most this long.
    pub replay: Duration,
    /// Audio frames queued for the socket before the oldest are dropped.
    pub queue_frames: usize,
}

impl DeepgramConfig {
    /// Production defaults for `api_key`: nova-3, 16 kHz linear16, endpointing 300 ms,
    /// utterance end 1000 ms, VAD events, smart format, punctuation.
    pub fn new(api_key: &str) -> Self {
        DeepgramConfig {
            base_url: "wss://api.deepgram.com".to_owned(),
            api_key: api_key.to_owned(),
            model: "nova-3".to_owned(),
            language: "en-US".to_owned(),
            encoding: AudioEncoding::Linear16(SampleRate::Hz16000),
            endpointing_ms: Some(300),
            utterance_end_ms: Some(1000),
            vad_events: true,
            smart_format: true,
            punctuate: true,
            timeouts: Timeouts::default(),
            keepalive: Duration::from_secs(4),
            retry: RetryPolicy::default(),
            reconnect: RetryPolicy::default(),
            replay: Duration::from_secs(2),
            queue_frames: 100,
        }
    }

    /// The same settings against another server (a fake, a proxy, a regional endpoint).
    pub fn with_base_url(mut self, base_url: &str) -> Self {
        self.base_url = base_url.to_owned();
        self
    }

    /// `utterance_end_ms` below 1000 is refused by Deepgram; refuse it here first.
    pub(crate) fn validate(&self) -> Result<(), ProviderError> {
        if let Some(ms) = self.utterance_end_ms
            && ms < 1000
        {
            return Err(bad_config(format!("utterance_end_ms {ms} < 1000")));
        }
        if self.api_key.is_empty() {
            return Err(ProviderError::new(PROVIDER, ErrorKind::Auth, "no API key"));
        }
        Ok(())
    }

    /// `{base}/v1/listen` with the scheme switched to `ws(s)` (`live`) or `http(s)`.
    pub(crate) fn listen_url(&self, live: bool) -> Result<Url, ProviderError> {
        crate::ws::endpoint(PROVIDER, &self.base_url, live, &["v1", "listen"])
    }

    /// The §2.1 query of a live session, in the order of the protocols.md example.
    pub(crate) fn live_query(&self, stt: &SttConfig) -> Vec<(&'static str, String)> {
        let language = if stt.language.is_empty() {
            &self.language
        } else {
            &stt.language
        };
        let interim = stt.interim_results || self.utterance_end_ms.is_some();
        let endpointing = self
            .endpointing_ms
            .map_or_else(|| "false".to_owned(), |ms| ms.to_string());
        let mut q = vec![
            ("model", self.model.clone()),
            ("language", language.clone()),
            ("encoding", self.encoding.wire_name().to_owned()),
            ("sample_rate", self.encoding.sample_rate().hz().to_string()),
            ("channels", "1".to_owned()),
            ("interim_results", flag(interim)),
            ("endpointing", endpointing),
        ];
        if let Some(ms) = self.utterance_end_ms {
            q.push(("utterance_end_ms", ms.to_string()));
        }
        q.push(("vad_events", flag(self.vad_events)));
        q.push(("smart_format", flag(self.smart_format)));
        q.push(("punctuate", flag(self.punctuate)));
        for k in &stt.keywords {
            q.push((self.keyword_param(), k.clone()));
        }
        q
    }

    /// The keyterm parameter name: nova-3 takes `keyterm`, older models `keywords`.
    pub(crate) fn keyword_param(&self) -> &'static str {
        if self.model.starts_with("nova-3") {
            "keyterm"
        } else {
            "keywords"
        }
    }

    pub(crate) fn auth_header(&self) -> String {
        format!("Token {}", self.api_key)
    }
}

impl std::fmt::Debug for DeepgramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeepgramConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("model", &self.model)
            .field("language", &self.language)
            .field("encoding", &self.encoding)
            .field("endpointing_ms", &self.endpointing_ms)
            .field("utterance_end_ms", &self.utterance_end_ms)
            .field("keepalive", &self.keepalive)
            .finish_non_exhaustive()
    }
}

pub(crate) fn bad_config(message: String) -> ProviderError {
    ProviderError::new(PROVIDER, ErrorKind::BadRequest, message)
}

/// Seconds from Deepgram (audio time) as a `Duration`, rounded to the microsecond; negative,
/// NaN or infinite values become zero instead of panicking.
pub(crate) fn secs(s: f64) -> Duration {
    if !s.is_finite() || s <= 0.0 {
        return Duration::ZERO;
    }
    // `as` saturates: an absurdly large value cannot wrap or panic.
    Duration::from_micros((s * 1e6).round() as u64)
}

pub(crate) fn flag(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_url_switches_scheme_and_keeps_prefix() {
        let c = DeepgramConfig::new("k");
        assert_eq!(
            c.listen_url(true).unwrap().as_str(),
            "wss://api.deepgram.com/v1/listen"
        );
        assert_eq!(
            c.listen_url(false).unwrap().as_str(),
            "https://api.deepgram.com/v1/listen"
        );
        let c = c.with_base_url("http://127.0.0.1:9/proxy/");
        assert_eq!(
            c.listen_url(true).unwrap().as_str(),
            "ws://127.0.0.1:9/proxy/v1/listen"
        );
        assert!(c.with_base_url("not a url").listen_url(true).is_err());
    }

    #[test]
    fn validation_and_redaction() {
        let mut c = DeepgramConfig::new("secret-key");
        assert!(c.validate().is_ok());
        c.utterance_end_ms = Some(500);
        assert_eq!(c.validate().unwrap_err().kind, ErrorKind::BadRequest);
        assert!(!format!("{c:?}").contains("secret-key"));
        assert_eq!(
            DeepgramConfig::new("").validate().unwrap_err().kind,
            ErrorKind::Auth
        );
    }

    #[test]
    fn vendor_seconds_never_panic() {
        assert_eq!(secs(-1.0), Duration::ZERO);
        assert_eq!(secs(f64::NAN), Duration::ZERO);
        assert_eq!(secs(f64::INFINITY), Duration::ZERO);
        assert_eq!(secs(1.5), Duration::from_millis(1500));
        assert_eq!(secs(0.4), Duration::from_millis(400));
        assert_eq!(secs(1e300), Duration::from_micros(u64::MAX));
    }

    #[test]
    fn encodings() {
        assert_eq!(AudioEncoding::Mulaw.bytes_per_second(), 8000);
        assert_eq!(
            AudioEncoding::Linear16(SampleRate::Hz16000).bytes_per_second(),
            32000
        );
        assert_eq!(AudioEncoding::Mulaw.sample_rate(), SampleRate::Hz8000);
    }
}
