//! The conversation core (Layer 0, sans-IO): who has the floor, what to say next, and what the
//! caller actually heard.
//!
//! - [`turn`]: [`TurnMachine`], the turn-taking and barge-in state machine (end of turn from
//!   VAD silence and STT finals, interruption, resume), with [`endpoint`] and [`backchannel`]
//!   as its word rules.
//! - [`chunker`]: [`SentenceChunker`] cuts streamed LLM text into sentences for TTS.
//! - [`ledger`]: [`PlaybackLedger`], what of each agent turn was played.
//! - [`context`]: [`ChatContext`], the conversation sent to the LLM, cut to what was heard.
//!
//! Main loop (in the agent, per call): VAD, STT, DTMF and playback events go to
//! `TurnMachine::handle(now, ..)`; its timer is `poll_timeout()`; its decisions are drained
//! with `poll()`. On `Respond{turn, text}`: `context.push_user(text)`,
//! `context.begin_assistant(turn)`, stream the LLM, push its text through the chunker, and for
//! each sentence `ledger.queue(turn, ..)` then synthesize. On `Interrupt{turn}`: clear the
//! leg, and when it reports `Cleared{played}`, `ledger.cleared(turn, played)`. On `Resume`:
//! `ledger.resume(turn)` gives the unheard rest to speak again. Once the interrupted turn is
//! over (a new `Respond`), `context.cut_assistant(turn, &ledger.heard(turn))`.
//!
//! Invariants: no I/O, no clock reads (time is an argument), no panics on any input.

pub mod backchannel;
pub mod chunker;
pub mod context;
pub mod endpoint;
pub mod error;
pub mod ledger;
mod transcript;
pub mod turn;
mod words;

pub use backchannel::{Backchannels, WordCount};
pub use chunker::SentenceChunker;
pub use context::ChatContext;
pub use endpoint::unfinished;
pub use error::ConvoError;
pub use ledger::PlaybackLedger;
pub use turn::{TurnConfig, TurnInput, TurnMachine, TurnOutput, TurnState};
