//! `VoiceDetector`: turns 20 ms frames into `SpeechStart` / `SpeechEnd` events, the VAD
//! input of the conversation engine (barge-in, end of turn).
//!
//! Main loop, per 20 ms frame: split it into two 10 ms halves; for each, run the WebRTC
//! decision (8, 16 or 48 kHz directly) and the energy gate; a half is *voiced* when WebRTC's
//! models call it speech and it is louder than the gate, *bridge* when it is only inside
//! WebRTC's hangover. Onset: a run of voiced and bridge halves (a noise half breaks it) that
//! lasts `start_ms`, holds at least two voiced halves and still holds its level (so a click
//! and the WebRTC hangover after it are not an onset) declares `SpeechStart`, dated at its
//! first voiced half. End: `hangover_ms` without a voiced half declare `SpeechEnd`, dated at
//! the end of the last voiced half.
//!
//! Measured on the espeak-ng fixtures (detector_tests.rs): onsets dated within 30 ms of the
//! truth and decided within 50 ms of it; mode `Aggressive` (the default) starts nothing on
//! 10 s of comfort noise up to -45 dBFS, but steady noise at -40 dBFS and louder can start
//! speech now and then (use the energy gate above the line's noise).
//!
//! Invariants: events alternate, starting with `SpeechStart`; `at` is never after the frame
//! that reported it; at most one event per frame (`start_ms` and `hangover_ms` are at least
//! 20 ms); a change of sample rate starts a new stream (no event is emitted for it).

use super::webrtc::WebRtcVad;
use super::{Aggressiveness, VadDecision, VadError};
use crate::frame::{AudioFrame, MediaTime, SampleRate};
use crate::level::rms_dbfs;

/// The decision granularity: WebRTC runs on 10 ms halves of each 20 ms frame.
const STEP_MS: u32 = 10;

/// How the detector decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadConfig {
    /// WebRTC aggressiveness.
    pub mode: Aggressiveness,
    /// Speech needed to declare an onset, in ms (rounded up to 10 ms, at least 20).
    pub start_ms: u32,
    /// Unvoiced audio needed to declare the end, in ms (rounded up to 10 ms, at least 20).
    /// The conversation engine adds its own endpointing on top of this.
    pub hangover_ms: u32,
    /// Halves quieter than this (RMS dBFS) are never speech; `None` disables the gate.
    pub energy_gate_dbfs: Option<f32>,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            mode: Aggressiveness::Aggressive,
            start_ms: 40,
            hangover_ms: 300,
            energy_gate_dbfs: Some(-55.0),
        }
    }
}

/// A change in the speaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VadEvent {
    /// Speech began at `at` (estimated real onset, before the decision time).
    SpeechStart { at: MediaTime },
    /// Speech ended at `at` (end of the last voiced audio, `hangover_ms` before the decision).
    SpeechEnd { at: MediaTime },
}

/// Speech start/end detection for one stream.
#[derive(Debug, Clone)]
pub struct VoiceDetector {
    cfg: VadConfig,
    vad: WebRtcVad,
    rate: Option<SampleRate>,
    speaking: bool,
    /// The onset candidate, while not speaking.
    run: Option<Run>,
    /// End of the last voiced half while speaking, and unvoiced time since.
    last_voice_end: MediaTime,
    silence_ms: u32,
}

/// What one 10 ms half says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    /// Speech by WebRTC's models, and louder than the gate.
    Voiced,
    /// Inside WebRTC's hangover after speech, and louder than the gate.
    Bridge,
    /// Noise, or quieter than the gate.
    Unvoiced,
}

/// A run of active halves that may become an onset.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// Start of its first (voiced) half: the onset estimate.
    start: MediaTime,
    /// Voiced and bridge time so far.
    active_ms: u32,
    voiced_halves: u32,
    /// Loudest half of the run.
    peak_dbfs: f32,
}

/// Voiced halves an onset needs besides `start_ms` of activity, so that one 10 ms speech
/// decision (a click, a pop) and the WebRTC hangover after it never start speech alone.
const MIN_VOICED_HALVES: u32 = 2;

/// A half this far below the loudest half of its onset run neither counts as voiced nor
/// completes the onset: after a click WebRTC's filter and model state can call the next,
/// quiet halves speech or hangover, while real onsets rise or hold their level.
const CLICK_DROP_DB: f32 = 20.0;

fn round_up_steps(ms: u32) -> u32 {
    ms.div_ceil(STEP_MS)
        .saturating_mul(STEP_MS)
        .max(2 * STEP_MS)
}

