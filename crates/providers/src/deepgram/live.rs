//! [`DeepgramLive`]: streaming recognition over `wss://api.deepgram.com/v1/listen`
//! (protocols.md §2.1).
//!
//! `open` connects (the handshake's HTTP refusals, 401/402/429/400, come back as its error,
//! retried per `retry` when retryable) and starts one session task that owns the socket. The
//! [`SttInput`] half encodes frames on the caller's thread and queues them without blocking;
//! the event half is a channel the task fills. Dropping the event stream makes the task close
//! the socket; dropping the input sends `CloseStream` (no more audio will come).

use std::sync::Arc;

use callbridge_audio::AudioFrame;
use callbridge_voice_api::{
    BoxFuture, ErrorKind, ProviderError, SpeechToText, SttConfig, SttEvent, SttInput, SttSession,
};
use tokio::sync::mpsc;

use super::encoder::Encoder;
use super::outbox::{Outbox, Outgoing};
use super::session::{LiveSettings, Session};
use super::{DeepgramConfig, PROVIDER};

/// The live Deepgram recognizer.
#[derive(Debug, Clone)]
pub struct DeepgramLive {
    cfg: DeepgramConfig,
}

impl DeepgramLive {
    /// Validates `cfg` (key present, `utterance_end_ms` >= 1000, a parseable base URL).
    pub fn new(cfg: DeepgramConfig) -> Result<Self, ProviderError> {
        cfg.validate()?;
        cfg.listen_url(true)?;
        Ok(DeepgramLive { cfg })
    }

    pub fn config(&self) -> &DeepgramConfig {
        &self.cfg
    }

    fn settings(&self, stt: &SttConfig) -> Result<LiveSettings, ProviderError> {
        let mut url = self.cfg.listen_url(true)?;
        url.query_pairs_mut().extend_pairs(self.cfg.live_query(stt));
        Ok(LiveSettings {
            url: url.to_string(),
            auth: self.cfg.auth_header(),
            timeouts: self.cfg.timeouts,
            keepalive: self.cfg.keepalive,
            retry: self.cfg.retry,
            reconnect: self.cfg.reconnect,
            replay: self.cfg.replay,
            want_interim: stt.interim_results,
        })
    }
}

impl SpeechToText for DeepgramLive {
    fn name(&self) -> &str {
        PROVIDER
    }

    fn open(&self, stt: &SttConfig) -> BoxFuture<'static, Result<SttSession, ProviderError>> {
        let settings = self.settings(stt);
        let encoding = self.cfg.encoding;
        let queue = self.cfg.queue_frames;
        Box::pin(async move {
            let settings = Arc::new(settings?);
            let socket = settings.connect_with_retry().await?;
            let outbox = Arc::new(Outbox::new(queue));
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(Session::new(settings, outbox.clone(), tx).run(socket));
            let input = DeepgramInput {
                outbox,
                encoder: Encoder::new(encoding),
            };
            Ok(SttSession {
                input: Box::new(input),
                events: receiver_stream(rx),
            })
        })
    }
}

/// The audio side of a live session.
#[derive(Debug)]
struct DeepgramInput {
    outbox: Arc<Outbox>,
    encoder: Encoder,
}

impl SttInput for DeepgramInput {
    fn push(&mut self, frame: &AudioFrame) -> Result<(), ProviderError> {
        if self.outbox.is_closed() {
            return Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Cancelled,
                "session closed",
            ));
        }
        let (bytes, dur) = self.encoder.encode(frame)?;
        if self.outbox.push_audio(bytes.into(), dur) {
            metrics::counter!("callbridge_stt_audio_dropped_total", "provider" => PROVIDER)
                .increment(1);
            let dropped = self.outbox.dropped();
            if dropped == 1 || dropped.is_multiple_of(50) {
                tracing::warn!(dropped, "deepgram: socket backed up; dropping oldest audio");
            }
        }
        Ok(())
    }

    fn finalize(&mut self) -> Result<(), ProviderError> {
        if self.outbox.push_control(Outgoing::Finalize) {
            Ok(())
        } else {
            Err(ProviderError::new(
                PROVIDER,
                ErrorKind::Cancelled,
                "session closed",
            ))
        }
    }

    fn close(&mut self) {
        self.outbox.push_control(Outgoing::Close);
    }
}

impl Drop for DeepgramInput {
    fn drop(&mut self) {
        self.outbox.push_control(Outgoing::Close);
    }
}

fn receiver_stream(
    rx: mpsc::UnboundedReceiver<SttEvent>,
) -> callbridge_voice_api::BoxStream<'static, SttEvent> {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }))
}
