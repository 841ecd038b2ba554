//! An adaptive jitter buffer for one audio stream (an RTP leg's receive side).
//!
//! Main loop: [`JitterBuffer::push`] every packet as it arrives, and call
//! [`JitterBuffer::pop`] once per frame (every 20 ms for G.711). Each `pop` returns the next
//! frame, a [`Playout::Conceal`] for a missing one, or [`Playout::Empty`]. It is payload
//! agnostic: frame length and clock rate are configured, and every packet is taken to be one
//! frame long.
//!
//! How it plays out. Timestamps are unwrapped to a 64-bit timeline. Before playout starts
//! (and after a talkspurt start or an underrun) the buffer collects packets and starts once the
//! first has waited the target delay. Then every `pop` emits the next timeline slot in order.
//! The playout delay is measured against the minimum transit seen (see [`delay`]): when it is
//! below the target, `pop` returns `Empty` without moving on (the delay grows one frame per
//! pop: fast); when it has stayed more than a frame above the target for a second, one frame is
//! dropped, at most one per second (slow). A talkspurt start (marker bit, RFC 3551 §4.1) that
//! finds the buffer empty re-anchors playout, so silence gaps absorb delay changes for free.
//!
//! Invariants: output timestamps strictly increase; a packet is dropped only when it is late
//! (its slot was already played or concealed), a duplicate, beyond the bounds (`max_packets`,
//! `capacity`: the oldest goes), a deliberate one-frame shrink, or flushed by a resync (the
//! sender restarted: a confirmed sequence jump per RFC 3550 §A.1, or an in-order packet whose
//! timestamp goes back, or jumps past the capacity while packets are still buffered). Each is
//! counted in [`JitterStats`].

mod delay;
mod ring;

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::seq::{SeqUnwrapper, SeqUpdate, TimestampUnwrapper};
use delay::DelayEstimator;
use ring::{Frame, Insert, Ring};

/// How long the delay must stay above target before a frame is dropped, and the least time
/// between two such drops.
const SHRINK_HOLD: Duration = Duration::from_secs(1);

/// Jitter buffer settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterConfig {
    /// Clock rate of the payload's timestamps (8000 for G.711).
    pub clock_rate: u32,
    /// Length of one frame (one packet) in timestamp units (160 = 20 ms at 8 kHz).
    pub frame_ts: u32,
    /// Lower bound of the target delay.
    pub min_delay: Duration,
    /// Upper bound of the target delay.
    pub max_delay: Duration,
    /// Target delay = `jitter_factor` × RFC 3550 interarrival jitter, within the bounds.
    pub jitter_factor: f32,
    /// Most media held, from the playout point to the newest frame; beyond it the oldest
    /// frames are dropped.
    pub capacity: Duration,
    /// Most packets held; beyond it the oldest are dropped.
    pub max_packets: usize,
    /// How long to conceal when nothing at all is buffered before declaring an underrun
    /// (playout stops and restarts with the next packet).
    pub max_conceal: Duration,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            clock_rate: 8000,
            frame_ts: 160,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            jitter_factor: 3.0,
            capacity: Duration::from_millis(400),
            max_packets: 50,
            max_conceal: Duration::from_millis(100),
        }
    }
}

/// What to play for one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// A received frame. `timestamp` is on the buffer's timeline: the unwrapped RTP timestamp,
    /// moved on a resync so it keeps increasing.
    Packet {
        /// The payload as received.
        payload: Bytes,
        /// Timeline timestamp, in clock-rate units.
        timestamp: u64,
    },
    /// The frame at `timestamp` is missing (lost, late, or a silence gap): conceal it
    /// (repeat, fade, or comfort noise).
    Conceal {
        /// Timeline timestamp of the missing frame.
        timestamp: u64,
    },
    /// Nothing this tick and no media time consumed: not started, underrun, or waiting for the
    /// delay to grow. Play silence or comfort noise.
    Empty,
}

