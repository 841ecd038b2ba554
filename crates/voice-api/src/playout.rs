//! Outbound audio pacing shared by every leg: a sans-IO queue that releases 20 ms frames in real
//! time (optionally up to `lead` ahead, for far ends that buffer, like Twilio), and turns the
//! playout clock into the leg's playback events.
//!
//! Main loop of a leg: `push_audio` / `push_mark` on commands; on each wake-up `handle_timeout(now)`
//! then drain `poll(now)`: `Release` frames go on the wire, `Event`s go to the agent; sleep until
//! `poll_timeout()`. `clear(now)` drops everything queued and reports how much of the current
//! turn was heard by the playout clock.
//!
//! Invariants: frames are released in push order, never more than `lead` ahead of real time;
//! a turn's `PlaybackStarted` precedes its marks, which precede its `PlaybackDrained`; after a
//! clear, nothing of the dropped audio is released and its marks are reported played (as
//! Twilio does) only in the sense that they are forgotten: no `MarkPlayed` for them.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use callbridge_audio::AudioFrame;

use crate::{LegEvent, TurnId};

const FRAME: Duration = Duration::from_millis(20);

/// What the leg must do now.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayoutAction {
    /// Send this frame to the far end now.
    Release { turn: TurnId, frame: AudioFrame },
    /// Report this to the agent.
    Event(LegEvent),
}

enum Item {
    Frame(TurnId, AudioFrame),
    Mark(TurnId, String),
}

/// The pacing queue of one leg.
pub struct PlayoutQueue {
    lead: Duration,
    queue: VecDeque<Item>,
    /// When the next released frame starts playing (None: idle, it plays "now").
    next_play: Option<Instant>,
    /// Marks waiting for playback to reach them: (turn, name, play time).
    marks: VecDeque<(TurnId, String, Instant)>,
    /// The turn whose audio was released last, with the play-start times of its released frames
    /// that have not finished playing, and the duration already fully played.
    current: Option<TurnState>,
    out: VecDeque<PlayoutAction>,
    /// The latest `now` seen: "as soon as possible" wake-ups are expressed as this instant.
    last_now: Option<Instant>,
}

struct TurnState {
    turn: TurnId,
    pending_starts: VecDeque<Instant>,
    played: Duration,
    drained_reported: bool,
}

