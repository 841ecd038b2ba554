//! The few fixed-point helpers of WebRTC's signal processing library (`common_audio/
//! signal_processing`: `spl_inl.h`, `division_operations.c`, `energy.c`,
//! `get_scaling_square.c`) that the VAD uses, ported to safe Rust.
//!
//! Ported from WebRTC (Copyright (c) 2012 The WebRTC project authors, BSD 3-clause licence;
//! taken from the `webrtcvad` 2.0.10 / `webrtcvad-wheels` 2.0.14 distribution of that code).
//!
//! Invariant: every function gives the value the C code gives on a two's-complement machine,
//! where C relies on `int` wrap-around we wrap explicitly, and nothing here panics.

/// `WebRtcSpl_NormW32`: how far `a` can be shifted left without overflow (0 for 0).
pub(crate) fn norm_w32(a: i32) -> i16 {
    if a == 0 {
        return 0;
    }
    let v = if a < 0 { !a } else { a };
    // For v == 0 (a == -1) the C bit tests give 31, as does leading_zeros(0) - 1.
    (v.leading_zeros() as i16) - 1
}

/// `WebRtcSpl_NormU32`: leading zeros of `a` (0 for 0).
pub(crate) fn norm_u32(a: u32) -> i16 {
    if a == 0 { 0 } else { a.leading_zeros() as i16 }
}

/// `WebRtcSpl_GetSizeInBits`: bits needed to hold `n`.
pub(crate) fn size_in_bits(n: u32) -> i16 {
    (32 - n.leading_zeros()) as i16
}

/// `WebRtcSpl_DivW32W16`: `num / den` truncated towards zero, `i32::MAX` for a zero divisor.
pub(crate) fn div_w32_w16(num: i32, den: i16) -> i32 {
    if den == 0 {
        i32::MAX
    } else {
        // i32::MIN / -1 overflows in C too; x86 would trap, we wrap.
        num.wrapping_div(i32::from(den))
    }
}

/// `WEBRTC_SPL_MUL_16_16`: the product of two 16-bit values as a 32-bit value (cannot
/// overflow).
#[inline]
pub(crate) fn mul16(a: i16, b: i16) -> i32 {
    i32::from(a) * i32::from(b)
}

/// `WebRtcSpl_GetScalingSquare`: the right shift that keeps `times` squared samples of
/// `v` from overflowing 32 bits.
fn scaling_square(v: &[i16], times: u32) -> i16 {
    let nbits = size_in_bits(times);
    let mut smax: i16 = -1;
    for &s in v {
        // `-*sptr` of -32768 is +32768 stored into an int16_t: -32768 again, which never
        // wins the max. Faithful to C, so a lone -32768 does not raise the scaling.
        let sabs = if s > 0 { s } else { s.wrapping_neg() };
        smax = smax.max(sabs);
    }
    let t = norm_w32(mul16(smax, smax));
    // C returns 0 for smax == 0 "since norm(0) returns 0", and when no scaling is needed.
    if smax == 0 || t > nbits { 0 } else { nbits - t }
}

/// `WebRtcSpl_Energy`: the sum of squares of `v`, each square shifted right by the
/// returned scale factor so that the sum fits in 32 bits.
pub(crate) fn energy(v: &[i16]) -> (i32, i32) {
    let scaling = scaling_square(v, v.len() as u32);
    let shift = u32::from(scaling as u16) & 31;
    let mut en: i32 = 0;
    for &s in v {
        // Can wrap for runs of -32768 (see `scaling_square`); C wraps as well.
        en = en.wrapping_add(mul16(s, s) >> shift);
    }
    (en, i32::from(scaling))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C bit-twiddling versions, transcribed literally, as the oracle.
    fn norm_w32_c(mut a: i32) -> i16 {
        if a == 0 {
            return 0;
        } else if a < 0 {
            a = !a;
        }
        let a = a as u32;
        let mut zeros: u32 = if a & 0xFFFF_8000 == 0 { 16 } else { 0 };
        if (a << zeros) & 0xFF80_0000 == 0 {
            zeros += 8;
        }
        if (a << zeros) & 0xF800_0000 == 0 {
            zeros += 4;
        }
        if (a << zeros) & 0xE000_0000 == 0 {
            zeros += 2;
        }
        if (a << zeros) & 0xC000_0000 == 0 {
            zeros += 1;
        }
        zeros as i16
    }

    #[test]
    fn norms_match_the_c_bit_tests() {
        let mut x: u32 = 12345;
        let mut cases = vec![
            0,
            1,
            -1,
            2,
            -2,
            i32::MAX,
            i32::MIN,
            0x4000_0000,
            -0x4000_0000,
        ];
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            cases.push((x as i32) >> (x % 31));
        }
        for a in cases {
            assert_eq!(norm_w32(a), norm_w32_c(a), "a = {a}");
        }
        assert_eq!(norm_u32(1), 31);
        assert_eq!(norm_u32(0x8000_0000), 0);
        assert_eq!(size_in_bits(0), 0);
        assert_eq!(size_in_bits(80), 7);
        assert_eq!(size_in_bits(0xFFFF_FFFF), 32);
    }

    #[test]
    fn division_guards_zero_and_truncates() {
        assert_eq!(div_w32_w16(7, 0), i32::MAX);
        assert_eq!(div_w32_w16(-7, 2), -3);
        assert_eq!(div_w32_w16(i32::MIN, -1), i32::MIN);
    }

    #[test]
    fn energy_scales_to_avoid_overflow() {
        let loud = [30_000i16; 120];
        let (en, scale) = energy(&loud);
        assert!(scale > 0);
        assert_eq!(en, 120 * ((30_000 * 30_000) >> scale));
        assert_eq!(energy(&[0; 10]), (0, 0));
        // A run of -32768 is not seen by the scaling (C quirk) and wraps.
        let (_, scale) = energy(&[i16::MIN; 4]);
        assert_eq!(scale, 0);
    }
}
