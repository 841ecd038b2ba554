//! Comfort noise: a quiet, steady hiss to play when a leg would otherwise send digital silence
//! (hold, muted supervisor, gaps between TTS sentences), so the far end does not think the call
//! dropped. In the spirit of RFC 3389 (Comfort Noise payload): the receiver synthesises noise
//! at a signalled level with a gently falling spectrum, frame by frame.
//!
//! How: approximately Gaussian excitation from a deterministic PRNG ([`Rng`]), shaped by a
//! one-pole low-pass at 1 kHz mixed with a white floor (about 6 dB of tilt at 8 kHz, 12 dB at
//! 48 kHz: darker than white, like real line noise), then scaled so that each frame's RMS is the
//! requested level.
//!
//! Invariants: the output is a pure function of (rate, level, seed, number of frames drawn);
//! every frame's RMS equals the requested level to within rounding to i16 (tested to ±1 dB from
//! -70 to -6 dBFS); the filter state carries across frames, so there is no click at frame
//! boundaries. Levels use the crate's dBFS convention ([`crate::level::rms_dbfs`]: a full-scale
//! square wave is 0 dBFS).

mod rng;

pub use rng::Rng;

use crate::frame::{AudioFrame, MediaTime, SampleRate};
use crate::gain::round_to_i16;

/// Corner of the shaping low-pass. Line and room noise carry most energy below ~1 kHz.
const SHAPE_CORNER_HZ: f32 = 1_000.0;
/// Share of white noise added to the low-passed part, so the top of the band is not dead.
const WHITE_FLOOR: f32 = 0.25;
/// Below this, a level is treated as digital silence (it would round to zero anyway).
const SILENCE_BELOW_DBFS: f32 = -100.0;

/// Deterministic, spectrally shaped comfort-noise generator.
#[derive(Debug, Clone)]
pub struct ComfortNoise {
    rate: SampleRate,
    /// Target RMS in linear sample units (0 for silence).
    target_rms: f32,
    rng: Rng,
    /// One-pole low-pass coefficient and state.
    pole: f32,
    lp: f32,
    /// Reused per frame so that drawing a frame allocates only the frame itself.
    scratch: Vec<f32>,
}

impl ComfortNoise {
    /// A generator at `rate` whose frames have RMS `level_dbfs`, drawing from `seed`.
    ///
    /// `level_dbfs` is clamped to at most 0 dBFS; a non-finite level or one below -100 dBFS
    /// gives digital silence. Near 0 dBFS the peaks saturate, so the RMS reads a little low.
    pub fn new(rate: SampleRate, level_dbfs: f32, seed: u64) -> Self {
        let target_rms = if level_dbfs.is_finite() && level_dbfs >= SILENCE_BELOW_DBFS {
            32_768.0 * 10f32.powf(level_dbfs.min(0.0) / 20.0)
        } else {
            0.0
        };
        let pole = (-2.0 * std::f32::consts::PI * SHAPE_CORNER_HZ / rate.hz() as f32).exp();
        Self {
            rate,
            target_rms,
            rng: Rng::new(seed),
            pole,
            lp: 0.0,
            scratch: vec![0.0; rate.samples_per_frame()],
        }
    }

    /// The rate this generator produces.
    pub fn rate(&self) -> SampleRate {
        self.rate
    }

    /// The next 20 ms of noise, stamped with `time`.
    pub fn next_frame(&mut self, time: MediaTime) -> AudioFrame {
        AudioFrame::generate(self.rate, time, |s| self.fill(s))
    }

