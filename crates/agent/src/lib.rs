//! One task per call (Layer 1): the leg's audio goes to the VAD and the recognizer, the
//! conversation core decides turns and barge-ins, the model answers, the synthesizer speaks,
//! and the leg paces the audio out. Everything a call starts is cancelled when it ends.
//!
//! Entry point: [`run_call`] with a [`CallLeg`](callbridge_voice_api::CallLeg), the
//! [`Providers`], an [`AgentConfig`] and the [`ToolRegistry`] the conversation mode filled;
//! it reports [`AgentEvent`]s while it runs and a [`CallSummary`] at the end.

mod call;
pub mod config;
pub mod events;
mod framer;
mod listener;
pub mod loopback;
mod msg;
mod run;
mod think;
pub mod timing;
pub mod tools;
mod voice;

pub use call::{CallSummary, run_call};
pub use config::{AgentConfig, Providers};
pub use events::{AgentEvent, TurnMetrics};
pub use tools::{CallAction, ToolOutcome, ToolRegistry};
