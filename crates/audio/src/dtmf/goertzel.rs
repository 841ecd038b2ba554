//! Block Goertzel analysis at the eight DTMF frequencies, plus the block's AC energy.
//!
//! The Goertzel recurrence `s[n] = x[n] + 2 cos(w) s[n-1] - s[n-2]` gives, after N samples,
//! the DFT power at `w` as `s1^2 + s2^2 - 2 cos(w) s1 s2` (G. Goertzel, "An algorithm for the
//! evaluation of finite trigonometric series", Amer. Math. Monthly 65, 1958). The frequency
//! need not sit on a DFT bin, so the eight exact Q.23 frequencies are used at every rate.
//!
//! Blocks are 102 samples at 8 kHz (12.75 ms: bin width 78 Hz, narrower than the 73 Hz row
//! spacing needs for the -22 dB neighbour rejection it gives), scaled with the rate so the
//! frequency resolution is the same at 16, 24 and 48 kHz (as spandsp's detector at 8 kHz).
//! Invariant: powers are normalised to mean squares in i16 units, so a sine of RMS r at a
//! probe frequency reads r^2 whatever the rate.

use super::digit::{COL_HZ, ROW_HZ};
use crate::frame::SampleRate;

/// Probes: four rows, then four columns.
const N: usize = 8;
/// Samples per block at 8 kHz.
const BLOCK_AT_8K: usize = 102;

/// The eight powers and the total energy of one block, as mean squares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BlockPowers {
    /// Mean square of the sine at each row / column frequency.
    pub row: [f32; 4],
    pub col: [f32; 4],
    /// Mean square of the block with its DC removed.
    pub total: f32,
}

/// Accumulates one block at a time.
#[derive(Debug, Clone)]
pub(crate) struct Goertzel {
    len: usize,
    /// 2 cos(w) for rows then columns.
    coefs: [f32; N],
    s1: [f32; N],
    s2: [f32; N],
    energy: f32,
    sum: f32,
    count: usize,
}

impl Goertzel {
    pub(crate) fn new(rate: SampleRate) -> Self {
        let hz = rate.hz() as f32;
        let mut coefs = [0.0; N];
        for (c, f) in coefs.iter_mut().zip(ROW_HZ.iter().chain(COL_HZ.iter())) {
            *c = 2.0 * (std::f32::consts::TAU * f / hz).cos();
        }
        Self {
            len: BLOCK_AT_8K * (rate.hz() / 8000) as usize,
            coefs,
            s1: [0.0; N],
            s2: [0.0; N],
            energy: 0.0,
            sum: 0.0,
            count: 0,
        }
    }

    /// Samples per block.
    #[cfg(test)]
    fn block_len(&self) -> usize {
        self.len
    }

    /// Samples already in the current block.
    pub(crate) fn filled(&self) -> usize {
        self.count
    }

    /// Feeds samples up to the end of the current block. Returns how many were consumed and,
    /// if the block completed, its powers (the next block then starts empty).
    pub(crate) fn feed(&mut self, samples: &[i16]) -> (usize, Option<BlockPowers>) {
        let take = samples.len().min(self.len - self.count);
        for &x in &samples[..take] {
            let x = f32::from(x);
            self.energy += x * x;
            self.sum += x;
            for k in 0..N {
                let s0 = x + self.coefs[k] * self.s1[k] - self.s2[k];
                self.s2[k] = self.s1[k];
                self.s1[k] = s0;
            }
        }
        self.count += take;
        if self.count < self.len {
            return (take, None);
        }
        let powers = self.finish();
        (take, Some(powers))
    }

    fn finish(&mut self) -> BlockPowers {
        let n = self.len as f32;
        // |X|^2 of a sine of amplitude A is (A N / 2)^2, its mean square A^2 / 2: scale by
        // 2 / N^2.
        let scale = 2.0 / (n * n);
        let mut p = [0.0f32; N];
        for (k, out) in p.iter_mut().enumerate() {
            let (a, b) = (self.s1[k], self.s2[k]);
            *out = (a * a + b * b - self.coefs[k] * a * b).max(0.0) * scale;
        }
        let total = ((self.energy - self.sum * self.sum / n) / n).max(0.0);
        *self = Self {
            s1: [0.0; N],
            s2: [0.0; N],
            energy: 0.0,
            sum: 0.0,
            count: 0,
            ..*self
        };
        BlockPowers {
            row: [p[0], p[1], p[2], p[3]],
            col: [p[4], p[5], p[6], p[7]],
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f32, rate: SampleRate, rms: f32, n: usize) -> Vec<i16> {
        let amp = rms * 2f32.sqrt();
        (0..n)
            .map(|i| {
                (amp * (std::f32::consts::TAU * hz * i as f32 / rate.hz() as f32).sin()).round()
                    as i16
            })
            .collect()
    }

    #[test]
    fn a_probe_frequency_reads_its_mean_square_at_every_rate() {
        for rate in SampleRate::ALL {
            let mut g = Goertzel::new(rate);
            let x = sine(852.0, rate, 1000.0, g.block_len());
            let (used, p) = g.feed(&x);
            assert_eq!(used, x.len());
            let p = p.expect("block complete");
            assert!((p.row[2] / 1.0e6 - 1.0).abs() < 0.02, "{rate}: {p:?}");
            assert!((p.total / 1.0e6 - 1.0).abs() < 0.02, "{rate}: {p:?}");
            // The neighbours (82 and 89 Hz away) are down by more than 15 dB, the column
            // frequencies by more than 20 dB.
            assert!(p.row[1] < 3.2e4 && p.row[3] < 3.2e4, "{rate}: {p:?}");
            assert!(p.col.iter().all(|&c| c < 1.0e4), "{rate}: {p:?}");
        }
    }

    #[test]
    fn blocks_span_feeds_and_dc_is_not_energy() {
        let rate = SampleRate::Hz8000;
        let mut g = Goertzel::new(rate);
        let (used, p) = g.feed(&[500; 60]);
        assert_eq!((used, p), (60, None));
        assert_eq!(g.filled(), 60);
        let (used, p) = g.feed(&[500; 60]);
        assert_eq!(used, 42);
        let p = p.expect("block complete");
        assert!(p.total < 1.0, "{p:?}");
        assert_eq!(g.filled(), 0);
    }
}
