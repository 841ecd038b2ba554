//! The energy gate: "is anybody making noise at all?", cheaper and blunter than the VAD.
//!
//! Main loop, per 20 ms frame: measure the mean energy of each 10 ms half (`level::
//! mean_energy`), call a half loud when it reaches the threshold, open after `attack_ms` of
//! consecutive loud halves and close after `release_ms` of consecutive quiet ones. The
//! threshold is fixed (dBFS) or adaptive: `margin_db` above the noise floor, the minimum
//! half energy of the last `window_ms` (minimum statistics, as in R. Martin, "Noise power
//! spectral density estimation based on optimal smoothing and minimum statistics", IEEE
//! TSAP 2001, without the smoothing), and never below `min_dbfs`.
//!
//! Invariants: levels follow the crate's dBFS convention (`level::rms_dbfs`: full-scale
//! square = 0 dBFS); with the default attack of 30 ms no click of up to 10 ms can open the
//! gate (it touches at most two 10 ms halves); the floor tracker costs O(1) per half; no input
//! or configuration (NaN included) panics.

use crate::frame::AudioFrame;
use crate::level::mean_energy;

/// Granularity of the gate's decisions.
const STEP_MS: u32 = 10;
/// Sub-windows of the minimum tracker: the floor forgets a minimum within
/// `window_ms / SUBWINDOWS` of it leaving the window.
const SUBWINDOWS: usize = 8;
/// Full scale squared: 0 dBFS in `mean_energy` units.
const FULL_SCALE_ENERGY: f64 = 32768.0 * 32768.0;

/// Mean energy of a level in dBFS (saturating). NaN gives `u64::MAX`: a nonsensical
/// threshold keeps the gate shut rather than open.
fn energy_of_dbfs(dbfs: f32) -> u64 {
    if dbfs.is_nan() {
        return u64::MAX;
    }
    (FULL_SCALE_ENERGY * 10f64.powf(f64::from(dbfs) / 10.0)) as u64
}

/// dBFS of a mean energy; `f32::NEG_INFINITY` for 0.
fn dbfs_of_energy(energy: u64) -> f32 {
    if energy == 0 {
        f32::NEG_INFINITY
    } else {
        (10.0 * (energy as f64 / FULL_SCALE_ENERGY).log10()) as f32
    }
}

/// Where the gate's threshold comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GateThreshold {
    /// A fixed level in dBFS.
    Fixed { dbfs: f32 },
    /// `margin_db` above the minimum half level of the last `window_ms`, but at least
    /// `min_dbfs` (so that a digitally silent line does not open on the faintest hiss).
    AboveFloor {
        margin_db: f32,
        window_ms: u32,
        min_dbfs: f32,
    },
}

/// Gate settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnergyGateConfig {
    pub threshold: GateThreshold,
    /// Loud time needed to open, rounded up to 10 ms (at least 10).
    pub attack_ms: u32,
    /// Quiet time needed to close, rounded up to 10 ms (at least 10).
    pub release_ms: u32,
}

impl Default for EnergyGateConfig {
    fn default() -> Self {
        Self {
            threshold: GateThreshold::Fixed { dbfs: -45.0 },
            attack_ms: 30,
            release_ms: 200,
        }
    }
}

/// Running minimum over a sliding window, kept as the minima of `SUBWINDOWS` sub-windows.
#[derive(Debug, Clone)]
struct FloorTracker {
    steps_per_sub: u32,
    /// Minima of the completed sub-windows (ring), `u64::MAX` while unfilled.
    ring: [u64; SUBWINDOWS],
    next: usize,
    /// The sub-window being filled.
    current_min: u64,
    current_steps: u32,
}

impl FloorTracker {
    fn new(window_ms: u32) -> Self {
        let steps = window_ms.div_ceil(STEP_MS).max(SUBWINDOWS as u32);
        Self {
            steps_per_sub: steps.div_ceil(SUBWINDOWS as u32),
            ring: [u64::MAX; SUBWINDOWS],
            next: 0,
            current_min: u64::MAX,
            current_steps: 0,
        }
    }

    fn push(&mut self, energy: u64) {
        self.current_min = self.current_min.min(energy);
        self.current_steps += 1;
        if self.current_steps >= self.steps_per_sub {
            self.ring[self.next] = self.current_min;
            self.next = (self.next + 1) % SUBWINDOWS;
            self.current_min = u64::MAX;
            self.current_steps = 0;
        }
    }

    /// The floor, once anything was pushed.
    fn floor(&self) -> Option<u64> {
        let m = self.ring.iter().copied().fold(self.current_min, u64::min);
        (m != u64::MAX).then_some(m)
    }
}

/// An energy gate for one stream.
#[derive(Debug, Clone)]
pub struct EnergyGate {
    cfg: EnergyGateConfig,
    /// Fixed threshold in energy units (fixed mode) or the `min_dbfs` floor (adaptive).
    base_threshold: u64,
    /// 10^(margin_db / 10) in adaptive mode.
    margin: f64,
    floor: Option<FloorTracker>,
    open: bool,
    /// Consecutive loud (while closed) or quiet (while open) time.
    run_ms: u32,
}

