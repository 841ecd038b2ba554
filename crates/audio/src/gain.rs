//! Gain: fixed gain in dB with saturation, and a [`Gain`] stage whose level changes glide over a
//! short linear ramp, so muting, unmuting or ducking a stream never clicks.
//!
//! Invariants: output samples saturate at the i16 limits (never wrap); a level change reaches
//! its target after exactly [`RAMP_MS`] of audio at whatever rate flows through; NaN levels are
//! treated as 0 dB and -inf dB as silence.

use crate::frame::{AudioFrame, SampleRate};

/// Length of a level change. 10 ms is well above the ~1-2 ms that makes a step audible as a
/// click and short enough that a mute feels instant.
pub const RAMP_MS: u32 = 10;

/// Highest gain accepted; anything louder only clips.
const MAX_DB: f32 = 60.0;

/// Linear amplitude factor for `db` (20 log10 convention). NaN counts as 0 dB; the result is
/// capped at +60 dB and is 0 for -inf.
pub fn db_to_linear(db: f32) -> f32 {
    if db.is_nan() {
        return 1.0;
    }
    10f32.powf(db.min(MAX_DB) / 20.0)
}

/// Multiplies every sample of `frame` by `db` decibels, saturating.
pub fn apply_gain_db(frame: &mut AudioFrame, db: f32) {
    apply_linear(frame.samples_mut(), db_to_linear(db));
}

/// Multiplies `samples` by the linear factor `g`, rounding and saturating.
pub fn apply_linear(samples: &mut [i16], g: f32) {
    if g == 1.0 {
        return;
    }
    for s in samples {
        *s = scale(*s, g);
    }
}

fn scale(s: i16, g: f32) -> i16 {
    round_to_i16(f32::from(s) * g)
}

/// Rounds to the nearest i16 (ties to even), saturating at the i16 limits; NaN gives 0. Every
/// float-to-sample conversion in the crate goes through here.
#[inline]
pub fn round_to_i16(v: f32) -> i16 {
    // `f32::round` is a libm call on baseline x86-64 (no SSE4.1 `roundss`) and blocks
    // vectorisation; it cost more than the arithmetic around it. Adding and subtracting
    // 1.5 * 2^23 makes the FPU round to an integer in its default mode (exact for |v| < 2^22,
    // guaranteed by the clamp). Clamping first also makes saturation explicit; NaN passes
    // through the clamp and `as` turns it into 0.
    const MAGIC: f32 = 12_582_912.0;
    let c = v.clamp(-32_768.0, 32_767.0);
    ((c + MAGIC) - MAGIC) as i16
}

/// A gain stage with click-free level changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Gain {
    /// Linear factor applied right now (mid-ramp: where the ramp has got to).
    current: f32,
    /// Linear factor the ramp is heading to.
    target: f32,
    /// Ramp start value and progress in [0, 1]; progress 1 means settled.
    from: f32,
    progress: f32,
    /// The level to return to on `unmute`, in dB.
    level_db: f32,
    muted: bool,
}

impl Default for Gain {
    fn default() -> Self {
        Self::new(0.0)
    }
}

impl Gain {
    /// A stage settled at `db` (no ramp at the start).
    pub fn new(db: f32) -> Self {
        let g = db_to_linear(db);
        Self {
            current: g,
            target: g,
            from: g,
            progress: 1.0,
            level_db: db,
            muted: false,
        }
    }

    /// Glides to `db` over [`RAMP_MS`]. While muted, only remembers it for `unmute`.
    pub fn set_db(&mut self, db: f32) {
        self.level_db = db;
        if !self.muted {
            self.ramp_to(db_to_linear(db));
        }
    }

    /// Glides to silence over [`RAMP_MS`].
    pub fn mute(&mut self) {
        self.muted = true;
        self.ramp_to(0.0);
    }

    /// Glides back to the last level set.
    pub fn unmute(&mut self) {
        self.muted = false;
        self.ramp_to(db_to_linear(self.level_db));
    }

    pub fn is_muted(&self) -> bool {
        self.muted
    }

    /// True while a level change is still gliding.
    pub fn is_ramping(&self) -> bool {
        self.progress < 1.0
    }

    /// Applies the gain (and any ramp in progress) to a frame, at its own rate.
    pub fn process(&mut self, frame: &mut AudioFrame) {
        let rate = frame.rate();
        self.process_samples(frame.samples_mut(), rate);
    }

    /// Applies the gain to raw samples at `rate` (the rate sets how fast a ramp advances).
    pub fn process_samples(&mut self, samples: &mut [i16], rate: SampleRate) {
        let mut rest = samples;
        if self.is_ramping() {
            let ramp_len = (rate.hz() * RAMP_MS / 1000) as f32;
            let step = 1.0 / ramp_len;
            let left = ((1.0 - self.progress) * ramp_len).ceil() as usize;
            let (ramped, after) = rest.split_at_mut(left.min(rest.len()));
            for s in ramped {
                self.progress = (self.progress + step).min(1.0);
                self.current = self.from + (self.target - self.from) * self.progress;
                *s = scale(*s, self.current);
            }
            if self.progress >= 1.0 - step / 2.0 {
                self.progress = 1.0;
                self.current = self.target;
            }
            rest = after;
        }
        apply_linear(rest, self.current);
    }

