//! RFC 4733 sender: the packet sequence for each queued key, timed by `now`.
//!
//! For one key (RFC 4733 §2.5.1): the first packet carries the marker bit (§2.5.1.1); then one
//! update every `update_interval` with the same timestamp and a growing duration (§2.5.1.2);
//! the last packet has the E bit and is sent three times with the same duration (§2.5.1.4).
//! A key longer than 0xFFFF timestamp units is cut into segments (§2.5.1.3): each segment's
//! last packet (duration 0xFFFF, no E bit) is also sent three times, and the next segment's
//! timestamp is 0xFFFF later, without the marker.
//!
//! Each packet's duration covers the media up to the end of the interval it is sent in, as
//! audio packets do. Keys queued together are separated by `gap`.
//!
//! The leg packetizes: payload type from SDP, its own sequence numbers, and RTP timestamp =
//! the leg's media timestamp when the key's first packet (marker set) went out, plus
//! [`OutgoingEvent::timestamp_offset`]. Drive it with `poll(now)` until `None`, then wait for
//! `poll_timeout()`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{EVENT_LEN, TelephoneEvent};

/// Largest duration of one segment (RFC 4733 §2.5.1.3).
const SEGMENT_MAX: u32 = 0xFFFF;
/// Times the last packet of an event or segment is sent (RFC 4733 §2.5.1.4).
const END_COPIES: u8 = 3;

/// Sender settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderConfig {
    /// The telephone-event clock rate from SDP, normally 8000.
    pub clock_rate: u32,
    /// Time between packets of one event; 50 ms is RFC 4733 §2.5.1.2's suggestion.
    pub update_interval: Duration,
    /// Volume field, 0-63 (-dBm0).
    pub volume: u8,
    /// Pause between queued keys.
    pub gap: Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            clock_rate: 8000,
            update_interval: Duration::from_millis(50),
            volume: 10,
            gap: Duration::from_millis(50),
        }
    }
}

/// One packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingEvent {
    /// The RTP payload.
    pub payload: [u8; EVENT_LEN],
    /// The marker bit: set on the first packet of a key only.
    pub marker: bool,
    /// Timestamp offset from the key's first packet, in clock-rate units (non-zero only for
    /// later segments of a long key).
    pub timestamp_offset: u32,
    /// The payload, decoded.
    pub event: TelephoneEvent,
}

/// The key being sent.
#[derive(Debug, Clone, Copy)]
struct Tone {
    event: u8,
    /// Total duration in timestamp units.
    total: u32,
    /// Intervals elapsed since the first packet.
    tick: u32,
    /// Offset of the current segment.
    seg_start: u32,
    /// A final packet still to be repeated, and how many more times.
    repeat: Option<(OutgoingEvent, u8)>,
}

/// Produces RFC 4733 packets for queued keys. See the module doc.
#[derive(Debug, Clone)]
pub struct TelephoneEventSender {
    config: SenderConfig,
    /// Interval in timestamp units.
    interval_ts: u32,
    queue: VecDeque<(u8, u32)>,
    current: Option<Tone>,
    /// When the next packet is due.
    due: Option<Instant>,
}

fn to_ts(d: Duration, clock_rate: u32) -> u32 {
    let ts = d.as_micros() * u128::from(clock_rate) / 1_000_000;
    u32::try_from(ts).unwrap_or(u32::MAX)
}

impl TelephoneEventSender {
    /// A sender with the given settings.
    pub fn new(config: SenderConfig) -> Self {
        let interval_ts = to_ts(config.update_interval, config.clock_rate).max(1);
        TelephoneEventSender {
            config,
            interval_ts,
            queue: VecDeque::new(),
            current: None,
            due: None,
        }
    }

    /// Queues a key (event code) to be held for `duration`; it starts at `now` if nothing is
    /// being sent.
    pub fn send(&mut self, now: Instant, event: u8, duration: Duration) {
        let total = to_ts(duration, self.config.clock_rate).max(1);
        self.queue.push_back((event, total));
        if self.due.is_none() {
            self.due = Some(now);
        }
    }

    /// Whether nothing is being sent or queued.
    pub fn is_idle(&self) -> bool {
        self.due.is_none()
    }

