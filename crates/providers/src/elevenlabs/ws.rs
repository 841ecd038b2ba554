//! [`ElevenLabsStream`]: token-by-token synthesis over the WebSocket input-streaming API,
//! protocols.md §4: `wss://…/v1/text-to-speech/{voice_id}/stream-input?model_id=…&output_format=…`.
//!
//! Client -> server text frames: first `{"text":" ","voice_settings":{…},"generation_config":
//! {"chunk_length_schedule":[…]}}` (the key travels in the `xi-api-key` header, which the docs
//! allow instead of `xi_api_key` in this message, and keeps it out of frame logs), then
//! `{"text":"… "}` chunks of whole words each ending with a space, `{"text":"… ","flush":true}`
//! (the held-back last word, else a space) to force generation of what is buffered, and
//! `{"text":""}` to end the input. Server -> client: `{"audio":"<base64>","isFinal":null,
//! "alignment":{…}}` (alignment is not used here), then `{"isFinal":true}` and a close.
//!
//! One task owns the socket. The [`ElevenLabsTextSink`] queues text without blocking;
//! dropping it ends the input. Dropping the audio stream (barge-in) closes the socket with
//! 1000 and waits briefly for the server's close (RFC 6455 §7.1.1).

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
            pending: String::new(),
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
///
/// Text goes out in whole words: LLM tokens split words ("Call", "bridge"), and every chunk
/// must end with a space (protocols.md §4), so the part after the last whitespace is held back
/// until the word is complete, a flush, or the end of input.
#[derive(Debug)]
pub struct ElevenLabsTextSink {
    tx: mpsc::UnboundedSender<String>,
    /// The unfinished last word (no whitespace in it).
    pending: String,
    finished: bool,
}

impl ElevenLabsTextSink {
    /// Queues text (an LLM token or a sentence). Complete words are sent as a chunk ending
    /// with a space; a trailing partial word waits for the next text, a flush or the end.
    pub fn send_text(&mut self, text: &str) -> Result<(), ProviderError> {
        self.check_open()?;
        self.pending.push_str(text);
        let Some((at, ws)) = self
            .pending
            .char_indices()
            .rfind(|(_, c)| c.is_whitespace())
        else {
            return Ok(());
        };
        let rest = self.pending.split_off(at + ws.len_utf8());
        let words = std::mem::replace(&mut self.pending, rest);
        if words.trim().is_empty() {
            // Only whitespace: the previous chunk already ended with a space.
            return Ok(());
        }
        self.queue(serde_json::json!({ "text": with_space(words) }).to_string())
    }

    /// Forces generation of the buffered text (end of an LLM turn) without ending the input.
    pub fn flush(&mut self) -> Result<(), ProviderError> {
        self.check_open()?;
        let text = with_space(std::mem::take(&mut self.pending));
        self.queue(serde_json::json!({"text": text, "flush": true}).to_string())
    }

    /// Ends the input: the remaining audio follows, then the stream ends.
    pub fn finish(&mut self) -> Result<(), ProviderError> {
        self.check_open()?;
        let rest = std::mem::take(&mut self.pending);
        let sent = if rest.is_empty() {
            Ok(())
        } else {
            self.queue(serde_json::json!({ "text": with_space(rest) }).to_string())
        };
        let end = self.queue(r#"{"text":""}"#.to_owned());
        self.finished = true;
        sent.and(end)
    }

    fn check_open(&self) -> Result<(), ProviderError> {
        if self.finished {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::BadRequest,
                "input already finished",
            ));
        }
        Ok(())
    }

    fn queue(&mut self, msg: String) -> Result<(), ProviderError> {
        self.tx
            .send(msg)
            .map_err(|_| ProviderError::cancelled(PROVIDER))
    }
}

/// `text` ending with a space, as every chunk must (a lone space when empty).
fn with_space(mut text: String) -> String {
    if !text.ends_with(' ') {
        text.push(' ');
    }
    text
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
        close(&mut socket).await;
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

/// Sends a 1000 close and reads until the server's close or EOF, within [`ws::CLOSE_GRACE`]
/// (RFC 6455 §7.1.1). `close` alone returns once the frame is written: dropping the socket
/// then, with audio still unread, makes the kernel reset the connection, so the server sees
/// a dropped connection instead of the close.
async fn close(socket: &mut WsStream) {
    let handshake = async {
        if socket.close(Some(ws::normal_close())).await.is_ok() {
            while let Some(Ok(_)) = socket.next().await {}
        }
    };
    let _ = timeout(ws::CLOSE_GRACE, handshake).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn sink() -> (ElevenLabsTextSink, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let sink = ElevenLabsTextSink {
            tx,
            pending: String::new(),
            finished: false,
        };
        (sink, rx)
    }

    fn drain(rx: &mut mpsc::UnboundedReceiver<String>) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        while let Ok(m) = rx.try_recv() {
            out.push(serde_json::from_str(&m).unwrap());
        }
        out
    }

    #[test]
    fn tokens_go_out_as_whole_words_ending_with_a_space() {
        let (mut s, mut rx) = sink();
        for t in ["Call", "bridge", " is", " naï", "ve", "\n", "  ", "Bye"] {
            s.send_text(t).unwrap();
        }
        s.flush().unwrap();
        s.flush().unwrap();
        s.send_text("end.").unwrap();
        drop(s);
        assert_eq!(
            drain(&mut rx),
            vec![
                json!({"text": "Callbridge "}),
                json!({"text": "is "}),
                json!({"text": "naïve\n "}),
                json!({"text": "Bye ", "flush": true}),
                json!({"text": " ", "flush": true}),
                json!({"text": "end. "}),
                json!({"text": ""}),
            ]
        );
    }

    #[test]
    fn nothing_is_accepted_after_finish() {
        let (mut s, mut rx) = sink();
        s.finish().unwrap();
        assert_eq!(s.send_text("x ").unwrap_err().kind, ErrorKind::BadRequest);
        assert_eq!(s.flush().unwrap_err().kind, ErrorKind::BadRequest);
        assert_eq!(s.finish().unwrap_err().kind, ErrorKind::BadRequest);
        drop(s);
        assert_eq!(drain(&mut rx), vec![json!({"text": ""})]);
        // With the socket task gone, text is refused as cancelled.
        let (mut s, rx) = sink();
        drop(rx);
        assert_eq!(s.send_text("x ").unwrap_err().kind, ErrorKind::Cancelled);
    }

    proptest! {
        #[test]
        fn any_tokenization_keeps_the_words(
            text in "[a-zé ,.\n]{0,60}",
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
        ) {
            let bounds: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let mut at: Vec<usize> = cuts.iter().map(|c| bounds[c.index(bounds.len())]).collect();
            at.sort_unstable();
            let (mut s, mut rx) = sink();
            let mut prev = 0;
            for i in at.into_iter().chain([text.len()]) {
                s.send_text(&text[prev..i]).unwrap();
                prev = i;
            }
            s.finish().unwrap();
            let msgs = drain(&mut rx);
            let texts: Vec<&str> = msgs.iter().map(|m| m["text"].as_str().unwrap()).collect();
            let (end, chunks) = texts.split_last().unwrap();
            prop_assert_eq!(*end, "");
            prop_assert!(chunks.iter().all(|t| t.ends_with(' ') && !t.trim().is_empty()));
            let sent: String = chunks.concat();
            prop_assert_eq!(
                sent.split_whitespace().collect::<Vec<_>>(),
                text.split_whitespace().collect::<Vec<_>>()
            );
        }
    }
}
