//! G.711 against `audioop`'s output for every input (fixtures/g711, made by
//! scripts/gen-g711-vectors.py), plus properties that hold for any correct compander.

use super::*;
use crate::frame::{AudioFrame, FrameError, MediaTime, SampleRate};

static MULAW_ENCODE_REF: &[u8] = include_bytes!("../../../../fixtures/g711/mulaw_encode.bin");
static MULAW_DECODE_REF: &[u8] = include_bytes!("../../../../fixtures/g711/mulaw_decode.bin");
static ALAW_ENCODE_REF: &[u8] = include_bytes!("../../../../fixtures/g711/alaw_encode.bin");
static ALAW_DECODE_REF: &[u8] = include_bytes!("../../../../fixtures/g711/alaw_decode.bin");

fn every_sample() -> impl Iterator<Item = i16> {
    i16::MIN..=i16::MAX
}

fn decode_table(bytes: &[u8]) -> Vec<i16> {
    assert_eq!(bytes.len(), 512);
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[test]
fn mulaw_encode_matches_audioop_for_all_65536_inputs() {
    assert_eq!(MULAW_ENCODE_REF.len(), 65_536);
    for (s, &want) in every_sample().zip(MULAW_ENCODE_REF) {
        assert_eq!(mulaw_encode(s), want, "sample {s}");
        assert_eq!(reference::mulaw_encode(s), want, "bit-level, sample {s}");
    }
}

#[test]
fn alaw_encode_matches_audioop_for_all_65536_inputs() {
    assert_eq!(ALAW_ENCODE_REF.len(), 65_536);
    for (s, &want) in every_sample().zip(ALAW_ENCODE_REF) {
        assert_eq!(alaw_encode(s), want, "sample {s}");
        assert_eq!(reference::alaw_encode(s), want, "bit-level, sample {s}");
    }
}

#[test]
fn decode_matches_audioop_for_all_256_codes() {
    let mu = decode_table(MULAW_DECODE_REF);
    let a = decode_table(ALAW_DECODE_REF);
    for code in 0..=255u8 {
        assert_eq!(
            mulaw_decode(code),
            mu[usize::from(code)],
            "mu-law {code:#04x}"
        );
        assert_eq!(alaw_decode(code), a[usize::from(code)], "A-law {code:#04x}");
    }
    // Spot values from G.711 Tables 2a/2b (scaled to 16 bits): full-scale codes.
    assert_eq!(mulaw_decode(0x80), 32124);
    assert_eq!(mulaw_decode(0x00), -32124);
    assert_eq!(alaw_decode(0xAA), 32256);
    assert_eq!(alaw_decode(0x2A), -32256);
}

#[test]
fn every_code_survives_decode_then_encode() {
    for code in 0..=255u8 {
        // mu-law has two zeros (0xFF = +0, 0x7F = -0); -0 decodes to 0 and comes back as +0.
        let want = if code == 0x7F { 0xFF } else { code };
        assert_eq!(mulaw_encode(mulaw_decode(code)), want, "mu-law {code:#04x}");
        assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
    }
}

#[test]
fn companding_is_monotonic_and_error_is_bounded() {
    let (mut last_mu, mut last_a) = (i16::MIN, i16::MIN);
    for s in every_sample() {
        let mu = mulaw_decode(mulaw_encode(s));
        let a = alaw_decode(alaw_encode(s));
        assert!(mu >= last_mu && a >= last_a, "not monotonic at {s}");
        (last_mu, last_a) = (mu, a);
        // Error is at most the step of the segment (plus the 1-LSB-of-14-bit asymmetry of
        // negative mu-law inputs), except where full scale clips (|s| > ~32124 / 32256).
        let step = |v: i16| i32::from(v.unsigned_abs().max(256)) / 8;
        if s.unsigned_abs() < 32_000 {
            let (e_mu, e_a) = (i32::from(mu) - i32::from(s), i32::from(a) - i32::from(s));
            assert!(e_mu.abs() <= step(s) + 4, "mu-law error {e_mu} at {s}");
            assert!(e_a.abs() <= step(s) + 8, "A-law error {e_a} at {s}");
        }
    }
}

#[test]
fn slices_convert_the_common_length() {
    let pcm: Vec<i16> = (0..200).map(|i| (i * 150 - 15_000) as i16).collect();
    let mut codes = [0u8; 160];
    assert_eq!(mulaw_encode_into(&pcm, &mut codes), 160);
    let mut back = [0i16; 200];
    assert_eq!(mulaw_decode_into(&codes, &mut back), 160);
    assert_eq!(back[200 - 1], 0, "untouched past the common length");
    for (b, c) in back.iter().zip(&codes) {
        assert_eq!(*b, mulaw_decode(*c));
    }
    assert_eq!(alaw_encode_into(&pcm[..10], &mut codes), 10);
    assert_eq!(alaw_decode_into(&codes[..10], &mut back), 10);
    assert_eq!(back[3], alaw_decode(alaw_encode(pcm[3])));
    assert_eq!(mulaw_encode_into(&[], &mut codes), 0);
}

#[test]
fn frames_round_trip_and_check_shape() {
    let t = MediaTime(480);
    let payload: Vec<u8> = (0..160).map(|i| i as u8).collect();
    for (decode, encode) in [
        (
            decode_mulaw_frame as fn(&[u8], MediaTime) -> Result<AudioFrame, FrameError>,
            encode_mulaw_frame as fn(&AudioFrame, &mut Vec<u8>) -> Result<(), FrameError>,
        ),
        (decode_alaw_frame, encode_alaw_frame),
    ] {
        let frame = decode(&payload, t).unwrap();
        assert_eq!((frame.rate(), frame.time()), (SampleRate::Hz8000, t));
        let mut out = vec![0xAB; 12];
        encode(&frame, &mut out).unwrap();
        assert_eq!(out.len(), 172, "appends after existing bytes");
        assert_eq!(&out[..12], &[0xAB; 12]);
        // Decode then encode is the identity except for mu-law's -0 (0x7F).
        for (got, want) in out[12..].iter().zip(&payload) {
            assert!(got == want || (*want == 0x7F && *got == 0xFF));
        }
        assert_eq!(
            decode(&payload[..159], t).unwrap_err(),
            FrameError::WrongLength {
                rate: SampleRate::Hz8000,
                expected: 160,
                got: 159
            }
        );
        let wide = AudioFrame::silence(SampleRate::Hz16000, t);
        assert_eq!(
            encode(&wide, &mut out).unwrap_err(),
            FrameError::UnsupportedRate(16_000)
        );
        assert_eq!(out.len(), 172, "nothing appended on error");
    }
}

#[test]
fn audioop_differs_from_g191_only_where_documented() {
    // ITU-T G.191 STL `ulaw_compress`: one's complement for negatives. The module docs claim
    // 508 differences, all negative inputs, each one code step. Check the claim.
    fn g191_mulaw(x: i16) -> u8 {
        let x = i32::from(x);
        let absno = (if x < 0 { (!x) >> 2 } else { x >> 2 } + 33).min(0x1FFF);
        let mut i = absno >> 6;
        let mut segno = 1;
        while i != 0 {
            segno += 1;
            i >>= 1;
        }
        let high = 8 - segno;
        let low = 0xF - ((absno >> segno) & 0xF);
        let code = ((high << 4) | low) as u8;
        if x >= 0 { code | 0x80 } else { code }
    }
    let mut diffs = 0;
    for s in every_sample() {
        let (ours, itu) = (mulaw_encode(s), g191_mulaw(s));
        if ours != itu {
            diffs += 1;
            assert!(s < 0, "differs at non-negative {s}");
            // Codes count down towards the largest negative value: ours is one step further out.
            assert_eq!(i32::from(itu) - i32::from(ours), 1, "at {s}");
        }
    }
    assert_eq!(diffs, 508);
}
