//! Anthropic Messages (protocols.md §3.2, <https://docs.anthropic.com/en/api/messages> and
//! <https://docs.anthropic.com/en/api/messages-streaming>).
//!
//! [`AnthropicMessages`] is a [`LanguageModel`](callbridge_voice_api::LanguageModel): `wire`
//! turns the vendor-neutral chat into Anthropic's shape (top-level `system`, content blocks,
//! strict user/assistant alternation, tool results as user `tool_result` blocks), and
//! `decoder` turns the named events (`message_start`, `content_block_*`, `message_delta`,
//! `message_stop`, `ping`, `error`) into text deltas, one assembled
//! [`ToolCall`](callbridge_voice_api::ToolCall) per `tool_use` block and a final `Finished`.
//! The key goes in `x-api-key`, is marked sensitive on the wire and is never logged.

mod decoder;
mod messages;
mod wire;

use callbridge_voice_api::{ErrorKind, ProviderError};
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::http::Timeouts;
use crate::retry::RetryPolicy;

pub use messages::AnthropicMessages;

/// The provider name in errors and metrics.
pub const PROVIDER: &str = "anthropic";

/// The API version every request names (the `anthropic-version` header is required).
pub const API_VERSION: &str = "2023-06-01";

/// Anthropic client settings. `Debug` redacts the key.
#[derive(Clone, PartialEq)]
pub struct AnthropicConfig {
    /// `https://api.anthropic.com` (tests: `http://127.0.0.1:<port>`); `/v1/messages` is
    /// appended, after any path prefix of a gateway.
    pub base_url: String,
    /// Sent as `x-api-key`.
    pub api_key: String,
    /// The model when a request names none.
    pub model: String,
    /// `max_tokens` when a request sets none (Anthropic requires the field).
    pub max_tokens: u32,
    pub timeouts: Timeouts,
    /// Retries before the first streamed item (429, 529, 5xx, network).
    pub retry: RetryPolicy,
}

impl AnthropicConfig {
    pub fn new(api_key: &str, model: &str) -> Self {
        AnthropicConfig {
            base_url: "https://api.anthropic.com".to_owned(),
            api_key: api_key.to_owned(),
            model: model.to_owned(),
            max_tokens: 1024,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// The same settings against another server (a gateway, a fake).
    pub fn with_base_url(mut self, base_url: &str) -> Self {
        self.base_url = base_url.to_owned();
        self
    }

    /// `{base_url}/v1/messages`, keeping any path prefix of the base.
    pub(crate) fn endpoint(&self) -> Result<Url, ProviderError> {
        crate::http::endpoint(PROVIDER, &self.base_url, &["v1", "messages"])
    }

    /// The headers of <https://docs.anthropic.com/en/api/messages> : `x-api-key` (marked
    /// sensitive so no `Debug` output shows it), `anthropic-version`, `content-type`.
    pub(crate) fn header_map(&self) -> Result<HeaderMap, ProviderError> {
        if self.api_key.is_empty() {
            return Err(ProviderError::new(PROVIDER, ErrorKind::Auth, "no API key"));
        }
        let mut key = HeaderValue::from_str(&self.api_key).map_err(|_| {
            ProviderError::new(PROVIDER, ErrorKind::Auth, "API key is not a header value")
        })?;
        key.set_sensitive(true);
        let mut map = HeaderMap::new();
        map.insert("x-api-key", key);
        map.insert("anthropic-version", HeaderValue::from_static(API_VERSION));
        map.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        map.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        );
        Ok(map)
    }
}

impl std::fmt::Debug for AnthropicConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("model", &self.model)
            .field("max_tokens", &self.max_tokens)
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
        let c = AnthropicConfig::new("k", "m");
        assert_eq!(
            c.endpoint().unwrap().as_str(),
            "https://api.anthropic.com/v1/messages"
        );
        let c = c.with_base_url("http://127.0.0.1:9/gateway/anthropic/");
        assert_eq!(
            c.endpoint().unwrap().as_str(),
            "http://127.0.0.1:9/gateway/anthropic/v1/messages"
        );
        let e = c.with_base_url("ftp://x").endpoint().unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest);
    }

    #[test]
    fn headers_and_redaction() {
        let c = AnthropicConfig::new("sk-ant-secret", "claude");
        let h = c.header_map().unwrap();
        assert!(h.get("x-api-key").unwrap().is_sensitive());
        assert_eq!(h.get("anthropic-version").unwrap(), "2023-06-01");
        assert_eq!(h.get("content-type").unwrap(), "application/json");
        assert!(!format!("{c:?}").contains("sk-ant-secret"));
        let e = AnthropicConfig::new("", "claude").header_map().unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
    }
}
