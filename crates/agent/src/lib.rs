//! One task per call (Layer 1): the leg's audio goes to the VAD and the recognizer, the
//! conversation core decides turns and barge-ins, the model answers, the synthesizer speaks,
//! and the leg paces the audio out. Everything a call starts is cancelled when it ends.

pub mod events;
pub mod loopback;
pub mod tools;
