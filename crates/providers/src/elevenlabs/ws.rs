//! [`ElevenLabsStream`]: token-by-token synthesis over the WebSocket input-streaming API,
//! protocols.md §4: `wss://…/v1/text-to-speech/{voice_id}/stream-input?model_id=…&output_format=…`.
//!
//! Client -> server text frames: first `{"text":" ","voice_settings":{…},"generation_config":
//! {"chunk_length_schedule":[…]}}` (the key travels in the `xi-api-key` header, which the docs
//! allow instead of `xi_api_key` in this message, and keeps it out of frame logs), then
//! `{"text":"… "}` chunks each ending with a space, `{"text":" ","flush":true}` to force
//! generation of what is buffered, and `{"text":""}` to end the input. Server -> client:
//! `{"audio":"<base64>","isFinal":null,"alignment":{…}}` (alignment is not used here), then
//! `{"isFinal":true}` and a close.
//!
//! One task owns the socket. The [`ElevenLabsTextSink`] queues text without blocking;
//! dropping it ends the input. Dropping the audio stream (barge-in) closes the socket.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use callbridge_voice_api::{BoxStream, ErrorKind, ProviderError, TtsChunk};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::pcm::PcmDecoder;
use super::{ElevenLabsConfig, OutputFormat, PROVIDER};
use crate::ws::{self, WsStream};

type ChunkTx = mpsc::UnboundedSender<Result<TtsChunk, ProviderError>>;

/// The WebSocket input-streaming synthesizer.
#[derive(Debug, Clone)]
pub struct ElevenLabsStream {
    cfg: Arc<ElevenLabsConfig>,
}

impl ElevenLabsStream {
    pub fn new(cfg: ElevenLabsConfig) -> Result<Self, ProviderError> {
        cfg.validate()?;
        Ok(ElevenLabsStream { cfg: Arc::new(cfg) })
    }

    /// Opens a synthesis of `voice` (the configured one when empty): a sink for text and the
    /// stream of audio it becomes. A refused handshake (401, 429, ...) is the error here,
    /// retried per `retry` when retryable.
    pub async fn open(
        &self,
        voice: &str,
        format: OutputFormat,
    ) -> Result<
        (
            ElevenLabsTextSink,
            BoxStream<'static, Result<TtsChunk, ProviderError>>,
        ),
        ProviderError,
    > {
        let mut socket = self.connect_with_retry(voice, format).await?;
        let first = serde_json::json!({
            "text": " ",
            "voice_settings": self.cfg.voice_settings.to_json(),
            "generation_config": {"chunk_length_schedule": self.cfg.chunk_length_schedule},
        });
        send(&mut socket, first.to_string(), self.cfg.timeouts.read).await?;
        let (text_tx, text_rx) = mpsc::unbounded_channel();
        let (chunk_tx, mut chunk_rx) = mpsc::unbounded_channel();
        let task = Task {
            decoder: PcmDecoder::new(format),
            rate_format: format,
            read_timeout: self.cfg.timeouts.read,
            chunks: chunk_tx,
            ended_at: None,
        };
        tokio::spawn(task.run(socket, text_rx));
        let audio = futures_util::stream::poll_fn(move |cx| chunk_rx.poll_recv(cx));
        let sink = ElevenLabsTextSink {
            tx: text_tx,
            finished: false,
        };
        Ok((sink, Box::pin(audio)))
    }

