//! A synthesizer that produces speech-like audio of a predictable length: `ms_per_word` per
//! word, `first_audio` after the request, in 100 ms chunks produced faster than real time
//! (like a real engine). Because duration is proportional to words, a test knows exactly which
//! words a given amount of played audio carried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callbridge_audio::SampleRate;
use callbridge_voice_api::{BoxStream, ProviderError, TextToSpeech, TtsChunk, TtsRequest};

/// The scripted synthesizer.
#[derive(Debug, Clone)]
pub struct ScriptedTts {
    name: String,
    first_audio: Duration,
    ms_per_word: u64,
    rate: SampleRate,
    /// Fail every request whose text contains this.
    fail_on: Option<(String, ProviderError)>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl ScriptedTts {
    pub fn new(first_audio: Duration, ms_per_word: u64) -> Self {
        ScriptedTts {
            name: "scripted-tts".to_owned(),
            first_audio,
            ms_per_word,
            rate: SampleRate::Hz16000,
            fail_on: None,
            requests: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    pub fn at_rate(mut self, rate: SampleRate) -> Self {
        self.rate = rate;
        self
    }

    pub fn failing_on(mut self, needle: &str, err: ProviderError) -> Self {
        self.fail_on = Some((needle.to_owned(), err));
        self
    }

    /// Texts synthesized so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The audio duration this synthesizer gives `text`.
    pub fn duration_of(&self, text: &str) -> Duration {
        Duration::from_millis(self.ms_per_word * text.split_whitespace().count() as u64)
    }
}

impl TextToSpeech for ScriptedTts {
    fn name(&self) -> &str {
        &self.name
    }

    fn synthesize(&self, req: TtsRequest) -> BoxStream<'static, Result<TtsChunk, ProviderError>> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(req.text.clone());
        if let Some((needle, err)) = &self.fail_on
            && req.text.contains(needle.as_str())
        {
            let err = err.clone();
            let delay = self.first_audio;
            return Box::pin(futures_util::stream::once(async move {
                tokio::time::sleep(delay).await;
                Err(err)
            }));
        }
        let total =
            (self.duration_of(&req.text).as_millis() as usize) * self.rate.hz() as usize / 1000;
        let chunk = self.rate.hz() as usize / 10;
        let rate = self.rate;
        let first = self.first_audio;
        let state = (0usize, 0u64);
        Box::pin(futures_util::stream::unfold(
            state,
            move |(done, n)| async move {
                if done >= total {
                    return None;
                }
                if n == 0 {
                    tokio::time::sleep(first).await;
                }
                let len = chunk.min(total - done);
                let samples = voiced(done, len, rate.hz());
                Some((Ok(TtsChunk { samples, rate }), (done + len, n + 1)))
            },
        ))
    }
}

/// A vowel-like buzz (150 Hz fundamental with harmonics) at about -14 dBFS.
fn voiced(offset: usize, len: usize, hz: u32) -> Vec<i16> {
    (offset..offset + len)
        .map(|i| {
            let t = i as f32 / hz as f32;
            let mut v = 0.0f32;
            for h in 1..=5 {
                v += (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32;
            }
            (v * 3000.0) as i16
        })
        .collect()
}