/// What [`JitterBuffer::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Stored for playout.
    Buffered,
    /// Its slot was already played or concealed.
    Late,
    /// Its slot already holds a packet.
    Duplicate,
    /// A large sequence jump: kept aside until the next packet confirms a restart.
    Held,
    /// Inconsistent with the stream (an older sequence number with a newer timestamp).
    Discarded,
}

/// Counters and current state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Packets pushed.
    pub received: u64,
    /// Frames played from packets.
    pub played: u64,
    /// Frames concealed.
    pub concealed: u64,
    /// Packets that arrived after their slot.
    pub late: u64,
    /// Duplicate packets.
    pub duplicate: u64,
    /// Packets dropped because the buffer was full (oldest first).
    pub overflow: u64,
    /// Frames dropped to shrink the delay.
    pub shrunk: u64,
    /// Packets flushed by a resync, held after a jump that was not confirmed, or
    /// inconsistent with the stream.
    pub discarded: u64,
    /// Resyncs (sender restarts and timestamp jumps).
    pub resyncs: u64,
    /// `pop`s that returned `Empty` to grow the delay.
    pub stalls: u64,
    /// Packets buffered now.
    pub depth: usize,
    /// Current target delay.
    pub target_delay: Duration,
    /// RFC 3550 interarrival jitter estimate.
    pub jitter: Duration,
}

/// A packet held after a sequence jump.
#[derive(Debug, Clone)]
struct Held {
    seq: u16,
    timestamp: u32,
    payload: Bytes,
}

/// Adaptive jitter buffer. See the module doc.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    frame: u64,
    capacity: u64,
    epoch: Option<Instant>,
    seq: SeqUnwrapper,
    ts: TimestampUnwrapper,
    held: Option<Held>,
    ring: Ring,
    playing: bool,
    /// Timeline timestamp of the last slot played or concealed.
    played_up_to: Option<u64>,
    delay: DelayEstimator,
    underrun: u64,
    over_since: Option<i64>,
    last_shrink: Option<i64>,
    stats: JitterStats,
}

impl JitterBuffer {
    /// A buffer with the given settings.
    pub fn new(config: JitterConfig) -> Self {
        let to_ts = |d: Duration| {
            let ts = d.as_micros() * u128::from(config.clock_rate) / 1_000_000;
            i64::try_from(ts).unwrap_or(i64::MAX / 4)
        };
        let frame = u64::from(config.frame_ts.max(1));
        let capacity = (to_ts(config.capacity) as u64).max(frame);
        let delay = DelayEstimator::new(
            to_ts(config.min_delay),
            to_ts(config.max_delay),
            config.jitter_factor,
        );
        JitterBuffer {
            config,
            frame,
            capacity,
            epoch: None,
            seq: SeqUnwrapper::new(),
            ts: TimestampUnwrapper::new(),
            held: None,
            ring: Ring::new(frame, config.max_packets.max(1)),
            playing: false,
            played_up_to: None,
            delay,
            underrun: 0,
            over_since: None,
            last_shrink: None,
            stats: JitterStats::default(),
        }
    }

    /// Counters and current state.
    pub fn stats(&self) -> JitterStats {
        let to_dur = |ts: i64| {
            let rate = u64::from(self.config.clock_rate.max(1));
            Duration::from_micros(ts.max(0) as u64 * 1_000_000 / rate)
        };
        JitterStats {
            depth: self.ring.count(),
            target_delay: to_dur(self.delay.target()),
            jitter: to_dur(self.delay.jitter()),
            ..self.stats
        }
    }

    /// `now` in timestamp units since the first call.
    fn clock(&mut self, now: Instant) -> i64 {
        let epoch = *self.epoch.get_or_insert(now);
        let micros = now.saturating_duration_since(epoch).as_micros();
        let ts = micros * u128::from(self.config.clock_rate) / 1_000_000;
        i64::try_from(ts).unwrap_or(i64::MAX / 4)
    }

