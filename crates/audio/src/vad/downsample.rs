//! The VAD's own resamplers down to 8 kHz: the 2:1 all-pass decimator it uses for 16 and
//! 32 kHz input, and the 48 -> 8 kHz polyphase chain of the signal processing library.
//!
//! Ports of `WebRtcVad_Downsampling` (WebRTC `common_audio/vad/vad_sp.c`) and of
//! `WebRtcSpl_Resample48khzTo8khz` with the helpers it calls (`resample_48khz.c`,
//! `resample_by_2_internal.c`, `resample_fractional.c`), Copyright (c) 2011-2012 The WebRTC
//! project authors, BSD 3-clause licence.
//!
//! Invariants: filter states carry across calls exactly as in C; the intermediate 32-bit
//! arithmetic wraps where C's `int` would overflow (it does not for real audio, but no input
//! may panic); outputs are saturated to i16 only where C saturates.

use super::spl::mul16;

/// All-pass coefficients of the 2:1 decimator, upper 0.64 and lower 0.17 in Q13.
const ALL_PASS_COEFS_Q13: [i16; 2] = [5243, 1392];

/// `WebRtcVad_Downsampling`: halves the rate of `input` into `output` (`input.len() / 2`
/// samples are written, at most `output.len()`). `state` is the C `filter_state[0..2]`.
pub(crate) fn downsample_by_2(input: &[i16], output: &mut [i16], state: &mut [i32; 2]) {
    let [mut tmp32_1, mut tmp32_2] = *state;
    for (pair, out) in input.chunks_exact(2).zip(output.iter_mut()) {
        let (x0, x1) = (pair[0], pair[1]);
        // Upper branch.
        let tmp16_1 = ((tmp32_1 >> 1).wrapping_add(mul16(ALL_PASS_COEFS_Q13[0], x0) >> 14)) as i16;
        tmp32_1 = i32::from(x0).wrapping_sub(mul16(ALL_PASS_COEFS_Q13[0], tmp16_1) >> 12);
        // Lower branch.
        let tmp16_2 = ((tmp32_2 >> 1).wrapping_add(mul16(ALL_PASS_COEFS_Q13[1], x1) >> 14)) as i16;
        tmp32_2 = i32::from(x1).wrapping_sub(mul16(ALL_PASS_COEFS_Q13[1], tmp16_2) >> 12);
        *out = tmp16_1.wrapping_add(tmp16_2);
    }
    *state = [tmp32_1, tmp32_2];
}

/// Third-order all-pass sections of the polyphase half-band filters
/// (`kResampleAllpass` in `resample_by_2_internal.c`): [0] upper, [1] lower.
const RESAMPLE_ALLPASS: [[i32; 3]; 2] = [[821, 6110, 12382], [3050, 9368, 15063]];

/// 3:2 polyphase coefficients (`kCoefficients48To32`).
const COEFFICIENTS_48_TO_32: [[i32; 8]; 2] = [
    [778, -2050, 1087, 23285, 12903, -3783, 441, 222],
    [222, 441, -3783, 12903, 23285, 1087, -2050, 778],
];

/// `(x >> 14)` rounded towards zero, the "scale down and truncate" step of the C filters.
#[inline]
fn truncate_14(x: i32) -> i32 {
    let d = x >> 14;
    if d < 0 { d + 1 } else { d }
}

/// One three-stage all-pass section over input `x` with memory `s` (4 values), the loop
/// body shared by every function of `resample_by_2_internal.c`. Returns the new `s[3]`.
#[inline]
fn allpass3(x: i32, s: &mut [i32; 4], c: &[i32; 3]) -> i32 {
    // Scale down and round.
    let diff = x.wrapping_sub(s[1]).wrapping_add(1 << 13) >> 14;
    let tmp1 = s[0].wrapping_add(diff.wrapping_mul(c[0]));
    s[0] = x;
    let diff = truncate_14(tmp1.wrapping_sub(s[2]));
    let tmp0 = s[1].wrapping_add(diff.wrapping_mul(c[1]));
    s[1] = tmp1;
    let diff = truncate_14(tmp0.wrapping_sub(s[3]));
    s[3] = s[2].wrapping_add(diff.wrapping_mul(c[2]));
    s[2] = tmp0;
    s[3]
}

