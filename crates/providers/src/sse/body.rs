//! Server-sent events over an HTTP response: send a request, check its status, feed the body
//! through [`SseParser`](super::SseParser) and a vendor [`SseDecoder`], and yield the decoded
//! items as a stream. The stream owns the response, so dropping it closes the connection and
//! aborts the request.

use std::collections::VecDeque;
use std::sync::Arc;

use callbridge_voice_api::{BoxStream, ErrorKind, ProviderError};
use futures_util::StreamExt;

use super::{SseEvent, SseParser};
use crate::http::{status_error, transport_error};

/// Turns one vendor's events into items.
pub trait SseDecoder: Send + 'static {
    type Item: Send + 'static;

    /// Handles one event, pushing what it completed into `out`. Returns `true` at the
    /// vendor's end-of-stream marker (nothing more is read after it).
    fn event(&mut self, ev: SseEvent, out: &mut Vec<Self::Item>) -> Result<bool, ProviderError>;

    /// The body ended before the end marker: push what can still be delivered, or fail.
    fn end(&mut self, out: &mut Vec<Self::Item>) -> Result<(), ProviderError>;
}

/// The events of one response body.
#[derive(Debug)]
pub struct SseBody {
    provider: Arc<str>,
    resp: reqwest::Response,
    parser: SseParser,
    queue: VecDeque<SseEvent>,
    eof: bool,
}

impl SseBody {
    pub fn new(provider: Arc<str>, resp: reqwest::Response) -> Self {
        SseBody {
            provider,
            resp,
            parser: SseParser::new(),
            queue: VecDeque::new(),
            eof: false,
        }
    }

    /// The next event; `Ok(None)` once the body has ended. A read error (connection reset,
    /// chunked body cut short, read timeout) is the stream being cut: Network or Timeout.
    pub async fn next(&mut self) -> Result<Option<SseEvent>, ProviderError> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                return Ok(Some(ev));
            }
            if self.eof {
                return Ok(None);
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => {
                    let events = self.parser.feed(&bytes).map_err(|e| {
                        ProviderError::new(&self.provider, ErrorKind::Protocol, e.to_string())
                    })?;
                    self.queue.extend(events);
                }
                Ok(None) => {
                    self.eof = true;
                    self.queue.extend(self.parser.finish());
                }
                Err(e) => {
                    let kind = if e.is_timeout() {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Network
                    };
                    let msg = format!("stream cut: {e}");
                    return Err(ProviderError::new(&self.provider, kind, msg));
                }
            }
        }
    }

    /// Decodes the whole body with `decoder`, as a stream that ends after the first error.
    pub fn decode<D: SseDecoder>(
        self,
        decoder: D,
    ) -> BoxStream<'static, Result<D::Item, ProviderError>> {
        let state = Decoding {
            body: self,
            decoder,
            ready: VecDeque::new(),
            done: false,
        };
        Box::pin(futures_util::stream::unfold(state, Decoding::step))
    }
}

struct Decoding<D: SseDecoder> {
    body: SseBody,
    decoder: D,
    ready: VecDeque<Result<D::Item, ProviderError>>,
    done: bool,
}

impl<D: SseDecoder> Decoding<D> {
    async fn step(mut self) -> Option<(Result<D::Item, ProviderError>, Self)> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some((item, self));
            }
            if self.done {
                return None;
            }
            let mut out = Vec::new();
            let res = match self.body.next().await {
                Ok(Some(ev)) => self.decoder.event(ev, &mut out),
                Ok(None) => self.decoder.end(&mut out).map(|()| true),
                Err(e) => Err(e),
            };
            self.ready.extend(out.into_iter().map(Ok));
            match res {
                Ok(finished) => self.done = finished,
                Err(e) => {
                    self.ready.push_back(Err(e));
                    self.done = true;
                }
            }
        }
    }
}

/// Sends `req` and decodes its event stream with `decoder`. Transport failures map through
/// [`transport_error`], non-2xx statuses through [`status_error`] (Retry-After included), and a
/// 2xx that is JSON instead of `text/event-stream` (a server ignoring `stream: true`) is a
/// Protocol error carrying the body's start.
pub fn post_stream<D: SseDecoder>(
    provider: Arc<str>,
    req: reqwest::RequestBuilder,
    decoder: D,
) -> BoxStream<'static, Result<D::Item, ProviderError>> {
    let start = async move {
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(&provider, &e))?;
        if !resp.status().is_success() {
            return Err(status_error(&provider, resp).await);
        }
        if is_json(&resp) {
            let body = resp.text().await.unwrap_or_default();
            let msg = format!(
                "expected an event stream, got JSON: {}",
                body.chars().take(500).collect::<String>()
            );
            return Err(ProviderError::new(&provider, ErrorKind::Protocol, msg));
        }
        Ok(SseBody::new(provider, resp).decode(decoder))
    };
    Box::pin(
        futures_util::stream::once(start).flat_map(|started| match started {
            Ok(events) => events,
            Err(e) => Box::pin(futures_util::stream::once(async move { Err(e) })),
        }),
    )
}

fn is_json(resp: &reqwest::Response) -> bool {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}
