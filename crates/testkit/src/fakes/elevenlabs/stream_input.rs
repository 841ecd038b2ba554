//! The fake stream-input WebSocket (protocols.md §4): text is buffered until `flush`, the end
//! of input (`{"text":""}`) or the first `chunk_length_schedule` length, then answered with
//! `{"audio":"<base64>","isFinal":null,"alignment":{...}}` messages (the audio split at the
//! shape's odd chunk sizes); the end of input is followed by `{"isFinal":true}` and a 1000
//! close. The socket is watched while audio is being sent, as the real service does: a client
//! that closes or drops first is recorded at once (barge-in), and text that arrives meanwhile
//! is handled after the current generation.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine as _;

use super::{Shared, TtsReply, audio_bytes, authorized, chunked, error_response, headers_of, lock};

/// How one stream-input connection behaves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WsScript {
    /// Refuse the handshake this way (`TtsReply::Status`), or cut the connection after this
    /// many audio bytes (`TtsReply::Cut`); `Audio`/`None`: behave.
    pub reply: Option<TtsReply>,
    /// Send a frame that is not JSON after the first audio message.
    pub malformed: bool,
}

/// What one stream-input connection received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WsRecord {
    pub voice_id: String,
    pub raw_query: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub rejected: Option<u16>,
    /// Text frames received, parsed (Null when not JSON).
    pub messages: Vec<serde_json::Value>,
    /// Audio messages sent.
    pub audio_messages: usize,
    /// The fake sent `isFinal` and closed.
    pub finished: bool,
    /// The client closed (its close code) or dropped the connection before the end.
    pub client_gone: bool,
    pub client_close: Option<u16>,
}

