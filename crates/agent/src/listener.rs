//! The caller's audio on its way in: converted to 16 kHz (what the VAD and the recognizers
//! take), voice activity detected, and VAD times turned into clock instants for the turn
//! machine (an event is dated in media time, some frames before the frame that reported it).

use std::time::{Duration, Instant};

use callbridge_audio::resample::Resampler;
use callbridge_audio::vad::{VadConfig, VadEvent, VoiceDetector};
use callbridge_audio::{AudioFrame, SampleRate};

/// The rate the agent listens at.
pub(crate) const LISTEN_RATE: SampleRate = SampleRate::Hz16000;
const FRAME: Duration = Duration::from_millis(20);

/// A VAD event on the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heard {
    Start(Instant),
    End(Instant),
}

#[derive(Debug)]
pub(crate) struct Listener {
    vad: VoiceDetector,
    resampler: Option<Resampler>,
    /// Frames dropped because they could not be converted (counted, never fatal).
    pub dropped: u64,
}

impl Listener {
    pub(crate) fn new(cfg: VadConfig) -> Self {
        Listener {
            vad: VoiceDetector::new(cfg),
            resampler: None,
            dropped: 0,
        }
    }

    /// Takes one caller frame that arrived at `now`: the frame at 16 kHz for the recognizer,
    /// and a VAD event if the frame completed one.
    pub(crate) fn push(
        &mut self,
        now: Instant,
        frame: AudioFrame,
    ) -> (Option<AudioFrame>, Option<Heard>) {
        let Some(frame) = self.convert(frame) else {
            self.dropped += 1;
            return (None, None);
        };
        let heard = self.vad.push(&frame).map(|ev| {
            // The frame that reported the event ends at frame.time + 20 ms, which is `now`.
            let end = frame.time().as_duration(LISTEN_RATE) + FRAME;
            let ago = |at: callbridge_audio::MediaTime| {
                let back = end.saturating_sub(at.as_duration(LISTEN_RATE));
                now.checked_sub(back).unwrap_or(now)
            };
            match ev {
                VadEvent::SpeechStart { at } => Heard::Start(ago(at)),
                VadEvent::SpeechEnd { at } => Heard::End(ago(at)),
            }
        });
        (Some(frame), heard)
    }

    fn convert(&mut self, frame: AudioFrame) -> Option<AudioFrame> {
        if frame.rate() == LISTEN_RATE {
            return Some(frame);
        }
        if self
            .resampler
            .as_ref()
            .is_none_or(|r| r.from_rate() != frame.rate())
        {
            self.resampler = Resampler::new(frame.rate(), LISTEN_RATE).ok();
        }
        self.resampler.as_mut()?.process(&frame).ok()
    }
}
