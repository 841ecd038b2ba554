//! A call leg: the phone line (Twilio, SIP/RTP) or browser (WebRTC) the agent talks through.
//!
//! A leg is a stream of [`LegEvent`]s (caller audio, DTMF, playback progress, hang-up) and a
//! non-blocking [`LegSink`] for [`LegCommand`]s. The leg owns pacing: it queues outbound audio
//! and releases it in real time (20 ms frames), so `Clear` takes effect within one frame plus
//! whatever the far end already buffered (~100-150 ms on Twilio).
//!
//! Every outbound item carries the [`TurnId`] of the agent turn that produced it; the agent
//! drops items of a turn it has cancelled with one integer compare, and playback reports name
//! the turn they belong to.

use std::time::Duration;

use callbridge_audio::AudioFrame;

use crate::BoxStream;

/// Identifies one agent turn (one response). Strictly increasing within a call.
pub type TurnId = u64;

/// How the call reaches us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Twilio,
    Sip,
    WebRtc,
    /// Text practice: no audio at all.
    Text,
    /// An in-process leg (tests, `call-test`).
    Local,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Twilio => "twilio",
            Transport::Sip => "sip",
            Transport::WebRtc => "webrtc",
            Transport::Text => "text",
            Transport::Local => "local",
        }
    }
}

/// Who called whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
    /// A rep practicing in the browser.
    Practice,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Practice => "practice",
        }
    }
}

/// What a leg is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegInfo {
    pub call_id: String,
    pub transport: Transport,
    pub direction: Direction,
}

/// Why a call ended, for the call record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HangupReason {
    /// The far end hung up (BYE, Twilio `stop`, browser closed).
    Remote,
    /// We ended the call (end_call tool, script end, operator).
    Local(String),
    /// The call was transferred away.
    Transferred(String),
    /// No media for too long.
    MediaTimeout,
    /// A protocol or transport failure.
    Error(String),
}

/// Something that happened on the leg.
#[derive(Debug, Clone, PartialEq)]
pub enum LegEvent {
    /// 20 ms of caller audio (16 kHz unless the leg says otherwise), in arrival order.
    Audio(AudioFrame),
    /// A DTMF key (RFC 4733, SIP INFO, in-band or Twilio `dtmf`), `at` = media time of the call.
    Dtmf { digit: char, at: Duration },
    /// The first frame of `turn` went out to the listener.
    PlaybackStarted { turn: TurnId },
    /// A mark placed with [`LegCommand::Mark`] was reached by playback.
    MarkPlayed { turn: TurnId, name: String },
    /// Everything queued for `turn` has been played.
    PlaybackDrained { turn: TurnId },
    /// Answer to [`LegCommand::Clear`]: queued audio was dropped; `played` of `turn`'s audio had
    /// reached the listener by the playout clock (not by mark echoes: a clear returns those too).
    Cleared { turn: TurnId, played: Duration },
    /// The leg is gone; no more events follow.
    Hangup { reason: HangupReason },
}

/// Something the agent asks the leg to do.
#[derive(Debug, Clone, PartialEq)]
pub enum LegCommand {
    /// Queue 20 ms of agent audio for playback.
    Audio { turn: TurnId, frame: AudioFrame },
    /// Report [`LegEvent::MarkPlayed`] when playback reaches this point.
    Mark { turn: TurnId, name: String },
    /// Barge-in: drop all queued audio now and answer with [`LegEvent::Cleared`].
    Clear,
    /// Send a DTMF key to the far end (IVR navigation on outbound calls).
    SendDtmf { digit: char },
    /// Transfer the far end to a number or SIP URI, then end this leg.
    Transfer { target: String },
    /// End the call.
    Hangup { reason: HangupReason },
}

/// Why a command could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegError {
    #[error("the leg is closed")]
    Closed,
    #[error("not supported on this transport: {0}")]
    Unsupported(&'static str),
}

/// The command side of a leg. `send` never waits: legs queue and pace internally.
pub trait LegSink: Send {
    fn send(&mut self, cmd: LegCommand) -> Result<(), LegError>;
}

/// A call leg: its description, its events and its command sink.
pub struct CallLeg {
    pub info: LegInfo,
    pub events: BoxStream<'static, LegEvent>,
    pub sink: Box<dyn LegSink>,
}

impl std::fmt::Debug for CallLeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLeg")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}
