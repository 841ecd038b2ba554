//! One Gaussian of the VAD's mixture models, in fixed point.
//!
//! Port of WebRTC `common_audio/vad/vad_gmm.c` (Copyright (c) 2012 The WebRTC project
//! authors, BSD 3-clause licence).
//!
//! Invariant: the same Q formats and truncations as C: input Q4, mean and std Q7, the
//! returned probability Q20 and `delta` Q11.

use super::spl::{div_w32_w16, mul16};

/// Exponents at or above this give probability 0.
const COMP_VAR: i32 = 22005;
/// log2(e) in Q12.
const LOG2_EXP: i16 = 5909;

/// `WebRtcVad_GaussianProbability`: `(1 / std) * exp(-(input - mean)^2 / (2 * std^2))` in
/// Q20, and `delta = (input - mean) / std^2` in Q11, which the model update uses.
pub(crate) fn gaussian_probability(input: i16, mean: i16, std: i16) -> (i32, i16) {
    // inv_std = 1 / s in Q10; (std >> 1) rounds instead of truncating.
    let tmp32 = 131_072 + i32::from(std >> 1);
    let inv_std = div_w32_w16(tmp32, std) as i16;
    // inv_std2 = 1 / s^2 in Q14: (Q8 * Q8) >> 2.
    let tmp16 = inv_std >> 2;
    let inv_std2 = (mul16(tmp16, tmp16) >> 2) as i16;
    // x - m in Q7 (input << 3 is Q4 -> Q7, truncated to 16 bits as in C).
    let tmp16 = ((i32::from(input) << 3) as i16).wrapping_sub(mean);
    // delta = (x - m) / s^2 in Q11: (Q14 * Q7) >> 10.
    let delta = (mul16(inv_std2, tmp16) >> 10) as i16;
    // Exponent (x - m)^2 / (2 s^2) in Q10: (Q11 * Q7) >> 9.
    let tmp32 = mul16(delta, tmp16) >> 9;
    let mut exp_value: i16 = 0;
    if tmp32 < COMP_VAR {
        // log2(e) * exponent in Q10, then exp2 of its negation by a shift of a 1.x mantissa.
        let mut t = (mul16(LOG2_EXP, tmp32 as i16) >> 12) as i16;
        t = t.wrapping_neg();
        exp_value = 0x0400 | (t & 0x03FF);
        t = !t;
        t >>= 10;
        t = t.wrapping_add(1);
        // The shift is 1..=31 for every reachable exponent; mask like x86 `sar` would.
        exp_value = ((i32::from(exp_value)).wrapping_shr(t as u32)) as i16;
    }
    (mul16(inv_std, exp_value), delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_and_tail() {
        // At the mean, exp = 1 (1024 in Q10): probability = inv_std * 1024.
        let (p, delta) = gaussian_probability(800, 6400, 512);
        assert_eq!(delta, 0);
        assert_eq!(p, (131_072 + 256) / 512 * 1024);
        // Far away the probability is 0.
        let (p, _) = gaussian_probability(2000, 640, 384);
        assert_eq!(p, 0);
        // Zero std (unreachable: stds are kept >= 384) follows C: the guarded division
        // gives i32::MAX, truncated to -1, so the "probability" is -1 * 1024.
        let (p, _) = gaussian_probability(100, 800, 0);
        assert_eq!(p, -1024);
    }
}
