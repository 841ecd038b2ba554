//! The crate's one error type, [`ConvoError`].
//!
//! Only the bookkeeping structures return errors (the ledger and the chat context, when told
//! about a turn or sentence they do not know); the turn machine and the chunker accept any
//! input. Errors name the turn so the agent can log and move on: none is fatal to a call.

use callbridge_voice_api::TurnId;
use thiserror::Error;

/// Why a ledger or context update was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvoError {
    /// No record of this turn (never queued or begun, or already forgotten).
    #[error("turn {0} is not known")]
    UnknownTurn(TurnId),
    /// The turn has no sentence with this index.
    #[error("turn {turn} has no sentence {index}")]
    UnknownSentence {
        /// The turn.
        turn: TurnId,
        /// The sentence index that was given.
        index: usize,
    },
    /// A mark name that does not name a sentence of the turn.
    #[error("mark {name:?} of turn {turn} names no sentence")]
    UnknownMark {
        /// The turn.
        turn: TurnId,
        /// The mark name that was given.
        name: String,
    },
}
