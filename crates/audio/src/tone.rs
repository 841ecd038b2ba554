//! Call-progress and test tones: one or two sines at a level, optionally switched on and off
//! in a cadence (ringback, busy, reorder), at any supported rate.
//!
//! Levels are per component, as telephony tone plans specify them (ITU-T E.180 lists each
//! frequency's level; ANSI T1.401 gives US ringback as 440 + 480 Hz at -19 dBm0 per tone), in
//! this crate's dBFS (a full-scale sine reads -3 dBFS; [`crate::level::rms_dbfs`]).
//!
//! Invariants: phase is continuous across frames and across cadence gaps' edges (the
//! oscillator keeps running while silent); each burst starts and ends with a short linear
//! ramp so on/off switching does not click; the cadence position advances by exactly one frame
//! per `next_frame`, so the pattern is sample-exact over hours.

use std::f64::consts::TAU;

use crate::frame::{AudioFrame, MediaTime, SampleRate};
use crate::gain::round_to_i16;

/// 0 dBm0 in this crate's dBFS: the G.711 digital milliwatt (ITU-T G.711 Tables 5 and 6, the
/// 1 kHz 0 dBm0 reference sequence) decodes to an RMS of 16016, i.e. -6.2 dBFS.
pub const DBM0_IN_DBFS: f32 = -6.2;

/// Length of the fade at each edge of a cadence burst.
const EDGE_MS: u32 = 4;

/// Why a tone could not be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToneError {
    #[error("tone frequency {freq} Hz is not between 0 and {nyquist} Hz (half of {rate})")]
    BadFrequency {
        freq: f32,
        nyquist: f32,
        rate: SampleRate,
    },
}

/// On/off pattern of a tone, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub on_ms: u32,
    pub off_ms: u32,
}

/// A phase-continuous one- or two-frequency tone generator.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    rate: SampleRate,
    /// Phase increments per sample, in cycles (0 for an absent second tone).
    steps: [f64; 2],
    /// Phases at the start of the next frame, in cycles, kept in [0, 1).
    phases: [f64; 2],
    amplitude: f64,
    cadence: Option<Cadence>,
    /// Position in the cadence cycle, in samples.
    pos: u64,
}

impl ToneGenerator {
    /// A single sine at `freq` Hz, `level_dbfs` (per component), continuous.
    pub fn single(rate: SampleRate, freq: f32, level_dbfs: f32) -> Result<Self, ToneError> {
        Self::new(rate, freq, None, level_dbfs)
    }

    /// Two sines (e.g. 350 + 440 Hz dial tone), each at `level_dbfs`, continuous.
    pub fn dual(rate: SampleRate, f1: f32, f2: f32, level_dbfs: f32) -> Result<Self, ToneError> {
        Self::new(rate, f1, Some(f2), level_dbfs)
    }

    /// US ringback: 440 + 480 Hz, 2 s on, 4 s off, -19 dBm0 per tone.
    pub fn us_ringback(rate: SampleRate) -> Self {
        Self::preset(rate, [440.0, 480.0], -19.0, 2_000, 4_000)
    }

    /// US busy: 480 + 620 Hz, 0.5 s on, 0.5 s off, -24 dBm0 per tone.
    pub fn us_busy(rate: SampleRate) -> Self {
        Self::preset(rate, [480.0, 620.0], -24.0, 500, 500)
    }

    /// US dial tone: 350 + 440 Hz, continuous, -13 dBm0 per tone.
    pub fn us_dial(rate: SampleRate) -> Self {
        let mut t = Self::preset(rate, [350.0, 440.0], -13.0, 0, 0);
        t.cadence = None;
        t
    }

    /// Switches the tone on for `on_ms` and off for `off_ms`, repeating, starting with "on".
    /// `off_ms == 0` is continuous; `on_ms == 0` is silence.
    pub fn with_cadence(mut self, on_ms: u32, off_ms: u32) -> Self {
        self.cadence = Some(Cadence { on_ms, off_ms });
        self.pos = 0;
        self
    }

    pub fn rate(&self) -> SampleRate {
        self.rate
    }

    pub fn cadence(&self) -> Option<Cadence> {
        self.cadence
    }

    /// The next 20 ms of the tone, stamped with `time`.
    pub fn next_frame(&mut self, time: MediaTime) -> AudioFrame {
        let period = self.cadence.map_or(0, |c| {
            self.ms_to_samples(c.on_ms) + self.ms_to_samples(c.off_ms)
        });
        // A complex rotator per component, restarted each frame from the exact phase: one
        // multiply-add per sample instead of a `sin` call, and the recursion's rounding error
        // never lives longer than one frame.
        let mut osc = [(0.0f64, 0.0f64); 2];
        let mut rot = [(1.0f64, 0.0f64); 2];
        for k in 0..2 {
            if self.steps[k] > 0.0 {
                let (s, c) = (TAU * self.phases[k]).sin_cos();
                osc[k] = (c, s);
                let (s, c) = (TAU * self.steps[k]).sin_cos();
                rot[k] = (c, s);
            }
        }
        let mut frame = AudioFrame::silence(self.rate, time);
        let n = frame.samples().len();
        for out in frame.samples_mut() {
            let env = self.envelope();
            let v = osc[0].1 + osc[1].1;
            for ((c, s), (rc, rs)) in osc.iter_mut().zip(rot) {
                (*c, *s) = (*c * rc - *s * rs, *s * rc + *c * rs);
            }
            // Saturates: two full-scale tones clip instead of wrapping.
            *out = round_to_i16((v * self.amplitude * env) as f32);
            self.pos += 1;
            if self.pos >= period {
                self.pos = 0;
            }
        }
        for (phase, step) in self.phases.iter_mut().zip(self.steps) {
            *phase = (*phase + step * n as f64).fract();
        }
        frame
    }