impl EnergyGate {
    pub fn new(cfg: EnergyGateConfig) -> Self {
        let round = |ms: u32| ms.div_ceil(STEP_MS).saturating_mul(STEP_MS).max(STEP_MS);
        let cfg = EnergyGateConfig {
            attack_ms: round(cfg.attack_ms),
            release_ms: round(cfg.release_ms),
            ..cfg
        };
        let (base_threshold, margin, floor) = match cfg.threshold {
            GateThreshold::Fixed { dbfs } => (energy_of_dbfs(dbfs), 1.0, None),
            GateThreshold::AboveFloor {
                margin_db,
                window_ms,
                min_dbfs,
            } => (
                energy_of_dbfs(min_dbfs),
                10f64.powf(f64::from(margin_db) / 10.0),
                Some(FloorTracker::new(window_ms)),
            ),
        };
        Self {
            cfg,
            base_threshold,
            margin,
            floor,
            open: false,
            run_ms: 0,
        }
    }

    /// A gate at a fixed `threshold_dbfs` with the default attack and release.
    pub fn fixed(threshold_dbfs: f32) -> Self {
        Self::new(EnergyGateConfig {
            threshold: GateThreshold::Fixed {
                dbfs: threshold_dbfs,
            },
            ..EnergyGateConfig::default()
        })
    }

    /// A gate `margin_db` above the floor of the last 3 s, never below -60 dBFS, with the
    /// default attack and release.
    pub fn adaptive(margin_db: f32) -> Self {
        Self::new(EnergyGateConfig {
            threshold: GateThreshold::AboveFloor {
                margin_db,
                window_ms: 3_000,
                min_dbfs: -60.0,
            },
            ..EnergyGateConfig::default()
        })
    }

    /// The configuration in force (after rounding).
    pub fn config(&self) -> &EnergyGateConfig {
        &self.cfg
    }

    /// Whether the gate is open (loud enough).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The tracked noise floor in dBFS (adaptive mode, once a frame was seen).
    pub fn noise_floor_dbfs(&self) -> Option<f32> {
        self.floor.as_ref()?.floor().map(dbfs_of_energy)
    }

    /// The threshold the next half is compared with, in dBFS.
    pub fn threshold_dbfs(&self) -> f32 {
        dbfs_of_energy(self.threshold())
    }

    fn threshold(&self) -> u64 {
        match self.floor.as_ref().and_then(FloorTracker::floor) {
            // `as` saturates, so a huge margin cannot wrap.
            Some(floor) => ((floor as f64 * self.margin) as u64).max(self.base_threshold),
            None => self.base_threshold,
        }
    }

    /// Feeds one frame (any rate); returns whether the gate is open after it.
    pub fn push(&mut self, frame: &AudioFrame) -> bool {
        let samples = frame.samples();
        let half = samples.len() / 2;
        for part in [&samples[..half], &samples[half..]] {
            self.step(mean_energy(part));
        }
        self.open
    }