impl VoiceDetector {
    pub fn new(cfg: VadConfig) -> Self {
        let cfg = VadConfig {
            start_ms: round_up_steps(cfg.start_ms),
            hangover_ms: round_up_steps(cfg.hangover_ms),
            ..cfg
        };
        Self {
            cfg,
            vad: WebRtcVad::new(cfg.mode),
            rate: None,
            speaking: false,
            run: None,
            last_voice_end: MediaTime::ZERO,
            silence_ms: 0,
        }
    }

    /// The configuration in force (after rounding).
    pub fn config(&self) -> &VadConfig {
        &self.cfg
    }

    /// Whether the speaker is currently talking (between `SpeechStart` and `SpeechEnd`).
    pub fn is_speaking(&self) -> bool {
        self.speaking
    }

    /// Forgets the stream: models, state and rate.
    pub fn reset(&mut self) {
        *self = Self::new(self.cfg);
    }

    /// Feeds one 20 ms frame. 24 kHz frames, which WebRTC cannot analyse, are ignored here
    /// (resample them to 16 kHz first); [`try_push`](Self::try_push) reports them instead.
    pub fn push(&mut self, frame: &AudioFrame) -> Option<VadEvent> {
        self.try_push(frame).ok().flatten()
    }

    /// Feeds one 20 ms frame; fails (leaving the state untouched) for 24 kHz frames.
    pub fn try_push(&mut self, frame: &AudioFrame) -> Result<Option<VadEvent>, VadError> {
        let rate = frame.rate();
        WebRtcVad::check_frame(rate.hz(), rate.samples_per_frame() / 2)?;
        if self.rate != Some(rate) {
            if self.rate.is_some() {
                self.reset();
            }
            self.rate = Some(rate);
        }
        let half_len = rate.samples_per_frame() / 2;
        let mut event = None;
        for (i, half) in frame.samples().chunks_exact(half_len).enumerate() {
            let start = MediaTime(frame.time().0.saturating_add((i * half_len) as u64));
            // The length was checked above, so the error arm is unreachable; treat it as
            // noise rather than panic.
            let decision = self
                .vad
                .process_decision(rate.hz(), half)
                .unwrap_or(VadDecision::Noise);
            let level = rms_dbfs(half);
            let gated = self.cfg.energy_gate_dbfs.is_some_and(|gate| level < gate);
            let kind = match decision {
                _ if gated => Half::Unvoiced,
                VadDecision::Speech => Half::Voiced,
                VadDecision::Hangover => Half::Bridge,
                VadDecision::Noise => Half::Unvoiced,
            };
            // At most one of the two halves yields an event (see the invariants).
            event = event.or(self.step(start, kind, level));
        }
        Ok(event)
    }

    /// Advances by one 10 ms half starting at `start`, `level_dbfs` loud.
    fn step(&mut self, start: MediaTime, kind: Half, level_dbfs: f32) -> Option<VadEvent> {
        let half_len = self.rate.map_or(0, |r| r.samples_per_frame() / 2) as u64;
        let end = MediaTime(start.0.saturating_add(half_len));
        if self.speaking {
            // Only the models' own speech decisions hold speech open: WebRTC's hangover is
            // not ours, so its halves count as silence here.
            if kind == Half::Voiced {
                self.last_voice_end = end;
                self.silence_ms = 0;
                return None;
            }
            self.silence_ms = self.silence_ms.saturating_add(STEP_MS);
            if self.silence_ms < self.cfg.hangover_ms {
                return None;
            }
            self.speaking = false;
            self.run = None;
            return Some(VadEvent::SpeechEnd {
                at: self.last_voice_end,
            });
        }
        let run = match (kind, self.run.as_mut()) {
            (Half::Unvoiced, _) | (Half::Bridge, None) => {
                self.run = None;
                return None;
            }
            (Half::Voiced, None) => self.run.insert(Run {
                start,
                active_ms: 0,
                voiced_halves: 0,
                peak_dbfs: level_dbfs,
            }),
            (_, Some(run)) => run,
        };
        run.active_ms = run.active_ms.saturating_add(STEP_MS);
        run.peak_dbfs = run.peak_dbfs.max(level_dbfs);
        let holds_level = level_dbfs >= run.peak_dbfs - CLICK_DROP_DB;
        if kind == Half::Voiced && holds_level {
            run.voiced_halves += 1;
        }
        // Declared on a half that still holds the run's level: a click's decaying tail, which
        // WebRTC may keep calling speech or hangover, never completes an onset.
        if run.active_ms < self.cfg.start_ms
            || run.voiced_halves < MIN_VOICED_HALVES
            || !holds_level
        {
            return None;
        }
        let at = run.start;
        self.run = None;
        self.speaking = true;
        self.last_voice_end = end;
        self.silence_ms = 0;
        Some(VadEvent::SpeechStart { at })
    }
}
