//! In-band DTMF (ITU-T Q.23 tone pairs): generation for tests and for dialling out on legs
//! without RFC 4733, and Goertzel detection for callers whose keypad tones arrive as audio.
//!
//! Layout: `digit` (the sixteen keys, their frequencies and RFC 4733 event codes),
//! `generator` (`DtmfGenerator`, frames of tone and pause), `goertzel` (block analysis at the
//! eight frequencies), `detector` (`DtmfDetector`: validity checks per ITU-T Q.24 practice and
//! one event per key press). Invariants: Layer 0, no input panics, all state per stream.

mod detector;
mod digit;
mod generator;
mod goertzel;

#[cfg(test)]
mod tests;

pub use detector::{DtmfDetector, DtmfEvent};
pub use digit::{COL_HZ, DtmfDigit, ROW_HZ};
pub use generator::DtmfGenerator;