    /// Stores one received packet: its RTP sequence number, timestamp, marker bit and payload.
    pub fn push(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        marker: bool,
        payload: Bytes,
    ) -> PushOutcome {
        let t = self.clock(now);
        self.stats.received += 1;
        match self.seq.update(seq) {
            SeqUpdate::Jump => {
                if self
                    .held
                    .replace(Held {
                        seq,
                        timestamp,
                        payload,
                    })
                    .is_some()
                {
                    self.stats.discarded += 1;
                }
                PushOutcome::Held
            }
            SeqUpdate::Restart(_) => {
                self.resync(timestamp);
                let outcome = self.store(t, timestamp, marker, payload);
                if let Some(held) = self.held.take() {
                    if held.seq == seq.wrapping_sub(1) {
                        self.store(t, held.timestamp, false, held.payload);
                    } else {
                        self.stats.discarded += 1;
                    }
                }
                outcome
            }
            SeqUpdate::InOrder(_) => {
                self.drop_held();
                // A newer packet whose timestamp went back, or jumped past the capacity while
                // packets are buffered: the sender's timestamps restarted.
                let ts = self.ts.peek(timestamp);
                let backwards = self.ts.highest().is_some_and(|h| ts < h);
                let beyond = self.ts.highest().is_some_and(|h| ts > h + self.capacity);
                if backwards || (beyond && !self.ring.is_empty()) {
                    self.resync(timestamp);
                }
                self.store(t, timestamp, marker, payload)
            }
            SeqUpdate::Reordered(_) => {
                self.drop_held();
                if self
                    .ts
                    .highest()
                    .is_some_and(|h| self.ts.peek(timestamp) > h)
                {
                    // An older sequence number with a newer timestamp than any in-order
                    // packet: not from this stream's timeline.
                    self.stats.discarded += 1;
                    return PushOutcome::Discarded;
                }
                self.store(t, timestamp, marker, payload)
            }
        }
    }

    fn drop_held(&mut self) {
        if self.held.take().is_some() {
            self.stats.discarded += 1;
        }
    }

    /// Starts a new timeline for a restarted sender: flushes what is buffered and places
    /// `timestamp` far enough past everything played that earlier packets of the new stream
    /// still fit before it.
    fn resync(&mut self, timestamp: u32) {
        self.stats.resyncs += 1;
        self.stats.discarded += self.ring.clear() as u64;
        let last = self.played_up_to.max(self.ts.highest()).unwrap_or(0);
        self.ts.rebase(timestamp, last + self.capacity + self.frame);
        self.delay.reset_transit();
        self.playing = false;
        self.underrun = 0;
    }

    /// Places a packet on the timeline.
    fn store(&mut self, t: i64, timestamp: u32, marker: bool, payload: Bytes) -> PushOutcome {
        let ts = self.ts.update(timestamp);
        let late = if self.playing {
            ts < self.ring.head()
        } else {
            // Before playout, an earlier packet extends the buffer down, within the capacity.
            self.played_up_to.is_some_and(|p| ts <= p)
                || (!self.ring.is_empty() && ts + self.capacity < self.ring.head() + self.frame)
        };
        if late {
            self.stats.late += 1;
            self.delay.on_late(t, ts as i64);
            return PushOutcome::Late;
        }
        if self.playing && marker && self.ring.is_empty() {
            // A talkspurt start with nothing buffered: re-anchor playout on it.
            self.playing = false;
            self.ring.rebase(ts);
        }
        let frame = Frame { ts, payload };
        let inserted = if self.ring.is_empty() && !self.playing {
            self.ring.rebase(ts);
            self.ring.insert(frame)
        } else if ts < self.ring.head() {
            self.ring.insert_before(frame)
        } else {
            self.make_room(ts);
            self.ring.insert(frame)
        };
        if inserted == Insert::Duplicate {
            self.stats.duplicate += 1;
            return PushOutcome::Duplicate;
        }
        self.delay.on_arrival(t, ts as i64);
        self.enforce_bounds();
        PushOutcome::Buffered
    }