    fn new(rate: SampleRate, f1: f32, f2: Option<f32>, level_dbfs: f32) -> Result<Self, ToneError> {
        let nyquist = rate.hz() as f32 / 2.0;
        let step = |f: f32| {
            if f.is_finite() && f > 0.0 && f < nyquist {
                Ok(f64::from(f) / f64::from(rate.hz()))
            } else {
                Err(ToneError::BadFrequency {
                    freq: f,
                    nyquist,
                    rate,
                })
            }
        };
        let steps = [step(f1)?, f2.map(step).transpose()?.unwrap_or(0.0)];
        Ok(Self {
            rate,
            steps,
            phases: [0.0; 2],
            amplitude: amplitude(level_dbfs),
            cadence: None,
            pos: 0,
        })
    }

    fn preset(rate: SampleRate, freqs: [f32; 2], dbm0: f32, on_ms: u32, off_ms: u32) -> Self {
        // Every preset frequency is below 4 kHz, the lowest Nyquist we support.
        let steps = freqs.map(|f| f64::from(f) / f64::from(rate.hz()));
        Self {
            rate,
            steps,
            phases: [0.0; 2],
            amplitude: amplitude(dbm0 + DBM0_IN_DBFS),
            cadence: Some(Cadence { on_ms, off_ms }),
            pos: 0,
        }
    }

    fn ms_to_samples(&self, ms: u32) -> u64 {
        u64::from(ms) * u64::from(self.rate.hz()) / 1000
    }

    /// Gain at the current cadence position: 1 inside a burst, a linear fade at its edges.
    fn envelope(&self) -> f64 {
        let Some(c) = self.cadence else {
            return 1.0;
        };
        let on = self.ms_to_samples(c.on_ms);
        if c.off_ms == 0 {
            return if on > 0 { 1.0 } else { 0.0 };
        }
        if self.pos >= on {
            return 0.0;
        }
        let edge = self.ms_to_samples(EDGE_MS).min(on / 2).max(1) as f64;
        let from_start = (self.pos + 1) as f64;
        let to_end = (on - self.pos) as f64;
        (from_start.min(to_end) / edge).min(1.0)
    }
}

