//! ITU-T G.711 mu-law and A-law companding: 16-bit linear PCM <-> 8-bit codes, the payload of
//! PCMU/PCMA RTP (RFC 3551) and of Twilio Media Streams (mu-law, 8 kHz).
//!
//! Bit-exact with the classic Sun Microsystems `g711.c` (public domain, 1992), which is what
//! Python's `audioop` (`lin2ulaw`, `ulaw2lin`, `lin2alaw`, `alaw2lin`), SoX and most telephony
//! stacks use; `fixtures/g711/` holds `audioop`'s output for every input, and the tests compare
//! all 65,536 samples and all 256 codes of both laws.
//!
//! G.711 defines the laws on 14-bit (mu) and 13-bit (A) sign-magnitude values; reducing a
//! 16-bit two's-complement sample to that is left to the implementation, and the two common
//! references differ for mu-law:
//! - Sun/`audioop` shifts first (`x >> 2`, rounding towards minus infinity) and then negates,
//!   so a negative sample's magnitude is rounded *up*;
//! - ITU-T G.191 (the STL reference `g711.c`) takes the one's complement (`(!x) >> 2`), which
//!   rounds the magnitude *down*, mirroring the positive side.
//!
//! The results differ on 508 of the 65,536 inputs, all negative, each the four 16-bit values
//! just inside a decision threshold (e.g. -1..=-4 give 0x7E here, 0x7F in G.191), and never by
//! more than one quantisation step. We follow `audioop`, the acceptance reference. For A-law the
//! Sun code computes `-(x >> 3) - 1`, which equals G.191's `(!x) >> 3`: the two agree everywhere.
//!
//! Decoding is a 256-entry table per law; encoding is a table over the 14-bit (mu, 16 KiB) or
//! 13-bit (A, 8 KiB) value, built at compile time from the bit-level reference functions below,
//! so the tables cannot drift from them. Nothing here can panic.

mod frames;
#[cfg(test)]
mod tests;

pub use frames::{
    alaw_decode_into, alaw_encode_into, decode_alaw_frame, decode_mulaw_frame, encode_alaw_frame,
    encode_mulaw_frame, mulaw_decode_into, mulaw_encode_into,
};

/// mu-law bias (G.711 §3.2: the mu = 255 curve is offset by 33 in 14-bit units, 0x84 in 16-bit).
const MULAW_BIAS: i32 = 0x84;
/// Largest 14-bit magnitude mu-law encodes before clipping (8159 + 33 = 8192 = 2^13).
const MULAW_CLIP: i32 = 8159;

/// Encodes one 16-bit sample to a G.711 mu-law code.
#[inline]
pub fn mulaw_encode(s: i16) -> u8 {
    MULAW_ENCODE[((s >> 2) as u16 & 0x3FFF) as usize]
}

/// Decodes one G.711 mu-law code to a 16-bit sample.
#[inline]
pub fn mulaw_decode(code: u8) -> i16 {
    MULAW_DECODE[code as usize]
}

/// Encodes one 16-bit sample to a G.711 A-law code (with the even-bit inversion, 0x55).
#[inline]
pub fn alaw_encode(s: i16) -> u8 {
    ALAW_ENCODE[((s >> 3) as u16 & 0x1FFF) as usize]
}

/// Decodes one G.711 A-law code to a 16-bit sample.
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[code as usize]
}

/// mu-law code of a 14-bit two's-complement value (Sun `g711.c` `linear2ulaw`, after `>> 2`).
const fn mulaw_encode_14(v: i32) -> u8 {
    // mu-law transmits the complement of every bit (G.711 §3.2); the mask folds the sign in.
    let (mag, mask) = if v < 0 { (-v, 0x7F) } else { (v, 0xFF) };
    let mag = if mag > MULAW_CLIP { MULAW_CLIP } else { mag } + (MULAW_BIAS >> 2);
    // Segment = position of the top bit above bit 5 (segment ends 0x3F, 0x7F, ... 0x1FFF).
    let top = 31 - (mag as u32).leading_zeros() as i32;
    let seg = top - 5;
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let code = (seg << 4) | ((mag >> (seg + 1)) & 0xF);
    (code as u8) ^ mask
}

/// A-law code of a 13-bit two's-complement value (Sun `g711.c` `linear2alaw`, after `>> 3`).
const fn alaw_encode_13(v: i32) -> u8 {
    // A-law inverts the even bits (G.711 §3.3, 0x55) and sets the sign bit for positives.
    let (mag, mask) = if v >= 0 { (v, 0xD5) } else { (-v - 1, 0x55) };
    // Segment ends 0x1F, 0x3F, ... 0xFFF; segments 0 and 1 share the step size.
    let seg = if mag < 32 {
        0
    } else {
        31 - (mag as u32).leading_zeros() as i32 - 4
    };
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let quant = if seg < 2 { mag >> 1 } else { mag >> seg };
    (((seg << 4) | (quant & 0xF)) as u8) ^ mask
}

/// Linear value of a mu-law code (Sun `g711.c` `ulaw2linear`).
const fn mulaw_decode_ref(code: u8) -> i16 {
    let u = !code as i32;
    let t = (((u & 0xF) << 3) + MULAW_BIAS) << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 {
        MULAW_BIAS - t
    } else {
        t - MULAW_BIAS
    }) as i16
}

/// Linear value of an A-law code (Sun `g711.c` `alaw2linear`).
const fn alaw_decode_ref(code: u8) -> i16 {
    let a = (code ^ 0x55) as i32;
    let mut t = (a & 0xF) << 4;
    let seg = (a & 0x70) >> 4;
    t += if seg == 0 { 8 } else { 0x108 };
    if seg > 1 {
        t <<= seg - 1;
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

static MULAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = mulaw_decode_ref(i as u8);
        i += 1;
    }
    t
};

static ALAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_decode_ref(i as u8);
        i += 1;
    }
    t
};

/// Indexed by the 14-bit value's two's-complement bits (`(s >> 2) & 0x3FFF`).
static MULAW_ENCODE: [u8; 1 << 14] = {
    let mut t = [0u8; 1 << 14];
    let mut i = 0;
    while i < (1 << 14) {
        // Sign-extend the 14-bit index back to its value.
        let v = ((i as i32) << 18) >> 18;
        t[i] = mulaw_encode_14(v);
        i += 1;
    }
    t
};

/// Indexed by the 13-bit value's two's-complement bits (`(s >> 3) & 0x1FFF`).
static ALAW_ENCODE: [u8; 1 << 13] = {
    let mut t = [0u8; 1 << 13];
    let mut i = 0;
    while i < (1 << 13) {
        let v = ((i as i32) << 19) >> 19;
        t[i] = alaw_encode_13(v);
        i += 1;
    }
    t
};

/// The bit-level encoders, for benchmarking against the tables (not part of the stable API).
#[doc(hidden)]
pub mod reference {
    /// mu-law encode computed with bit operations, no table.
    pub fn mulaw_encode(s: i16) -> u8 {
        super::mulaw_encode_14(i32::from(s) >> 2)
    }

    /// A-law encode computed with bit operations, no table.
    pub fn alaw_encode(s: i16) -> u8 {
        super::alaw_encode_13(i32::from(s) >> 3)
    }
}
