//! Our 20 ms [`AudioFrame`]s as Deepgram binary frames (protocols.md §2.1 "audio as binary
//! frames"): `linear16` is the samples as little-endian i16 bytes, `mulaw` is G.711 mu-law at
//! 8 kHz. A frame at another rate than the wire rate goes through one streaming resampler (its
//! state carries across frames, so one encoder serves one session).

use std::time::Duration;

use callbridge_audio::resample::Resampler;
use callbridge_audio::{AudioFrame, SampleRate, g711};
use callbridge_voice_api::{ErrorKind, ProviderError};

use super::{AudioEncoding, PROVIDER};

/// Encodes frames for one session.
#[derive(Debug)]
pub(crate) struct Encoder {
    encoding: AudioEncoding,
    resampler: Option<Resampler>,
}

impl Encoder {
    pub fn new(encoding: AudioEncoding) -> Self {
        Encoder {
            encoding,
            resampler: None,
        }
    }

    /// The wire bytes of `frame` and the audio time they carry.
    pub fn encode(&mut self, frame: &AudioFrame) -> Result<(Vec<u8>, Duration), ProviderError> {
        let target = self.encoding.sample_rate();
        let converted;
        let frame = if frame.rate() == target {
            frame
        } else {
            converted = self.resample(frame, target)?;
            &converted
        };
        let samples = frame.samples();
        let bytes = match self.encoding {
            AudioEncoding::Linear16(_) => samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
            AudioEncoding::Mulaw => {
                let mut out = vec![0u8; samples.len()];
                g711::mulaw_encode_into(samples, &mut out);
                out
            }
        };
        let dur = Duration::from_micros(samples.len() as u64 * 1_000_000 / u64::from(target.hz()));
        Ok((bytes, dur))
    }

    fn resample(
        &mut self,
        frame: &AudioFrame,
        target: SampleRate,
    ) -> Result<AudioFrame, ProviderError> {
        let fits = self
            .resampler
            .as_ref()
            .is_some_and(|r| r.from_rate() == frame.rate());
        if !fits {
            let r = Resampler::new(frame.rate(), target).map_err(audio_error)?;
            self.resampler = Some(r);
        }
        match self.resampler.as_mut() {
            Some(r) => r.process(frame).map_err(audio_error),
            None => Err(audio_error("no resampler")),
        }
    }
}

fn audio_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(PROVIDER, ErrorKind::BadRequest, format!("audio: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use callbridge_audio::MediaTime;

    fn ramp(rate: SampleRate) -> AudioFrame {
        AudioFrame::generate(rate, MediaTime::ZERO, |s| {
            for (i, x) in s.iter_mut().enumerate() {
                *x = (i as i16) * 100 - 4000;
            }
        })
    }

    #[test]
    fn linear16_is_little_endian_samples() {
        let mut e = Encoder::new(AudioEncoding::Linear16(SampleRate::Hz16000));
        let f = ramp(SampleRate::Hz16000);
        let (bytes, dur) = e.encode(&f).unwrap();
        assert_eq!(bytes.len(), 640);
        assert_eq!(dur, Duration::from_millis(20));
        assert_eq!(i16::from_le_bytes([bytes[2], bytes[3]]), f.samples()[1]);
    }

    #[test]
    fn mulaw_of_8k_frames_is_g711_and_16k_frames_are_resampled() {
        let mut e = Encoder::new(AudioEncoding::Mulaw);
        let f = ramp(SampleRate::Hz8000);
        let (bytes, dur) = e.encode(&f).unwrap();
        assert_eq!(bytes.len(), 160);
        assert_eq!(dur, Duration::from_millis(20));
        assert_eq!(bytes[7], g711::mulaw_encode(f.samples()[7]));
        let (bytes, dur) = e.encode(&ramp(SampleRate::Hz16000)).unwrap();
        assert_eq!((bytes.len(), dur), (160, Duration::from_millis(20)));
        // Back to 8 kHz input: a fresh converter is not needed, frames pass straight through.
        assert_eq!(e.encode(&f).unwrap().0.len(), 160);
    }

    #[test]
    fn linear16_at_8k_resamples_16k_frames() {
        let mut e = Encoder::new(AudioEncoding::Linear16(SampleRate::Hz8000));
        let (bytes, dur) = e.encode(&ramp(SampleRate::Hz16000)).unwrap();
        assert_eq!((bytes.len(), dur), (320, Duration::from_millis(20)));
    }
}
