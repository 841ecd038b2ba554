//! `callbridge call-test --org ID --wav FILE`: one local call through the whole conversation
//! engine with the organization's real engines (its stored provider keys, else the server's),
//! the WAV file as the caller. Prints the conversation and per-turn latency, then hangs up.
//! It is how an operator checks keys, vendors and latency before putting a number live.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use callbridge_agent::loopback::loopback;
use callbridge_agent::{AgentConfig, AgentEvent, ToolRegistry, run_call};
use callbridge_audio::reframe::Reframer;
use callbridge_audio::resample::resample_all;
use callbridge_audio::{AudioFrame, MediaTime, SampleRate};
use callbridge_store::Store;
use callbridge_voice_api::Direction;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::engines::{EngineSettings, resolve};

/// How long to wait for the agent's answer after the file ends.
const ANSWER_WAIT: Duration = Duration::from_secs(15);

/// The caller's audio: the file's first channel at 16 kHz, in 20 ms frames.
fn caller_frames(path: &Path) -> anyhow::Result<Vec<AudioFrame>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let wav = callbridge_audio::wav::read(&bytes)
        .with_context(|| format!("{} is not a WAV file we can read", path.display()))?;
    let rate = SampleRate::from_hz(wav.sample_rate).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: {} Hz is not one of 8000, 16000, 24000, 48000",
            path.display(),
            wav.sample_rate
        )
    })?;
    let channels = usize::from(wav.channels.max(1));
    let mono: Vec<i16> = wav.samples.iter().step_by(channels).copied().collect();
    let samples = resample_all(&mono, rate, SampleRate::Hz16000);
    let mut reframer = Reframer::new(SampleRate::Hz16000, MediaTime::ZERO);
    reframer.push(&samples);
    let mut frames = Vec::new();
    while let Some(f) = reframer.flush() {
        frames.push(f);
    }
    Ok(frames)
}

pub async fn run(
    cfg: Config,
    env: &HashMap<String, String>,
    org: &str,
    wav: &Path,
) -> anyhow::Result<()> {
    let settings = EngineSettings::from_env(env).map_err(|e| anyhow::anyhow!(e))?;
    let frames = caller_frames(wav)?;
    let store = Store::connect(&cfg.database_url())
        .await
        .context("cannot open the database (CALLBRIDGE_DATABASE_URL)")?;
    store
        .get_org(org)
        .await
        .with_context(|| format!("organization {org}"))?;
    let master = crate::master_key::load(&cfg)?;
    let (providers, sources) = resolve(&store, &master, org, &settings).await?;
    let mut out = std::io::stdout();
    writeln!(
        out,
        "engines: stt {} ({:?} key), llm {} ({:?} key), tts {} ({:?} key)",
        providers.stt.name(),
        sources[0],
        providers.llm.name(),
        sources[1],
        providers.tts.name(),
        sources[2]
    )?;

    let (leg, caller) = loopback("call-test", Direction::Inbound);
    let (tx, mut events) = mpsc::unbounded_channel();
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
    let total = frames.len();
    let mut played = 0usize;
    let mut answered = false;
    let mut waited = Duration::ZERO;
    let mut silence_at = MediaTime::ZERO.after_frames(total as u64, SampleRate::Hz16000);
    loop {
        tick.tick().await;
        if played < total {
            if let Some(f) = frames.get(played) {
                caller.say(f.clone());
            }
            played += 1;
        } else {
            // The line stays open (silence) while the agent answers.
            caller.say(AudioFrame::silence(SampleRate::Hz16000, silence_at));
            silence_at = silence_at.after_frames(1, SampleRate::Hz16000);
            waited += Duration::from_millis(20);
        }
        while let Ok(ev) = events.try_recv() {
            match ev {
                AgentEvent::UserTurn { text, .. } => writeln!(out, "caller: {text}")?,
                AgentEvent::AgentTurn { text, .. } => {
                    writeln!(out, "agent: {text}")?;
                    answered = played >= total;
                }
                AgentEvent::Metrics(m) => writeln!(
                    out,
                    "latency: endpoint {:?}, llm first token {:?}, tts first audio {:?}, first frame out {:?}",
                    m.endpoint, m.llm_first_token, m.tts_first_audio, m.first_frame_out
                )?,
                AgentEvent::ProviderFailed { stage, error, .. } => {
                    writeln!(out, "{stage} failed: {error}")?
                }
                _ => {}
            }
        }
        if answered || waited >= ANSWER_WAIT {
            break;
        }
    }
    caller.hang_up();
    let summary = call.await.context("the call task failed")?;
    writeln!(
        out,
        "call ended: {} user turns, {} agent turns, {} provider failures",
        summary.user_turns, summary.agent_turns, summary.provider_failures
    )?;
    if summary.agent_turns == 0 {
        anyhow::bail!("the agent never answered");
    }
    Ok(())
}
