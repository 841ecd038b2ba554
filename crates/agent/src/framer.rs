//! Synthesized audio to leg frames: TTS chunks come at the engine's rate in arbitrary sizes;
//! the leg takes 20 ms frames at its own rate. Chunks are cut into 20 ms frames at their rate,
//! then resampled frame by frame (the resampler needs whole frames and keeps its state across
//! them, so a sentence has no seams).

use callbridge_audio::reframe::Reframer;
use callbridge_audio::resample::Resampler;
use callbridge_audio::{AudioFrame, MediaTime, SampleRate};

/// One voice task's converter.
#[derive(Debug)]
pub(crate) struct Framer {
    out_rate: SampleRate,
    /// The input rate, its reframer and the resampler to `out_rate` (None: same rate).
    stage: Option<(Reframer, Option<Resampler>)>,
}

impl Framer {
    pub(crate) fn new(out_rate: SampleRate) -> Self {
        Framer {
            out_rate,
            stage: None,
        }
    }

    /// Adds synthesized samples at `rate`; returns the complete frames at the output rate.
    pub(crate) fn push(&mut self, rate: SampleRate, samples: &[i16]) -> Vec<AudioFrame> {
        let mut out = Vec::new();
        if self.stage.as_ref().is_some_and(|(r, _)| r.rate() != rate) {
            // An engine switched rates (a fallback engine took over): finish the old stream.
            out.extend(self.flush());
        }
        if self.stage.is_none() {
            // The identity case needs no resampler; any other pair of our rates is supported,
            // so a failure here is a bug: fall back to passing the audio through unconverted
            // would play it at the wrong speed, so drop instead (counted by the caller).
            let resampler = if rate == self.out_rate {
                None
            } else {
                Resampler::new(rate, self.out_rate).ok()
            };
            self.stage = Some((Reframer::new(rate, MediaTime::ZERO), resampler));
        }
        if let Some((reframer, resampler)) = self.stage.as_mut() {
            reframer.push(samples);
            while let Some(frame) = reframer.pop() {
                out.extend(convert(resampler, self.out_rate, frame));
            }
        }
        out
    }

    /// The rest of the buffered audio, padded with silence to a whole frame.
    pub(crate) fn flush(&mut self) -> Vec<AudioFrame> {
        let mut out = Vec::new();
        if let Some((mut reframer, mut resampler)) = self.stage.take() {
            while let Some(frame) = reframer.flush() {
                out.extend(convert(&mut resampler, self.out_rate, frame));
            }
        }
        out
    }
}

fn convert(
    resampler: &mut Option<Resampler>,
    out_rate: SampleRate,
    frame: AudioFrame,
) -> Option<AudioFrame> {
    match resampler {
        None if frame.rate() == out_rate => Some(frame),
        None => None,
        Some(r) => r.process(&frame).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_chunks_make_whole_frames_at_the_output_rate() {
        let mut f = Framer::new(SampleRate::Hz16000);
        let mut frames = Vec::new();
        // 24 kHz input in odd sizes: 1 s = 50 frames at the output rate.
        let mut left = 24_000usize;
        let mut size = 7usize;
        while left > 0 {
            let n = size.min(left);
            frames.extend(f.push(SampleRate::Hz24000, &vec![1000; n]));
            left -= n;
            size = size * 3 % 1001 + 1;
        }
        frames.extend(f.flush());
        assert_eq!(frames.len(), 50);
        assert!(frames.iter().all(|fr| fr.rate() == SampleRate::Hz16000));
    }

    #[test]
    fn same_rate_passes_samples_through_and_pads_the_tail() {
        let mut f = Framer::new(SampleRate::Hz8000);
        let samples: Vec<i16> = (0..200).map(|i| i as i16).collect();
        let mut frames = f.push(SampleRate::Hz8000, &samples);
        assert_eq!(frames.len(), 1);
        frames.extend(f.flush());
        assert_eq!(frames.len(), 2);
        assert_eq!(&frames[0].samples()[..160], &samples[..160]);
        assert_eq!(&frames[1].samples()[..40], &samples[160..]);
        assert!(frames[1].samples()[40..].iter().all(|&s| s == 0));
    }

    #[test]
    fn a_rate_change_flushes_the_old_stream() {
        let mut f = Framer::new(SampleRate::Hz16000);
        assert!(f.push(SampleRate::Hz16000, &[5; 100]).is_empty());
        let frames = f.push(SampleRate::Hz8000, &[5; 160]);
        // The padded 16 kHz remainder, then one 8 kHz frame resampled.
        assert_eq!(frames.len(), 2);
    }
}