    fn ramp_to(&mut self, target: f32) {
        if target == self.target && !self.is_ramping() {
            return;
        }
        self.from = self.current;
        self.target = target;
        self.progress = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::MediaTime;

    fn dc(rate: SampleRate, v: i16) -> AudioFrame {
        AudioFrame::new(rate, MediaTime::ZERO, vec![v; rate.samples_per_frame()]).unwrap()
    }

    #[test]
    fn fixed_gain_scales_and_saturates() {
        let mut f = dc(SampleRate::Hz8000, 1000);
        apply_gain_db(&mut f, -6.0206);
        assert_eq!(f.samples()[0], 500);
        apply_gain_db(&mut f, 40.0);
        assert_eq!(f.samples()[0], i16::MAX);
        let mut f = dc(SampleRate::Hz8000, -1000);
        apply_gain_db(&mut f, 40.0);
        assert_eq!(f.samples()[0], i16::MIN);
        apply_gain_db(&mut f, f32::NAN);
        assert_eq!(f.samples()[0], i16::MIN, "NaN is 0 dB");
        apply_gain_db(&mut f, f32::INFINITY);
        assert_eq!(f.samples()[0], i16::MIN);
        apply_gain_db(&mut f, f32::NEG_INFINITY);
        assert_eq!(f.samples()[0], 0);
    }

    #[test]
    fn rounding_is_nearest_and_saturating() {
        let cases = [
            (0.0, 0),
            (0.4, 0),
            (0.6, 1),
            (-0.6, -1),
            (2.5, 2),
            (3.5, 4),
            (-2.5, -2),
            (32_766.7, 32_767),
            (40_000.0, i16::MAX),
            (-40_000.0, i16::MIN),
            (f32::INFINITY, i16::MAX),
            (f32::NEG_INFINITY, i16::MIN),
            (f32::NAN, 0),
        ];
        for (v, want) in cases {
            assert_eq!(round_to_i16(v), want, "{v}");
        }
        for i in -40_000..40_000 {
            let v = i as f32 * 0.37;
            assert_eq!(
                round_to_i16(v),
                v.round_ties_even().clamp(-32768.0, 32767.0) as i16
            );
        }
    }

    #[test]
    fn mute_ramps_down_over_ten_ms_without_a_step() {
        for rate in SampleRate::ALL {
            let mut g = Gain::new(0.0);
            g.mute();
            let mut f = dc(rate, 10_000);
            g.process(&mut f);
            let s = f.samples();
            let ramp = (rate.hz() / 100) as usize;
            // Linear glide: no jump larger than one ramp step, silent from the end of the ramp.
            let max_step = 10_000 / ramp as i32 + 1;
            assert!(i32::from(s[0]) >= 10_000 - max_step);
            for w in s.windows(2) {
                assert!(
                    (i32::from(w[0]) - i32::from(w[1])).abs() <= max_step,
                    "{rate}"
                );
            }
            assert_eq!(s[ramp - 1], 0, "{rate}");
            assert!(s[ramp..].iter().all(|&v| v == 0));
            assert!(g.is_muted() && !g.is_ramping());
        }
    }

    #[test]
    fn ramp_spans_frames_and_unmute_restores_the_level() {
        // At 8 kHz a 10 ms ramp is 80 samples; feed 30-sample pieces to cross boundaries.
        let mut g = Gain::new(-6.0206);
        g.mute();
        g.set_db(0.0); // remembered, not applied while muted
        let mut out = Vec::new();
        for _ in 0..4 {
            let mut piece = [8_000i16; 30];
            g.process_samples(&mut piece, SampleRate::Hz8000);
            out.extend_from_slice(&piece);
        }
        assert!(out[..80].windows(2).all(|w| w[1] <= w[0]));
        assert_eq!(out[0], 4_000 - 50);
        assert!(out[80..].iter().all(|&v| v == 0));
        g.unmute();
        let mut f = dc(SampleRate::Hz8000, 8_000);
        g.process(&mut f);
        assert_eq!(f.samples()[0], 100);
        assert!(f.samples()[..80].windows(2).all(|w| w[1] >= w[0]));
        assert!(f.samples()[79..].iter().all(|&v| v == 8_000));
    }

    #[test]
    fn retarget_mid_ramp_starts_from_where_it_is() {
        let mut g = Gain::new(0.0);
        g.set_db(f32::NEG_INFINITY);
        let mut a = [10_000i16; 40]; // half of the 8 kHz ramp
        g.process_samples(&mut a, SampleRate::Hz8000);
        assert_eq!(a[39], 5_000);
        g.set_db(0.0);
        let mut b = [10_000i16; 100];
        g.process_samples(&mut b, SampleRate::Hz8000);
        assert!(
            (i32::from(b[0]) - 5_000).abs() <= 70,
            "continues from 5000: {}",
            b[0]
        );
        assert_eq!(b[99], 10_000);
        assert_eq!(Gain::default(), Gain::new(0.0));
    }
}
