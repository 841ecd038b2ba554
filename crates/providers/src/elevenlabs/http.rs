//! [`ElevenLabsTts`]: one sentence per request over the HTTP streaming endpoint, protocols.md
//! §4: `POST {base}/v1/text-to-speech/{voice_id}/stream?output_format=...` with the
//! `xi-api-key` header and `{"text","model_id","voice_settings"}`; the response body is raw
//! audio, streamed out as it arrives. Retryable failures before the first chunk are retried
//! ([`retry_stream`]); dropping the stream drops the response, which closes the connection.

use std::sync::Arc;

use bytes::Bytes;
use callbridge_voice_api::{
    BoxStream, ErrorKind, ProviderError, TextToSpeech, TtsChunk, TtsRequest,
};
use futures_util::StreamExt;

use super::pcm::PcmDecoder;
use super::{ElevenLabsConfig, OutputFormat, PROVIDER};
use crate::http::{client, status_error, transport_error};
use crate::retry::retry_stream;

/// The HTTP streaming synthesizer.
#[derive(Debug, Clone)]
pub struct ElevenLabsTts {
    cfg: Arc<ElevenLabsConfig>,
    http: reqwest::Client,
}

impl ElevenLabsTts {
    pub fn new(cfg: ElevenLabsConfig) -> Result<Self, ProviderError> {
        cfg.validate()?;
        let http = client(cfg.timeouts)?;
        Ok(ElevenLabsTts {
            cfg: Arc::new(cfg),
            http,
        })
    }

    pub fn config(&self) -> &ElevenLabsConfig {
        &self.cfg
    }

    /// The format a request gets: the configured one, else PCM at the requested rate.
    pub fn format_for(&self, req: &TtsRequest) -> OutputFormat {
        self.cfg
            .output_format
            .unwrap_or_else(|| OutputFormat::pcm(req.rate))
    }
}

impl TextToSpeech for ElevenLabsTts {
    fn name(&self) -> &str {
        PROVIDER
    }

    fn synthesize(&self, req: TtsRequest) -> BoxStream<'static, Result<TtsChunk, ProviderError>> {
        let format = self.format_for(&req);
        let this = self.clone();
        let req = Arc::new(req);
        retry_stream(self.cfg.retry, move || this.attempt(req.clone(), format))
    }
}

impl ElevenLabsTts {
    /// One request: an error item if it is refused, else the decoded body.
    fn attempt(
        &self,
        req: Arc<TtsRequest>,
        format: OutputFormat,
    ) -> BoxStream<'static, Result<TtsChunk, ProviderError>> {
        let this = self.clone();
        let response = async move { this.send(&req, format).await };
        Box::pin(
            futures_util::stream::once(response).flat_map(move |r| match r {
                Ok(body) => body_stream(body, format),
                Err(e) => Box::pin(futures_util::stream::once(async move { Err(e) })),
            }),
        )
    }

    async fn send(
        &self,
        req: &TtsRequest,
        format: OutputFormat,
    ) -> Result<reqwest::Response, ProviderError> {
        let voice = self.cfg.voice(&req.voice)?;
        let mut url = crate::ws::endpoint(
            PROVIDER,
            &self.cfg.base_url,
            false,
            &["v1", "text-to-speech", voice, "stream"],
        )?;
        url.query_pairs_mut()
            .append_pair("output_format", format.wire_name());
        let body = serde_json::json!({
            "text": req.text,
            "model_id": self.cfg.model_id,
            "voice_settings": self.cfg.voice_settings.to_json(),
        });
        let resp = self
            .http
            .post(url)
            .header("xi-api-key", &self.cfg.api_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(PROVIDER, &e))?;
        if !resp.status().is_success() {
            return Err(status_error(PROVIDER, resp).await);
        }
        Ok(resp)
    }
}

/// The response body as chunks: each network chunk's complete samples, the odd byte carried.
fn body_stream(
    resp: reqwest::Response,
    format: OutputFormat,
) -> BoxStream<'static, Result<TtsChunk, ProviderError>> {
    type Body = BoxStream<'static, reqwest::Result<Bytes>>;
    let body: Body = Box::pin(resp.bytes_stream());
    let state = Some((body, PcmDecoder::new(format)));
    Box::pin(futures_util::stream::unfold(
        state,
        move |state| async move {
            let (mut body, mut dec) = state?;
            loop {
                match body.next().await {
                    Some(Ok(bytes)) => {
                        let samples = dec.feed(&bytes);
                        if samples.is_empty() {
                            continue;
                        }
                        let chunk = TtsChunk {
                            samples,
                            rate: format.rate(),
                        };
                        return Some((Ok(chunk), Some((body, dec))));
                    }
                    Some(Err(e)) => return Some((Err(body_error(&e)), None)),
                    None => {
                        if dec.has_partial() {
                            tracing::debug!(
                                "elevenlabs: stream ended mid-sample; last byte dropped"
                            );
                        }
                        return None;
                    }
                }
            }
        },
    ))
}

/// A failed body read is the stream being cut (reset, chunked body cut short): Network, or
/// Timeout for a read timeout. reqwest reports a cut body as a decode error, which
/// [`transport_error`] would call Protocol (not retryable); the SSE body reader maps it the
/// same way.
fn body_error(e: &reqwest::Error) -> ProviderError {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Network
    };
    ProviderError::new(PROVIDER, kind, format!("stream cut: {e}"))
}
