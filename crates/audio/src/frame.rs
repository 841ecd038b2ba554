//! The unit of audio that moves through callbridge: 20 ms of mono 16-bit PCM.
//!
//! Invariant: a frame always holds exactly `rate.samples_per_frame()` samples; the only way to
//! build one is the checked constructor. Media time counts samples at the frame's own rate from
//! the start of the stream, so it is exact at every supported rate.

use std::fmt;
use std::time::Duration;

/// Frame length in milliseconds. Every leg, engine and the mixer works in these units.
pub const FRAME_MS: u32 = 20;

/// The sample rates callbridge handles. Telephony is 8 kHz, the internal canonical rate is
/// 16 kHz, some TTS engines produce 24 kHz and WebRTC/Opus runs at 48 kHz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SampleRate {
    Hz8000,
    Hz16000,
    Hz24000,
    Hz48000,
}

impl SampleRate {
    /// All supported rates, lowest first.
    pub const ALL: [SampleRate; 4] = [Self::Hz8000, Self::Hz16000, Self::Hz24000, Self::Hz48000];

    /// The rate in hertz.
    pub const fn hz(self) -> u32 {
        match self {
            Self::Hz8000 => 8_000,
            Self::Hz16000 => 16_000,
            Self::Hz24000 => 24_000,
            Self::Hz48000 => 48_000,
        }
    }

    /// Samples in one 20 ms frame at this rate.
    pub const fn samples_per_frame(self) -> usize {
        (self.hz() / 1000 * FRAME_MS) as usize
    }

    /// The rate for a hertz value, if callbridge supports it.
    pub const fn from_hz(hz: u32) -> Option<Self> {
        match hz {
            8_000 => Some(Self::Hz8000),
            16_000 => Some(Self::Hz16000),
            24_000 => Some(Self::Hz24000),
            48_000 => Some(Self::Hz48000),
            _ => None,
        }
    }
}

impl fmt::Display for SampleRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Hz", self.hz())
    }
}

/// Position in a stream, in samples at the stream's rate since the stream began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MediaTime(pub u64);

impl MediaTime {
    /// The start of a stream.
    pub const ZERO: MediaTime = MediaTime(0);

    /// This position as a duration, given the stream's rate.
    pub fn as_duration(self, rate: SampleRate) -> Duration {
        let hz = u64::from(rate.hz());
        let secs = self.0 / hz;
        let rem = self.0 % hz;
        // rem < hz <= 48_000, so rem * 1e9 fits easily in u64.
        Duration::new(secs, (rem * 1_000_000_000 / hz) as u32)
    }

    /// The same instant counted at another rate (exact on 20 ms frame boundaries, rounded
    /// down elsewhere).
    pub fn at_rate(self, from: SampleRate, to: SampleRate) -> MediaTime {
        let v = u128::from(self.0) * u128::from(to.hz()) / u128::from(from.hz());
        MediaTime(u64::try_from(v).unwrap_or(u64::MAX))
    }

    /// The position `frames` whole frames later.
    pub fn after_frames(self, frames: u64, rate: SampleRate) -> MediaTime {
        MediaTime(
            self.0
                .saturating_add(frames.saturating_mul(rate.samples_per_frame() as u64)),
        )
    }
}

/// Why a frame could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("a 20 ms frame at {rate} has {expected} samples, got {got}")]
    WrongLength {
        rate: SampleRate,
        expected: usize,
        got: usize,
    },
    #[error("unsupported sample rate {0} Hz (supported: 8000, 16000, 24000, 48000)")]
    UnsupportedRate(u32),
}

/// 20 ms of mono i16 PCM with its rate and media time.
#[derive(Clone, PartialEq, Eq)]
pub struct AudioFrame {
    rate: SampleRate,
    time: MediaTime,
    samples: Vec<i16>,
}

impl AudioFrame {
    /// Builds a frame, checking that it holds exactly 20 ms of audio at `rate`.
    pub fn new(rate: SampleRate, time: MediaTime, samples: Vec<i16>) -> Result<Self, FrameError> {
        check_len(rate, samples.len())?;
        Ok(Self {
            rate,
            time,
            samples,
        })
    }

    /// Builds a frame from a slice, copying it (after the length check, so a wrong slice costs
    /// no allocation).
    pub fn from_slice(
        rate: SampleRate,
        time: MediaTime,
        samples: &[i16],
    ) -> Result<Self, FrameError> {
        check_len(rate, samples.len())?;
        Self::new(rate, time, samples.to_vec())
    }

    /// A frame of digital silence.
    pub fn silence(rate: SampleRate, time: MediaTime) -> Self {
        Self {
            rate,
            time,
            samples: vec![0; rate.samples_per_frame()],
        }
    }

    /// A frame whose samples `fill` writes (generators: tones, noise, DTMF).
    pub fn generate(rate: SampleRate, time: MediaTime, fill: impl FnOnce(&mut [i16])) -> Self {
        let mut frame = Self::silence(rate, time);
        fill(&mut frame.samples);
        frame
    }

    pub fn rate(&self) -> SampleRate {
        self.rate
    }

    pub fn time(&self) -> MediaTime {
        self.time
    }

    /// Moves the frame to another point of its stream.
    pub fn set_time(&mut self, time: MediaTime) {
        self.time = time;
    }

    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Mutable access to the samples; the length cannot change, so the invariant holds.
    pub fn samples_mut(&mut self) -> &mut [i16] {
        &mut self.samples
    }

    /// Gives the sample buffer back (for reuse by the caller).
    pub fn into_samples(self) -> Vec<i16> {
        self.samples
    }

    /// Mean square level in dBFS (0 dBFS = full-scale square wave); `f32::NEG_INFINITY` for
    /// digital silence.
    pub fn level_dbfs(&self) -> f32 {
        crate::level::rms_dbfs(&self.samples)
    }
}

fn check_len(rate: SampleRate, got: usize) -> Result<(), FrameError> {
    let expected = rate.samples_per_frame();
    if got == expected {
        Ok(())
    } else {
        Err(FrameError::WrongLength {
            rate,
            expected,
            got,
        })
    }
}

impl fmt::Debug for AudioFrame {
    // Printing 320 samples per frame makes logs useless; show the shape instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudioFrame")
            .field("rate", &self.rate)
            .field("time", &self.time)
            .field("len", &self.samples.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_construction() {
        for rate in SampleRate::ALL {
            let n = rate.samples_per_frame();
            assert!(AudioFrame::new(rate, MediaTime::ZERO, vec![0; n]).is_ok());
            let err = AudioFrame::new(rate, MediaTime::ZERO, vec![0; n + 1]).unwrap_err();
            assert_eq!(
                err,
                FrameError::WrongLength {
                    rate,
                    expected: n,
                    got: n + 1
                }
            );
        }
        assert_eq!(SampleRate::Hz8000.samples_per_frame(), 160);
        assert_eq!(SampleRate::Hz16000.samples_per_frame(), 320);
        assert_eq!(SampleRate::Hz24000.samples_per_frame(), 480);
        assert_eq!(SampleRate::Hz48000.samples_per_frame(), 960);
    }

    #[test]
    fn media_time_conversions() {
        let t = MediaTime(160).after_frames(2, SampleRate::Hz8000);
        assert_eq!(t, MediaTime(480));
        assert_eq!(t.as_duration(SampleRate::Hz8000), Duration::from_millis(60));
        assert_eq!(
            t.at_rate(SampleRate::Hz8000, SampleRate::Hz48000),
            MediaTime(2880)
        );
        assert_eq!(SampleRate::from_hz(44_100), None);
    }
}