/// `WebRtcSpl_DownBy2ShortToInt`: 2:1 decimation, i16 in, Q15-scaled i32 out. C runs the
/// lower (even samples) and upper (odd samples) all-pass chains in two loops; they share no
/// state, so one loop computes both, which lets the CPU overlap the two dependency chains.
fn down_by_2_short_to_int(input: &[i16], out: &mut [i32], state: &mut [[i32; 4]; 2]) {
    let [lower, upper] = state;
    for (pair, o) in input.chunks_exact(2).zip(out.iter_mut()) {
        let even = (i32::from(pair[0]) << 15) + (1 << 14);
        let odd = (i32::from(pair[1]) << 15) + (1 << 14);
        let lo = allpass3(even, lower, &RESAMPLE_ALLPASS[1]) >> 1;
        let hi = allpass3(odd, upper, &RESAMPLE_ALLPASS[0]) >> 1;
        *o = lo.wrapping_add(hi);
    }
}

/// `WebRtcSpl_LPBy2IntToInt`: half-band low-pass at the same rate, i32 in and out. The four C
/// loops (two all-pass chains per output phase) are fused as in `down_by_2_short_to_int`;
/// the only shared value, the polyphase delay `state[3][0]` (C `state[12]`), is read by the
/// first chain before the fourth one overwrites it.
fn lp_by_2_int_to_int(input: &[i32], out: &mut [i32], state: &mut [[i32; 4]; 4]) {
    let len = input.len().min(out.len()) >> 1;
    // Lower all-pass: odd input -> even output, delayed by one input through C state[12].
    let mut delayed = state[3][0];
    let [s_a, s_b, s_c, s_d] = state;
    for i in 0..len {
        let (even, odd) = (input[2 * i], input[2 * i + 1]);
        let a = allpass3(delayed, s_a, &RESAMPLE_ALLPASS[1]) >> 1;
        delayed = odd;
        // Upper all-pass: even input -> even output.
        let b = allpass3(even, s_b, &RESAMPLE_ALLPASS[0]) >> 1;
        out[2 * i] = a.wrapping_add(b) >> 15;
        // Lower all-pass: even input -> odd output; upper: odd input -> odd output.
        let c = allpass3(even, s_c, &RESAMPLE_ALLPASS[1]) >> 1;
        let d = allpass3(odd, s_d, &RESAMPLE_ALLPASS[0]) >> 1;
        out[2 * i + 1] = c.wrapping_add(d) >> 15;
    }
}

/// `WebRtcSpl_Resample48khzTo32khz`: 3 inputs -> 2 outputs per block; `input` holds
/// `3 * blocks + 6` samples (8-tap filters with 8 samples of history at the front).
fn resample_48_to_32(input: &[i32], out: &mut [i32], blocks: usize) {
    for m in 0..blocks {
        let x = &input[3 * m..3 * m + 9];
        let dot = |c: &[i32; 8], xs: &[i32]| {
            c.iter().zip(xs).fold(1i32 << 14, |acc, (c, x)| {
                acc.wrapping_add(c.wrapping_mul(*x))
            })
        };
        out[2 * m] = dot(&COEFFICIENTS_48_TO_32[0], &x[0..8]);
        out[2 * m + 1] = dot(&COEFFICIENTS_48_TO_32[1], &x[1..9]);
    }
}

/// `WebRtcSpl_DownBy2IntToShort`: 2:1 decimation, Q15-scaled i32 in, saturated i16 out
/// (the two all-pass chains fused as in `down_by_2_short_to_int`).
fn down_by_2_int_to_short(input: &[i32], out: &mut [i16], state: &mut [[i32; 4]; 2]) {
    let [lower, upper] = state;
    for (pair, o) in input.chunks_exact(2).zip(out.iter_mut()) {
        let lo = allpass3(pair[0], lower, &RESAMPLE_ALLPASS[1]) >> 1;
        let hi = allpass3(pair[1], upper, &RESAMPLE_ALLPASS[0]) >> 1;
        let v = lo.wrapping_add(hi) >> 15;
        *o = v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    }
}

