//! A call on the tokio clock: a loopback leg whose caller plays a timeline of real speech
//! (espeak-ng fixtures) and silence, 20 ms at a time, into `run_call` with scripted providers.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use callbridge_agent::loopback::{FarEnd, LoopbackCaller, loopback};
use callbridge_agent::{AgentConfig, AgentEvent, CallSummary, Providers, ToolRegistry, run_call};
use callbridge_audio::AudioFrame;
use callbridge_testkit::scripted::{ScriptedLlm, ScriptedStt, ScriptedTts, Utterance};
pub use callbridge_testkit::speech::{Seg, timeline};
use callbridge_voice_api::{Direction, TurnId};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const FRAME_MS: u64 = 20;

/// Providers with the fixed latencies: STT final 100 ms after speech, LLM first token
/// 200 ms, TTS first audio 80 ms; tokens arrive at once after the first, 100 ms per word.
pub fn providers(stt: ScriptedStt, llm: ScriptedLlm, tts: ScriptedTts) -> Providers {
    Providers {
        stt: Arc::new(stt),
        llm: Arc::new(llm),
        tts: Arc::new(tts),
    }
}

pub fn stt(utterances: Vec<Utterance>) -> ScriptedStt {
    ScriptedStt::new(utterances, Duration::from_millis(100))
}

pub fn tts() -> ScriptedTts {
    ScriptedTts::new(Duration::from_millis(80), 100)
}

/// What happened on a finished call.
#[derive(Debug)]
pub struct Outcome {
    pub summary: CallSummary,
    pub events: Vec<AgentEvent>,
    pub far: Vec<FarEnd>,
}

impl Outcome {
    /// Audio the far end played of `turn`, in ms.
    pub fn played_ms(&self, turn: TurnId) -> u64 {
        self.far
            .iter()
            .filter(|f| matches!(f, FarEnd::Audio { turn: t, .. } if *t == turn))
            .count() as u64
            * FRAME_MS
    }

    pub fn cleared(&self) -> bool {
        self.far.iter().any(|f| matches!(f, FarEnd::Cleared { .. }))
    }

    /// The playout clock of `turn` at the clear: from its first frame to the clear.
    pub fn played_at_clear(&self, turn: TurnId) -> Option<Duration> {
        let first = self.far.iter().find_map(|f| match f {
            FarEnd::Audio { turn: t, at, .. } if *t == turn => Some(*at),
            _ => None,
        })?;
        let clear = self.far.iter().find_map(|f| match f {
            FarEnd::Cleared { at } => Some(*at),
            _ => None,
        })?;
        Some(clear.saturating_duration_since(first))
    }

    pub fn user_turns(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::UserTurn { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// (text, interrupted) of every agent turn.
    pub fn agent_turns(&self) -> Vec<(String, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                AgentEvent::AgentTurn {
                    text, interrupted, ..
                } => Some((text.clone(), *interrupted)),
                _ => None,
            })
            .collect()
    }
}

/// A running call.
pub struct Running {
    pub caller: Arc<LoopbackCaller>,
    pub cancel: CancellationToken,
    far: mpsc::UnboundedReceiver<FarEnd>,
    events: mpsc::UnboundedReceiver<AgentEvent>,
    call: JoinHandle<CallSummary>,
    feeder: JoinHandle<()>,
}

/// Starts a call; the caller plays `frames` in real time, then hangs up if `hang_up`.
pub fn start(
    frames: Vec<AudioFrame>,
    hang_up: bool,
    providers: Providers,
    cfg: AgentConfig,
    tools: ToolRegistry,
) -> Running {
    let (leg, mut caller) = loopback("call-1", Direction::Inbound);
    let (_dummy_tx, dummy_rx) = mpsc::unbounded_channel();
    let far = std::mem::replace(&mut caller.from_agent, dummy_rx);
    let caller = Arc::new(caller);
    let (ev_tx, events) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let call = tokio::spawn(run_call(leg, providers, cfg, tools, ev_tx, cancel.clone()));
    let c = caller.clone();
    let feeder = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(FRAME_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        for frame in frames {
            tick.tick().await;
            c.say(frame);
        }
        if hang_up {
            c.hang_up();
        }
    });
    Running {
        caller,
        cancel,
        far,
        events,
        call,
        feeder,
    }
}

impl Running {
    /// Waits for the caller's timeline to end (and its hang-up), then for the call.
    pub async fn finish(mut self) -> Outcome {
        self.feeder.await.unwrap();
        let summary = match tokio::time::timeout(Duration::from_secs(60), &mut self.call).await {
            Ok(r) => r.unwrap(),
            Err(_) => {
                // The caller stayed on the line: end the call from our side.
                self.cancel.cancel();
                self.call.await.unwrap()
            }
        };
        let mut events = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            events.push(e);
        }
        let mut far = Vec::new();
        while let Ok(f) = self.far.try_recv() {
            far.push(f);
        }
        Outcome {
            summary,
            events,
            far,
        }
    }
}

/// The words of `sentences` heard after `played` of audio at `ms_per_word`, sentence by
/// sentence, rounded down to whole words (each sentence's audio is its words times the rate,
/// padded to a whole 20 ms frame).
pub fn words_heard(sentences: &[&str], played: Duration, ms_per_word: u64) -> String {
    let mut left = played.as_millis() as u64;
    let mut out: Vec<&str> = Vec::new();
    for s in sentences {
        let words: Vec<&str> = s.split_whitespace().collect();
        let audio = words.len() as u64 * ms_per_word;
        if left >= audio {
            out.extend(&words);
            left -= audio;
        } else {
            let k = (left * words.len() as u64 / audio.max(1)) as usize;
            out.extend(&words[..k]);
            break;
        }
    }
    out.join(" ")
}