    fn step(&mut self, energy: u64) {
        if let Some(floor) = self.floor.as_mut() {
            floor.push(energy);
        }
        // A threshold of 0 (-inf dBFS) still needs some energy: silence never opens.
        let loud = energy > 0 && energy >= self.threshold();
        if loud != self.open {
            self.run_ms = self.run_ms.saturating_add(STEP_MS);
            let needed = if self.open {
                self.cfg.release_ms
            } else {
                self.cfg.attack_ms
            };
            if self.run_ms >= needed {
                self.open = loud;
                self.run_ms = 0;
            }
        } else {
            self.run_ms = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{MediaTime, SampleRate};
    use crate::noise::ComfortNoise;

    fn tone_frame(rate: SampleRate, dbfs: f32, time: MediaTime) -> AudioFrame {
        // Sine amplitude for an RMS of `dbfs` (full-scale square = 0 dBFS).
        let amp = 32768.0 * 2f32.sqrt() * 10f32.powf(dbfs / 20.0);
        let hz = rate.hz() as f32;
        let samples: Vec<i16> = (0..rate.samples_per_frame())
            .map(|i| {
                let t = (time.0 as f32 + i as f32) / hz;
                (amp * (2.0 * std::f32::consts::PI * 440.0 * t).sin()) as i16
            })
            .collect();
        AudioFrame::new(rate, time, samples).expect("20 ms")
    }

    /// Runs `frames` through `gate`; returns the open state after each.
    fn run(gate: &mut EnergyGate, frames: impl IntoIterator<Item = AudioFrame>) -> Vec<bool> {
        frames.into_iter().map(|f| gate.push(&f)).collect()
    }

    #[test]
    fn opens_after_the_attack_and_closes_after_the_release() {
        let rate = SampleRate::Hz16000;
        let mut gate = EnergyGate::fixed(-40.0);
        let t = |i: u64| MediaTime::ZERO.after_frames(i, rate);
        let quiet = (0..5).map(|i| tone_frame(rate, -50.0, t(i)));
        assert!(run(&mut gate, quiet).iter().all(|&o| !o));
        // 30 ms attack: the first loud frame (20 ms) is not enough, the second is.
        let loud = (5..10).map(|i| tone_frame(rate, -30.0, t(i)));
        assert_eq!(run(&mut gate, loud), [false, true, true, true, true]);
        // 200 ms release: open for the first 9 quiet frames, closed at the 10th.
        let quiet = (10..22).map(|i| tone_frame(rate, -50.0, t(i)));
        let states = run(&mut gate, quiet);
        assert!(states[..9].iter().all(|&o| o), "{states:?}");
        assert!(!states[9], "{states:?}");
    }

    #[test]
    fn a_single_click_does_not_open_it() {
        for rate in [SampleRate::Hz8000, SampleRate::Hz48000] {
            let n = rate.samples_per_frame();
            let per_ms = n / 20;
            for click_at_ms in [0usize, 5, 8, 15, 18] {
                // A 10 ms full-scale burst anywhere in two frames of silence.
                let mut s = vec![0i16; 3 * n];
                for (i, v) in s[click_at_ms * per_ms + n..][..10 * per_ms]
                    .iter_mut()
                    .enumerate()
                {
                    *v = if i % 2 == 0 { i16::MAX } else { i16::MIN };
                }
                let mut gate = EnergyGate::fixed(-40.0);
                let frames = s
                    .chunks(n)
                    .map(|c| AudioFrame::from_slice(rate, MediaTime::ZERO, c));
                let states: Vec<bool> = frames.map(|f| gate.push(&f.expect("20 ms"))).collect();
                assert_eq!(states, [false; 3], "{rate}, click at {click_at_ms} ms");
            }
        }
    }

    #[test]
    fn adaptive_floor_follows_the_noise() {
        let rate = SampleRate::Hz8000;
        let mut gate = EnergyGate::adaptive(10.0);
        let mut cn = ComfortNoise::new(rate, -40.0, 3);
        let mut t = MediaTime::ZERO;
        // 4 s of -40 dBFS noise: loud for a fixed -45 gate, but the floor learns it.
        for _ in 0..200 {
            assert!(
                !gate.push(&cn.next_frame(t)),
                "opened on steady noise at {t:?}"
            );
            t = t.after_frames(1, rate);
        }
        let floor = gate.noise_floor_dbfs().expect("floor");
        assert!((-44.0..-39.0).contains(&floor), "floor {floor}");
        assert!((gate.threshold_dbfs() - (floor + 10.0)).abs() < 0.1);
        // A tone 15 dB above the noise opens it.
        let states: Vec<bool> = (0..5)
            .map(|i| gate.push(&tone_frame(rate, -25.0, t.after_frames(i, rate))))
            .collect();
        assert!(states[1..].iter().all(|&o| o), "{states:?}");
        // The noise gets 20 dB quieter: after the window the floor follows it down.
        let mut quiet = ComfortNoise::new(rate, -60.0, 4);
        for i in 0..200 {
            gate.push(&quiet.next_frame(t.after_frames(5 + i, rate)));
        }
        let floor = gate.noise_floor_dbfs().expect("floor");
        assert!((-64.0..-59.0).contains(&floor), "floor {floor}");
        assert!(!gate.is_open());
        assert!((gate.threshold_dbfs() - (floor + 10.0)).abs() < 0.1);
        // Digital silence: the floor is -inf, and `min_dbfs` bounds the threshold.
        for i in 0..200 {
            gate.push(&AudioFrame::silence(rate, t.after_frames(205 + i, rate)));
        }
        assert_eq!(gate.noise_floor_dbfs(), Some(f32::NEG_INFINITY));
        assert!((gate.threshold_dbfs() + 60.0).abs() < 0.01);
    }

    #[test]
    fn silence_and_nonsense_configs_never_open_or_panic() {
        let rate = SampleRate::Hz16000;
        let silent = AudioFrame::silence(rate, MediaTime::ZERO);
        let loud = tone_frame(rate, -3.0, MediaTime::ZERO);
        for dbfs in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -1000.0, 1000.0] {
            let mut gate = EnergyGate::new(EnergyGateConfig {
                threshold: GateThreshold::AboveFloor {
                    margin_db: dbfs,
                    window_ms: 0,
                    min_dbfs: dbfs,
                },
                attack_ms: 0,
                release_ms: u32::MAX,
            });
            for _ in 0..10 {
                assert!(!gate.push(&silent), "silence opened the gate ({dbfs})");
            }
            let opened = (0..5).any(|_| gate.push(&loud));
            // Only a -inf floor (every sound is above it) lets a tone open the gate.
            assert_eq!(
                opened,
                dbfs == f32::NEG_INFINITY || dbfs == -1000.0,
                "{dbfs}"
            );
            let mut fixed = EnergyGate::fixed(dbfs);
            for _ in 0..10 {
                assert!(
                    !fixed.push(&silent),
                    "silence opened the fixed gate ({dbfs})"
                );
            }
        }
        // -inf threshold: any sound opens it.
        let mut gate = EnergyGate::fixed(f32::NEG_INFINITY);
        assert!(run(&mut gate, [loud.clone(), loud]).contains(&true));
    }
}