/// `WebRtcSpl_State48khzTo8khz`: 48 -> 24 -> 24 (low-pass) -> 16 -> 8 kHz.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resample48To8 {
    /// All-pass memories, four per chain (C `S_48_24[8]`, `S_24_24[16]`, `S_16_8[8]`), and
    /// the 3:2 filter history (C `S_24_16`).
    s_48_24: [[i32; 4]; 2],
    s_24_24: [[i32; 4]; 4],
    s_24_16: [i32; 8],
    s_16_8: [[i32; 4]; 2],
}

impl Resample48To8 {
    /// `WebRtcSpl_Resample48khzTo8khz`: 480 samples (10 ms) in, 80 out.
    pub(crate) fn process(&mut self, input: &[i16], out: &mut [i16]) {
        // 48 -> 24 kHz.
        let mut at_24 = [0i32; 240];
        down_by_2_short_to_int(input, &mut at_24, &mut self.s_48_24);
        // 24 -> 24 kHz low-pass, written after 8 samples of 3:2 filter history (C `tmpmem+8`).
        let mut lp = [0i32; 248];
        lp[..8].copy_from_slice(&self.s_24_16);
        lp_by_2_int_to_int(&at_24, &mut lp[8..], &mut self.s_24_24);
        self.s_24_16.copy_from_slice(&lp[240..248]);
        // 24 -> 16 kHz.
        let mut at_16 = [0i32; 160];
        resample_48_to_32(&lp, &mut at_16, 80);
        // 16 -> 8 kHz.
        down_by_2_int_to_short(&at_16, out, &mut self.s_16_8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, rate: f64, n: usize, amp: f64) -> Vec<i16> {
        (0..n)
            .map(|i| (amp * (2.0 * std::f64::consts::PI * hz * i as f64 / rate).sin()) as i16)
            .collect()
    }

    fn rms(v: &[i16]) -> f64 {
        (v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / v.len() as f64).sqrt()
    }

    #[test]
    fn by_2_passes_low_and_stops_high() {
        let mut state = [0; 2];
        let mut out = [0i16; 160];
        let low = tone(500.0, 16_000.0, 320, 10_000.0);
        downsample_by_2(&low, &mut out, &mut state);
        downsample_by_2(&low, &mut out, &mut state);
        assert!(rms(&out) > 5000.0, "pass band {}", rms(&out));
        let mut state = [0; 2];
        let high = tone(7000.0, 16_000.0, 320, 10_000.0);
        downsample_by_2(&high, &mut out, &mut state);
        downsample_by_2(&high, &mut out, &mut state);
        assert!(rms(&out) < 2000.0, "stop band {}", rms(&out));
    }

    #[test]
    fn from_48k_passes_low_and_stops_high() {
        let mut r = Resample48To8::default();
        let mut out = [0i16; 80];
        let low = tone(700.0, 48_000.0, 480, 10_000.0);
        for _ in 0..3 {
            r.process(&low, &mut out);
        }
        let pass = rms(&out);
        assert!((6000.0..8000.0).contains(&pass), "pass band {pass}");
        let mut r = Resample48To8::default();
        let high = tone(9000.0, 48_000.0, 480, 10_000.0);
        for _ in 0..3 {
            r.process(&high, &mut out);
        }
        assert!(rms(&out) < 300.0, "stop band {}", rms(&out));
        // A full-scale 24 kHz square wave must not panic, and is removed.
        let loud: Vec<i16> = (0..480)
            .map(|i| if i % 2 == 0 { i16::MIN } else { i16::MAX })
            .collect();
        for _ in 0..5 {
            r.process(&loud, &mut out);
        }
        assert!(rms(&out) < 1000.0, "nyquist {}", rms(&out));
    }
}
