//! A recognizer that "hears" scripted utterances at scripted audio times.
//!
//! The session counts the audio it is fed (20 ms per frame), so its notion of time is audio
//! time, exactly like a real streaming recognizer. When audio time passes an utterance's start
//! it reports `SpeechStarted`; halfway through, an interim with the first half of the words;
//! `final_latency` (tokio time) after audio passes the end, a `Final` with `speech_final`.
//! `finalize()` finalizes at once whatever utterance has ended.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callbridge_audio::AudioFrame;
use callbridge_voice_api::{
    BoxFuture, ProviderError, SpeechToText, SttConfig, SttEvent, SttInput, SttSession,
};
use tokio::sync::mpsc;

use super::receiver_stream;

/// Something the caller says, in caller audio time.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    pub start: Duration,
    pub end: Duration,
    /// What the recognizer returns (empty: a cough or noise: no words).
    pub text: String,
}

impl Utterance {
    pub fn new(start_ms: u64, end_ms: u64, text: &str) -> Self {
        Utterance {
            start: Duration::from_millis(start_ms),
            end: Duration::from_millis(end_ms),
            text: text.to_owned(),
        }
    }
}

/// The scripted recognizer.
#[derive(Debug, Clone)]
pub struct ScriptedStt {
    utterances: Vec<Utterance>,
    final_latency: Duration,
    /// Fail the session with this error once audio time reaches the given point.
    fail_at: Option<(Duration, ProviderError)>,
    opened: Arc<Mutex<u32>>,
}

impl ScriptedStt {
    pub fn new(utterances: Vec<Utterance>, final_latency: Duration) -> Self {
        ScriptedStt {
            utterances,
            final_latency,
            fail_at: None,
            opened: Arc::new(Mutex::new(0)),
        }
    }

    pub fn failing_at(mut self, at: Duration, err: ProviderError) -> Self {
        self.fail_at = Some((at, err));
        self
    }

    /// How many sessions were opened.
    pub fn sessions_opened(&self) -> u32 {
        *self.opened.lock().unwrap_or_else(|p| p.into_inner())
    }
}

enum Input {
    Audio,
    Finalize,
    Close,
}

struct Sender(mpsc::UnboundedSender<Input>);

impl SttInput for Sender {
    fn push(&mut self, _frame: &AudioFrame) -> Result<(), ProviderError> {
        self.0
            .send(Input::Audio)
            .map_err(|_| ProviderError::cancelled("scripted-stt"))
    }

    fn finalize(&mut self) -> Result<(), ProviderError> {
        self.0
            .send(Input::Finalize)
            .map_err(|_| ProviderError::cancelled("scripted-stt"))
    }

    fn close(&mut self) {
        let _ = self.0.send(Input::Close);
    }
}

impl SpeechToText for ScriptedStt {
    fn name(&self) -> &str {
        "scripted-stt"
    }

    fn open(&self, _cfg: &SttConfig) -> BoxFuture<'static, Result<SttSession, ProviderError>> {
        *self.opened.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        let me = self.clone();
        Box::pin(async move {
            let (in_tx, in_rx) = mpsc::unbounded_channel();
            let (ev_tx, ev_rx) = mpsc::unbounded_channel();
            tokio::spawn(run(me, in_rx, ev_tx));
            Ok(SttSession {
                input: Box::new(Sender(in_tx)),
                events: receiver_stream(ev_rx),
            })
        })
    }
}

#[derive(Default, Clone, Copy)]
struct Progress {
    started: bool,
    interim: bool,
    finalized: bool,
}

async fn run(
    me: ScriptedStt,
    mut input: mpsc::UnboundedReceiver<Input>,
    events: mpsc::UnboundedSender<SttEvent>,
) {
    let frame = Duration::from_millis(20);
    let mut audio = Duration::ZERO;
    let mut progress = vec![Progress::default(); me.utterances.len()];
    while let Some(msg) = input.recv().await {
        match msg {
            Input::Audio => audio += frame,
            Input::Close => break,
            Input::Finalize => {
                for (i, u) in me.utterances.iter().enumerate() {
                    if audio >= u.end && !progress[i].finalized {
                        progress[i].finalized = true;
                        let _ = events.send(final_event(u));
                    }
                }
                continue;
            }
        }
        if let Some((at, err)) = &me.fail_at
            && audio >= *at
        {
            let _ = events.send(SttEvent::Error(err.clone()));
            return;
        }
        for (i, u) in me.utterances.iter().enumerate() {
            let p = &mut progress[i];
            if audio >= u.start && !p.started {
                p.started = true;
                let _ = events.send(SttEvent::SpeechStarted { at: u.start });
            }
            let mid = u.start + (u.end.saturating_sub(u.start)) / 2;
            if audio >= mid && !p.interim && !u.text.is_empty() {
                p.interim = true;
                let words: Vec<&str> = u.text.split_whitespace().collect();
                let half = words[..words.len().div_ceil(2)].join(" ");
                let _ = events.send(SttEvent::Interim {
                    text: half,
                    start: u.start,
                    end: mid,
                });
            }
            if audio >= u.end && !p.finalized {
                p.finalized = true;
                // The recognizer needs `final_latency` after the audio ends.
                let tx = events.clone();
                let ev = final_event(u);
                let delay = me.final_latency;
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(ev);
                });
            }
        }
    }
}

fn final_event(u: &Utterance) -> SttEvent {
    SttEvent::Final {
        text: u.text.clone(),
        confidence: 0.95,
        start: u.start,
        end: u.end,
        speech_final: true,
    }
}