    /// When the next packet is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.due
    }

    /// The next packet, if one is due at `now`. Call until `None`.
    pub fn poll(&mut self, now: Instant) -> Option<OutgoingEvent> {
        let due = self.due?;
        if due > now {
            return None;
        }
        let mut tone = match self.current {
            Some(t) => t,
            None => {
                let (event, total) = self.queue.pop_front()?;
                Tone {
                    event,
                    total,
                    tick: 0,
                    seg_start: 0,
                    repeat: None,
                }
            }
        };
        let (packet, done) = self.step(&mut tone);
        self.due = Some(due + self.config.update_interval);
        self.current = Some(tone);
        if done {
            self.current = None;
            self.due = if self.queue.is_empty() {
                None
            } else {
                Some(due + self.config.update_interval + self.config.gap)
            };
        }
        Some(packet)
    }

    /// The packet for the tone's current tick, and whether the tone is finished.
    fn step(&self, tone: &mut Tone) -> (OutgoingEvent, bool) {
        let tick = tone.tick;
        tone.tick = tone.tick.saturating_add(1);
        if let Some((packet, left)) = tone.repeat {
            let repeat = OutgoingEvent {
                marker: false,
                ..packet
            };
            tone.repeat = (left > 1).then_some((packet, left - 1));
            let done = left == 1 && packet.event.end;
            return (repeat, done);
        }
        let elapsed = (tick.saturating_add(1))
            .saturating_mul(self.interval_ts)
            .min(tone.total);
        let in_segment = elapsed - tone.seg_start;
        let (duration, end) = if in_segment > SEGMENT_MAX {
            (SEGMENT_MAX, false)
        } else {
            (in_segment, elapsed == tone.total)
        };
        let event = TelephoneEvent {
            event: tone.event,
            end,
            volume: self.config.volume,
            duration: u16::try_from(duration).unwrap_or(u16::MAX),
        };
        let packet = OutgoingEvent {
            payload: event.encode(),
            marker: tick == 0,
            timestamp_offset: tone.seg_start,
            event,
        };
        let last_of_segment = end || duration == SEGMENT_MAX;
        if last_of_segment {
            tone.repeat = Some((packet, END_COPIES - 1));
            if !end {
                tone.seg_start += SEGMENT_MAX;
            }
        }
        (packet, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(tx: &mut TelephoneEventSender) -> Vec<(Instant, OutgoingEvent)> {
        let mut out = Vec::new();
        while let Some(at) = tx.poll_timeout() {
            assert_eq!(
                tx.poll(at - Duration::from_nanos(1)),
                None,
                "nothing before it is due"
            );
            while let Some(p) = tx.poll(at) {
                out.push((at, p));
            }
        }
        out
    }

    #[test]
    fn one_key_marker_updates_and_three_ends() {
        let t0 = Instant::now();
        let mut tx = TelephoneEventSender::new(SenderConfig::default());
        tx.send(t0, 1, Duration::from_millis(180)); // 1440 units, updates of 400
        let out = drain(&mut tx);
        let seen: Vec<_> = out
            .iter()
            .map(|(_, p)| (p.marker, p.event.end, p.event.duration, p.timestamp_offset))
            .collect();
        assert_eq!(
            seen,
            vec![
                (true, false, 400, 0),
                (false, false, 800, 0),
                (false, false, 1200, 0),
                (false, true, 1440, 0),
                (false, true, 1440, 0),
                (false, true, 1440, 0),
            ]
        );
        let times: Vec<_> = out.iter().map(|(t, _)| (*t - t0).as_millis()).collect();
        assert_eq!(times, vec![0, 50, 100, 150, 200, 250]);
        assert!(tx.is_idle());
        assert_eq!(out[0].1.payload, [1, 10, 0x01, 0x90]);
    }

    #[test]
    fn a_short_key_is_one_packet_with_marker_and_end() {
        let t0 = Instant::now();
        let mut tx = TelephoneEventSender::new(SenderConfig::default());
        tx.send(t0, 11, Duration::from_millis(20));
        let out = drain(&mut tx);
        assert_eq!(out.len(), 3);
        assert!(out[0].1.marker && out[0].1.event.end);
        assert!(out.iter().all(|(_, p)| p.event.duration == 160));
    }

    #[test]
    fn queued_keys_follow_after_the_gap() {
        let t0 = Instant::now();
        let mut tx = TelephoneEventSender::new(SenderConfig::default());
        tx.send(t0, 1, Duration::from_millis(100));
        tx.send(t0, 2, Duration::from_millis(100));
        let out = drain(&mut tx);
        let starts: Vec<_> = out
            .iter()
            .filter(|(_, p)| p.marker)
            .map(|(t, p)| ((*t - t0).as_millis(), p.event.event))
            .collect();
        // Key 1: packets at 0, 50 (end), 100, 150 (repeats); key 2 at 150 + 50 + 50.
        assert_eq!(starts, vec![(0, 1), (250, 2)]);
        assert_eq!(out.len(), 8);
    }

    #[test]
    fn a_late_poll_catches_up_one_packet_at_a_time() {
        let t0 = Instant::now();
        let mut tx = TelephoneEventSender::new(SenderConfig::default());
        tx.send(t0, 3, Duration::from_millis(500));
        let burst: Vec<_> =
            std::iter::from_fn(|| tx.poll(t0 + Duration::from_millis(120))).collect();
        assert_eq!(
            burst.iter().map(|p| p.event.duration).collect::<Vec<_>>(),
            vec![400, 800, 1200]
        );
    }

    #[test]
    fn long_keys_are_segmented() {
        let t0 = Instant::now();
        let mut tx = TelephoneEventSender::new(SenderConfig::default());
        tx.send(t0, 0, Duration::from_secs(10)); // 80000 units
        let out: Vec<_> = drain(&mut tx).into_iter().map(|(_, p)| p).collect();
        let seg_ends: Vec<_> = out
            .iter()
            .filter(|p| p.event.duration == 0xFFFF && !p.event.end)
            .collect();
        assert_eq!(seg_ends.len(), 3);
        assert!(seg_ends.iter().all(|p| p.timestamp_offset == 0));
        let second: Vec<_> = out
            .iter()
            .filter(|p| p.timestamp_offset == 0xFFFF)
            .collect();
        assert!(second.iter().all(|p| !p.marker));
        let ends: Vec<_> = out.iter().filter(|p| p.event.end).collect();
        assert_eq!(ends.len(), 3);
        assert!(
            ends.iter()
                .all(|p| u32::from(p.event.duration) + 0xFFFF == 80_000)
        );
        assert_eq!(out.iter().filter(|p| p.marker).count(), 1);
    }
}