impl WsRecord {
    pub fn param(&self, name: &str) -> Option<&str> {
        super::find(&self.query, name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        super::find(&self.headers, name)
    }
}

pub(super) async fn handler(
    State(shared): State<Arc<Shared>>,
    Path(voice): Path<String>,
    RawQuery(raw): RawQuery,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let script = shared.next_ws();
    let mut record = WsRecord {
        voice_id: voice,
        raw_query: raw.unwrap_or_default(),
        query,
        headers: headers_of(&headers),
        ..WsRecord::default()
    };
    let refusal = if !authorized(&shared, &headers) {
        Some((401, None))
    } else if let Some(TtsReply::Status {
        status,
        retry_after,
    }) = script.reply
    {
        Some((status, retry_after))
    } else {
        None
    };
    if let Some((status, retry_after)) = refusal {
        record.rejected = Some(status);
        lock(&shared.ws).push(record);
        return error_response(status, retry_after);
    }
    let format = record
        .param("output_format")
        .unwrap_or("mp3_44100_128")
        .to_owned();
    let index = {
        let mut g = lock(&shared.ws);
        g.push(record);
        g.len() - 1
    };
    upgrade.on_upgrade(move |socket| async move {
        let mut conn = Conn {
            socket,
            shared,
            index,
            script,
            format,
            buffer: String::new(),
            threshold: 120,
            sent_bytes: 0,
            backlog: VecDeque::new(),
        };
        let gone = conn.run().await;
        conn.shared.with_ws(index, |r| {
            if let Some(code) = gone {
                r.client_gone = true;
                r.client_close = code;
            }
        });
    })
}

struct Conn {
    socket: WebSocket,
    shared: Arc<Shared>,
    index: usize,
    script: WsScript,
    format: String,
    buffer: String,
    /// Characters buffered before generating (the schedule's first entry).
    threshold: usize,
    sent_bytes: usize,
    /// Text frames that arrived while audio was being sent, not handled yet.
    backlog: VecDeque<String>,
}

/// How a connection ended, from the fake's side.
enum End {
    /// Finished or cut by the fake.
    Fake,
    /// The client closed (code) or dropped.
    Client(Option<u16>),
}

impl Conn {
    /// Serves until the end; `Some(close code)` when the client left first.
    async fn run(&mut self) -> Option<Option<u16>> {
        let mut first = true;
        loop {
            let msg = match self.backlog.pop_front() {
                Some(m) => m,
                None => match self.socket.recv().await {
                    None | Some(Err(_)) => return Some(None),
                    Some(Ok(Message::Close(f))) => return Some(Some(close_code(f))),
                    Some(Ok(Message::Text(t))) => t.as_str().to_owned(),
                    Some(Ok(_)) => continue,
                },
            };
            let v: serde_json::Value =
                serde_json::from_str(&msg).unwrap_or(serde_json::Value::Null);
            self.shared
                .with_ws(self.index, |r| r.messages.push(v.clone()));
            if first {
                first = false;
                if let Some(n) = v
                    .pointer("/generation_config/chunk_length_schedule/0")
                    .and_then(serde_json::Value::as_u64)
                {
                    self.threshold = n as usize;
                }
                continue;
            }
            let text = v.get("text").and_then(|t| t.as_str()).unwrap_or_default();
            let flush = v.get("flush").and_then(serde_json::Value::as_bool) == Some(true);
            let end = text.is_empty();
            self.buffer.push_str(text);
            if flush || end || self.buffer.chars().count() >= self.threshold {
                match self.generate().await {
                    Ok(()) => {}
                    Err(End::Fake) => return None,
                    Err(End::Client(code)) => return Some(code),
                }
            }
            if end {
                let _ = self.send(r#"{"isFinal":true}"#.to_owned()).await;
                let frame = CloseFrame {
                    code: 1000,
                    reason: "".into(),
                };
                let _ = self.socket.send(Message::Close(Some(frame))).await;
                self.shared.with_ws(self.index, |r| r.finished = true);
                return None;
            }
        }
    }

    /// Sends the audio of the buffered text.
    async fn generate(&mut self) -> Result<(), End> {
        let text = std::mem::take(&mut self.buffer);
        if text.trim().is_empty() {
            return Ok(());
        }
        let audio = audio_bytes(&text, &self.format, self.shared.shape.ms_per_char);
        for chunk in chunked(&audio, &self.shared.shape.chunk_sizes) {
            if let Some(TtsReply::Cut { after_bytes }) = self.script.reply
                && self.sent_bytes >= after_bytes
            {
                return Err(End::Fake);
            }
            self.pause(self.shared.shape.chunk_interval).await?;
            self.sent_bytes += chunk.len();
            let msg = serde_json::json!({
                "audio": base64::engine::general_purpose::STANDARD.encode(&chunk),
                "isFinal": null,
                "normalizedAlignment": {"chars": [], "charStartTimesMs": [], "charDurationsMs": []},
                "alignment": {"chars": [], "charStartTimesMs": [], "charDurationsMs": []},
            });
            self.send(msg.to_string()).await?;
            self.shared.with_ws(self.index, |r| r.audio_messages += 1);
            if self.script.malformed {
                self.send("{\"audio\": ".to_owned()).await?;
            }
        }
        Ok(())
    }

    /// Waits `d` while watching the socket: a close or a drop ends the generation, text is
    /// kept for later.
    async fn pause(&mut self, d: Duration) -> Result<(), End> {
        let sleep = tokio::time::sleep(d);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                biased;
                msg = self.socket.recv() => match msg {
                    None | Some(Err(_)) => return Err(End::Client(None)),
                    Some(Ok(Message::Close(f))) => return Err(End::Client(Some(close_code(f)))),
                    Some(Ok(Message::Text(t))) => self.backlog.push_back(t.as_str().to_owned()),
                    Some(Ok(_)) => {}
                },
                () = &mut sleep => return Ok(()),
            }
        }
    }

    async fn send(&mut self, text: String) -> Result<(), End> {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .map_err(|_| End::Client(None))
    }
}

/// The code of a received close (1005, "no status", when the frame had none).
fn close_code(frame: Option<CloseFrame>) -> u16 {
    frame.map_or(1005, |f| f.code)
}