    /// Fills `out` (any length) with the next samples of noise, normalising its RMS to the
    /// target level. Used by `next_frame`; public for callers that keep their own buffers.
    pub fn fill(&mut self, out: &mut [i16]) {
        if self.scratch.len() < out.len() {
            self.scratch.resize(out.len(), 0.0);
        }
        let mut energy = 0.0f64;
        for v in self.scratch.iter_mut().take(out.len()) {
            // Irwin-Hall: the sum of four uniforms is close enough to Gaussian for noise that
            // must sound like hiss rather than crackle.
            let e = self.rng.next_bipolar()
                + self.rng.next_bipolar()
                + self.rng.next_bipolar()
                + self.rng.next_bipolar();
            self.lp = (1.0 - self.pole) * e + self.pole * self.lp;
            let y = self.lp + WHITE_FLOOR * e;
            *v = y;
            energy += f64::from(y) * f64::from(y);
        }
        if out.is_empty() {
            return;
        }
        let rms = (energy / out.len() as f64).sqrt() as f32;
        let gain = if rms > 0.0 {
            self.target_rms / rms
        } else {
            0.0
        };
        for (o, v) in out.iter_mut().zip(&self.scratch) {
            *o = round_to_i16(v * gain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::rms_dbfs;

    #[test]
    fn every_frame_is_at_the_requested_level() {
        for rate in SampleRate::ALL {
            for level in [-70.0f32, -60.0, -50.0, -40.0, -30.0, -20.0, -6.0] {
                let mut cn = ComfortNoise::new(rate, level, 7);
                let mut t = MediaTime::ZERO;
                for _ in 0..100 {
                    let f = cn.next_frame(t);
                    assert_eq!(f.samples().len(), rate.samples_per_frame());
                    assert_eq!(f.time(), t);
                    let got = f.level_dbfs();
                    assert!((got - level).abs() <= 1.0, "{rate} {level}: {got}");
                    t = t.after_frames(1, rate);
                }
            }
        }
    }

    #[test]
    fn deterministic_per_seed() {
        let frames = |seed| {
            let mut cn = ComfortNoise::new(SampleRate::Hz16000, -40.0, seed);
            (0..5)
                .map(|_| cn.next_frame(MediaTime::ZERO).into_samples())
                .collect::<Vec<_>>()
        };
        assert_eq!(frames(1), frames(1));
        assert_ne!(frames(1), frames(2));
    }

    #[test]
    fn spectrum_falls_towards_high_frequencies() {
        // Compare energy of the first difference (weights high frequencies) with the signal's
        // own energy: for white noise the ratio is 2, for this shaping about 1.1.
        let mut cn = ComfortNoise::new(SampleRate::Hz16000, -30.0, 3);
        let s: Vec<i16> = (0..50)
            .flat_map(|_| cn.next_frame(MediaTime::ZERO).into_samples())
            .collect();
        let e: f64 = s.iter().map(|&v| f64::from(v).powi(2)).sum();
        let d: f64 = s
            .windows(2)
            .map(|w| (f64::from(w[1]) - f64::from(w[0])).powi(2))
            .sum();
        let ratio = d / e;
        assert!(ratio < 1.5, "difference/energy ratio {ratio}");
        assert!(ratio > 0.05, "not so dark it is a rumble: {ratio}");
    }

    #[test]
    fn odd_levels_do_not_panic() {
        for level in [f32::NAN, f32::NEG_INFINITY, f32::INFINITY, -500.0] {
            let mut cn = ComfortNoise::new(SampleRate::Hz8000, level, 0);
            assert_eq!(
                rms_dbfs(cn.next_frame(MediaTime::ZERO).samples()),
                f32::NEG_INFINITY
            );
        }
        for level in [10.0f32, 0.0] {
            let mut cn = ComfortNoise::new(SampleRate::Hz8000, level, 0);
            let got = cn.next_frame(MediaTime::ZERO).level_dbfs();
            assert!(got > -3.0 && got <= 0.0, "{level}: {got}");
        }
        let mut cn = ComfortNoise::new(SampleRate::Hz48000, -20.0, 0);
        let mut long = vec![0i16; 5000];
        cn.fill(&mut long);
        assert!((rms_dbfs(&long) + 20.0).abs() < 0.1);
        cn.fill(&mut []);
    }
}