    /// Drops the oldest slots until a frame at `ts` fits within the capacity.
    fn make_room(&mut self, ts: u64) {
        while ts + self.frame > self.ring.head() + self.capacity && !self.ring.is_empty() {
            self.drop_front();
        }
        if ts + self.frame > self.ring.head() + self.capacity {
            // Nothing left to drop: move the (empty) grid so the frame is its newest slot.
            let head = self.ring.head().max(ts + self.frame - self.capacity);
            self.mark_played(head.saturating_sub(self.frame));
            self.ring
                .rebase(head - (head - self.ring.head()) % self.frame);
        }
    }

    /// Keeps at most `max_packets` packets and `capacity` of media.
    fn enforce_bounds(&mut self) {
        while self.ring.count() > self.config.max_packets.max(1) || self.ring.span() > self.capacity
        {
            self.drop_front();
        }
    }

    /// Drops the first slot as overflow.
    fn drop_front(&mut self) {
        let head = self.ring.head();
        if self.ring.pop_front().is_some() {
            self.stats.overflow += 1;
        }
        self.mark_played(head);
        if !self.playing {
            self.ring.skip_empty_front();
        }
    }

    fn mark_played(&mut self, ts: u64) {
        self.played_up_to = Some(self.played_up_to.map_or(ts, |p| p.max(ts)));
    }

    /// The frame to play now.
    pub fn pop(&mut self, now: Instant) -> Playout {
        let t = self.clock(now);
        let min_transit = self.delay.min_transit();
        let target = self.delay.target();
        if !self.playing {
            if self.ring.is_empty() || t - self.ring.head() as i64 - min_transit < target {
                return Playout::Empty;
            }
            self.playing = true;
            self.underrun = 0;
            self.over_since = None;
        }
        let delay = t - self.ring.head() as i64 - min_transit;
        let half = (self.frame / 2) as i64;
        if delay < target - half {
            self.stats.stalls += 1;
            return Playout::Empty;
        }
        self.maybe_shrink(t, delay > target + self.frame as i64);
        if self.ring.is_empty() {
            self.underrun += 1;
            let limit = self.config.max_conceal.as_micros() * u128::from(self.config.clock_rate);
            if u128::from(self.underrun * self.frame) * 1_000_000 > limit {
                self.playing = false;
                return Playout::Empty;
            }
        } else {
            self.underrun = 0;
        }
        let head = self.ring.head();
        self.mark_played(head);
        match self.ring.pop_front() {
            Some(frame) => {
                self.stats.played += 1;
                Playout::Packet {
                    payload: frame.payload,
                    timestamp: frame.ts,
                }
            }
            None => {
                self.stats.concealed += 1;
                Playout::Conceal { timestamp: head }
            }
        }
    }

    /// Drops the head frame when the delay has been too high for [`SHRINK_HOLD`], at most once
    /// per [`SHRINK_HOLD`], and only when a frame follows it (so no gap is created).
    fn maybe_shrink(&mut self, t: i64, too_high: bool) {
        if !too_high {
            self.over_since = None;
            return;
        }
        let hold = (SHRINK_HOLD.as_millis() as i64) * i64::from(self.config.clock_rate) / 1000;
        let since = *self.over_since.get_or_insert(t);
        let spaced = self.last_shrink.is_none_or(|l| t - l >= hold);
        if t - since >= hold && spaced && self.ring.front_present() && self.ring.count() >= 2 {
            let head = self.ring.head();
            self.ring.pop_front();
            self.mark_played(head);
            self.stats.shrunk += 1;
            self.last_shrink = Some(t);
        }
    }
}

#[cfg(test)]
mod tests;
