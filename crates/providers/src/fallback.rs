//! Fallback chains: an ordered list of providers for one stage (for example ElevenLabs, then
//! the embedded flite voice). A request goes to the first healthy provider; if it fails before
//! producing anything, the next one serves it. A provider that failed is skipped for a
//! cool-down, so a dead vendor costs one failed attempt, not one per sentence. If every provider
//! is cooling down, all are tried again in order (better a slow answer than none).
//!
//! Errors after the first streamed item pass through: the caller already used that output.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callbridge_voice_api::{
    BoxFuture, BoxStream, ChatRequest, ErrorKind, LanguageModel, LlmEvent, ProviderError,
    SpeechToText, SttConfig, SttSession, TextToSpeech, TtsChunk, TtsRequest,
};
use futures_util::{FutureExt, StreamExt};
use tokio::time::Instant;

/// Per-chain health: when each provider may be tried again.
#[derive(Debug)]
struct Health {
    cooldown: Duration,
    until: Mutex<Vec<Option<Instant>>>,
}

impl Health {
    fn new(n: usize, cooldown: Duration) -> Arc<Self> {
        Arc::new(Health {
            cooldown,
            until: Mutex::new(vec![None; n]),
        })
    }

    /// Provider indexes in the order to try: healthy ones first, then cooling ones.
    fn order(&self) -> Vec<usize> {
        let now = Instant::now();
        let until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        let (mut healthy, cooling): (Vec<usize>, Vec<usize>) =
            (0..until.len()).partition(|&i| until[i].is_none_or(|t| t <= now));
        healthy.extend(cooling);
        healthy
    }

    fn failed(&self, i: usize) {
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = until.get_mut(i) {
            *slot = Some(Instant::now() + self.cooldown);
        }
    }

    fn succeeded(&self, i: usize) {
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = until.get_mut(i) {
            *slot = None;
        }
    }
}

fn note_fallback(stage: &'static str, from: &str, err: &ProviderError) {
    tracing::warn!(stage, provider = from, error = %err, "provider failed; falling back");
    metrics::counter!("callbridge_provider_failures_total", "stage" => stage, "provider" => from.to_owned())
        .increment(1);
}

/// Tries `start(i)` for each provider index in health order until one yields a first item.
async fn first_healthy<T: Send + 'static>(
    stage: &'static str,
    names: Vec<String>,
    health: Arc<Health>,
    start: impl Fn(usize) -> BoxStream<'static, Result<T, ProviderError>>,
) -> BoxStream<'static, Result<T, ProviderError>> {
    let mut last_err = None;
    for i in health.order() {
        let mut s = start(i);
        match s.next().await {
            Some(Ok(first)) => {
                health.succeeded(i);
                return Box::pin(futures_util::stream::once(async move { Ok(first) }).chain(s));
            }
            Some(Err(e)) if e.kind == ErrorKind::Cancelled => {
                return Box::pin(futures_util::stream::once(async move { Err(e) }));
            }
            Some(Err(e)) => {
                note_fallback(stage, names.get(i).map_or("?", String::as_str), &e);
                health.failed(i);
                last_err = Some(e);
            }
            None => return Box::pin(futures_util::stream::empty()),
        }
    }
    let err = last_err
        .unwrap_or_else(|| ProviderError::new("fallback", ErrorKind::Unavailable, "no providers"));
    Box::pin(futures_util::stream::once(async move { Err(err) }))
}

/// A chain of language models.
pub struct FallbackLlm {
    chain: Vec<Arc<dyn LanguageModel>>,
    health: Arc<Health>,
    name: String,
}

impl std::fmt::Debug for FallbackLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackLlm")
            .field("chain", &self.name)
            .finish()
    }
}

impl FallbackLlm {
    pub fn new(chain: Vec<Arc<dyn LanguageModel>>, cooldown: Duration) -> Self {
        let name = chain.iter().map(|p| p.name()).collect::<Vec<_>>().join(">");
        FallbackLlm {
            health: Health::new(chain.len(), cooldown),
            chain,
            name,
        }
    }
}

impl LanguageModel for FallbackLlm {
    fn name(&self) -> &str {
        &self.name
    }

    fn stream(&self, req: ChatRequest) -> BoxStream<'static, Result<LlmEvent, ProviderError>> {
        let chain = self.chain.clone();
        let names = chain.iter().map(|p| p.name().to_owned()).collect();
        let health = self.health.clone();
        Box::pin(
            async move {
                first_healthy("llm", names, health, |i| chain[i].stream(req.clone())).await
            }
            .flatten_stream(),
        )
    }
}

/// A chain of synthesizers.
pub struct FallbackTts {
    chain: Vec<Arc<dyn TextToSpeech>>,
    health: Arc<Health>,
    name: String,
}

impl std::fmt::Debug for FallbackTts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackTts")
            .field("chain", &self.name)
            .finish()
    }
}

