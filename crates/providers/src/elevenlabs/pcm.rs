//! Network chunks of headerless audio as samples (protocols.md §4: "Chunks are not
//! frame-aligned ... keep a PCM16 byte pair intact"). A `pcm_*` chunk with an odd byte count
//! carries its last byte over to the next chunk; `ulaw_8000` is one byte per sample (G.711).

use callbridge_audio::g711;

use super::OutputFormat;

/// A streaming decoder for one response.
#[derive(Debug)]
pub(crate) struct PcmDecoder {
    ulaw: bool,
    carry: Option<u8>,
}

impl PcmDecoder {
    pub fn new(format: OutputFormat) -> Self {
        PcmDecoder {
            ulaw: format == OutputFormat::Ulaw8000,
            carry: None,
        }
    }

    /// The samples completed by `bytes`.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<i16> {
        if self.ulaw {
            let mut out = vec![0i16; bytes.len()];
            g711::mulaw_decode_into(bytes, &mut out);
            return out;
        }
        let mut out = Vec::with_capacity(bytes.len().div_ceil(2));
        let mut rest = bytes;
        if let Some(lo) = self.carry.take() {
            match rest.split_first() {
                Some((&hi, tail)) => {
                    out.push(i16::from_le_bytes([lo, hi]));
                    rest = tail;
                }
                None => {
                    self.carry = Some(lo);
                    return out;
                }
            }
        }
        let pairs = rest.chunks_exact(2);
        self.carry = pairs.remainder().first().copied();
        out.extend(pairs.map(|p| i16::from_le_bytes([p[0], p[1]])));
        out
    }

    /// Whether half a sample is left over (the stream ended mid-sample).
    pub fn has_partial(&self) -> bool {
        self.carry.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    #[test]
    fn odd_chunks_keep_byte_pairs_intact() {
        let samples: Vec<i16> = (0..100).map(|i| i * 311 - 15_000).collect();
        let bytes = le(&samples);
        for split in [1usize, 3, 7, 64, 99, 199] {
            let mut d = PcmDecoder::new(OutputFormat::Pcm16000);
            let mut out = Vec::new();
            for c in bytes.chunks(split) {
                out.extend(d.feed(c));
            }
            assert_eq!(out, samples, "split {split}");
            assert!(!d.has_partial());
        }
    }

    #[test]
    fn an_empty_chunk_keeps_the_carry() {
        let mut d = PcmDecoder::new(OutputFormat::Pcm24000);
        assert!(d.feed(&[0x34]).is_empty());
        assert!(d.feed(&[]).is_empty());
        assert!(d.has_partial());
        assert_eq!(d.feed(&[0x12]), vec![0x1234]);
    }

    #[test]
    fn ulaw_is_one_sample_per_byte() {
        let mut d = PcmDecoder::new(OutputFormat::Ulaw8000);
        let out = d.feed(&[0xFF, 0x00, 0x80]);
        assert_eq!(
            out,
            vec![
                g711::mulaw_decode(0xFF),
                g711::mulaw_decode(0x00),
                g711::mulaw_decode(0x80)
            ]
        );
        assert!(!d.has_partial());
    }
}
