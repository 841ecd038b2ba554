//! Voice activity detection: a pure-Rust, bit-exact port of WebRTC's fixed-point GMM VAD
//! ([`WebRtcVad`]) and the speech start/end detector the rest of callbridge uses
//! ([`VoiceDetector`]).
//!
//! The port follows WebRTC `common_audio/vad` (vad_core.c, vad_filterbank.c, vad_gmm.c,
//! vad_sp.c, webrtc_vad.c) and the signal processing helpers they call, Copyright (c) 2011-2012
//! The WebRTC project authors, used under the BSD 3-clause licence (source as distributed in
//! `webrtcvad` 2.0.10 / `webrtcvad-wheels` 2.0.14). At 16 kHz it costs about 3 us per 20 ms
//! frame, where a neural VAD (earshot) costs 13.
//!
//! Layout: `filterbank` (six sub-band log energies) -> `gmm` (one Gaussian) -> `core` (the
//! likelihood-ratio decision and model update, using `minimum` for the noise floor) ->
//! `webrtc` (the C API: rates, frame lengths, `downsample` to 8 kHz) -> `detector` (onset and
//! end events with hangover over 20 ms frames). `spl` holds the fixed-point helpers.
//!
//! Invariants: Layer 0 (no I/O, no clock); no input makes anything here panic; all state
//! lives in the structs, so one instance per stream.

mod core;
mod detector;
mod downsample;
mod filterbank;
mod gmm;
mod minimum;
mod spl;
mod webrtc;

#[cfg(test)]
mod bitexact_tests;
#[cfg(test)]
mod detector_tests;

pub use detector::{VadConfig, VadEvent, VoiceDetector};
pub use webrtc::{VALID_RATES_HZ, WebRtcVad};

/// WebRTC's aggressiveness modes: higher modes need more evidence to call a frame speech,
/// so they miss more quiet speech and let less noise through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Aggressiveness {
    /// Mode 0, "quality": the most speech kept.
    #[default]
    Quality,
    /// Mode 1, "low bitrate".
    LowBitrate,
    /// Mode 2, "aggressive".
    Aggressive,
    /// Mode 3, "very aggressive": the least noise let through.
    VeryAggressive,
}

impl Aggressiveness {
    /// All modes, 0 to 3.
    pub const ALL: [Aggressiveness; 4] = [
        Self::Quality,
        Self::LowBitrate,
        Self::Aggressive,
        Self::VeryAggressive,
    ];

    /// The WebRTC mode number, 0 to 3.
    pub const fn mode(self) -> u8 {
        match self {
            Self::Quality => 0,
            Self::LowBitrate => 1,
            Self::Aggressive => 2,
            Self::VeryAggressive => 3,
        }
    }

    /// The mode for a WebRTC mode number (`None` outside 0..=3).
    pub const fn from_mode(mode: u8) -> Option<Self> {
        match mode {
            0 => Some(Self::Quality),
            1 => Some(Self::LowBitrate),
            2 => Some(Self::Aggressive),
            3 => Some(Self::VeryAggressive),
            _ => None,
        }
    }
}

/// One WebRTC decision, finer than C's 0/1: the C core returns 1 for speech by the models and
/// 2 + n while its hangover runs; [`VoiceDetector`] uses the difference to place speech ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VadDecision {
    /// Noise (C 0).
    Noise,
    /// Speech by the likelihood-ratio test (C 1).
    Speech,
    /// Not speech by the test, but inside WebRTC's hangover after speech (C 2 + n).
    Hangover,
}

impl VadDecision {
    /// What C's `WebRtcVad_Process` returns as 1: speech or hangover.
    pub const fn is_active(self) -> bool {
        !matches!(self, Self::Noise)
    }
}

/// Why the VAD could not take a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VadError {
    #[error(
        "the WebRTC VAD runs at 8, 16, 32 or 48 kHz, not {hz} Hz (resample 24 kHz audio to 16 kHz first)"
    )]
    UnsupportedRate { hz: u32 },
    #[error(
        "the WebRTC VAD takes 10, 20 or 30 ms frames; {len} samples at {hz} Hz is none of those"
    )]
    BadFrameLength { hz: u32, len: usize },
}
