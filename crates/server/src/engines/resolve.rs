//! Building an organization's engines: its stored key for a vendor, else the server's.

use std::sync::Arc;

use callbridge_agent::Providers;
use callbridge_providers::anthropic::{AnthropicConfig, AnthropicMessages};
use callbridge_providers::deepgram::{DeepgramConfig, DeepgramLive};
use callbridge_providers::elevenlabs::{ElevenLabsConfig, ElevenLabsTts};
use callbridge_providers::openai::{OpenAiChat, OpenAiConfig};
use callbridge_store::Store;
use callbridge_store::secrets::{MasterKey, Provider};
use callbridge_voice_api::LanguageModel;

use super::settings::{EngineSettings, LlmVendor};

/// Where a key came from (logged, never the key itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The organization's stored key.
    Organization,
    /// The server's environment.
    Server,
    /// No key needed (a keyless OpenAI-compatible server).
    None,
}

/// Why a call cannot get its engines.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no {vendor} key: store one with PUT /api/v1/provider-keys/{provider} or set {env}")]
    MissingKey {
        vendor: &'static str,
        provider: &'static str,
        env: &'static str,
    },
    #[error("reading the organization's {0} key: {1}")]
    Store(&'static str, callbridge_store::StoreError),
    #[error("{0}")]
    Provider(#[from] callbridge_voice_api::ProviderError),
}

async fn key(
    store: &Store,
    master: &MasterKey,
    org: &str,
    provider: Provider,
    server: &Option<String>,
) -> Result<Option<(String, KeySource)>, EngineError> {
    let stored = store
        .provider_key(org, provider, master)
        .await
        .map_err(|e| EngineError::Store(provider.as_str(), e))?;
    Ok(match stored {
        Some(k) => Some((k, KeySource::Organization)),
        None => server.clone().map(|k| (k, KeySource::Server)),
    })
}

fn missing(vendor: &'static str, provider: Provider, env: &'static str) -> EngineError {
    EngineError::MissingKey {
        vendor,
        provider: provider.as_str(),
        env,
    }
}

/// The engines of a call of organization `org`, with where each key came from (STT, LLM, TTS).
pub async fn resolve(
    store: &Store,
    master: &MasterKey,
    org: &str,
    s: &EngineSettings,
) -> Result<(Providers, [KeySource; 3]), EngineError> {
    let (dg_key, dg_src) = key(store, master, org, Provider::Deepgram, &s.deepgram_key)
        .await?
        .ok_or_else(|| {
            missing(
                "Deepgram",
                Provider::Deepgram,
                "CALLBRIDGE_DEEPGRAM_API_KEY",
            )
        })?;
    let mut dg = DeepgramConfig::new(&dg_key);
    if let Some(url) = &s.deepgram_url {
        dg = dg.with_base_url(url);
    }
    let stt = Arc::new(DeepgramLive::new(dg)?);

    let (llm, llm_src): (Arc<dyn LanguageModel>, KeySource) = match s.llm {
        LlmVendor::OpenAi | LlmVendor::OpenRouter => {
            let (provider, env, vendor) = if s.llm == LlmVendor::OpenAi {
                (Provider::OpenAi, "CALLBRIDGE_OPENAI_API_KEY", "OpenAI")
            } else {
                (
                    Provider::OpenRouter,
                    "CALLBRIDGE_OPENROUTER_API_KEY",
                    "OpenRouter",
                )
            };
            let server_key = if s.llm == LlmVendor::OpenAi {
                &s.openai_key
            } else {
                &s.openrouter_key
            };
            let found = key(store, master, org, provider, server_key).await?;
            let (mut cfg, src) = match (found, &s.llm_base_url) {
                (Some((k, src)), _) => (OpenAiConfig::new(&k, &s.llm_model), src),
                // A self-hosted OpenAI-compatible server (Ollama, vLLM, llama.cpp) takes none.
                (None, Some(url)) => (OpenAiConfig::keyless(url, &s.llm_model), KeySource::None),
                (None, None) => return Err(missing(vendor, provider, env)),
            };
            if s.llm == LlmVendor::OpenRouter {
                cfg = cfg
                    .with_base_url("https://openrouter.ai/api/v1")
                    .with_name("openrouter");
            }
            if let Some(url) = &s.llm_base_url {
                cfg = cfg.with_base_url(url);
            }
            (Arc::new(OpenAiChat::new(cfg)?), src)
        }
        LlmVendor::Anthropic => {
            let (k, src) = key(store, master, org, Provider::Anthropic, &s.anthropic_key)
                .await?
                .ok_or_else(|| {
                    missing(
                        "Anthropic",
                        Provider::Anthropic,
                        "CALLBRIDGE_ANTHROPIC_API_KEY",
                    )
                })?;
            let mut cfg = AnthropicConfig::new(&k, &s.llm_model);
            if let Some(url) = &s.anthropic_url {
                cfg = cfg.with_base_url(url);
            }
            (Arc::new(AnthropicMessages::new(cfg)?), src)
        }
    };

    let (el_key, el_src) = key(store, master, org, Provider::ElevenLabs, &s.elevenlabs_key)
        .await?
        .ok_or_else(|| {
            missing(
                "ElevenLabs",
                Provider::ElevenLabs,
                "CALLBRIDGE_ELEVENLABS_API_KEY",
            )
        })?;
    let mut el = ElevenLabsConfig::new(&el_key, &s.elevenlabs_voice);
    if let Some(url) = &s.elevenlabs_url {
        el = el.with_base_url(url);
    }
    let tts = Arc::new(ElevenLabsTts::new(el)?);
    Ok((Providers { stt, llm, tts }, [dg_src, llm_src, el_src]))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use callbridge_testkit::fakes::openai::{ChatReply, FakeOpenAi};
    use callbridge_voice_api::{ChatMessage, ChatRequest, LlmEvent};
    use futures_util::StreamExt;

    use super::*;

    const ORG_OPENAI: &str = "sk-orgkey0123456789abcdef";
    const SERVER_OPENAI: &str = "sk-serverkey0123456789abc";
    const DEEPGRAM: &str = "0123456789abcdef0123456789abcdef01234567";
    const ELEVEN: &str = "sk_0123456789abcdef0123456789abcdef";

    async fn store() -> (Store, MasterKey, String, std::path::PathBuf) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("callbridge-engines-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&Store::sqlite_url(&dir.join("db.sqlite")))
            .await
            .unwrap();
        let org = store.create_org("Acme").await.unwrap().id;
        (store, MasterKey::from_bytes([7; 32]), org, dir)
    }

    fn settings(pairs: &[(&str, &str)]) -> EngineSettings {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EngineSettings::from_env(&env).unwrap()
    }

    #[tokio::test]
    async fn a_missing_key_names_the_setting() {
        let (store, master, org, dir) = store().await;
        let err = resolve(&store, &master, &org, &settings(&[]))
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("CALLBRIDGE_DEEPGRAM_API_KEY"), "{err}");
        assert!(err.contains("/api/v1/provider-keys/deepgram"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_organizations_key_wins_over_the_servers_and_reaches_the_vendor() {
        let (store, master, org, dir) = store().await;
        let fake = FakeOpenAi::start(
            vec![ChatReply::text(&["Hello", " there."])],
            Some(ORG_OPENAI),
        )
        .await
        .unwrap();
        let base = fake.base_url();
        let s = settings(&[
            ("CALLBRIDGE_OPENAI_API_KEY", SERVER_OPENAI),
            ("CALLBRIDGE_LLM_BASE_URL", &base),
            ("CALLBRIDGE_DEEPGRAM_API_KEY", DEEPGRAM),
            ("CALLBRIDGE_ELEVENLABS_API_KEY", ELEVEN),
        ]);
        let (_, sources) = resolve(&store, &master, &org, &s).await.unwrap();
        assert_eq!(sources, [KeySource::Server; 3]);

        store
            .put_provider_key(&org, Provider::OpenAi, &master, ORG_OPENAI)
            .await
            .unwrap();
        let (p, sources) = resolve(&store, &master, &org, &s).await.unwrap();
        assert_eq!(
            sources,
            [
                KeySource::Server,
                KeySource::Organization,
                KeySource::Server
            ]
        );
        // The fake answers 401 to any other key: the stored key is what went on the wire.
        let mut stream = p.llm.stream(ChatRequest {
            messages: vec![ChatMessage::user("hi")],
            ..ChatRequest::default()
        });
        let mut text = String::new();
        while let Some(ev) = stream.next().await {
            if let LlmEvent::Text(t) = ev.unwrap() {
                text.push_str(&t);
            }
        }
        assert_eq!(text, "Hello there.");
        let auth = fake.requests()[0]
            .header("authorization")
            .map(str::to_owned);
        assert_eq!(auth.as_deref(), Some(&*format!("Bearer {ORG_OPENAI}")));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_self_hosted_model_needs_no_key() {
        let (store, master, org, dir) = store().await;
        let s = settings(&[
            ("CALLBRIDGE_LLM_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("CALLBRIDGE_DEEPGRAM_API_KEY", DEEPGRAM),
            ("CALLBRIDGE_ELEVENLABS_API_KEY", ELEVEN),
        ]);
        let (_, sources) = resolve(&store, &master, &org, &s).await.unwrap();
        assert_eq!(sources[1], KeySource::None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
