//! `WebRtcVad`: the public face of the fixed-point WebRTC VAD port, the equivalent of
//! `WebRtcVad_Create/Init/set_mode/Process` in WebRTC `common_audio/vad/webrtc_vad.c`
//! (Copyright (c) 2012 The WebRTC project authors, BSD 3-clause licence).
//!
//! Main loop: `process(rate_hz, samples)` per 10, 20 or 30 ms frame; 16, 32 and 48 kHz are
//! decimated to 8 kHz inside, as in C. Invariants: a rejected frame (bad rate or length)
//! leaves the state untouched, as C's `-1` return does; decisions are bit-exact with the C
//! code (checked against `webrtcvad-wheels` vectors in `fixtures/vad/`), except 20/30 ms
//! frames at 48 kHz where C has a known bug (see `VadCore::calc_vad_48khz`).
//!
//! Cost (benches/vad_dtmf.rs): about 1.2 us per 10 ms at 8 kHz, 1.5 us at 16 kHz, but 5 us at
//! 48 kHz, where C's 48 -> 8 kHz resampler dominates: run it on the canonical 16 kHz stream.

use super::core::VadCore;
use super::{Aggressiveness, VadDecision, VadError};

/// Rates WebRTC's VAD accepts (C `kValidRates`).
pub const VALID_RATES_HZ: [u32; 4] = [8_000, 16_000, 32_000, 48_000];

/// A WebRTC GMM voice activity detector for one audio stream.
#[derive(Debug, Clone)]
pub struct WebRtcVad {
    core: VadCore,
    mode: Aggressiveness,
}

impl Default for WebRtcVad {
    fn default() -> Self {
        Self::new(Aggressiveness::default())
    }
}

impl WebRtcVad {
    /// A fresh detector (`WebRtcVad_Init` + `WebRtcVad_set_mode`).
    pub fn new(mode: Aggressiveness) -> Self {
        Self {
            core: VadCore::new(mode),
            mode,
        }
    }

    /// Changes the aggressiveness; the learnt noise and speech models are kept (as in C).
    pub fn set_mode(&mut self, mode: Aggressiveness) {
        self.core.set_mode(mode);
        self.mode = mode;
    }

    pub fn mode(&self) -> Aggressiveness {
        self.mode
    }

    /// Forgets everything learnt (new stream), keeping the mode.
    pub fn reset(&mut self) {
        self.core = VadCore::new(self.mode);
    }

    /// Checks a rate and frame length without touching any state
    /// (`WebRtcVad_ValidRateAndFrameLength`).
    pub fn check_frame(rate_hz: u32, len: usize) -> Result<(), VadError> {
        if !VALID_RATES_HZ.contains(&rate_hz) {
            return Err(VadError::UnsupportedRate { hz: rate_hz });
        }
        let per_ms = (rate_hz / 1000) as usize;
        if [10, 20, 30].iter().any(|ms| ms * per_ms == len) {
            Ok(())
        } else {
            Err(VadError::BadFrameLength { hz: rate_hz, len })
        }
    }

    /// Whether `samples` (10, 20 or 30 ms of mono audio at `rate_hz`) contain speech. The
    /// answer includes WebRTC's own hangover (a few frames of "speech" after speech ends).
    pub fn process(&mut self, rate_hz: u32, samples: &[i16]) -> Result<bool, VadError> {
        Ok(self.process_decision(rate_hz, samples)?.is_active())
    }

    /// Like [`process`](Self::process), but says whether an active frame is speech by the
    /// models or only WebRTC's hangover.
    pub fn process_decision(
        &mut self,
        rate_hz: u32,
        samples: &[i16],
    ) -> Result<VadDecision, VadError> {
        Self::check_frame(rate_hz, samples.len())?;
        Ok(match rate_hz {
            48_000 => self.core.calc_vad_48khz(samples),
            32_000 => self.core.calc_vad_32khz(samples),
            16_000 => self.core.calc_vad_16khz(samples),
            _ => self.core.calc_vad_8khz(samples),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_rates_and_lengths_without_state_change() {
        let mut vad = WebRtcVad::new(Aggressiveness::Aggressive);
        assert_eq!(
            vad.process(24_000, &[0; 480]),
            Err(VadError::UnsupportedRate { hz: 24_000 })
        );
        assert_eq!(
            vad.process(44_100, &[0; 441]),
            Err(VadError::UnsupportedRate { hz: 44_100 })
        );
        assert_eq!(
            vad.process(8_000, &[0; 100]),
            Err(VadError::BadFrameLength {
                hz: 8_000,
                len: 100
            })
        );
        assert_eq!(
            vad.process(16_000, &[]),
            Err(VadError::BadFrameLength { hz: 16_000, len: 0 })
        );
        for (hz, len) in [
            (8_000, 80),
            (8_000, 240),
            (16_000, 320),
            (32_000, 960),
            (48_000, 1440),
        ] {
            assert_eq!(vad.process(hz, &vec![0; len]), Ok(false), "{hz} Hz, {len}");
        }
        let msg = VadError::UnsupportedRate { hz: 24_000 }.to_string();
        assert!(msg.contains("16 kHz"), "{msg}");
    }

    #[test]
    fn hostile_input_never_panics() {
        // Full-scale noise, runs of i16::MIN (which the C scaling does not see), a square
        // wave at Nyquist and near-silence, at every rate, length and mode: debug builds
        // check every arithmetic overflow, so this proves the wrapping is where C's is.
        let mut x: u32 = 0x9E37_79B9;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for hz in VALID_RATES_HZ {
            for ms in [10, 20, 30] {
                let len = (hz / 1000 * ms) as usize;
                for mode in Aggressiveness::ALL {
                    let mut vad = WebRtcVad::new(mode);
                    let mut active = 0;
                    for style in 0..40 {
                        let frame: Vec<i16> = (0..len)
                            .map(|i| match style % 4 {
                                0 => (next() >> 16) as i16,
                                1 => {
                                    if next() & 1 == 0 {
                                        i16::MIN
                                    } else {
                                        i16::MAX
                                    }
                                }
                                2 => {
                                    if i % 2 == 0 {
                                        i16::MIN
                                    } else {
                                        i16::MAX
                                    }
                                }
                                _ => (next() % 3) as i16 - 1,
                            })
                            .collect();
                        active += usize::from(vad.process(hz, &frame).expect("valid frame"));
                    }
                    assert!(
                        active > 0,
                        "{hz} Hz {ms} ms {mode:?}: full-scale noise never active"
                    );
                }
            }
        }
    }

    #[test]
    fn a_loud_vowel_like_signal_is_speech() {
        // 150 Hz pulse train through a crude formant: harmonics across the speech band.
        let mut vad = WebRtcVad::new(Aggressiveness::Quality);
        let mut active = 0;
        for f in 0..50 {
            let frame: Vec<i16> = (0..160)
                .map(|i| {
                    let t = (f * 160 + i) as f64 / 8000.0;
                    let s: f64 = (1..20)
                        .map(|h| {
                            (2.0 * std::f64::consts::PI * 150.0 * h as f64 * t).sin() / h as f64
                        })
                        .sum();
                    (s * 4000.0) as i16
                })
                .collect();
            if vad.process(8_000, &frame) == Ok(true) {
                active += 1;
            }
        }
        assert!(active > 40, "{active} of 50 frames active");
    }
}