impl FallbackTts {
    pub fn new(chain: Vec<Arc<dyn TextToSpeech>>, cooldown: Duration) -> Self {
        let name = chain.iter().map(|p| p.name()).collect::<Vec<_>>().join(">");
        FallbackTts {
            health: Health::new(chain.len(), cooldown),
            chain,
            name,
        }
    }
}

impl TextToSpeech for FallbackTts {
    fn name(&self) -> &str {
        &self.name
    }

    fn synthesize(&self, req: TtsRequest) -> BoxStream<'static, Result<TtsChunk, ProviderError>> {
        let chain = self.chain.clone();
        let names = chain.iter().map(|p| p.name().to_owned()).collect();
        let health = self.health.clone();
        Box::pin(
            async move {
                first_healthy("tts", names, health, |i| chain[i].synthesize(req.clone())).await
            }
            .flatten_stream(),
        )
    }
}

/// A chain of recognizers: a session opens on the first provider that accepts it.
pub struct FallbackStt {
    chain: Vec<Arc<dyn SpeechToText>>,
    health: Arc<Health>,
    name: String,
}

impl std::fmt::Debug for FallbackStt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackStt")
            .field("chain", &self.name)
            .finish()
    }
}

impl FallbackStt {
    pub fn new(chain: Vec<Arc<dyn SpeechToText>>, cooldown: Duration) -> Self {
        let name = chain.iter().map(|p| p.name()).collect::<Vec<_>>().join(">");
        FallbackStt {
            health: Health::new(chain.len(), cooldown),
            chain,
            name,
        }
    }
}

impl SpeechToText for FallbackStt {
    fn name(&self) -> &str {
        &self.name
    }

    fn open(&self, cfg: &SttConfig) -> BoxFuture<'static, Result<SttSession, ProviderError>> {
        let chain = self.chain.clone();
        let health = self.health.clone();
        let cfg = cfg.clone();
        Box::pin(async move {
            let mut last_err = None;
            for i in health.order() {
                match chain[i].open(&cfg).await {
                    Ok(s) => {
                        health.succeeded(i);
                        return Ok(s);
                    }
                    Err(e) => {
                        note_fallback("stt", chain[i].name(), &e);
                        health.failed(i);
                        last_err = Some(e);
                    }
                }
            }
            Err(last_err.unwrap_or_else(|| {
                ProviderError::new("fallback", ErrorKind::Unavailable, "no providers")
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callbridge_testkit::scripted::{Reply, ScriptedLlm, ScriptedTts};
    use callbridge_voice_api::ChatMessage;

    fn req() -> ChatRequest {
        ChatRequest {
            messages: vec![ChatMessage::user("hi")],
            ..ChatRequest::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn falls_back_and_then_skips_the_failed_provider() {
        let ms = Duration::from_millis;
        let bad = ScriptedLlm::new(
            Reply::FailAfter {
                text: String::new(),
                tokens: 0,
                error: ProviderError::from_status("bad", 503, "down"),
            },
            ms(10),
            ms(0),
        )
        .named("bad");
        let good =
            ScriptedLlm::new(Reply::Text("Hello there.".into()), ms(10), ms(0)).named("good");
        let chain = FallbackLlm::new(
            vec![Arc::new(bad.clone()), Arc::new(good.clone())],
            Duration::from_secs(30),
        );
        assert_eq!(chain.name(), "bad>good");
        let text: String = chain
            .stream(req())
            .filter_map(|e| async move {
                match e {
                    Ok(LlmEvent::Text(t)) => Some(t),
                    _ => None,
                }
            })
            .collect()
            .await;
        assert_eq!(text, "Hello there.");
        // Second request: "bad" is cooling down, so "good" is asked first.
        let _: Vec<_> = chain.stream(req()).collect().await;
        assert_eq!(bad.requests().len(), 1);
        assert_eq!(good.requests().len(), 2);
        // After the cool-down "bad" is tried again.
        tokio::time::advance(Duration::from_secs(31)).await;
        let _: Vec<_> = chain.stream(req()).collect().await;
        assert_eq!(bad.requests().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn all_failing_returns_the_last_error() {
        let ms = Duration::from_millis;
        let tts = |n: &str| {
            Arc::new(
                ScriptedTts::new(ms(5), 100)
                    .named(n)
                    .failing_on("", ProviderError::from_status(n, 500, "x")),
            ) as Arc<dyn TextToSpeech>
        };
        let chain = FallbackTts::new(vec![tts("a"), tts("b")], Duration::from_secs(30));
        let out: Vec<_> = chain
            .synthesize(TtsRequest {
                text: "hi".into(),
                voice: "v".into(),
                rate: callbridge_audio::SampleRate::Hz16000,
            })
            .collect()
            .await;
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap_err().provider, "b");
    }
}
