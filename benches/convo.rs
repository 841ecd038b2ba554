//! Per-event costs of the conversation core (crates/convo): the turn machine per 20 ms frame
//! of realistic VAD/STT traffic, the sentence chunker per streamed LLM token, the playback
//! ledger's `heard()` after a barge-in, and the endpointing word rule.
//!
//! Run: `cargo bench -p callbridge-benches --bench convo` (add `-- --quick` for a fast pass).

use std::hint::black_box;
use std::time::{Duration, Instant};

use callbridge_convo::{
    PlaybackLedger, SentenceChunker, TurnConfig, TurnInput, TurnMachine, TurnOutput, unfinished,
};
use callbridge_voice_api::TurnId;
use criterion::{Criterion, criterion_group, criterion_main};

/// What happens in one 20 ms frame of the scripted call.
#[derive(Debug, Clone)]
enum Frame {
    Quiet,
    Input(TurnInput),
    /// The agent starts playing / finishes the turn it was asked for.
    AgentPlays,
    AgentDrains,
}

/// A 6 s cycle of 300 frames: the caller speaks 1.5 s (an interim every 100 ms), the
/// recognizer's final follows, the machine answers, the agent speaks 3 s, and once the caller
/// coughs over it.
fn call_script() -> Vec<Frame> {
    let mut frames = vec![Frame::Quiet; 300];
    let words = [
        "so",
        "I",
        "was",
        "wondering",
        "if",
        "you",
        "have",
        "a",
        "table",
        "for",
        "two",
    ];
    frames[0] = Frame::Input(TurnInput::VadSpeechStart {
        at: Instant::now(), // replaced by the frame time when fed
    });
    for (k, frame) in frames.iter_mut().enumerate().take(75).skip(5).step_by(5) {
        let n = (k / 5).min(words.len());
        *frame = Frame::Input(TurnInput::SttInterim {
            text: words[..n].join(" "),
        });
    }
    frames[75] = Frame::Input(TurnInput::VadSpeechEnd { at: Instant::now() });
    frames[83] = Frame::Input(TurnInput::SttFinal {
        text: "So I was wondering if you have a table for two.".into(),
        speech_final: true,
    });
    frames[100] = Frame::AgentPlays;
    frames[180] = Frame::Input(TurnInput::VadSpeechStart { at: Instant::now() });
    frames[190] = Frame::Input(TurnInput::VadSpeechEnd { at: Instant::now() });
    frames[250] = Frame::AgentDrains;
    frames
}

fn turn_benches(c: &mut Criterion) {
    let script = call_script();
    let t0 = Instant::now();
    let mut m = TurnMachine::new(TurnConfig::default());
    let mut i: u64 = 0;
    let mut agent: TurnId = 0;
    let mut g = c.benchmark_group("turn");
    g.bench_function("handle_poll_per_20ms_frame", |b| {
        b.iter(|| {
            let now = t0 + Duration::from_millis(20 * i);
            let input = match &script[(i % 300) as usize] {
                Frame::Quiet => None,
                Frame::Input(TurnInput::VadSpeechStart { .. }) => {
                    Some(TurnInput::VadSpeechStart { at: now })
                }
                Frame::Input(TurnInput::VadSpeechEnd { .. }) => {
                    Some(TurnInput::VadSpeechEnd { at: now })
                }
                Frame::Input(other) => Some(other.clone()),
                Frame::AgentPlays => Some(TurnInput::AgentPlaybackStarted { turn: agent }),
                Frame::AgentDrains => Some(TurnInput::AgentPlaybackDrained { turn: agent }),
            };
            match input {
                Some(input) => m.handle(now, input),
                None if m.poll_timeout().is_some_and(|due| due <= now) => m.handle_timeout(now),
                None => {}
            }
            while let Some(out) = m.poll() {
                if let TurnOutput::Respond { turn, .. } = &out {
                    agent = *turn;
                }
                black_box(out);
            }
            i += 1;
        })
    });
    g.finish();
}

const RESPONSE: &str = "Sure! Dr. Patel has an opening on Tuesday at 3:30 p.m., and another on \
Wednesday at 10 a.m. The visit costs $49.99, e.g. a standard check-up. Which one works better for you?";

fn chunker_benches(c: &mut Criterion) {
    let tokens: Vec<String> = RESPONSE
        .as_bytes()
        .chunks(4)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    let mut chunker = SentenceChunker::default();
    let mut k = 0usize;
    let mut g = c.benchmark_group("chunker");
    g.bench_function("push_per_4char_token", |b| {
        b.iter(|| {
            let out = chunker.push(black_box(&tokens[k]));
            k += 1;
            if k == tokens.len() {
                k = 0;
                black_box(chunker.flush());
            }
            black_box(out)
        })
    });
    g.finish();
}

fn ledger_benches(c: &mut Criterion) {
    let mut ledger = PlaybackLedger::default();
    let sentences = [
        "Sure!",
        "Dr. Patel has an opening on Tuesday at 3:30 p.m., and another on Wednesday at 10 a.m.",
        "The visit costs $49.99, e.g. a standard check-up.",
        "Which one works better for you?",
    ];
    for s in sentences {
        let words = s.split_whitespace().count() as u32;
        ledger.queue(7, s, Duration::from_millis(250) * words);
    }
    ledger.mark_played(7, "s0").ok();
    ledger.cleared(7, Duration::from_millis(3100)).ok();
    let mut g = c.benchmark_group("ledger");
    g.bench_function("heard_after_clear_4_sentences", |b| {
        b.iter(|| ledger.heard(black_box(7)))
    });
    g.finish();

    let mut g = c.benchmark_group("endpoint");
    g.bench_function("unfinished_phone_number", |b| {
        b.iter(|| unfinished(black_box("My number is four one five five five five")))
    });
    g.finish();
}

criterion_group!(benches, turn_benches, chunker_benches, ledger_benches);
criterion_main!(benches);