    async fn connect_with_retry(
        &self,
        voice: &str,
        format: OutputFormat,
    ) -> Result<WsStream, ProviderError> {
        let voice = self.cfg.voice(voice)?;
        let mut url = ws::endpoint(
            PROVIDER,
            &self.cfg.base_url,
            true,
            &["v1", "text-to-speech", voice, "stream-input"],
        )?;
        url.query_pairs_mut()
            .append_pair("model_id", &self.cfg.model_id)
            .append_pair("output_format", format.wire_name());
        let mut attempt = 1;
        loop {
            let mut req = ws::request(PROVIDER, url.as_str())?;
            ws::set_header(PROVIDER, &mut req, "xi-api-key", &self.cfg.api_key)?;
            match ws::connect(PROVIDER, req, self.cfg.timeouts.connect).await {
                Ok((socket, _)) => return Ok(socket),
                Err(e) if e.retryable && attempt < self.cfg.retry.attempts => {
                    tokio::time::sleep(self.cfg.retry.delay(attempt, &e)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// The text side of a stream-input synthesis. Dropping it ends the input (`{"text":""}`).
#[derive(Debug)]
pub struct ElevenLabsTextSink {
    tx: mpsc::UnboundedSender<String>,
    finished: bool,
}

impl ElevenLabsTextSink {
    /// Queues a text chunk (an LLM token or sentence). A trailing space is added when missing,
    /// as the docs ask; empty text is ignored (an empty `text` would end the input).
    pub fn send_text(&mut self, text: &str) -> Result<(), ProviderError> {
        if text.is_empty() {
            return Ok(());
        }
        let text = if text.ends_with(' ') {
            text.to_owned()
        } else {
            format!("{text} ")
        };
        self.queue(serde_json::json!({ "text": text }).to_string())
    }

    /// Forces generation of the buffered text (end of an LLM turn) without ending the input.
    pub fn flush(&mut self) -> Result<(), ProviderError> {
        self.queue(serde_json::json!({"text": " ", "flush": true}).to_string())
    }

    /// Ends the input: the remaining audio follows, then the stream ends.
    pub fn finish(&mut self) -> Result<(), ProviderError> {
        let r = self.queue(r#"{"text":""}"#.to_owned());
        self.finished = true;
        r
    }

    fn queue(&mut self, msg: String) -> Result<(), ProviderError> {
        if self.finished {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::BadRequest,
                "input already finished",
            ));
        }
        self.tx
            .send(msg)
            .map_err(|_| ProviderError::cancelled(PROVIDER))
    }
}

impl Drop for ElevenLabsTextSink {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.finish();
        }
    }
}

/// A server frame: audio, the end marker, or an error report.
#[derive(Debug, Deserialize)]
struct ServerMsg {
    #[serde(default)]
    audio: Option<String>,
    #[serde(default, rename = "isFinal")]
    is_final: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// The socket owner.
#[derive(Debug)]
struct Task {
    decoder: PcmDecoder,
    rate_format: OutputFormat,
    read_timeout: Duration,
    chunks: ChunkTx,
    /// Set when the input ended: the server must finish within the read timeout.
    ended_at: Option<Instant>,
}

impl Task {
    async fn run(mut self, mut socket: WsStream, mut text: mpsc::UnboundedReceiver<String>) {
        let mut input_open = true;
        let result = loop {
            let deadline = self.ended_at.map_or_else(
                || Instant::now() + Duration::from_secs(86_400),
                |t| t + self.read_timeout,
            );
            tokio::select! {
                biased;
                () = self.chunks.closed() => {
                    tracing::debug!("elevenlabs stream dropped; closing the socket");
                    break Ok(());
                }
                frame = socket.next() => match self.on_frame(frame) {
                    Ok(true) => break Ok(()),
                    Ok(false) => {}
                    Err(e) => break Err(e),
                },
                msg = text.recv(), if input_open => {
                    let msg = msg.unwrap_or_else(|| r#"{"text":""}"#.to_owned());
                    if msg == r#"{"text":""}"# {
                        input_open = false;
                        self.ended_at = Some(Instant::now());
                    }
                    if let Err(e) = send(&mut socket, msg, self.read_timeout).await {
                        break Err(e);
                    }
                }
                () = sleep_until(deadline), if self.ended_at.is_some() => {
                    break Err(ProviderError::new(PROVIDER, ErrorKind::Timeout, "no isFinal after the end of input"));
                }
            }
        };
        if let Err(e) = result {
            let _ = self.chunks.send(Err(e));
        }
        let _ = timeout(ws::CLOSE_GRACE, socket.close(Some(ws::normal_close()))).await;
    }

    /// Handles one frame; `Ok(true)` at the end of the synthesis.
    fn on_frame(&mut self, frame: Option<Result<Message, WsError>>) -> Result<bool, ProviderError> {
        match frame {
            None => Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Network,
                "stream cut before isFinal",
            )),
            Some(Err(e)) => Err(ws::transport_error(PROVIDER, &e)),
            Some(Ok(Message::Text(t))) => {
                if let Some(t) = self.ended_at.as_mut() {
                    *t = Instant::now();
                }
                self.on_text(t.as_str())
            }
            Some(Ok(Message::Close(f)))
                if ws::close_code(f.as_ref()) == 1000 && self.ended_at.is_some() =>
            {
                Ok(true)
            }
            Some(Ok(Message::Close(f))) => Err(ws::close_error(PROVIDER, f.as_ref())),
            Some(Ok(Message::Binary(_))) => Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Protocol,
                "unexpected binary frame",
            )),
            Some(Ok(_)) => Ok(false),
        }
    }

    fn on_text(&mut self, text: &str) -> Result<bool, ProviderError> {
        let msg: ServerMsg = serde_json::from_str(text).map_err(|e| {
            ProviderError::new(
                PROVIDER,
                ErrorKind::Protocol,
                format!("malformed message: {e}"),
            )
        })?;
        if let Some(err) = msg.error.or(msg.message.filter(|_| msg.audio.is_none())) {
            return Err(ProviderError::new(PROVIDER, ErrorKind::Server, err));
        }
        if let Some(b64) = msg.audio.filter(|a| !a.is_empty()) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| {
                    ProviderError::new(PROVIDER, ErrorKind::Protocol, format!("audio base64: {e}"))
                })?;
            let samples = self.decoder.feed(&bytes);
            if !samples.is_empty() {
                let chunk = TtsChunk {
                    samples,
                    rate: self.rate_format.rate(),
                };
                let _ = self.chunks.send(Ok(chunk));
            }
        }
        Ok(msg.is_final == Some(true))
    }
}

async fn send(socket: &mut WsStream, msg: String, limit: Duration) -> Result<(), ProviderError> {
    match timeout(limit, socket.send(Message::text(msg))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(ws::transport_error(PROVIDER, &e)),
        Err(_) => Err(ProviderError::new(
            PROVIDER,
            ErrorKind::Timeout,
            "write timed out",
        )),
    }
}
