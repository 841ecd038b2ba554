//! RIFF/WAVE files: 16-bit PCM read and write, 8-bit G.711 (mu-law, A-law) read, and a
//! progressive writer for call recordings that stays a valid file after every flush.
//!
//! Formats follow the Microsoft/IBM "Multimedia Programming Interface and Data Specifications
//! 1.0" (1991; RIFF chunks, `WAVE_FORMAT_PCM` = 1, `WAVE_FORMAT_ALAW` = 6,
//! `WAVE_FORMAT_MULAW` = 7) and the `WAVE_FORMAT_EXTENSIBLE` (0xFFFE) extension, whose
//! `SubFormat` GUID carries the real format tag in its first two bytes.
//!
//! Invariants:
//! - [`read()`] never panics and allocates in proportion to the bytes actually present, never to
//!   a length field; a data chunk cut short (a crashed recording) is read up to the last whole
//!   sample frame present.
//! - [`read()`] of a successful parse always gives `channels >= 1`, `sample_rate >= 1` and
//!   `samples.len()` a multiple of `channels`, and `read(&write(&w)) == Ok(w)` for such a `w`.
//! - [`ProgressiveWavWriter`] leaves a parseable file holding exactly the flushed samples after
//!   each `flush`, and refuses to grow past the 4 GiB RIFF limit.
//!
//! No file is opened here: callers hand in bytes or any `Write + Seek`, which keeps this pure.

mod progressive;
mod read;
mod write;

pub use progressive::ProgressiveWavWriter;
pub use read::read;
pub use write::write;

/// `WAVE_FORMAT_PCM`: linear PCM (only 16-bit is supported here).
pub const FORMAT_PCM: u16 = 0x0001;
/// `WAVE_FORMAT_ALAW`: 8-bit ITU-T G.711 A-law.
pub const FORMAT_ALAW: u16 = 0x0006;
/// `WAVE_FORMAT_MULAW`: 8-bit ITU-T G.711 mu-law.
pub const FORMAT_MULAW: u16 = 0x0007;
/// `WAVE_FORMAT_EXTENSIBLE`: the real format is in the `SubFormat` GUID.
pub const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Size of the canonical header [`write()`] and [`ProgressiveWavWriter`] produce: RIFF header
/// (12) + `fmt ` chunk (8 + 16) + `data` chunk header (8).
pub const CANONICAL_HEADER_LEN: usize = 44;

/// A decoded WAV file: interleaved i16 samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wav {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Number of interleaved channels (1 = mono, 2 = stereo).
    pub channels: u16,
    /// Interleaved samples: frame 0 channel 0, frame 0 channel 1, ...
    pub samples: Vec<i16>,
}

impl Wav {
    /// Number of sample frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }
}

/// Why a byte string is not a WAV file this module can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    #[error("not a RIFF file (no 'RIFF' tag)")]
    NotRiff,
    #[error("RIFF file is not WAVE")]
    NotWave,
    #[error("file ends inside the {0}")]
    Truncated(&'static str),
    #[error("no 'fmt ' chunk before the end of the file")]
    MissingFmt,
    #[error("no 'data' chunk")]
    MissingData,
    #[error("'fmt ' chunk of {0} bytes is too short")]
    BadFmt(u32),
    #[error("unsupported WAV format tag {0:#06x} (supported: PCM, A-law, mu-law, extensible)")]
    UnsupportedFormat(u16),
    #[error("WAVE_FORMAT_EXTENSIBLE with an unknown SubFormat GUID")]
    UnsupportedSubFormat,
    #[error("unsupported {bits}-bit samples for format tag {format:#06x}")]
    UnsupportedBits { format: u16, bits: u16 },
    #[error("WAV file declares zero channels")]
    ZeroChannels,
    #[error("WAV file declares a sample rate of zero")]
    ZeroSampleRate,
}
#[cfg(test)]
mod tests;
