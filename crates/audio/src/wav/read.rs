//! The WAV parser: walks the RIFF chunk list, finds `fmt ` and `data`, decodes samples.
//!
//! Robustness rules (each one a file seen in the wild):
//! - the RIFF size field is not trusted: crashed or streamed recordings carry 0, a stale value
//!   or 0xFFFFFFFF there; chunks are walked against the bytes actually present;
//! - chunks with an odd size are followed by one pad byte (RIFF spec, "chunk padding");
//! - unknown chunks (`LIST`, `fact`, `bext`, `JUNK`, ...) are skipped;
//! - a `data` chunk longer than the bytes left (a crash before the header was patched, or a
//!   0xFFFFFFFF "unknown length" from a streaming writer) is read up to the last whole frame;
//! - `nBlockAlign` and `nAvgBytesPerSec` are ignored: they are derived values, often wrong, and
//!   the frame size follows from bits per sample and channels.

use super::{FORMAT_ALAW, FORMAT_EXTENSIBLE, FORMAT_MULAW, FORMAT_PCM, Wav, WavError};
use crate::g711;

/// The `SubFormat` GUID tail shared by every `KSDATAFORMAT_SUBTYPE_*` that wraps a classic
/// format tag: `xxxxxxxx-0000-0010-8000-00AA00389B71`, stored little-endian after the tag.
const SUBFORMAT_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// Sample encoding of the data chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Pcm16,
    MuLaw,
    ALaw,
}

impl Encoding {
    fn bytes_per_sample(self) -> usize {
        match self {
            Self::Pcm16 => 2,
            Self::MuLaw | Self::ALaw => 1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Fmt {
    encoding: Encoding,
    channels: u16,
    sample_rate: u32,
}

/// Parses a RIFF/WAVE file held in memory. See the module docs for what is accepted.
pub fn read(bytes: &[u8]) -> Result<Wav, WavError> {
    if bytes.len() < 12 {
        return Err(if bytes.len() >= 4 && &bytes[..4] != b"RIFF" {
            WavError::NotRiff
        } else {
            WavError::Truncated("RIFF header")
        });
    }
    if &bytes[0..4] != b"RIFF" {
        return Err(WavError::NotRiff);
    }
    if &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut fmt: Option<Fmt> = None;
    let mut data: Option<&[u8]> = None;
    let mut pos = 12usize;
    while fmt.is_none() || data.is_none() {
        let Some(header) = bytes.get(pos..pos.saturating_add(8)) else {
            break;
        };
        let id = &header[0..4];
        let size = le_u32(&header[4..8]);
        let body_start = pos + 8;
        let left = bytes.len() - body_start;
        // usize is at least 32 bits on every target Rust supports with std, but stay checked.
        let declared = usize::try_from(size).unwrap_or(usize::MAX);
        if id == b"data" {
            if data.is_none() {
                data = Some(&bytes[body_start..body_start + declared.min(left)]);
            }
        } else if id == b"fmt " && fmt.is_none() {
            if declared > left {
                return Err(WavError::Truncated("'fmt ' chunk"));
            }
            fmt = Some(parse_fmt(&bytes[body_start..body_start + declared], size)?);
        }
        // Body plus the pad byte after an odd-sized chunk (RIFF spec).
        let advance = declared.saturating_add(declared & 1);
        pos = body_start.saturating_add(advance);
    }
    let fmt = fmt.ok_or(WavError::MissingFmt)?;
    let data = data.ok_or(WavError::MissingData)?;
    Ok(Wav {
        sample_rate: fmt.sample_rate,
        channels: fmt.channels,
        samples: decode(fmt, data),
    })
}

fn parse_fmt(body: &[u8], size: u32) -> Result<Fmt, WavError> {
    if body.len() < 16 {
        return Err(WavError::BadFmt(size));
    }
    // WAVEFORMATEX: wFormatTag, nChannels, nSamplesPerSec, nAvgBytesPerSec, nBlockAlign,
    // wBitsPerSample, [cbSize, extension].
    let mut format = le_u16(&body[0..2]);
    let channels = le_u16(&body[2..4]);
    let sample_rate = le_u32(&body[4..8]);
    let bits = le_u16(&body[14..16]);
    if format == FORMAT_EXTENSIBLE {
        // WAVEFORMATEXTENSIBLE: cbSize (>= 22), wValidBitsPerSample, dwChannelMask, SubFormat.
        let ext = body.get(16..40).ok_or(WavError::BadFmt(size))?;
        if &ext[10..24] != SUBFORMAT_TAIL.as_slice() {
            return Err(WavError::UnsupportedSubFormat);
        }
        format = le_u16(&ext[8..10]);
    }
    let encoding = match (format, bits) {
        (FORMAT_PCM, 16) => Encoding::Pcm16,
        (FORMAT_MULAW, 8) => Encoding::MuLaw,
        (FORMAT_ALAW, 8) => Encoding::ALaw,
        (FORMAT_PCM | FORMAT_MULAW | FORMAT_ALAW, _) => {
            return Err(WavError::UnsupportedBits { format, bits });
        }
        _ => return Err(WavError::UnsupportedFormat(format)),
    };
    if channels == 0 {
        return Err(WavError::ZeroChannels);
    }
    if sample_rate == 0 {
        return Err(WavError::ZeroSampleRate);
    }
    Ok(Fmt {
        encoding,
        channels,
        sample_rate,
    })
}

/// Decodes whole sample frames of `data`; a partial frame at the end (a recording cut
/// mid-write) is dropped so that every channel keeps the same length.
fn decode(fmt: Fmt, data: &[u8]) -> Vec<i16> {
    let frame_bytes = fmt.encoding.bytes_per_sample() * usize::from(fmt.channels);
    let usable = data.len() - data.len() % frame_bytes;
    let data = &data[..usable];
    match fmt.encoding {
        Encoding::Pcm16 => data
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect(),
        Encoding::MuLaw => data.iter().map(|&b| g711::mulaw_decode(b)).collect(),
        Encoding::ALaw => data.iter().map(|&b| g711::alaw_decode(b)).collect(),
    }
}

fn le_u16(b: &[u8]) -> u16 {
    match b {
        [a, b, ..] => u16::from_le_bytes([*a, *b]),
        _ => 0,
    }
}

fn le_u32(b: &[u8]) -> u32 {
    match b {
        [a, b, c, d, ..] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}