impl std::fmt::Debug for PlayoutQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayoutQueue")
            .field("lead", &self.lead)
            .field("queued", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl PlayoutQueue {
    /// `lead`: how far ahead of real time frames may be released (0 for RTP and WebRTC, where
    /// we are the jitter-free source; ~100-150 ms for Twilio, which buffers).
    pub fn new(lead: Duration) -> Self {
        PlayoutQueue {
            lead,
            queue: VecDeque::new(),
            next_play: None,
            marks: VecDeque::new(),
            current: None,
            out: VecDeque::new(),
            last_now: None,
        }
    }

    pub fn push_audio(&mut self, turn: TurnId, frame: AudioFrame) {
        self.queue.push_back(Item::Frame(turn, frame));
    }

    pub fn push_mark(&mut self, turn: TurnId, name: String) {
        self.queue.push_back(Item::Mark(turn, name));
    }

    /// Audio queued and not yet released.
    pub fn queued(&self) -> Duration {
        let n = self
            .queue
            .iter()
            .filter(|i| matches!(i, Item::Frame(..)))
            .count();
        FRAME * n as u32
    }

    /// Drops all queued audio and pending marks. Returns the turn that was playing and how much
    /// of its audio the listener heard by the playout clock (released frames count only for the
    /// part of them whose play time has passed).
    pub fn clear(&mut self, now: Instant) -> Option<(TurnId, Duration)> {
        self.last_now = Some(now);
        self.advance_played(now);
        let heard = self.heard(now);
        self.queue.clear();
        self.marks.clear();
        self.current = None;
        // Audio already released to a buffering far end and not yet played is dropped there too
        // (Twilio `clear`), so the clock restarts now.
        self.next_play = None;
        heard
    }

    /// Advances the clock: releases due frames, reports reached marks and drained turns.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.last_now = Some(now);
        self.advance_played(now);
        while let Some(item) = self.queue.front() {
            let play_at = self.next_play.map_or(now, |t| t.max(now));
            match item {
                Item::Mark(..) => {
                    if let Some(Item::Mark(turn, name)) = self.queue.pop_front() {
                        self.marks.push_back((turn, name, play_at));
                    }
                }
                Item::Frame(..) => {
                    if play_at > now + self.lead {
                        break;
                    }
                    if let Some(Item::Frame(turn, frame)) = self.queue.pop_front() {
                        self.release(turn, frame, play_at);
                    }
                }
            }
        }
        while let Some((_, _, at)) = self.marks.front() {
            if *at > now {
                break;
            }
            if let Some((turn, name, _)) = self.marks.pop_front() {
                self.out
                    .push_back(PlayoutAction::Event(LegEvent::MarkPlayed { turn, name }));
            }
        }
        self.report_drained(now);
    }

    fn release(&mut self, turn: TurnId, frame: AudioFrame, play_at: Instant) {
        let new_turn = self.current.as_ref().is_none_or(|c| c.turn != turn);
        if new_turn {
            self.current = Some(TurnState {
                turn,
                pending_starts: VecDeque::new(),
                played: Duration::ZERO,
                drained_reported: false,
            });
            self.out
                .push_back(PlayoutAction::Event(LegEvent::PlaybackStarted { turn }));
        }
        if let Some(c) = self.current.as_mut() {
            c.pending_starts.push_back(play_at);
            c.drained_reported = false;
        }
        self.next_play = Some(play_at + FRAME);
        self.out.push_back(PlayoutAction::Release { turn, frame });
    }

    fn advance_played(&mut self, now: Instant) {
        if let Some(c) = self.current.as_mut() {
            while let Some(start) = c.pending_starts.front() {
                if *start + FRAME <= now {
                    c.played += FRAME;
                    c.pending_starts.pop_front();
                } else {
                    break;
                }
            }
        }
    }

    /// Heard audio of the current turn at `now`: whole frames played plus the part of the
    /// frame playing now.
    fn heard(&self, now: Instant) -> Option<(TurnId, Duration)> {
        let c = self.current.as_ref()?;
        let partial = c
            .pending_starts
            .front()
            .filter(|s| **s < now)
            .map_or(Duration::ZERO, |s| (now - *s).min(FRAME));
        Some((c.turn, c.played + partial))
    }

    fn report_drained(&mut self, now: Instant) {
        let queue_has_turn = |t: TurnId, q: &VecDeque<Item>| {
            q.iter().any(|i| matches!(i, Item::Frame(x, _) if *x == t))
        };
        if let Some(c) = self.current.as_mut()
            && !c.drained_reported
            && c.pending_starts.is_empty()
            && !queue_has_turn(c.turn, &self.queue)
            && self.next_play.is_none_or(|t| t <= now)
            && self.marks.iter().all(|(t, _, _)| *t != c.turn)
        {
            c.drained_reported = true;
            self.out
                .push_back(PlayoutAction::Event(LegEvent::PlaybackDrained {
                    turn: c.turn,
                }));
        }
    }

    /// The next action, if any.
    pub fn poll(&mut self) -> Option<PlayoutAction> {
        self.out.pop_front()
    }

    /// When `handle_timeout` should run next (None: nothing queued or playing). Call
    /// `handle_timeout(now)` after pushing: work that is due at once is scheduled relative to the
    /// last `now` seen.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let asap = self.last_now;
        let release = match self.queue.front() {
            Some(Item::Frame(..)) => match self.next_play {
                Some(t) => Some(t.checked_sub(self.lead).unwrap_or(t)),
                None => asap,
            },
            Some(Item::Mark(..)) => self.next_play.or(asap),
            None => None,
        };
        let mark = self.marks.front().map(|(_, _, at)| *at);
        let drain = self.current.as_ref().and_then(|c| {
            if c.drained_reported {
                None
            } else {
                c.pending_starts
                    .back()
                    .map(|s| *s + FRAME)
                    .or(self.next_play)
                    .or(asap)
            }
        });
        [release, mark, drain].into_iter().flatten().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callbridge_audio::{MediaTime, SampleRate};

    fn frame() -> AudioFrame {
        AudioFrame::silence(SampleRate::Hz16000, MediaTime::ZERO)
    }

    fn drain(q: &mut PlayoutQueue, now: Instant) -> Vec<PlayoutAction> {
        q.handle_timeout(now);
        std::iter::from_fn(|| q.poll()).collect()
    }

    fn releases(a: &[PlayoutAction]) -> usize {
        a.iter()
            .filter(|x| matches!(x, PlayoutAction::Release { .. }))
            .count()
    }

    #[test]
    fn paces_in_real_time_and_reports_marks_and_drain() {
        let t0 = Instant::now();
        let mut q = PlayoutQueue::new(Duration::ZERO);
        for _ in 0..5 {
            q.push_audio(1, frame());
        }
        q.push_mark(1, "s0".into());
        let a = drain(&mut q, t0);
        assert_eq!(releases(&a), 1);
        assert_eq!(
            a[0],
            PlayoutAction::Event(LegEvent::PlaybackStarted { turn: 1 })
        );
        // One frame per 20 ms.
        for i in 1..5u32 {
            let a = drain(&mut q, t0 + FRAME * i);
            assert_eq!(releases(&a), 1, "at frame {i}");
        }
        // The mark plays when the last frame has finished.
        assert!(drain(&mut q, t0 + Duration::from_millis(99)).is_empty());
        let a = drain(&mut q, t0 + FRAME * 5);
        assert_eq!(
            a,
            vec![
                PlayoutAction::Event(LegEvent::MarkPlayed {
                    turn: 1,
                    name: "s0".into()
                }),
                PlayoutAction::Event(LegEvent::PlaybackDrained { turn: 1 }),
            ]
        );
        assert_eq!(q.poll_timeout(), None);
    }

    #[test]
    fn lead_releases_ahead_and_clear_counts_only_heard_audio() {
        let t0 = Instant::now();
        let mut q = PlayoutQueue::new(Duration::from_millis(100));
        for _ in 0..50 {
            q.push_audio(7, frame());
        }
        // 100 ms of lead: the first frame plus five more go at once.
        assert_eq!(releases(&drain(&mut q, t0)), 6);
        // Serviced every 20 ms, one frame goes per tick, always 100 ms ahead.
        for i in 1..=12u32 {
            assert_eq!(releases(&drain(&mut q, t0 + FRAME * i)), 1);
        }
        let later = t0 + Duration::from_millis(250);
        drain(&mut q, later);
        // 250 ms heard (not the 350 ms released).
        let (turn, played) = q.clear(later).expect("a turn was playing");
        assert_eq!(turn, 7);
        assert_eq!(played, Duration::from_millis(250));
        assert_eq!(releases(&drain(&mut q, later + Duration::from_secs(1))), 0);
    }

    #[test]
    fn a_new_turn_starts_its_own_accounting() {
        let t0 = Instant::now();
        let mut q = PlayoutQueue::new(Duration::ZERO);
        q.push_audio(1, frame());
        drain(&mut q, t0);
        q.push_audio(2, frame());
        let a = drain(&mut q, t0 + FRAME);
        assert!(a.contains(&PlayoutAction::Event(LegEvent::PlaybackStarted { turn: 2 })));
        assert_eq!(
            q.clear(t0 + FRAME + Duration::from_millis(10)),
            Some((2, Duration::from_millis(10)))
        );
    }
}
