//! OpenAI-compatible Chat Completions (protocols.md §3.1): OpenAI itself, OpenRouter, Ollama,
//! vLLM, llama.cpp and every other server that speaks `POST {base_url}/chat/completions` with
//! `stream: true`.
//!
//! [`OpenAiChat`] is a [`LanguageModel`](callbridge_voice_api::LanguageModel): `wire` builds
//! the request JSON, `decoder` turns the `data: {chunk}` events into text deltas, one
//! assembled [`ToolCall`](callbridge_voice_api::ToolCall) per call and a final `Finished` with
//! the usage of the `include_usage` chunk. The Bearer key is optional (local servers take
//! none), is marked sensitive on the wire and never appears in `Debug` or logs.

mod chat;
mod decoder;
mod wire;

use callbridge_voice_api::{ErrorKind, ProviderError};
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::http::Timeouts;
use crate::retry::RetryPolicy;

pub use chat::OpenAiChat;

/// The provider name in errors and metrics unless the config renames it.
pub const PROVIDER: &str = "openai";

/// OpenAI-compatible client settings. `Debug` redacts the key and extra header values.
#[derive(Clone, PartialEq)]
pub struct OpenAiConfig {
    /// The name in errors, metrics and fallback logs ("openai", "openrouter", "ollama", ...).
    pub name: String,
    /// Up to and including the version segment: `https://api.openai.com/v1`,
    /// `https://openrouter.ai/api/v1`, `http://127.0.0.1:11434/v1` (Ollama).
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>`; `None` sends no Authorization header.
    pub api_key: Option<String>,
    /// The model when a request names none.
    pub model: String,
    /// `max_tokens` when a request sets none; `None` leaves it to the server.
    pub max_tokens: Option<u32>,
    /// Extra request headers, e.g. OpenRouter's `HTTP-Referer` and `X-Title`.
    pub headers: Vec<(String, String)>,
    pub timeouts: Timeouts,
    /// Retries before the first streamed item (429, 5xx, network).
    pub retry: RetryPolicy,
}

impl OpenAiConfig {
    /// OpenAI itself with `api_key` (an empty key means none) and a default `model`.
    pub fn new(api_key: &str, model: &str) -> Self {
        OpenAiConfig {
            name: PROVIDER.to_owned(),
            base_url: "https://api.openai.com/v1".to_owned(),
            api_key: (!api_key.is_empty()).then(|| api_key.to_owned()),
            model: model.to_owned(),
            max_tokens: None,
            headers: Vec::new(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// A server that takes no key (Ollama, llama.cpp, a local vLLM) at `base_url`.
    pub fn keyless(base_url: &str, model: &str) -> Self {
        Self::new("", model).with_base_url(base_url)
    }

    /// The same settings against another server (a gateway, a local server, a fake).
    pub fn with_base_url(mut self, base_url: &str) -> Self {
        self.base_url = base_url.to_owned();
        self
    }

    /// Renames the provider (errors, metrics, fallback chains).
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// Adds a request header (OpenRouter: `HTTP-Referer`, `X-Title`).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `{base_url}/chat/completions`, keeping any path prefix of the base.
    pub(crate) fn endpoint(&self) -> Result<Url, ProviderError> {
        crate::http::endpoint(&self.name, &self.base_url, &["chat", "completions"])
    }

    /// Every header of a request: content negotiation, the key (marked sensitive so that
    /// hyper's and reqwest's `Debug` output never shows it) and the extra headers.
    pub(crate) fn header_map(&self) -> Result<HeaderMap, ProviderError> {
        let bad = |why: String| ProviderError::new(&self.name, ErrorKind::BadRequest, why);
        let mut map = HeaderMap::new();
        map.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        map.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        );
        if let Some(key) = &self.api_key {
            let mut v = HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|_| bad("API key is not a valid header value".to_owned()))?;
            v.set_sensitive(true);
            map.insert(reqwest::header::AUTHORIZATION, v);
        }
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| bad(format!("header name {name:?}")))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| bad(format!("header {name}: invalid value")))?;
            map.append(n, v);
        }
        Ok(map)
    }
}

impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = self.api_key.as_ref().map(|_| "<redacted>");
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("OpenAiConfig")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("api_key", &key)
            .field("model", &self.model)
            .field("max_tokens", &self.max_tokens)
            .field("headers", &headers)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_keeps_the_path_prefix() {
        let c = OpenAiConfig::new("k", "m");
        assert_eq!(
            c.endpoint().unwrap().as_str(),
            "https://api.openai.com/v1/chat/completions"
        );
        let c = c.with_base_url("http://127.0.0.1:9/openrouter/api/v1/?x=1");
        assert_eq!(
            c.endpoint().unwrap().as_str(),
            "http://127.0.0.1:9/openrouter/api/v1/chat/completions"
        );
        for bad in ["not a url", "ws://h/v1", "mailto:a@b"] {
            let e = c.clone().with_base_url(bad).endpoint().unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadRequest, "{bad}");
        }
    }

    #[test]
    fn headers_key_optional_and_sensitive() {
        let c = OpenAiConfig::new("sk-secret", "m")
            .with_header("HTTP-Referer", "https://callbridge.example")
            .with_header("X-Title", "callbridge");
        let h = c.header_map().unwrap();
        let auth = h.get("authorization").unwrap();
        assert!(auth.is_sensitive());
        assert_eq!(auth.to_str().unwrap(), "Bearer sk-secret");
        assert_eq!(h.get("x-title").unwrap(), "callbridge");
        let h = OpenAiConfig::keyless("http://127.0.0.1:11434/v1", "llama3")
            .header_map()
            .unwrap();
        assert!(h.get("authorization").is_none());
        let c = OpenAiConfig::new("", "m").with_header("bad name", "v");
        assert_eq!(c.api_key, None);
        assert_eq!(c.header_map().unwrap_err().kind, ErrorKind::BadRequest);
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = OpenAiConfig::new("sk-secret", "m").with_header("X-Token", "hidden-value");
        let s = format!("{c:?}");
        assert!(
            !s.contains("sk-secret") && !s.contains("hidden-value"),
            "{s}"
        );
        assert!(s.contains("X-Token"));
    }
}
