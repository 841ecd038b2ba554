//! Fuzz entry points: one function per parser, taking arbitrary bytes. A cargo-fuzz target
//! (outside the workspace) calls them; the tests below run them over every fixture and over
//! 20,000 random and mutated inputs on each `cargo test`.
//!
//! Invariant checked: bad input gives an error, never a panic; a panic here means a bug in the
//! parser (that is the point of a fuzz target, so these functions assert).

use crate::wav as wavfile;

/// Parses `data` as a WAV file; on success checks the reader's output invariants and that
/// writing and re-reading it gives the same `Wav`.
pub fn wav(data: &[u8]) {
    let Ok(parsed) = wavfile::read(data) else {
        return;
    };
    assert!(parsed.channels >= 1, "parsed a WAV with zero channels");
    assert!(parsed.sample_rate >= 1, "parsed a WAV with a zero rate");
    assert!(
        parsed
            .samples
            .len()
            .is_multiple_of(usize::from(parsed.channels)),
        "partial sample frame"
    );
    // Memory stays proportional to the input: at most one sample per input byte (G.711).
    assert!(
        parsed.samples.len() <= data.len(),
        "more samples than bytes"
    );
    let rewritten = wavfile::write(&parsed);
    assert_eq!(
        wavfile::read(&rewritten).as_ref(),
        Ok(&parsed),
        "write/read round trip"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::Rng;
    use crate::wav::{Wav, WavError};
    use std::path::PathBuf;

    fn fixture_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/wav")
    }

    fn fixtures() -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        out.sort();
        assert!(
            out.len() >= 20,
            "fixtures/wav looks incomplete: {} files",
            out.len()
        );
        out
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(fixture_dir().join(name)).unwrap()
    }

    fn s16(name: &str) -> Vec<i16> {
        fixture(name)
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }

    #[test]
    fn fixtures_parse_as_expected() {
        type Expect = Result<(u32, u16, usize), WavError>;
        let cases: &[(&str, Expect)] = &[
            ("pcm16_mono_8k_sox.wav", Ok((8_000, 1, 400))),
            ("pcm16_stereo_16k_sox.wav", Ok((16_000, 2, 960))),
            ("mulaw_8k_sox.wav", Ok((8_000, 1, 320))),
            ("alaw_8k_sox.wav", Ok((8_000, 1, 320))),
            ("extensible_3ch_48k_sox.wav", Ok((48_000, 3, 720))),
            ("pcm16_mono_16k_python.wav", Ok((16_000, 1, 480))),
            ("odd_list_chunk_and_trailer.wav", Ok((16_000, 1, 100))),
            ("streamed_unknown_length.wav", Ok((8_000, 1, 100))),
            ("stale_riff_size.wav", Ok((8_000, 1, 100))),
            ("truncated_mid_sample.wav", Ok((8_000, 2, 20))),
            ("huge_data_size.wav", Ok((8_000, 1, 5))),
            (
                "pcm8_unsupported_sox.wav",
                Err(WavError::UnsupportedBits { format: 1, bits: 8 }),
            ),
            (
                "pcm24_unsupported_sox.wav",
                Err(WavError::UnsupportedBits {
                    format: 1,
                    bits: 24,
                }),
            ),
            (
                "float32_unsupported_sox.wav",
                Err(WavError::UnsupportedFormat(3)),
            ),
            ("empty.wav", Err(WavError::Truncated("RIFF header"))),
            ("not_riff.wav", Err(WavError::NotRiff)),
            ("rifx_big_endian.wav", Err(WavError::NotRiff)),
            (
                "fmt_truncated.wav",
                Err(WavError::Truncated("'fmt ' chunk")),
            ),
            ("no_data_chunk.wav", Err(WavError::MissingData)),
            ("zero_channels.wav", Err(WavError::ZeroChannels)),
            ("huge_unknown_chunk.wav", Err(WavError::MissingFmt)),
        ];
        for (name, want) in cases {
            let got = wavfile::read(&fixture(name))
                .map(|w: Wav| (w.sample_rate, w.channels, w.samples.len()));
            assert_eq!(&got, want, "{name}");
        }
    }

    #[test]
    fn sox_fixtures_decode_like_sox() {
        // sox decoded these itself (the .s16 files); an independent check of the WAV and G.711
        // paths together.
        for name in [
            "mulaw_8k_sox",
            "alaw_8k_sox",
            "extensible_3ch_48k_sox",
            "pcm16_stereo_16k_sox",
        ] {
            let ours = wavfile::read(&fixture(&format!("{name}.wav"))).unwrap();
            assert_eq!(ours.samples, s16(&format!("{name}.s16")), "{name}");
        }
    }

    #[test]
    fn fuzz_entry_survives_every_fixture() {
        for (_, bytes) in fixtures() {
            wav(&bytes);
            // Every prefix too: a recording can be cut anywhere.
            for cut in 0..bytes.len() {
                wav(&bytes[..cut]);
            }
        }
    }

    /// One random mutation of `base`.
    fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
        let mut b = base.to_vec();
        let rounds = 1 + rng.below(4);
        for _ in 0..rounds {
            let len = b.len();
            match rng.below(7) {
                0 if len > 0 => {
                    let i = rng.below(len);
                    b[i] ^= 1 << rng.below(8);
                }
                1 if len > 0 => {
                    let i = rng.below(len);
                    b[i] = rng.next_u32() as u8;
                }
                2 => b.truncate(rng.below(len + 1)),
                3 if len >= 8 => {
                    // Overwrite a 32-bit field at an offset where a size could be.
                    let i = rng.below(len - 3);
                    let v = match rng.below(4) {
                        0 => 0,
                        1 => u32::MAX,
                        2 => u32::MAX - rng.below(16) as u32,
                        _ => rng.next_u32(),
                    };
                    b[i..i + 4].copy_from_slice(&v.to_le_bytes());
                }
                4 => {
                    let i = rng.below(len + 1);
                    let extra: Vec<u8> = (0..rng.below(16)).map(|_| rng.next_u32() as u8).collect();
                    b.splice(i..i, extra);
                }
                5 if len > 0 => {
                    let i = rng.below(len);
                    let n = rng.below(len - i + 1);
                    b.drain(i..i + n);
                }
                _ => {
                    // Splice in a well-known chunk id so the walker takes odd paths.
                    let ids: [&[u8; 4]; 4] = [b"fmt ", b"data", b"LIST", b"RIFF"];
                    if len >= 4 {
                        let i = rng.below(len - 3);
                        b[i..i + 4].copy_from_slice(ids[rng.below(4)]);
                    }
                }
            }
        }
        b
    }

    #[test]
    fn fuzz_entry_survives_20000_random_and_mutated_inputs() {
        let valid: Vec<Vec<u8>> = fixtures()
            .into_iter()
            .map(|(_, b)| b)
            .filter(|b| wavfile::read(b).is_ok())
            .collect();
        assert!(valid.len() >= 8);
        let mut rng = Rng::new(0x5EED_CA11);
        let mut parsed = 0;
        for i in 0..20_000 {
            let input = if i % 4 == 0 {
                // Random bytes, half of them behind a valid RIFF/WAVE preamble.
                let n = rng.below(300);
                let mut b: Vec<u8> = if i % 8 == 0 {
                    b"RIFF\x00\x01\x00\x00WAVE".to_vec()
                } else {
                    Vec::new()
                };
                b.extend((0..n).map(|_| rng.next_u32() as u8));
                b
            } else {
                let base = &valid[rng.below(valid.len())];
                mutate(&mut rng, base)
            };
            wav(&input);
            parsed += usize::from(wavfile::read(&input).is_ok());
        }
        // The mutations must reach the decoder, not only the header checks.
        assert!(parsed > 2_000, "only {parsed} of 20000 inputs parsed");
    }
}
