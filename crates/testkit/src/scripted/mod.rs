//! Scripted providers: deterministic stand-ins for STT, LLM and TTS with fixed latencies,
//! driven by the tokio clock. They implement the real `voice-api` traits, so the agent under
//! test cannot tell them from vendors, and they record what they were asked.

mod llm;
mod stt;
mod tts;

pub use llm::{Reply, ScriptedLlm};
pub use stt::{ScriptedStt, Utterance};
pub use tts::ScriptedTts;

use callbridge_voice_api::BoxStream;
use tokio::sync::mpsc;

/// A stream over an unbounded receiver (ends when every sender is dropped).
pub(crate) fn receiver_stream<T: Send + 'static>(
    rx: mpsc::UnboundedReceiver<T>,
) -> BoxStream<'static, T> {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
