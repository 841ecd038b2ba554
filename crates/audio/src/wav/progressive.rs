//! A WAV writer for recordings in progress: the file on disk is a valid WAV holding every
//! flushed sample, so a crash loses only what came after the last `flush`.
//!
//! Invariants: the header is written by `new`; `flush` patches the RIFF and `data` sizes to
//! the samples written so far, then returns to the end; writes never go past the 4 GiB RIFF
//! limit (the call that would is refused whole and the file stays valid). Seeks happen only in
//! `flush`, so a `BufWriter` underneath keeps its buffering.

use std::io::{self, Seek, SeekFrom, Write};

use super::CANONICAL_HEADER_LEN;
use super::write::{MAX_DATA_BYTES, canonical_header};

/// Streams 16-bit PCM into any `Write + Seek` (a file, a cursor) as a WAV file.
#[derive(Debug)]
pub struct ProgressiveWavWriter<W: Write + Seek> {
    inner: W,
    /// Stream position of the `RIFF` tag (the writer need not start at offset 0).
    base: u64,
    channels: u16,
    data_bytes: u32,
    max_data_bytes: u32,
    /// Bytes flushed-and-patched so far, to skip a needless patch.
    patched_bytes: u32,
    /// After a failed write the stream position is unknown; seek back before the next one.
    reposition: bool,
    /// Reused byte buffer, so writing allocates only when a call is larger than any before.
    buf: Vec<u8>,
}

impl<W: Write + Seek> ProgressiveWavWriter<W> {
    /// Writes a header for an empty 16-bit PCM file at the current position of `inner`.
    pub fn new(inner: W, sample_rate: u32, channels: u16) -> io::Result<Self> {
        Self::with_limit(inner, sample_rate, channels, MAX_DATA_BYTES)
    }

    /// As `new`, with a smaller size cap (tests exercise the 4 GiB path this way).
    pub(crate) fn with_limit(
        mut inner: W,
        sample_rate: u32,
        channels: u16,
        max_data_bytes: u32,
    ) -> io::Result<Self> {
        if channels == 0 || sample_rate == 0 {
            return Err(invalid(
                "a WAV needs at least one channel and a non-zero rate",
            ));
        }
        let base = inner.stream_position()?;
        inner.write_all(&canonical_header(sample_rate, channels, 0))?;
        let frame = 2 * u32::from(channels);
        Ok(Self {
            inner,
            base,
            channels,
            data_bytes: 0,
            max_data_bytes: max_data_bytes.min(MAX_DATA_BYTES) / frame * frame,
            patched_bytes: 0,
            reposition: false,
            buf: Vec::new(),
        })
    }

    /// Appends interleaved samples; the length must be a whole number of frames.
    pub fn write_samples(&mut self, samples: &[i16]) -> io::Result<()> {
        if !samples.len().is_multiple_of(usize::from(self.channels)) {
            return Err(invalid("interleaved samples must hold whole frames"));
        }
        self.buf.clear();
        self.buf.reserve(samples.len() * 2);
        for s in samples {
            self.buf.extend_from_slice(&s.to_le_bytes());
        }
        self.append_buf()
    }

    /// Appends a stereo block from two mono channels of equal length (callbridge records the
    /// caller left and the agent right). Only for a 2-channel writer.
    pub fn write_stereo(&mut self, left: &[i16], right: &[i16]) -> io::Result<()> {
        if self.channels != 2 {
            return Err(invalid("write_stereo needs a 2-channel writer"));
        }
        if left.len() != right.len() {
            return Err(invalid("left and right channels differ in length"));
        }
        self.buf.clear();
        self.buf.reserve(left.len() * 4);
        for (l, r) in left.iter().zip(right) {
            self.buf.extend_from_slice(&l.to_le_bytes());
            self.buf.extend_from_slice(&r.to_le_bytes());
        }
        self.append_buf()
    }

    /// Patches the header sizes to cover everything written and flushes `inner`: from here on
    /// the bytes in `inner` are a complete WAV file.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.patched_bytes != self.data_bytes || self.reposition {
            // Until the final seek succeeds the position is unknown.
            self.reposition = true;
            let riff_len = self.data_bytes + (CANONICAL_HEADER_LEN as u32 - 8);
            self.inner.seek(SeekFrom::Start(self.base + 4))?;
            self.inner.write_all(&riff_len.to_le_bytes())?;
            self.inner.seek(SeekFrom::Start(self.base + 40))?;
            self.inner.write_all(&self.data_bytes.to_le_bytes())?;
            self.inner.seek(SeekFrom::Start(self.end()))?;
            self.patched_bytes = self.data_bytes;
            self.reposition = false;
        }
        self.inner.flush()
    }

    /// Flushes and hands back the underlying writer. Dropping the writer without `finish`
    /// behaves like a crash: the file keeps the samples of the last `flush`.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.inner)
    }

    /// Samples (all channels) written so far, flushed or not.
    pub fn samples_written(&self) -> u64 {
        u64::from(self.data_bytes / 2)
    }

    /// Borrows the underlying writer (e.g. to inspect a cursor in tests).
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    fn append_buf(&mut self) -> io::Result<()> {
        let len = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        if len > self.max_data_bytes - self.data_bytes {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "WAV data would exceed the 4 GiB RIFF limit",
            ));
        }
        if self.reposition {
            self.inner.seek(SeekFrom::Start(self.end()))?;
            self.reposition = false;
        }
        if let Err(e) = self.inner.write_all(&self.buf) {
            // Part of the buffer may be out; the next write overwrites it from the known end.
            self.reposition = true;
            return Err(e);
        }
        self.data_bytes += len;
        Ok(())
    }

    fn end(&self) -> u64 {
        self.base + CANONICAL_HEADER_LEN as u64 + u64::from(self.data_bytes)
    }
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}
