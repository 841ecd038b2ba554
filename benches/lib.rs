//! Benchmarks live in this package's `[[bench]]` targets; this library only holds shared
//! input generators so every bench measures the same signals.

/// A deterministic 20 ms test signal at `rate_hz`: a speech-band chirp with some noise.
pub fn test_frame(rate_hz: u32, seed: u32) -> Vec<i16> {
    let n = (rate_hz / 50) as usize;
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let t = i as f32 / rate_hz as f32;
            let tone = (2.0 * std::f32::consts::PI * (300.0 + 2000.0 * t) * t).sin() * 8000.0;
            let noise = ((x >> 16) as f32 - 32768.0) / 32.0;
            (tone + noise) as i16
        })
        .collect()
}
