//! DTMF tone generation: each queued key becomes `on_ms` of its two ITU-T Q.23 tones followed
//! by `off_ms` of silence, cut into 20 ms frames.
//!
//! Main loop, per sample: take the next key when idle, add the two sines (phase kept across
//! frames, so a tone is continuous whatever the frame boundaries), shape the first and last
//! 2 ms with a raised-cosine ramp to keep the spectrum clean (no clicks that could trip a
//! detector's twist or talk-off checks), then the pause.
//!
//! Invariants: `level_dbfs` is per tone, in the crate's convention (a sine of RMS `level`
//! dBFS, so a full-scale sine is -3 dBFS); the sum saturates instead of wrapping; after the
//! queue runs out the output is digital silence.

use super::digit::DtmfDigit;
use crate::frame::{AudioFrame, MediaTime, SampleRate};
use std::collections::VecDeque;
use std::f64::consts::TAU;

/// Length of the on/off ramps.
const RAMP_MS: usize = 2;

/// Generates DTMF key presses as 20 ms frames.
#[derive(Debug, Clone)]
pub struct DtmfGenerator {
    rate: SampleRate,
    queue: VecDeque<DtmfDigit>,
    on_samples: usize,
    off_samples: usize,
    ramp_samples: usize,
    /// Peak amplitude of each tone.
    amplitude: f64,
    /// Whether a key is being played (tone or pause), and where in it we are.
    playing: bool,
    pos: usize,
    /// Tone phases in cycles and their per-sample steps.
    phase: [f64; 2],
    step: [f64; 2],
}

impl DtmfGenerator {
    /// One key press: `on_ms` of tone and `off_ms` of silence at `level_dbfs` per tone.
    pub fn new(
        rate: SampleRate,
        digit: DtmfDigit,
        on_ms: u32,
        off_ms: u32,
        level_dbfs: f32,
    ) -> Self {
        Self::sequence(rate, &[digit], on_ms, off_ms, level_dbfs)
    }

    /// Several key presses in a row, each `on_ms` of tone then `off_ms` of silence.
    pub fn sequence(
        rate: SampleRate,
        digits: &[DtmfDigit],
        on_ms: u32,
        off_ms: u32,
        level_dbfs: f32,
    ) -> Self {
        let per_ms = rate.hz() as usize / 1000;
        let on_samples = on_ms as usize * per_ms;
        // sqrt(2) turns the RMS level into the peak of a sine; NaN gives silence.
        let amplitude =
            32768.0 * std::f64::consts::SQRT_2 * 10f64.powf(f64::from(level_dbfs) / 20.0);
        Self {
            rate,
            queue: digits.iter().copied().collect(),
            on_samples,
            off_samples: off_ms as usize * per_ms,
            ramp_samples: (RAMP_MS * per_ms).min(on_samples / 2),
            // f64::min would turn NaN into the bound; keep NaN silent instead.
            amplitude: if amplitude.is_nan() {
                0.0
            } else {
                amplitude.min(65536.0)
            },
            playing: false,
            pos: 0,
            phase: [0.0; 2],
            step: [0.0; 2],
        }
    }

    /// Queues one more key press after the current ones.
    pub fn push_digit(&mut self, digit: DtmfDigit) {
        self.queue.push_back(digit);
    }

    /// Whether every queued key (tone and pause) has been produced.
    pub fn is_finished(&self) -> bool {
        !self.playing && self.queue.is_empty()
    }

    pub fn rate(&self) -> SampleRate {
        self.rate
    }

    /// The next 20 ms, stamped `time`.
    pub fn next_frame(&mut self, time: MediaTime) -> AudioFrame {
        AudioFrame::generate(self.rate, time, |s| self.fill(s))
    }

    /// Fills `out` (any length) with the next samples.
    pub fn fill(&mut self, out: &mut [i16]) {
        for o in out.iter_mut() {
            *o = self.next_sample();
        }
    }

