//! A tiny deterministic PRNG (xorshift64* seeded through SplitMix64) for comfort noise, test
//! signals and fuzz inputs.
//!
//! Invariants: the same seed always gives the same sequence on every platform; the internal
//! state is never zero (xorshift's one fixed point), whatever the seed. Not cryptographic.

/// xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators", 2016).
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`. The seed goes through SplitMix64 first so that nearby seeds
    /// (0, 1, 2...) give unrelated streams and seed 0 does not lock the generator at zero.
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // SplitMix64 is a bijection, so exactly one seed maps to 0; move it off the fixed point.
        Self {
            state: if z == 0 { 0x2545_F491_4F6C_DD1D } else { z },
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The next 32 random bits (the high half, the better-mixed one for xorshift*).
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A uniform value in `[-1, 1)`.
    pub fn next_bipolar(&mut self) -> f32 {
        // 24 bits fill an f32 mantissa exactly, so every value is representable.
        let bits = (self.next_u64() >> 40) as f32;
        bits / 8_388_608.0 - 1.0
    }

    /// A uniform integer in `0..n` (`0` when `n == 0`). Slightly biased for huge `n`; fine for
    /// test inputs.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_seed_sensitive() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::new(43);
            (0..8).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn bipolar_range_and_mean() {
        let mut r = Rng::new(0);
        let mut sum = 0.0f64;
        for _ in 0..100_000 {
            let v = r.next_bipolar();
            assert!((-1.0..1.0).contains(&v));
            sum += f64::from(v);
        }
        assert!((sum / 100_000.0).abs() < 0.01);
        assert_eq!(r.below(0), 0);
        assert!(r.below(7) < 7);
    }
}
