//! One fake live connection (protocols.md §2.1): audio time is counted from the bytes
//! received (by the `encoding`/`sample_rate` of the query), scripted replies fire when it
//! passes their time, `Finalize` answers with `from_finalize: true`, `CloseStream` flushes,
//! sends Metadata and closes with 1000, and silence (no audio, no KeepAlive) for the idle
//! timeout closes with 1011 (NET-0001).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use tokio::time::{Instant, sleep_until};

use super::{LiveRecord, Shared};

/// A scripted server action, fired once this much audio (ms, on this connection) was received.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Results with `is_final: false`.
    Interim(String),
    /// Results with `is_final: true` and this `speech_final`.
    Final {
        text: String,
        speech_final: bool,
    },
    SpeechStarted,
    UtteranceEnd,
    /// `{"type":"Error",...}`.
    Error(String),
    /// A text frame that is not JSON.
    Malformed,
    /// Any text frame, verbatim.
    Raw(String),
    /// Close the socket with this code and reason.
    Close(u16, String),
    /// Drop the TCP connection without a close frame.
    Disconnect,
}

/// How one live connection behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveScript {
    /// Refuse the handshake with this status (and Retry-After seconds).
    pub reject: Option<(u16, Option<u64>)>,
    /// `(audio ms, step)`, fired in order as audio arrives.
    pub steps: Vec<(u64, Step)>,
    /// Close with 1011 after this long without audio or KeepAlive (Deepgram: ~10 s).
    pub idle_timeout: Duration,
    /// Wait this long before each reply (server latency).
    pub latency: Duration,
}

impl Default for LiveScript {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveScript {
    /// No scripted replies, a 10 s idle timeout.
    pub fn new() -> Self {
        LiveScript {
            reject: None,
            steps: Vec::new(),
            idle_timeout: Duration::from_secs(10),
            latency: Duration::ZERO,
        }
    }

    /// A handshake refusal.
    pub fn reject(status: u16, retry_after: Option<u64>) -> Self {
        LiveScript {
            reject: Some((status, retry_after)),
            ..Self::new()
        }
    }

    pub fn at(mut self, audio_ms: u64, step: Step) -> Self {
        self.steps.push((audio_ms, step));
        self.steps.sort_by_key(|(ms, _)| *ms);
        self
    }

    pub fn interim(self, audio_ms: u64, text: &str) -> Self {
        self.at(audio_ms, Step::Interim(text.to_owned()))
    }

    pub fn final_(self, audio_ms: u64, text: &str, speech_final: bool) -> Self {
        self.at(
            audio_ms,
            Step::Final {
                text: text.to_owned(),
                speech_final,
            },
        )
    }

    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }

    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }
}

/// Why serving stopped.
enum Stop {
    /// The fake closed with this code.
    Closed(u16),
    /// The fake dropped the connection.
    Dropped,
    /// The client closed (code) or went away.
    Client(Option<u16>),
}

struct Conn {
    socket: WebSocket,
    shared: Arc<Shared>,
    index: usize,
    script: LiveScript,
    steps: VecDeque<(u64, Step)>,
    bytes_per_second: u64,
    received: u64,
    /// Connection audio time (s) where the current segment began.
    segment_start: f64,
    /// The latest interim of the current segment (what Finalize/CloseStream would fix).
    pending: Option<String>,
    last_activity: Instant,
}

/// Serves one upgraded connection.
pub(super) async fn serve(
    socket: WebSocket,
    shared: Arc<Shared>,
    index: usize,
    script: LiveScript,
    record: LiveRecord,
) {
    let bytes_per_second = match (record.param("encoding"), record.param("sample_rate")) {
        (Some("mulaw" | "alaw"), Some(r)) => r.parse().unwrap_or(8000),
        (_, Some(r)) => r.parse::<u64>().unwrap_or(16000) * 2,
        _ => 32000,
    };
    let mut conn = Conn {
        socket,
        shared,
        index,
        steps: script.steps.clone().into(),
        script,
        bytes_per_second: bytes_per_second.max(1),
        received: 0,
        segment_start: 0.0,
        pending: None,
        last_activity: Instant::now(),
    };
    let stop = conn.run().await;
    conn.shared.with_conn(index, |r| {
        r.ended = true;
        match stop {
            Stop::Closed(code) => r.server_close = Some(code),
            Stop::Client(code) => r.client_close = code,
            Stop::Dropped => {}
        }
    });
}

impl Conn {
    fn audio_secs(&self) -> f64 {
        self.received as f64 / self.bytes_per_second as f64
    }

