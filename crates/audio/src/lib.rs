//! callbridge's pure audio core (Layer 0: no I/O, no clock, no async).
//!
//! Everything here works on [`AudioFrame`]s: 20 ms of mono i16 PCM at 8, 16, 24 or 48 kHz, with
//! 16 kHz as the canonical internal rate. Codecs and converters are streaming state machines:
//! feed a frame, get a frame, with state carried across calls. Nothing here allocates per
//! sample, and no input, however malformed, makes anything here panic.

pub mod dtmf;
pub mod energy;
pub mod frame;
pub mod fuzz;
pub mod g711;
pub mod gain;
pub mod level;
pub mod mix;
pub mod noise;
pub mod reframe;
pub mod resample;
pub mod tone;
pub mod vad;
pub mod wav;

#[cfg(test)]
mod test_fixtures;

pub use frame::{AudioFrame, FRAME_MS, FrameError, MediaTime, SampleRate};