/// Peak amplitude of a sine whose RMS is `level_dbfs` (full-scale square = 0 dBFS).
fn amplitude(level_dbfs: f32) -> f64 {
    if !level_dbfs.is_finite() && level_dbfs > 0.0 || level_dbfs.is_nan() {
        return 0.0;
    }
    32_768.0 * std::f64::consts::SQRT_2 * 10f64.powf(f64::from(level_dbfs.min(3.0)) / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::rms_dbfs;

    fn run(g: &mut ToneGenerator, frames: usize) -> Vec<i16> {
        let mut t = MediaTime::ZERO;
        let mut out = Vec::new();
        for _ in 0..frames {
            let f = g.next_frame(t);
            assert_eq!(f.time(), t);
            out.extend_from_slice(f.samples());
            t = t.after_frames(1, g.rate());
        }
        out
    }

    /// Power of `x` at `freq` (single-bin DFT), normalised to the signal's total power.
    fn share_at(x: &[i16], rate: SampleRate, freq: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &v) in x.iter().enumerate() {
            let w = TAU * freq * n as f64 / f64::from(rate.hz());
            re += f64::from(v) * w.cos();
            im += f64::from(v) * w.sin();
        }
        let total: f64 = x.iter().map(|&v| f64::from(v).powi(2)).sum();
        2.0 * (re * re + im * im) / (x.len() as f64 * total)
    }

    #[test]
    fn level_and_frequency_at_every_rate() {
        for rate in SampleRate::ALL {
            let mut g = ToneGenerator::single(rate, 1000.0, -20.0).unwrap();
            let x = run(&mut g, 10);
            assert!(
                (rms_dbfs(&x) + 20.0).abs() < 0.05,
                "{rate}: {}",
                rms_dbfs(&x)
            );
            assert!(share_at(&x, rate, 1000.0) > 0.99);
            let mut d = ToneGenerator::dual(rate, 350.0, 440.0, -20.0).unwrap();
            let x = run(&mut d, 50);
            // Two components at -20 dBFS each sum to about -17 dBFS.
            assert!(
                (rms_dbfs(&x) + 16.99).abs() < 0.1,
                "{rate}: {}",
                rms_dbfs(&x)
            );
            let split = share_at(&x, rate, 350.0) + share_at(&x, rate, 440.0);
            assert!(split > 0.98, "{rate}: {split}");
        }
    }

    #[test]
    fn phase_is_continuous_across_frames() {
        // 1 kHz at 8 kHz: 8 samples per cycle, frames of 160 are 20 whole cycles; use 1010 Hz
        // so a phase reset would show as a jump at the frame boundary.
        let mut g = ToneGenerator::single(SampleRate::Hz8000, 1010.0, -10.0).unwrap();
        let x = run(&mut g, 3);
        let max_step = x
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
            .unwrap();
        let amp = 32768.0 * 2f64.sqrt() * 10f64.powf(-0.5);
        let bound = (amp * TAU * 1010.0 / 8000.0) as i32 + 2;
        assert!(max_step <= bound, "{max_step} > {bound}");
        // And a sample-exact match with a freshly computed sine far into the stream.
        let n = 479;
        let want = (amp * (TAU * 1010.0 * n as f64 / 8000.0).sin()).round() as i32;
        assert!((i32::from(x[n]) - want).abs() <= 1);
    }

    #[test]
    fn busy_cadence_is_half_a_second_each_way() {
        let rate = SampleRate::Hz16000;
        let mut g = ToneGenerator::us_busy(rate);
        let x = run(&mut g, 100); // 2 s = two cycles
        let half = 8_000;
        for cycle in 0..2 {
            let on = &x[cycle * 2 * half..cycle * 2 * half + half];
            let off = &x[cycle * 2 * half + half..(cycle + 1) * 2 * half];
            assert!(off.iter().all(|&v| v == 0), "cycle {cycle}");
            let core = &on[200..half - 200];
            // Two tones at -24 dBm0 = -30.2 dBFS each: -27.2 dBFS together.
            assert!((rms_dbfs(core) + 27.2).abs() < 0.2, "{}", rms_dbfs(core));
            // Fades in and out instead of starting at full amplitude.
            assert!(on[0].unsigned_abs() < 200 && on[half - 1].unsigned_abs() < 200);
        }
    }

    #[test]
    fn ringback_is_two_seconds_on_four_off() {
        let rate = SampleRate::Hz8000;
        let mut g = ToneGenerator::us_ringback(rate);
        let x = run(&mut g, 600); // 12 s
        let sec = 8_000;
        for cycle in 0..2 {
            let base = cycle * 6 * sec;
            let level = rms_dbfs(&x[base + 100..base + 2 * sec - 100]);
            assert!((level + 22.2).abs() < 0.2, "{level}");
            assert!(x[base + 2 * sec..base + 6 * sec].iter().all(|&v| v == 0));
        }
        assert_eq!(
            g.cadence(),
            Some(Cadence {
                on_ms: 2_000,
                off_ms: 4_000
            })
        );
        let mut dial = ToneGenerator::us_dial(rate);
        assert_eq!(dial.cadence(), None);
        assert!((rms_dbfs(&run(&mut dial, 50)) + 16.2).abs() < 0.2);
    }

    #[test]
    fn edge_cases_do_not_panic() {
        let r = SampleRate::Hz8000;
        for f in [0.0, -5.0, 4000.0, f32::NAN, f32::INFINITY] {
            assert!(ToneGenerator::single(r, f, -10.0).is_err(), "{f}");
        }
        assert!(ToneGenerator::dual(r, 400.0, 5000.0, -10.0).is_err());
        let mut silent = ToneGenerator::single(r, 400.0, -10.0)
            .unwrap()
            .with_cadence(0, 100);
        assert!(run(&mut silent, 10).iter().all(|&v| v == 0));
        // Cadences shorter than a frame switch inside the frame.
        let mut fast = ToneGenerator::single(r, 400.0, -10.0)
            .unwrap()
            .with_cadence(5, 5);
        let x = run(&mut fast, 1);
        for burst in 0..2 {
            assert!(x[burst * 80 + 10..burst * 80 + 30].iter().any(|&v| v != 0));
            assert!(x[burst * 80 + 40..burst * 80 + 80].iter().all(|&v| v == 0));
        }
        let mut cont = ToneGenerator::single(r, 400.0, -10.0)
            .unwrap()
            .with_cadence(50, 0);
        assert!(rms_dbfs(&run(&mut cont, 10)) > -11.0);
        let mut zero = ToneGenerator::single(r, 400.0, 0.0)
            .unwrap()
            .with_cadence(0, 0);
        assert!(run(&mut zero, 2).iter().all(|&v| v == 0));
        let mut loud = ToneGenerator::dual(r, 400.0, 700.0, f32::INFINITY).unwrap();
        assert!(
            run(&mut loud, 2).iter().all(|&v| v == 0),
            "non-finite level is silence"
        );
        let mut clip = ToneGenerator::dual(r, 400.0, 700.0, 0.0).unwrap();
        let x = run(&mut clip, 5);
        assert!(x.contains(&i16::MAX) && x.contains(&i16::MIN));
    }
}
