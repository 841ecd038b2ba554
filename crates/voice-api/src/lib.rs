//! The seams between a call and the engines that serve it (Layer 0: traits and data only).
//!
//! - [`leg`]: a call leg (Twilio, SIP/RTP, WebRTC) as events in ([`LegEvent`]) and commands out
//!   ([`LegCommand`]), every outbound item tagged with its [`TurnId`] so stale audio is dropped
//!   by one integer compare.
//! - [`stt`], [`llm`], [`tts`]: streaming providers. Every request returns a stream; **dropping
//!   the stream cancels the request** (an implementation must abort its network request or
//!   engine job when its stream is dropped).
//! - [`error`]: [`ProviderError`] with `retryable`, which retry loops and fallback chains read.
//!
//! Async here means `futures-core` streams and boxed futures, so this crate needs no runtime.

pub mod error;
pub mod leg;
pub mod llm;
pub mod playout;
pub mod stt;
pub mod tts;

use std::future::Future;
use std::pin::Pin;

pub use error::{ErrorKind, ProviderError};
pub use leg::{
    CallLeg, Direction, HangupReason, LegCommand, LegError, LegEvent, LegInfo, LegSink, Transport,
    TurnId,
};
pub use llm::{
    ChatMessage, ChatRequest, ChatRole, FinishReason, LanguageModel, LlmEvent, ToolCall, ToolSpec,
    Usage,
};
pub use stt::{SpeechToText, SttConfig, SttEvent, SttInput, SttSession};
pub use tts::{TextToSpeech, TtsChunk, TtsRequest};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed, sendable stream.
pub type BoxStream<'a, T> = Pin<Box<dyn futures_core::Stream<Item = T> + Send + 'a>>;