    fn next_sample(&mut self) -> i16 {
        if !self.playing {
            let Some(digit) = self.queue.pop_front() else {
                return 0;
            };
            let (low, high) = digit.frequencies();
            let hz = f64::from(self.rate.hz());
            self.step = [f64::from(low) / hz, f64::from(high) / hz];
            self.playing = true;
            self.pos = 0;
        }
        let mut v = 0.0;
        if self.pos < self.on_samples {
            let edge = self.pos.min(self.on_samples - 1 - self.pos);
            let gain = if edge < self.ramp_samples {
                // Raised cosine from 0 to 1 over the ramp.
                0.5 - 0.5
                    * (std::f64::consts::PI * (edge as f64 + 0.5) / self.ramp_samples as f64).cos()
            } else {
                1.0
            };
            v = self.amplitude * gain * ((TAU * self.phase[0]).sin() + (TAU * self.phase[1]).sin());
            for (p, s) in self.phase.iter_mut().zip(self.step) {
                *p = (*p + s).fract();
            }
        }
        self.pos += 1;
        if self.pos >= self.on_samples + self.off_samples {
            self.playing = false;
        }
        // `as` saturates: a too-loud pair clips instead of wrapping.
        v.round() as i16
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::rms_dbfs;

    #[test]
    fn tone_pause_timing_and_level() {
        let rate = SampleRate::Hz8000;
        let mut g = DtmfGenerator::new(rate, DtmfDigit::Five, 100, 60, -20.0);
        let mut all = Vec::new();
        let mut t = MediaTime::ZERO;
        while !g.is_finished() {
            all.extend_from_slice(g.next_frame(t).samples());
            t = t.after_frames(1, rate);
        }
        // 160 ms of audio in 20 ms frames.
        assert_eq!(all.len(), 8 * 160);
        let first_silent = all.iter().rposition(|&s| s != 0).map_or(0, |i| i + 1);
        assert!(
            (795..=800).contains(&first_silent),
            "tone ends at {first_silent}"
        );
        // Two tones at -20 dBFS each: -17 dBFS together (ramps excluded).
        let level = rms_dbfs(&all[40..760]);
        assert!((level + 16.99).abs() < 0.1, "level {level}");
        assert_eq!(g.next_frame(t).samples(), &[0; 160][..]);
    }

    #[test]
    fn phase_is_continuous_across_frames() {
        // A 1 kHz-ish pair generated in one go or frame by frame gives the same samples.
        let rate = SampleRate::Hz16000;
        let mut a = DtmfGenerator::new(rate, DtmfDigit::D, 200, 0, -10.0);
        let mut whole = vec![0i16; 3200];
        a.fill(&mut whole);
        let mut b = DtmfGenerator::new(rate, DtmfDigit::D, 200, 0, -10.0);
        let mut pieces = Vec::new();
        for i in 0..10 {
            pieces.extend_from_slice(b.next_frame(MediaTime(i * 320)).samples());
        }
        assert_eq!(whole, pieces);
        // No jump larger than the steepest slope of the two sines.
        let max_step = whole
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max();
        let amp = 32768.0 * 2f32.sqrt() * 10f32.powf(-0.5);
        let slope = amp * std::f32::consts::TAU * (941.0 + 1633.0) / 16_000.0;
        assert!(
            max_step.is_some_and(|m| (m as f32) < slope + 2.0),
            "{max_step:?} vs {slope}"
        );
    }

    #[test]
    fn too_loud_saturates_and_nan_is_silence() {
        let mut g = DtmfGenerator::new(SampleRate::Hz8000, DtmfDigit::One, 40, 0, 6.0);
        let f = g.next_frame(MediaTime::ZERO);
        assert!(f.samples().contains(&i16::MAX) || f.samples().contains(&i16::MIN));
        let mut g = DtmfGenerator::new(SampleRate::Hz8000, DtmfDigit::One, 40, 0, f32::NAN);
        assert!(
            g.next_frame(MediaTime::ZERO)
                .samples()
                .iter()
                .all(|&s| s == 0)
        );
    }
}
