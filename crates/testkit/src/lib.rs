//! Test support for callbridge (a dev-dependency only; never shipped).
//!
//! - [`scripted`]: speech-to-text, language model and text-to-speech fakes that follow a script
//!   on the tokio clock (use `start_paused = true` for deterministic, faster-than-real-time
//!   tests), with configurable latencies and failures.
//!
//! Vendor-protocol fake servers (Deepgram, OpenAI, Anthropic, ElevenLabs) and telephony peers
//! live in their own modules.

pub mod fakes;
pub mod scripted;
pub mod speech;