    async fn run(&mut self) -> Stop {
        loop {
            let idle_at = self.last_activity + self.script.idle_timeout;
            let msg = tokio::select! {
                m = self.socket.recv() => m,
                () = sleep_until(idle_at) => {
                    let reason = "Deepgram did not receive audio data or a text message within the timeout window. See https://dpgr.am/net0001";
                    return self.close(1011, reason).await;
                }
            };
            let stop = match msg {
                None | Some(Err(_)) => Some(Stop::Client(None)),
                Some(Ok(Message::Binary(b))) => {
                    self.shared.with_conn(self.index, |r| {
                        r.binary_sizes.push(b.len());
                        r.audio.extend_from_slice(&b);
                    });
                    self.received += b.len() as u64;
                    self.last_activity = Instant::now();
                    self.fire_due().await
                }
                Some(Ok(Message::Text(t))) => {
                    let t = t.as_str().to_owned();
                    self.shared
                        .with_conn(self.index, |r| r.texts.push(t.clone()));
                    self.on_text(&t).await
                }
                Some(Ok(Message::Close(f))) => Some(Stop::Client(Some(f.map_or(1005, |f| f.code)))),
                Some(Ok(_)) => None,
            };
            if let Some(stop) = stop {
                return stop;
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Option<Stop> {
        let ty = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
        match ty.as_deref() {
            Some("KeepAlive") => {
                self.last_activity = Instant::now();
                None
            }
            Some("Finalize") => {
                self.last_activity = Instant::now();
                self.flush(true).await
            }
            Some("CloseStream") => {
                if let Some(stop) = self.flush(false).await {
                    return Some(stop);
                }
                let meta = serde_json::json!({
                    "type": "Metadata", "transaction_key": "deprecated",
                    "request_id": "fake-request", "sha256": "0",
                    "created": "2024-08-29T22:37:55.202Z",
                    "duration": self.audio_secs(), "channels": 1
                });
                if let Some(stop) = self.send(meta.to_string()).await {
                    return Some(stop);
                }
                Some(self.close(1000, "").await)
            }
            // Deepgram refuses text it does not understand with DATA-0000 and 1008.
            _ => Some(
                self.close(1008, "DATA-0000: invalid JSON or unknown message")
                    .await,
            ),
        }
    }

    /// Fires every step whose audio time has passed.
    async fn fire_due(&mut self) -> Option<Stop> {
        let now_ms = (self.audio_secs() * 1000.0).round() as u64;
        while self.steps.front().is_some_and(|(ms, _)| *ms <= now_ms) {
            let Some((ms, step)) = self.steps.pop_front() else {
                break;
            };
            if let Some(stop) = self.fire(ms as f64 / 1000.0, step).await {
                return Some(stop);
            }
        }
        None
    }

    async fn fire(&mut self, at: f64, step: Step) -> Option<Stop> {
        let msg = match step {
            Step::Interim(text) => {
                self.pending = Some(text.clone());
                results(&text, self.segment_start, at, false, false, false)
            }
            Step::Final { text, speech_final } => {
                let m = results(&text, self.segment_start, at, true, speech_final, false);
                self.segment_start = at;
                self.pending = None;
                m
            }
            Step::SpeechStarted => {
                serde_json::json!({"type": "SpeechStarted", "channel": [0, 1], "timestamp": at})
                    .to_string()
            }
            Step::UtteranceEnd => {
                serde_json::json!({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": at})
                    .to_string()
            }
            Step::Error(d) => serde_json::json!({
                "type": "Error", "description": d, "message": "", "variant": "DATA-0000"
            })
            .to_string(),
            Step::Malformed => "{\"type\":\"Results\",\"channel\":".to_owned(),
            Step::Raw(s) => s,
            Step::Close(code, reason) => return Some(self.close(code, &reason).await),
            Step::Disconnect => return Some(Stop::Dropped),
        };
        self.send(msg).await
    }

    /// Finalize (`from_finalize`) or the flush before CloseStream: the pending words as a
    /// final covering the audio received so far.
    async fn flush(&mut self, from_finalize: bool) -> Option<Stop> {
        let now = self.audio_secs();
        let text = self.pending.take().unwrap_or_default();
        let msg = results(&text, self.segment_start, now, true, false, from_finalize);
        self.segment_start = now;
        self.send(msg).await
    }

    async fn send(&mut self, text: String) -> Option<Stop> {
        if !self.script.latency.is_zero() {
            tokio::time::sleep(self.script.latency).await;
        }
        match self.socket.send(Message::Text(text.into())).await {
            Ok(()) => None,
            Err(_) => Some(Stop::Client(None)),
        }
    }

    async fn close(&mut self, code: u16, reason: &str) -> Stop {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
        Stop::Closed(code)
    }
}

/// A `Results` message as §2.1 documents it.
fn results(
    text: &str,
    start: f64,
    end: f64,
    is_final: bool,
    speech_final: bool,
    from_finalize: bool,
) -> String {
    let duration = (end - start).max(0.0);
    serde_json::json!({
        "type": "Results", "channel_index": [0, 1], "duration": duration, "start": start,
        "is_final": is_final, "speech_final": speech_final, "from_finalize": from_finalize,
        "channel": {"alternatives": [{
            "transcript": text, "confidence": if text.is_empty() { 0.0 } else { 0.97 },
            "words": words_json(text, start, end)
        }]},
        "metadata": {"request_id": "fake-request",
                     "model_info": {"name": "general-nova-3", "version": "1", "arch": "nova-3"},
                     "model_uuid": "fake-model"}
    })
    .to_string()
}

/// Words of `text` spread evenly over `[start, end]` seconds.
pub(super) fn words_json(text: &str, start: f64, end: f64) -> serde_json::Value {
    let words: Vec<&str> = text.split_whitespace().collect();
    let step = if words.is_empty() {
        0.0
    } else {
        (end - start) / words.len() as f64
    };
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let plain: String = w
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect::<String>()
                .to_lowercase();
            serde_json::json!({
                "word": plain, "start": start + step * i as f64,
                "end": start + step * (i + 1) as f64, "confidence": 0.97, "punctuated_word": w
            })
        })
        .collect()
}
