//! [`OpenAiChat`]: one streamed Chat Completions request per [`ChatRequest`], protocols.md
//! §3.1. The body is built once; each attempt posts it through [`post_stream`] (status,
//! Retry-After and JSON-instead-of-stream handling) and decodes with [`ChatDecoder`].
//! Retryable failures before the first event are retried ([`retry_stream`]); dropping the
//! stream drops the response, which closes the connection and so aborts the generation.

use std::sync::Arc;

use bytes::Bytes;
use callbridge_voice_api::{
    BoxStream, ChatRequest, ErrorKind, LanguageModel, LlmEvent, ProviderError,
};
use reqwest::Url;
use reqwest::header::HeaderMap;

use super::OpenAiConfig;
use super::decoder::ChatDecoder;
use super::wire::request_body;
use crate::http::client;
use crate::retry::retry_stream;
use crate::sse::post_stream;

/// A streaming OpenAI-compatible chat model.
#[derive(Debug, Clone)]
pub struct OpenAiChat {
    cfg: Arc<OpenAiConfig>,
    provider: Arc<str>,
    http: reqwest::Client,
    url: Url,
    /// Built once; the Authorization value is marked sensitive.
    headers: HeaderMap,
}

impl OpenAiChat {
    /// Checks the base URL and headers and builds the HTTP client.
    pub fn new(cfg: OpenAiConfig) -> Result<Self, ProviderError> {
        let url = cfg.endpoint()?;
        let headers = cfg.header_map()?;
        let http = client(cfg.timeouts)?;
        Ok(OpenAiChat {
            provider: Arc::from(cfg.name.as_str()),
            cfg: Arc::new(cfg),
            http,
            url,
            headers,
        })
    }

    pub fn config(&self) -> &OpenAiConfig {
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
            ChatDecoder::new(self.provider.clone()),
        )
    }
}

impl LanguageModel for OpenAiChat {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn stream(&self, req: ChatRequest) -> BoxStream<'static, Result<LlmEvent, ProviderError>> {
        let body = request_body(&self.cfg, &req).and_then(|v| {
            serde_json::to_vec(&v).map_err(|e| {
                ProviderError::new(&self.provider, ErrorKind::BadRequest, e.to_string())
            })
        });
        let body = match body {
            Ok(b) => Bytes::from(b),
            Err(e) => return Box::pin(futures_util::stream::once(async move { Err(e) })),
        };
        tracing::debug!(
            provider = %self.provider,
            model = req.model.as_deref().unwrap_or(&self.cfg.model),
            messages = req.messages.len(),
            tools = req.tools.len(),
            "chat completion request"
        );
        let this = self.clone();
        retry_stream(self.cfg.retry, move || this.attempt(body.clone()))
    }
}
