//! Speech-to-text, language-model and text-to-speech clients (Layer 1: network and engine I/O).
//!
//! Every client implements a `voice-api` trait, so the agent cannot tell vendors, embedded
//! engines and test fakes apart. Around them: [`retry`] (retryable failures before the first
//! streamed item are retried with backoff, honouring Retry-After) and [`fallback`] (an ordered
//! chain that moves to the next provider when one fails, and skips a failed provider for a
//! cool-down). Vendor clients sit behind one cargo feature each.

pub mod fallback;
pub mod retry;

#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "http")]
pub mod sse;
#[cfg(feature = "ws")]
pub mod ws;

#[cfg(feature = "anthropic")]
pub mod anthropic;
#[cfg(feature = "deepgram")]
pub mod deepgram;
#[cfg(feature = "elevenlabs")]
pub mod elevenlabs;
#[cfg(feature = "openai")]
pub mod openai;
