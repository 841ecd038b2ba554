//! Bit-exactness of the port against the C WebRTC VAD: `fixtures/vad/webrtc_<rate>.txt` hold
//! the per-frame decisions of `webrtcvad-wheels` (the C code) over signals built from the
//! speech fixtures (see `scripts/gen-vad-vectors.py`, which documents the line format); this
//! rebuilds every signal with the same integer recipe and requires the same decision for
//! every frame, every mode and every frame length.

use super::{Aggressiveness, WebRtcVad};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn read_speech(name: &str) -> Vec<i16> {
    let path = fixtures().join("speech").join(format!("{name}.wav"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let wav = crate::wav::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(wav.channels, 1, "{name}");
    wav.samples
}

fn sat(v: i32) -> i16 {
    v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// The script's xorshift32 noise, `((x >> 16) - 32768) >> shift`.
fn xorshift_noise(n: usize, shift: u32, seed: u32) -> impl Iterator<Item = i32> {
    let mut x = seed;
    (0..n).map(move |_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        ((x >> 16) as i32 - 32768) >> shift
    })
}

/// Builds a signal from the `+`-separated recipe of the script.
fn build(signal: &str, rate: u32) -> Vec<i16> {
    let ms = |arg: &str| (rate as usize) * arg.parse::<usize>().expect("ms") / 1000;
    let mut s: Vec<i16> = Vec::new();
    for op in signal.split('+') {
        let args: Vec<&str> = op.split(':').collect();
        match args[0] {
            "wav" => s = read_speech(args[1]),
            "zeros" => s = vec![0; ms(args[1])],
            "lead" => {
                let mut lead = vec![0; ms(args[1])];
                lead.extend_from_slice(&s);
                s = lead;
            }
            "up" => {
                let n: usize = args[1].parse().expect("up");
                s = s.iter().flat_map(|&v| std::iter::repeat_n(v, n)).collect();
            }
            "gain" => {
                let g: i32 = args[1].parse().expect("gain");
                s = s.iter().map(|&v| sat(i32::from(v) * g)).collect();
            }
            "noise" => {
                let (shift, seed) = (
                    args[1].parse().expect("shift"),
                    args[2].parse().expect("seed"),
                );
                let noise = xorshift_noise(s.len(), shift, seed);
                s = s
                    .iter()
                    .zip(noise)
                    .map(|(&v, n)| sat(i32::from(v) + n))
                    .collect();
            }
            other => panic!("unknown signal op {other}"),
        }
    }
    s
}

fn unpack(hex: &str, n: usize) -> Vec<bool> {
    hex.chars()
        .flat_map(|c| {
            let d = c.to_digit(16).expect("hex digit");
            (0..4).rev().map(move |b| d >> b & 1 == 1)
        })
        .take(n)
        .collect()
}

/// Runs the port as the script ran the C code.
fn run(samples: &[i16], rate: u32, mode: Aggressiveness, frame: &str) -> Vec<bool> {
    let per_ms = (rate / 1000) as usize;
    let lengths: Vec<usize> = match frame {
        "cycle" => vec![10 * per_ms, 20 * per_ms, 30 * per_ms],
        ms => vec![ms.parse::<usize>().expect("frame ms") * per_ms],
    };
    let mut vad = WebRtcVad::new(mode);
    let mut out = Vec::new();
    let mut pos = 0;
    for &n in lengths.iter().cycle() {
        let Some(frame) = samples.get(pos..pos + n) else {
            break;
        };
        out.push(vad.process(rate, frame).expect("valid frame"));
        pos += n;
    }
    out
}

/// Checks every line of one vector file; returns (lines, frames) checked.
fn check_file(rate: u32) -> (usize, usize) {
    let path = fixtures().join("vad").join(format!("webrtc_{rate}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut lines, mut frames) = (0, 0);
    let mut cache: Option<(String, Vec<i16>)> = None;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let field = |key: &str| {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .unwrap_or_else(|| panic!("no {key} in {line}"))
        };
        assert_eq!(field("rate").parse::<u32>().ok(), Some(rate));
        let signal = field("signal");
        if cache.as_ref().is_none_or(|(s, _)| s != signal) {
            cache = Some((signal.to_string(), build(signal, rate)));
        }
        let samples = cache
            .as_ref()
            .map(|(_, s)| s.as_slice())
            .unwrap_or_default();
        let mode =
            Aggressiveness::from_mode(field("mode").parse().expect("mode")).expect("mode 0-3");
        let n: usize = field("n").parse().expect("n");
        let expected = unpack(field("bits"), n);
        let got = run(samples, rate, mode, field("frame"));
        assert_eq!(got.len(), n, "{line}");
        if let Some(i) = got.iter().zip(&expected).position(|(a, b)| a != b) {
            panic!(
                "frame {i}: port {} but C {} in\n{line}",
                got[i], expected[i]
            );
        }
        lines += 1;
        frames += n;
    }
    (lines, frames)
}

#[test]
fn bit_exact_at_8_khz() {
    let (lines, frames) = check_file(8_000);
    assert!(
        lines >= 200 && frames > 50_000,
        "{lines} lines, {frames} frames"
    );
}

#[test]
fn bit_exact_at_16_khz() {
    let (lines, frames) = check_file(16_000);
    assert!(
        lines >= 200 && frames > 50_000,
        "{lines} lines, {frames} frames"
    );
}

#[test]
fn bit_exact_at_32_khz() {
    let (lines, _) = check_file(32_000);
    assert!(lines >= 40, "{lines} lines");
}

#[test]
fn bit_exact_at_48_khz_in_10_ms_frames() {
    let (lines, _) = check_file(48_000);
    assert!(lines >= 12, "{lines} lines");
}

#[test]
fn recipe_noise_matches_the_script() {
    // First values of the script's xorshift32 for seed 1, shift 0 (computed in Python).
    let v: Vec<i32> = xorshift_noise(3, 0, 1).collect();
    assert_eq!(v, vec![-32764, -31736, 7628]);
}
