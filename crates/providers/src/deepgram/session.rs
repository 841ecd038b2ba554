//! The live session task: the one owner of the Deepgram socket (protocols.md §2.1).
//!
//! Main loop: wait for (a) a server frame, mapped to [`SttEvent`]s with session times,
//! (b) queued audio and control from the [`Outbox`], written as binary frames and
//! `Finalize`/`CloseStream` text frames, (c) the keepalive deadline (`KeepAlive` after
//! `keepalive` without audio), (d) the stall deadline (audio sent but the server silent for the
//! read timeout), (e) the consumer dropping the event stream (close the socket and stop).
//!
//! Invariants: once `CloseStream` was sent, the stream ends when the server closes (after its
//! last Results and Metadata) or after the read timeout, and is never reconnected. An
//! unexpected drop before that reconnects with backoff, re-sends the audio not covered by a
//! final ([`Replay`]) and any unanswered Finalize, and keeps reported times monotonic; an
//! `Error` event is sent only when reconnecting is hopeless, and it is the last event.

use std::sync::Arc;
use std::time::Duration;

use callbridge_voice_api::{ErrorKind, ProviderError, SttEvent};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, http, protocol::CloseFrame};

use super::messages::{ResultsMsg, ServerMessage, parse_live};
use super::outbox::{Outbox, Outgoing};
use super::replay::Replay;
use super::{PROVIDER, secs};
use crate::http::Timeouts;
use crate::retry::RetryPolicy;
use crate::ws::{self, WsStream};

const KEEPALIVE: &str = r#"{"type":"KeepAlive"}"#;
const FINALIZE: &str = r#"{"type":"Finalize"}"#;
const CLOSE_STREAM: &str = r#"{"type":"CloseStream"}"#;

/// Everything a session needs to (re)connect. `Debug` redacts the key.
pub(crate) struct LiveSettings {
    /// The full `/v1/listen?...` URL.
    pub url: String,
    /// `Token <key>`.
    pub auth: String,
    pub timeouts: Timeouts,
    pub keepalive: Duration,
    pub retry: RetryPolicy,
    pub reconnect: RetryPolicy,
    pub replay: Duration,
    /// Report interim results (the session asked for them).
    pub want_interim: bool,
}

