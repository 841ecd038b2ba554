//! Per-turn latency: from the end of the caller's speech (the VAD's estimate) to the STT final,
//! the turn decision, the model's first token, the first synthesized audio and the first
//! frame handed to the leg. Each stage is observed once per turn, reported as an
//! [`AgentEvent::Metrics`](crate::events::AgentEvent) and as Prometheus histograms
//! `callbridge_turn_stage_seconds{stage, transport, provider}`.

use std::time::{Duration, Instant};

use callbridge_voice_api::TurnId;

use crate::events::TurnMetrics;

/// The histogram every stage goes to.
pub const TURN_STAGE_HISTOGRAM: &str = "callbridge_turn_stage_seconds";

/// The caller's side of the clock, kept across turns.
#[derive(Debug, Default)]
pub(crate) struct CallerClock {
    /// The end of the caller's latest speech.
    pub speech_end: Option<Instant>,
    /// The start of the caller's current turn.
    pub turn_start: Option<Instant>,
    /// The latest STT final.
    pub stt_final: Option<Instant>,
}

/// One agent turn's stopwatch.
#[derive(Debug)]
pub(crate) struct TurnTiming {
    pub metrics: TurnMetrics,
    origin: Option<Instant>,
    reported: bool,
}

impl TurnTiming {
    /// A turn decided at `now` answering speech that ended at `origin` (None: the agent spoke
    /// on its own, nothing is measured).
    pub(crate) fn new(
        turn: TurnId,
        origin: Option<Instant>,
        stt_final: Option<Instant>,
        now: Instant,
        llm: &str,
        tts: &str,
    ) -> Self {
        let since = |t: Instant| origin.map(|o| t.saturating_duration_since(o));
        TurnTiming {
            metrics: TurnMetrics {
                turn,
                stt_final: stt_final
                    .filter(|&f| origin.is_some_and(|o| f >= o))
                    .and_then(since),
                endpoint: since(now),
                llm_first_token: None,
                tts_first_audio: None,
                first_frame_out: None,
                llm_provider: llm.to_owned(),
                tts_provider: tts.to_owned(),
            },
            origin,
            reported: false,
        }
    }

    fn since(&self, now: Instant) -> Option<Duration> {
        self.origin.map(|o| now.saturating_duration_since(o))
    }

    pub(crate) fn first_token(&mut self, now: Instant) {
        if self.metrics.llm_first_token.is_none() {
            self.metrics.llm_first_token = self.since(now);
        }
    }

    pub(crate) fn first_audio(&mut self, now: Instant) {
        if self.metrics.tts_first_audio.is_none() {
            self.metrics.tts_first_audio = self.since(now);
        }
    }

    /// The first frame went out; returns the metrics to report (once per turn).
    pub(crate) fn first_frame(&mut self, now: Instant) -> Option<TurnMetrics> {
        if self.metrics.first_frame_out.is_none() {
            self.metrics.first_frame_out = self.since(now);
        }
        self.report()
    }

    /// The metrics, if not reported yet and anything was measured.
    pub(crate) fn report(&mut self) -> Option<TurnMetrics> {
        if self.reported || self.origin.is_none() {
            return None;
        }
        self.reported = true;
        Some(self.metrics.clone())
    }
}

/// Records one turn's stages in the Prometheus histograms.
pub(crate) fn observe(m: &TurnMetrics, transport: &'static str, stt: &str) {
    let stages: [(&'static str, Option<Duration>, &str); 5] = [
        ("stt_final", m.stt_final, stt),
        ("endpoint", m.endpoint, stt),
        ("llm_first_token", m.llm_first_token, &m.llm_provider),
        ("tts_first_audio", m.tts_first_audio, &m.tts_provider),
        ("first_frame_out", m.first_frame_out, &m.tts_provider),
    ];
    for (stage, value, provider) in stages {
        if let Some(d) = value {
            metrics::histogram!(
                TURN_STAGE_HISTOGRAM,
                "stage" => stage,
                "transport" => transport,
                "provider" => provider.to_owned()
            )
            .record(d.as_secs_f64());
        }
    }
}
