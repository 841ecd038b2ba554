//! An in-process call leg: the "far end" is a handle in the same process. Tests drive calls
//! through it on the tokio clock, and `callbridge call-test` plays a WAV into a local call with
//! it. It paces outbound audio exactly like a network leg (the shared `PlayoutQueue`), so
//! barge-in and playback accounting behave as on a real line.

use std::time::Duration;

use callbridge_audio::AudioFrame;
use callbridge_voice_api::playout::{PlayoutAction, PlayoutQueue};
use callbridge_voice_api::{
    CallLeg, Direction, HangupReason, LegCommand, LegError, LegEvent, LegInfo, LegSink, Transport,
    TurnId,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What the far end observes.
#[derive(Debug, Clone, PartialEq)]
pub enum FarEnd {
    /// A frame of agent audio, at the moment it plays.
    Audio {
        turn: TurnId,
        frame: AudioFrame,
        at: Instant,
    },
    /// The agent cleared its queued audio (barge-in).
    Cleared { at: Instant },
    /// The agent sent a DTMF key.
    Dtmf { digit: char },
    /// The agent transferred the call.
    Transfer { target: String },
    /// The agent hung up.
    Hangup { reason: HangupReason },
}

/// The caller's side of a loopback leg.
#[derive(Debug)]
pub struct LoopbackCaller {
    to_agent: mpsc::UnboundedSender<LegEvent>,
    /// Everything the agent did, in order.
    pub from_agent: mpsc::UnboundedReceiver<FarEnd>,
}

impl LoopbackCaller {
    /// The caller speaks 20 ms.
    pub fn say(&self, frame: AudioFrame) {
        let _ = self.to_agent.send(LegEvent::Audio(frame));
    }

    /// The caller presses a key.
    pub fn press(&self, digit: char, at: Duration) {
        let _ = self.to_agent.send(LegEvent::Dtmf { digit, at });
    }

    /// The caller hangs up.
    pub fn hang_up(&self) {
        let _ = self.to_agent.send(LegEvent::Hangup {
            reason: HangupReason::Remote,
        });
    }
}

struct Sink(mpsc::UnboundedSender<LegCommand>);

impl LegSink for Sink {
    fn send(&mut self, cmd: LegCommand) -> Result<(), LegError> {
        self.0.send(cmd).map_err(|_| LegError::Closed)
    }
}

/// A loopback leg and its caller. The pacing task ends when the agent drops the leg.
pub fn loopback(call_id: &str, direction: Direction) -> (CallLeg, LoopbackCaller) {
    let (ev_tx, ev_rx) = mpsc::unbounded_channel::<LegEvent>();
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel::<LegCommand>();
    let (far_tx, far_rx) = mpsc::unbounded_channel::<FarEnd>();
    tokio::spawn(pace(cmd_rx, ev_tx.clone(), far_tx));
    let events = Box::pin(futures_util::stream::unfold(ev_rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    let leg = CallLeg {
        info: LegInfo {
            call_id: call_id.to_owned(),
            transport: Transport::Local,
            direction,
        },
        events,
        sink: Box::new(Sink(cmd_tx)),
    };
    (
        leg,
        LoopbackCaller {
            to_agent: ev_tx,
            from_agent: far_rx,
        },
    )
}

async fn pace(
    mut commands: mpsc::UnboundedReceiver<LegCommand>,
    events: mpsc::UnboundedSender<LegEvent>,
    far: mpsc::UnboundedSender<FarEnd>,
) {
    let mut queue = PlayoutQueue::new(Duration::ZERO);
    loop {
        let wake = queue.poll_timeout().map(Instant::from_std);
        tokio::select! {
            cmd = commands.recv() => {
                let Some(cmd) = cmd else { return };
                let now = Instant::now();
                match cmd {
                    LegCommand::Audio { turn, frame } => queue.push_audio(turn, frame),
                    LegCommand::Mark { turn, name } => queue.push_mark(turn, name),
                    LegCommand::Clear => {
                        if let Some((turn, played)) = queue.clear(now.into_std()) {
                            let _ = events.send(LegEvent::Cleared { turn, played });
                        }
                        let _ = far.send(FarEnd::Cleared { at: now });
                    }
                    LegCommand::SendDtmf { digit } => {
                        let _ = far.send(FarEnd::Dtmf { digit });
                    }
                    LegCommand::Transfer { target } => {
                        let _ = far.send(FarEnd::Transfer { target: target.clone() });
                        let _ = events.send(LegEvent::Hangup { reason: HangupReason::Transferred(target) });
                    }
                    LegCommand::Hangup { reason } => {
                        let _ = far.send(FarEnd::Hangup { reason });
                        return;
                    }
                }
                queue.handle_timeout(now.into_std());
            }
            () = sleep_until(wake) => queue.handle_timeout(Instant::now().into_std()),
        }
        while let Some(action) = queue.poll() {
            match action {
                PlayoutAction::Release { turn, frame } => {
                    let _ = far.send(FarEnd::Audio {
                        turn,
                        frame,
                        at: Instant::now(),
                    });
                }
                PlayoutAction::Event(e) => {
                    let _ = events.send(e);
                }
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
