//! End of caller speech -> first agent frame out, on the real clock, over 200 turns.
//!
//! Fake providers of fixed latency (the issue's: STT final 100 ms after the audio ends, LLM
//! first token 200 ms, TTS first audio 80 ms) behind the real agent: real speech audio through
//! the real VAD, the turn machine, the chunker, the framer and a loopback leg that paces like a
//! network leg. 10 calls run at once, 20 turns each. For every turn the agent's own metrics
//! give the endpointing delay (end of speech -> turn decision) and the first frame out; the
//! engine overhead is `first_frame_out - endpoint - 280 ms` (the model and TTS latencies), and
//! the budget is `endpoint + 100 ms (STT) + 280 ms + 10 ms` at p99.
//!
//! Run: `cargo bench -p callbridge-benches --bench agent_latency` (about 40 s).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Duration;

use callbridge_agent::loopback::loopback;
use callbridge_agent::{AgentConfig, AgentEvent, Providers, ToolRegistry, TurnMetrics, run_call};
use callbridge_testkit::scripted::{Reply, ScriptedLlm, ScriptedStt, ScriptedTts, Utterance};
use callbridge_testkit::speech::{Seg, timeline};
use callbridge_voice_api::Direction;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const CALLS: u64 = 10;
const TURNS: u64 = 20;
/// One caller turn: 1 s of speech, then 1.5 s for the answer ("Okay." plays 100 ms).
const SPEECH_MS: u64 = 1000;
const TURN_MS: u64 = 2500;

async fn one_call(n: u64) -> Vec<TurnMetrics> {
    let mut segs = Vec::new();
    let mut utterances = Vec::new();
    for t in 0..TURNS {
        let start = 300 + t * TURN_MS;
        segs.push(Seg::Silence(if t == 0 { 300 } else { TURN_MS - SPEECH_MS }));
        segs.push(Seg::Speech(SPEECH_MS));
        utterances.push(Utterance::new(start, start + SPEECH_MS, "tell me more"));
    }
    let frames = timeline(&segs, 300 + TURNS * TURN_MS + 1000);
    let providers = Providers {
        stt: Arc::new(ScriptedStt::new(utterances, Duration::from_millis(100))),
        llm: Arc::new(ScriptedLlm::new(
            Reply::Text("Okay.".to_owned()),
            Duration::from_millis(200),
            Duration::ZERO,
        )),
        tts: Arc::new(ScriptedTts::new(Duration::from_millis(80), 100)),
    };
    let (leg, caller) = loopback(&format!("bench-{n}"), Direction::Inbound);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let call = tokio::spawn(run_call(
        leg,
        providers,
        AgentConfig::default(),
        ToolRegistry::new(),
        tx,
        cancel.clone(),
    ));
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for frame in frames {
        tick.tick().await;
        caller.say(frame);
    }
    caller.hang_up();
    let _ = call.await;
    let mut out = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let AgentEvent::Metrics(m) = ev {
            out.push(m);
        }
    }
    out
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // `cargo test --benches` runs bench targets with no arguments but `--bench`; skip the
    // 40 s run there, the same way criterion's test mode does.
    if !std::env::args().any(|a| a == "--bench") {
        println!("agent_latency: skipped (run with cargo bench)");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let metrics: Vec<TurnMetrics> = rt.block_on(async {
        let calls: Vec<_> = (0..CALLS).map(|n| tokio::spawn(one_call(n))).collect();
        let mut all = Vec::new();
        for c in calls {
            all.extend(c.await.unwrap());
        }
        all
    });
    let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
    let mut total = Vec::new();
    let mut endpoint = Vec::new();
    let mut overhead = Vec::new();
    let mut budget_excess = Vec::new();
    for m in &metrics {
        let (Some(first), Some(ep)) = (ms(m.first_frame_out), ms(m.endpoint)) else {
            continue;
        };
        total.push(first);
        endpoint.push(ep);
        overhead.push(first - ep - 280.0);
        budget_excess.push(first - (ep + 380.0));
    }
    for v in [&mut total, &mut endpoint, &mut overhead, &mut budget_excess] {
        v.sort_by(f64::total_cmp);
    }
    println!("agent_latency: {} turns measured", total.len());
    for (name, v) in [
        ("end of speech -> first frame out", &total),
        ("endpointing delay (end of speech -> decision)", &endpoint),
        (
            "engine overhead (first frame - decision - 280 ms)",
            &overhead,
        ),
        ("first frame - (endpointing + 380 ms)", &budget_excess),
    ] {
        println!(
            "  {name}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pct(v, 0.5),
            pct(v, 0.99),
            v.last().copied().unwrap_or(0.0)
        );
    }
}
