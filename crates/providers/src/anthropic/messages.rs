//! [`AnthropicMessages`]: one streamed `POST {base}/v1/messages` per [`ChatRequest`],
//! protocols.md §3.2. The body is built once; each attempt posts it through [`post_stream`]
//! (status, Retry-After and JSON-instead-of-stream handling; HTTP 529 "overloaded" is a
//! retryable Server error like any 5xx) and decodes with [`MessagesDecoder`]. Retryable
//! failures before the first event are retried ([`retry_stream`]); dropping the stream drops
//! the response, which closes the connection and so aborts the generation.

use std::sync::Arc;

use bytes::Bytes;
use callbridge_voice_api::{
    BoxStream, ChatRequest, ErrorKind, LanguageModel, LlmEvent, ProviderError,
};
use reqwest::Url;
use reqwest::header::HeaderMap;

use super::decoder::MessagesDecoder;
use super::wire::request_body;
use super::{AnthropicConfig, PROVIDER};
use crate::http::client;
use crate::retry::retry_stream;
use crate::sse::post_stream;

/// A streaming Anthropic chat model.
#[derive(Debug, Clone)]
pub struct AnthropicMessages {
    cfg: Arc<AnthropicConfig>,
    provider: Arc<str>,
    http: reqwest::Client,
    url: Url,
    /// Built once; the `x-api-key` value is marked sensitive.
    headers: HeaderMap,
}

impl AnthropicMessages {
    /// Checks the key and base URL and builds the HTTP client.
    pub fn new(cfg: AnthropicConfig) -> Result<Self, ProviderError> {
        let url = cfg.endpoint()?;
        let headers = cfg.header_map()?;
        let http = client(cfg.timeouts)?;
        Ok(AnthropicMessages {
            cfg: Arc::new(cfg),
            provider: Arc::from(PROVIDER),
            http,
            url,
            headers,
        })
    }

    pub fn config(&self) -> &AnthropicConfig {
        &self.cfg
    }

    /// One attempt: POST the body and decode the event stream.
    fn attempt(&self, body: Bytes) -> BoxStream<'static, Result<LlmEvent, ProviderError>> {
        let req = self
            .http
            .post(self.url.clone())
            .headers(self.headers.clone())
            .body(body);
        post_stream(
            self.provider.clone(),
            req,
            MessagesDecoder::new(self.provider.clone()),
        )
    }
}

impl LanguageModel for AnthropicMessages {
    fn name(&self) -> &str {
        PROVIDER
    }

    fn stream(&self, req: ChatRequest) -> BoxStream<'static, Result<LlmEvent, ProviderError>> {
        let body = request_body(&self.cfg, &req).and_then(|v| {
            serde_json::to_vec(&v)
                .map_err(|e| ProviderError::new(PROVIDER, ErrorKind::BadRequest, e.to_string()))
        });
        let body = match body {
            Ok(b) => Bytes::from(b),
            Err(e) => return Box::pin(futures_util::stream::once(async move { Err(e) })),
        };
        tracing::debug!(
            provider = PROVIDER,
            model = req.model.as_deref().unwrap_or(&self.cfg.model),
            messages = req.messages.len(),
            tools = req.tools.len(),
            "messages request"
        );
        let this = self.clone();
        retry_stream(self.cfg.retry, move || this.attempt(body.clone()))
    }
}
