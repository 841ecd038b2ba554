//! Server-wide engine settings, from `CALLBRIDGE_*` environment variables (keys are secrets:
//! environment only, never the config file, and never printed).

use std::collections::HashMap;

/// The model vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmVendor {
    /// OpenAI, or any OpenAI-compatible server at `llm_base_url` (Ollama, vLLM, llama.cpp).
    OpenAi,
    Anthropic,
    OpenRouter,
}

/// Engine choices and fallback keys.
#[derive(Clone, PartialEq, Eq)]
pub struct EngineSettings {
    pub llm: LlmVendor,
    pub llm_model: String,
    /// OpenAI-compatible base URL (default: the vendor's).
    pub llm_base_url: Option<String>,
    pub anthropic_url: Option<String>,
    pub deepgram_url: Option<String>,
    pub elevenlabs_url: Option<String>,
    pub elevenlabs_voice: String,
    pub openai_key: Option<String>,
    pub anthropic_key: Option<String>,
    pub openrouter_key: Option<String>,
    pub deepgram_key: Option<String>,
    pub elevenlabs_key: Option<String>,
}

impl std::fmt::Debug for EngineSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |k: &Option<String>| if k.is_some() { "set" } else { "unset" };
        f.debug_struct("EngineSettings")
            .field("llm", &self.llm)
            .field("llm_model", &self.llm_model)
            .field("llm_base_url", &self.llm_base_url)
            .field("openai_key", &set(&self.openai_key))
            .field("anthropic_key", &set(&self.anthropic_key))
            .field("openrouter_key", &set(&self.openrouter_key))
            .field("deepgram_key", &set(&self.deepgram_key))
            .field("elevenlabs_key", &set(&self.elevenlabs_key))
            .finish_non_exhaustive()
    }
}

/// ElevenLabs' premade "Rachel" voice, available on every account.
const DEFAULT_VOICE: &str = "21m00Tcm4TlvDq8ikWAM";

impl EngineSettings {
    /// Reads the settings; an unknown `CALLBRIDGE_LLM` is an error naming it.
    pub fn from_env(env: &HashMap<String, String>) -> Result<Self, String> {
        let get = |k: &str| {
            env.get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let llm = match get("CALLBRIDGE_LLM").as_deref() {
            None | Some("openai") => LlmVendor::OpenAi,
            Some("anthropic") => LlmVendor::Anthropic,
            Some("openrouter") => LlmVendor::OpenRouter,
            Some(other) => {
                return Err(format!(
                    "CALLBRIDGE_LLM: unknown vendor `{other}` (openai, anthropic, openrouter)"
                ));
            }
        };
        let default_model = match llm {
            LlmVendor::OpenAi => "gpt-4o-mini",
            LlmVendor::Anthropic => "claude-3-5-haiku-latest",
            LlmVendor::OpenRouter => "openai/gpt-4o-mini",
        };
        Ok(EngineSettings {
            llm,
            llm_model: get("CALLBRIDGE_LLM_MODEL").unwrap_or_else(|| default_model.to_owned()),
            llm_base_url: get("CALLBRIDGE_LLM_BASE_URL"),
            anthropic_url: get("CALLBRIDGE_ANTHROPIC_URL"),
            deepgram_url: get("CALLBRIDGE_DEEPGRAM_URL"),
            elevenlabs_url: get("CALLBRIDGE_ELEVENLABS_URL"),
            elevenlabs_voice: get("CALLBRIDGE_ELEVENLABS_VOICE_ID")
                .unwrap_or_else(|| DEFAULT_VOICE.to_owned()),
            openai_key: get("CALLBRIDGE_OPENAI_API_KEY"),
            anthropic_key: get("CALLBRIDGE_ANTHROPIC_API_KEY"),
            openrouter_key: get("CALLBRIDGE_OPENROUTER_API_KEY"),
            deepgram_key: get("CALLBRIDGE_DEEPGRAM_API_KEY"),
            elevenlabs_key: get("CALLBRIDGE_ELEVENLABS_API_KEY"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_and_overrides() {
        let s = EngineSettings::from_env(&env(&[])).unwrap();
        assert_eq!(s.llm, LlmVendor::OpenAi);
        assert_eq!(s.llm_model, "gpt-4o-mini");
        assert!(s.openai_key.is_none());
        let s = EngineSettings::from_env(&env(&[
            ("CALLBRIDGE_LLM", "anthropic"),
            ("CALLBRIDGE_ANTHROPIC_API_KEY", "sk-ant-x"),
            ("CALLBRIDGE_DEEPGRAM_API_KEY", "  "),
        ]))
        .unwrap();
        assert_eq!(s.llm, LlmVendor::Anthropic);
        assert_eq!(s.anthropic_key.as_deref(), Some("sk-ant-x"));
        assert!(s.deepgram_key.is_none(), "blank is unset");
        assert!(
            !format!("{s:?}").contains("sk-ant-x"),
            "keys are never printed"
        );
        let e = EngineSettings::from_env(&env(&[("CALLBRIDGE_LLM", "gpt")])).unwrap_err();
        assert!(e.contains("CALLBRIDGE_LLM") && e.contains("gpt"), "{e}");
    }
}