impl std::fmt::Debug for LiveSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSettings")
            .field("url", &self.url)
            .field("auth", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl LiveSettings {
    fn request(&self) -> Result<http::Request<()>, ProviderError> {
        let mut req = ws::request(PROVIDER, &self.url)?;
        ws::set_header(PROVIDER, &mut req, "authorization", &self.auth)?;
        Ok(req)
    }

    async fn connect(&self) -> Result<WsStream, ProviderError> {
        let (socket, headers) =
            ws::connect(PROVIDER, self.request()?, self.timeouts.connect).await?;
        let request_id = headers.get("dg-request-id").and_then(|v| v.to_str().ok());
        tracing::debug!(request_id, "deepgram live connected");
        Ok(socket)
    }

    /// The first connect of a session, retried per `retry` on retryable failures (429, 5xx,
    /// network), so a refused handshake surfaces from `open` as its own error.
    pub async fn connect_with_retry(&self) -> Result<WsStream, ProviderError> {
        let mut attempt = 1;
        loop {
            match self.connect().await {
                Ok(socket) => return Ok(socket),
                Err(e) if e.retryable && attempt < self.retry.attempts => {
                    let d = self.retry.delay(attempt, &e);
                    tracing::debug!(error = %e, attempt, delay_ms = d.as_millis() as u64, "deepgram connect retry");
                    sleep(d).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// How serving one connection ended.
#[derive(Debug)]
enum Outcome {
    /// The session is over (closed as asked, or the consumer left).
    Done,
    /// The session failed for good: report it.
    Failed(ProviderError),
    /// The connection was lost mid-session: reconnect.
    Dropped(ProviderError),
}

/// The session task's state.
#[derive(Debug)]
pub(crate) struct Session {
    settings: Arc<LiveSettings>,
    outbox: Arc<Outbox>,
    events: mpsc::UnboundedSender<SttEvent>,
    replay: Replay,
    close_sent: bool,
    finalize_pending: bool,
    metadata_seen: bool,
    /// Failed connects, and connections lost before any message, in a row.
    failures: u32,
    got_message: bool,
    keepalive_at: Instant,
    stall_at: Option<Instant>,
    close_deadline: Option<Instant>,
}

impl Session {
    pub fn new(
        settings: Arc<LiveSettings>,
        outbox: Arc<Outbox>,
        events: mpsc::UnboundedSender<SttEvent>,
    ) -> Self {
        Session {
            replay: Replay::new(settings.replay),
            keepalive_at: Instant::now() + settings.keepalive,
            settings,
            outbox,
            events,
            close_sent: false,
            finalize_pending: false,
            metadata_seen: false,
            failures: 0,
            got_message: false,
            stall_at: None,
            close_deadline: None,
        }
    }

    /// Serves connections until the session ends.
    pub async fn run(mut self, mut socket: WsStream) {
        loop {
            match self.serve(&mut socket).await {
                Outcome::Done => break,
                Outcome::Failed(e) => {
                    tracing::warn!(error = %e, "deepgram session failed");
                    let _ = self.events.send(SttEvent::Error(e));
                    break;
                }
                Outcome::Dropped(e) => {
                    tracing::info!(error = %e, "deepgram connection lost; reconnecting");
                    drop(socket);
                    match self.reconnect(e).await {
                        Some(s) => socket = s,
                        None => return,
                    }
                }
            }
        }
        let _ = timeout(ws::CLOSE_GRACE, socket.close(Some(ws::normal_close()))).await;
    }

    async fn serve(&mut self, socket: &mut WsStream) -> Outcome {
        self.got_message = false;
        self.keepalive_at = Instant::now() + self.settings.keepalive;
        self.stall_at = None;
        let far = Instant::now() + Duration::from_secs(86_400);
        loop {
            let stall_at = self.stall_at.unwrap_or(far);
            let close_at = self.close_deadline.unwrap_or(far);
            tokio::select! {
                biased;
                () = self.events.closed() => return Outcome::Done,
                frame = socket.next() => {
                    if let Some(outcome) = self.on_frame(frame) {
                        return outcome;
                    }
                }
                () = self.outbox.ready(), if !self.close_sent => {
                    if let Err(e) = self.send_queued(socket).await {
                        return self.lost(e);
                    }
                }
                () = sleep_until(self.keepalive_at), if !self.close_sent => {
                    if let Err(e) = self.send(socket, vec![Message::text(KEEPALIVE)]).await {
                        return self.lost(e);
                    }
                    self.keepalive_at = Instant::now() + self.settings.keepalive;
                }
                () = sleep_until(stall_at), if self.stall_at.is_some() => {
                    let e = ProviderError::new(PROVIDER, ErrorKind::Timeout, "no response to audio");
                    return self.lost(e);
                }
                () = sleep_until(close_at), if self.close_deadline.is_some() => {
                    tracing::debug!("deepgram did not close after CloseStream; giving up");
                    return Outcome::Done;
                }
            }
        }
    }

    /// A lost connection: the end after CloseStream or Metadata, else a reconnect.
    fn lost(&self, e: ProviderError) -> Outcome {
        if self.close_sent || self.metadata_seen {
            Outcome::Done
        } else {
            Outcome::Dropped(e)
        }
    }

    fn on_frame(&mut self, frame: Option<Result<Message, WsError>>) -> Option<Outcome> {
        match frame {
            None => Some(self.lost(ProviderError::new(
                PROVIDER,
                ErrorKind::Network,
                "connection closed without a close frame",
            ))),
            Some(Err(e)) => Some(self.lost(ws::transport_error(PROVIDER, &e))),
            Some(Ok(Message::Text(t))) => {
                self.got_message = true;
                self.failures = 0;
                self.stall_at = None;
                self.on_text(t.as_str())
            }
            Some(Ok(Message::Binary(_))) => Some(Outcome::Failed(ProviderError::new(
                PROVIDER,
                ErrorKind::Protocol,
                "unexpected binary frame",
            ))),
            Some(Ok(Message::Close(frame))) => Some(self.on_close(frame.as_ref())),
            Some(Ok(_)) => None,
        }
    }

    /// §2.1 close codes: 1008 (bad audio/params) and 1011 (timeout) end the session with an
    /// error; any other unrequested close is a drop worth reconnecting.
    fn on_close(&self, frame: Option<&CloseFrame>) -> Outcome {
        if self.close_sent || self.metadata_seen {
            return Outcome::Done;
        }
        let err = ws::close_error(PROVIDER, frame);
        match ws::close_code(frame) {
            1008 | 1011 => Outcome::Failed(err),
            _ => Outcome::Dropped(err),
        }
    }

    fn on_text(&mut self, text: &str) -> Option<Outcome> {
        let msg = match parse_live(text) {
            Ok(m) => m,
            Err(e) => return Some(Outcome::Failed(e)),
        };
        match msg {
            ServerMessage::Results(r) => self.on_results(&r),
            ServerMessage::SpeechStarted { timestamp } => {
                let at = self.replay.session_time(secs(timestamp));
                self.emit(SttEvent::SpeechStarted { at });
            }
            ServerMessage::UtteranceEnd { last_word_end } => {
                let last_word_end = self.replay.session_time(secs(last_word_end));
                self.emit(SttEvent::UtteranceEnd { last_word_end });
            }
            ServerMessage::Metadata { request_id } => {
                tracing::debug!(request_id, "deepgram metadata (end of stream)");
                self.metadata_seen = true;
            }
            ServerMessage::Error {
                description,
                message,
                variant,
            } => {
                let text = [variant, message, description]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ");
                return Some(Outcome::Failed(ProviderError::new(
                    PROVIDER,
                    ErrorKind::Server,
                    text,
                )));
            }
            ServerMessage::Unknown => tracing::trace!("deepgram: unknown message type ignored"),
        }
        None
    }

    /// Results: `is_final=false` -> Interim, `is_final=true` -> Final; empty transcripts are
    /// normal and reported as nothing, but a final still releases its audio from the replay.
    fn on_results(&mut self, r: &ResultsMsg) {
        if r.from_finalize {
            self.finalize_pending = false;
        }
        let start = self.replay.session_time(secs(r.start));
        let end = start + secs(r.duration);
        let (text, confidence) = r.best();
        if r.is_final {
            let (start, end) = self.replay.finalized(start, end);
            if !text.is_empty() {
                self.emit(SttEvent::Final {
                    text: text.to_owned(),
                    confidence,
                    start,
                    end,
                    speech_final: r.speech_final,
                });
            }
        } else if self.settings.want_interim && !text.is_empty() {
            self.emit(SttEvent::Interim {
                text: text.to_owned(),
                start,
                end,
            });
        }
    }

    fn emit(&self, event: SttEvent) {
        let _ = self.events.send(event);
    }

    /// Writes everything queued. Audio is recorded for replay before it is written, so a
    /// failed write loses nothing a reconnect can re-send.
    async fn send_queued(&mut self, socket: &mut WsStream) -> Result<(), ProviderError> {
        let mut frames = Vec::new();
        let mut audio = false;
        for item in self.outbox.drain() {
            match item {
                Outgoing::Audio(bytes, dur) => {
                    self.replay.sent(bytes.clone(), dur);
                    frames.push(Message::Binary(bytes));
                    audio = true;
                }
                Outgoing::Finalize => {
                    self.finalize_pending = true;
                    frames.push(Message::text(FINALIZE));
                }
                Outgoing::Close => {
                    self.close_sent = true;
                    self.close_deadline = Some(Instant::now() + self.settings.timeouts.read);
                    frames.push(Message::text(CLOSE_STREAM));
                }
            }
        }
        if audio {
            self.keepalive_at = Instant::now() + self.settings.keepalive;
            if self.stall_at.is_none() {
                self.stall_at = Some(Instant::now() + self.settings.timeouts.read);
            }
        }
        self.send(socket, frames).await
    }

    /// Writes `frames` and flushes, within the read timeout.
    async fn send(&self, socket: &mut WsStream, frames: Vec<Message>) -> Result<(), ProviderError> {
        if frames.is_empty() {
            return Ok(());
        }
        let write = async {
            for f in frames {
                socket.feed(f).await?;
            }
            socket.flush().await
        };
        match timeout(self.settings.timeouts.read, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ws::transport_error(PROVIDER, &e)),
            Err(_) => Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Timeout,
                "write timed out",
            )),
        }
    }

    /// Reconnects with backoff; `None` when the session is over (an error was reported, or
    /// the consumer left).
    async fn reconnect(&mut self, mut err: ProviderError) -> Option<WsStream> {
        if !self.got_message {
            self.failures += 1;
        }
        loop {
            if self.failures >= self.settings.reconnect.attempts {
                let _ = self.events.send(SttEvent::Error(err));
                return None;
            }
            metrics::counter!("callbridge_stt_reconnects_total", "provider" => PROVIDER)
                .increment(1);
            let delay = self.settings.reconnect.delay(self.failures + 1, &err);
            let settings = self.settings.clone();
            let attempt = async move {
                sleep(delay).await;
                settings.connect().await
            };
            let result = tokio::select! {
                () = self.events.closed() => return None,
                r = attempt => r,
            };
            match result {
                Ok(mut socket) => match self.resume(&mut socket).await {
                    Ok(()) => return Some(socket),
                    Err(e) => err = e,
                },
                Err(e) if !e.retryable => {
                    let _ = self.events.send(SttEvent::Error(e));
                    return None;
                }
                Err(e) => err = e,
            }
            self.failures += 1;
        }
    }

    /// Re-sends the audio not covered by a final, and an unanswered Finalize.
    async fn resume(&mut self, socket: &mut WsStream) -> Result<(), ProviderError> {
        let mut frames: Vec<Message> = self
            .replay
            .restart()
            .into_iter()
            .map(Message::Binary)
            .collect();
        tracing::debug!(
            frames = frames.len(),
            "deepgram: replaying audio after reconnect"
        );
        if self.finalize_pending {
            frames.push(Message::text(FINALIZE));
        }
        self.send(socket, frames).await
    }
}
