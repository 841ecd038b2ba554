//! RFC 4733 receiver: telephone-event packets in, exactly one [`DtmfKey`] per key press out.
//!
//! Rules, by section of RFC 4733:
//! - §2.5.1.1 / §2.5.2.1: a new RTP timestamp starts a new event; packets with the current
//!   event's timestamp update it (the longest duration wins, so reordered updates are harmless).
//! - §2.5.1.4: the end packet is sent three times; only the first to arrive ends the event, the
//!   others carry the timestamp of an event already reported and are dropped.
//! - §2.5.1.3 / §2.5.2.3: an event longer than 0xFFFF timestamp units comes as segments; a
//!   packet for the same event code, without the marker, whose timestamp is the current
//!   segment's plus at least the duration seen so far and at least 0x8000 (a segment only ends
//!   near the 16-bit limit) continues the event; durations add up across segments.
//! - §2.5.2.2: if the end packets are all lost, the event ends after `timeout` without packets
//!   ([`TelephoneEventReceiver::handle_timeout`]), or when the next event starts.
//! - Packets older (by sequence number and timestamp) than the current event are ignored.
//!
//! A key is reported when it ends, with its full duration. Drive it as: `handle_packet` for
//! each packet, `handle_timeout(now)` when `poll_timeout()` passes, and drain `poll()`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::TelephoneEvent;
use crate::RtpError;

/// Receiver settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// How long without packets before an event whose end packets were lost is ended.
    /// Senders update every 50 ms (RFC 4733 §2.5.1.2), so this is several lost updates.
    pub timeout: Duration,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            timeout: Duration::from_millis(400),
        }
    }
}

/// How the end of a key press was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEnd {
    /// A packet with the E bit arrived.
    EndBit,
    /// No packet arrived for the configured timeout.
    Timeout,
    /// A new event started before this one's end was seen.
    Interrupted,
}

/// One key press, reported once when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfKey {
    /// Event code (0-15 for DTMF, see [`super::key_for_event`]).
    pub event: u8,
    /// RTP timestamp of the event's first segment.
    pub start_ts: u32,
    /// Total duration in timestamp units, across segments.
    pub duration: u32,
    /// How its end was known.
    pub end: KeyEnd,
}

/// The event being received.
#[derive(Debug, Clone, Copy)]
struct Active {
    event: u8,
    start_ts: u32,
    /// Timestamp of the current segment.
    seg_ts: u32,
    /// Duration of the finished segments.
    seg_base: u32,
    /// Longest duration seen in the current segment.
    seg_duration: u16,
    last_seen: Instant,
}

impl Active {
    fn duration(&self) -> u32 {
        self.seg_base.saturating_add(u32::from(self.seg_duration))
    }
}

/// Turns RFC 4733 packets into [`DtmfKey`]s. See the module doc for the rules.
#[derive(Debug, Clone)]
pub struct TelephoneEventReceiver {
    config: ReceiverConfig,
    active: Option<Active>,
    /// Timestamp of the last segment of the last finished event.
    finished_ts: Option<u32>,
    highest_seq: Option<u16>,
    out: VecDeque<DtmfKey>,
    ignored: u64,
}

impl TelephoneEventReceiver {
    /// A receiver with the given settings.
    pub fn new(config: ReceiverConfig) -> Self {
        TelephoneEventReceiver {
            config,
            active: None,
            finished_ts: None,
            highest_seq: None,
            out: VecDeque::new(),
            ignored: 0,
        }
    }

    /// The event code of the key currently held down, if any.
    pub fn active_event(&self) -> Option<u8> {
        self.active.map(|a| a.event)
    }

    /// Packets ignored so far: retransmitted ends, late updates, packets of older events.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// The next finished key press.
    pub fn poll(&mut self) -> Option<DtmfKey> {
        self.out.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.active.map(|a| a.last_seen + self.config.timeout)
    }

    /// Ends an event whose packets stopped coming (RFC 4733 §2.5.2.2).
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(a) = self.active
            && now.saturating_duration_since(a.last_seen) >= self.config.timeout
        {
            self.finish(KeyEnd::Timeout);
        }
    }

    /// Feeds one telephone-event packet: its RTP sequence number, timestamp, marker bit and
    /// payload. Fails only if the payload is shorter than one event block.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> Result<(), RtpError> {
        let ev = TelephoneEvent::decode(payload)?;
        let older_seq = self
            .highest_seq
            .is_some_and(|h| (seq.wrapping_sub(h) as i16) < 0);
        if !older_seq {
            self.highest_seq = Some(seq);
        }
        let reference = self.active.map(|a| a.seg_ts).or(self.finished_ts);
        if let Some(reference) = reference {
            if timestamp == reference {
                self.update_current(now, ev);
                return Ok(());
            }
            let newer_ts = (timestamp.wrapping_sub(reference) as i32) > 0;
            if !newer_ts && older_seq {
                // A reordered packet of an earlier event (or segment).
                self.ignored += 1;
                return Ok(());
            }
            // Newer timestamp, or an older one with a newer sequence number: the sender
            // restarted its timestamps. Either way a new event or segment.
            if newer_ts && !marker && self.continues_segment(ev, timestamp) {
                self.next_segment(now, ev, timestamp);
                return Ok(());
            }
        }
        if self.active.is_some() {
            self.finish(KeyEnd::Interrupted);
        }
        self.active = Some(Active {
            event: ev.event,
            start_ts: timestamp,
            seg_ts: timestamp,
            seg_base: 0,
            seg_duration: ev.duration,
            last_seen: now,
        });
        if ev.end {
            self.finish(KeyEnd::EndBit);
        }
        Ok(())
    }

    /// A packet with the current segment's timestamp.
    fn update_current(&mut self, now: Instant, ev: TelephoneEvent) {
        match &mut self.active {
            Some(a) if a.event == ev.event => {
                a.seg_duration = a.seg_duration.max(ev.duration);
                a.last_seen = now;
                if ev.end {
                    self.finish(KeyEnd::EndBit);
                }
            }
            // A retransmitted end or late update of a finished event, or a different event
            // code on the same timestamp (not something a conforming sender does).
            _ => self.ignored += 1,
        }
    }

    /// Whether a packet with a newer timestamp is the next segment of a long event
    /// (RFC 4733 §2.5.1.3).
    fn continues_segment(&self, ev: TelephoneEvent, timestamp: u32) -> bool {
        let Some(a) = self.active else {
            return false;
        };
        let advance = timestamp.wrapping_sub(a.seg_ts);
        a.event == ev.event
            && advance >= u32::from(a.seg_duration)
            && (0x8000..=0xFFFF).contains(&advance)
    }

    fn next_segment(&mut self, now: Instant, ev: TelephoneEvent, timestamp: u32) {
        if let Some(a) = &mut self.active {
            a.seg_base = a.seg_base.saturating_add(timestamp.wrapping_sub(a.seg_ts));
            a.seg_ts = timestamp;
            a.seg_duration = ev.duration;
            a.last_seen = now;
            if ev.end {
                self.finish(KeyEnd::EndBit);
            }
        }
    }

    fn finish(&mut self, end: KeyEnd) {
        if let Some(a) = self.active.take() {
            self.finished_ts = Some(a.seg_ts);
            self.out.push_back(DtmfKey {
                event: a.event,
                start_ts: a.start_ts,
                duration: a.duration(),
                end,
            });
        }
    }
}

impl Default for TelephoneEventReceiver {
    fn default() -> Self {
        Self::new(ReceiverConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephone_event::{SenderConfig, TelephoneEventSender};
    use proptest::prelude::*;

    fn pkt(event: u8, end: bool, duration: u16) -> [u8; 4] {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
        .encode()
    }

    /// Feeds `(seq, ts, marker, payload)` tuples 10 ms apart and returns the keys.
    fn run(packets: &[(u16, u32, bool, [u8; 4])]) -> (Vec<DtmfKey>, TelephoneEventReceiver) {
        let t0 = Instant::now();
        let mut rx = TelephoneEventReceiver::default();
        let mut keys = Vec::new();
        for (i, (seq, ts, m, p)) in packets.iter().enumerate() {
            let now = t0 + Duration::from_millis(10 * i as u64);
            rx.handle_packet(now, *seq, *ts, *m, p).unwrap();
            rx.handle_timeout(now);
            keys.extend(std::iter::from_fn(|| rx.poll()));
        }
        (keys, rx)
    }

    #[test]
    fn one_key_for_start_updates_and_three_ends() {
        let (keys, rx) = run(&[
            (10, 8000, true, pkt(1, false, 400)),
            (11, 8000, false, pkt(1, false, 800)),
            (12, 8000, false, pkt(1, true, 1200)),
            (13, 8000, false, pkt(1, true, 1200)),
            (14, 8000, false, pkt(1, true, 1200)),
        ]);
        let key = DtmfKey {
            event: 1,
            start_ts: 8000,
            duration: 1200,
            end: KeyEnd::EndBit,
        };
        assert_eq!(keys, vec![key]);
        assert_eq!(rx.ignored(), 2);
    }

    #[test]
    fn same_key_twice_is_two_presses_by_timestamp() {
        let (keys, _) = run(&[
            (1, 100, true, pkt(5, false, 400)),
            (2, 100, false, pkt(5, true, 800)),
            (3, 100, false, pkt(5, true, 800)),
            (5, 2000, true, pkt(5, false, 400)),
            (4, 100, false, pkt(5, true, 800)), // third end of the first press, late
            (6, 2000, false, pkt(5, true, 640)),
        ]);
        assert_eq!(keys.len(), 2);
        assert_eq!((keys[0].start_ts, keys[0].duration), (100, 800));
        assert_eq!((keys[1].start_ts, keys[1].duration), (2000, 640));
    }

    #[test]
    fn lost_end_packets_end_by_timeout() {
        let t0 = Instant::now();
        let mut rx = TelephoneEventReceiver::default();
        rx.handle_packet(t0, 1, 500, true, &pkt(9, false, 160))
            .unwrap();
        rx.handle_packet(
            t0 + Duration::from_millis(50),
            2,
            500,
            false,
            &pkt(9, false, 560),
        )
        .unwrap();
        assert_eq!(rx.active_event(), Some(9));
        let deadline = rx.poll_timeout().unwrap();
        assert_eq!(deadline, t0 + Duration::from_millis(450));
        rx.handle_timeout(deadline - Duration::from_millis(1));
        assert_eq!(rx.poll(), None);
        rx.handle_timeout(deadline);
        let key = DtmfKey {
            event: 9,
            start_ts: 500,
            duration: 560,
            end: KeyEnd::Timeout,
        };
        assert_eq!(rx.poll(), Some(key));
        assert_eq!(rx.poll_timeout(), None);
        // The end packets arriving after all do not report the key again.
        rx.handle_packet(deadline, 3, 500, false, &pkt(9, true, 800))
            .unwrap();
        assert_eq!(rx.poll(), None);
    }

    #[test]
    fn a_new_event_interrupts_one_whose_end_was_lost() {
        let (keys, _) = run(&[
            (1, 100, true, pkt(2, false, 400)),
            (2, 1000, true, pkt(3, false, 400)),
            (3, 1000, false, pkt(3, true, 800)),
        ]);
        assert_eq!(
            keys[0],
            DtmfKey {
                event: 2,
                start_ts: 100,
                duration: 400,
                end: KeyEnd::Interrupted
            }
        );
        assert_eq!(keys[1].event, 3);
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn reordered_packets_of_an_old_event_are_ignored() {
        let (keys, rx) = run(&[
            (1, 100, true, pkt(2, false, 400)),
            (3, 100, false, pkt(2, true, 1200)),
            (5, 2000, true, pkt(4, false, 400)),
            (2, 100, false, pkt(2, false, 800)), // late update of key 2
            (4, 100, false, pkt(2, true, 1200)), // late end of key 2
            (6, 2000, false, pkt(4, true, 800)),
        ]);
        assert_eq!(
            keys.iter()
                .map(|k| (k.event, k.duration))
                .collect::<Vec<_>>(),
            vec![(2, 1200), (4, 800)]
        );
        assert_eq!(rx.ignored(), 2);
    }

    #[test]
    fn an_end_packet_alone_is_a_whole_key() {
        let (keys, _) = run(&[
            (7, 300, false, pkt(11, true, 480)),
            (8, 300, false, pkt(11, true, 480)),
        ]);
        assert_eq!(
            keys,
            vec![DtmfKey {
                event: 11,
                start_ts: 300,
                duration: 480,
                end: KeyEnd::EndBit
            }]
        );
    }

    #[test]
    fn long_event_segments_add_up_across_the_timestamp_wrap() {
        let start = u32::MAX - 1000;
        let seg2 = start.wrapping_add(0xFFFF);
        let (keys, _) = run(&[
            (1, start, true, pkt(0, false, 400)),
            (2, start, false, pkt(0, false, 0xFF00)),
            (3, start, false, pkt(0, false, 0xFFFF)),
            (4, seg2, false, pkt(0, false, 400)),
            (5, seg2, false, pkt(0, true, 4000)),
        ]);
        let key = DtmfKey {
            event: 0,
            start_ts: start,
            duration: 0xFFFF + 4000,
            end: KeyEnd::EndBit,
        };
        assert_eq!(keys, vec![key]);
    }

    #[test]
    fn a_restarted_timestamp_with_newer_sequence_is_a_new_event() {
        let (keys, _) = run(&[
            (100, 90_000, true, pkt(1, true, 800)),
            (101, 5_000, true, pkt(2, true, 800)),
        ]);
        assert_eq!(keys.iter().map(|k| k.event).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn short_payload_is_an_error() {
        let mut rx = TelephoneEventReceiver::default();
        assert_eq!(
            rx.handle_packet(Instant::now(), 1, 1, true, &[1]),
            Err(RtpError::EventTooShort(1))
        );
    }

    /// Sends one key with [`TelephoneEventSender`] and returns its packets as
    /// `(seq, ts, marker, payload)`.
    fn sent(event: u8, ms: u64, seq0: u16, ts0: u32) -> Vec<(u16, u32, bool, [u8; 4])> {
        let t0 = Instant::now();
        let mut tx = TelephoneEventSender::new(SenderConfig::default());
        tx.send(t0, event, Duration::from_millis(ms));
        let mut out = Vec::new();
        while let Some(at) = tx.poll_timeout() {
            while let Some(p) = tx.poll(at) {
                let seq = seq0.wrapping_add(out.len() as u16);
                out.push((
                    seq,
                    ts0.wrapping_add(p.timestamp_offset),
                    p.marker,
                    p.payload,
                ));
            }
        }
        out
    }

    proptest! {
        /// Whatever subset of a key's packets arrives, in whatever local order, it is reported
        /// exactly once, and with its full duration whenever an end packet got through.
        #[test]
        fn exactly_one_key_per_press(
            ms in 10u64..12_000,
            keep in proptest::collection::vec(0u8..10, 1..300),
            swaps in proptest::collection::vec(0usize..300, 0..20),
            seq0: u16,
            ts0: u32,
        ) {
            let all = sent(7, ms, seq0, ts0);
            let total = (ms * 8) as u32;
            let mut arrived: Vec<_> = all.iter().zip(keep.iter().cycle()).filter(|(_, k)| **k > 1).map(|(p, _)| *p).collect();
            if arrived.is_empty() {
                arrived.push(all[0]);
            }
            for s in swaps {
                let i = s % arrived.len();
                if i + 1 < arrived.len() {
                    arrived.swap(i, i + 1);
                }
            }
            let (mut keys, mut rx) = run(&arrived);
            rx.handle_timeout(Instant::now() + Duration::from_secs(100));
            keys.extend(std::iter::from_fn(|| rx.poll()));
            prop_assert_eq!(keys.len(), 1, "{:?}", keys);
            prop_assert_eq!(keys[0].event, 7);
            prop_assert!(keys[0].duration <= total);
            let end_arrived = arrived.iter().any(|p| p.3[1] & 0x80 != 0);
            let first_segment_arrived = arrived.iter().any(|p| p.1 == ts0);
            if end_arrived && first_segment_arrived {
                prop_assert_eq!((keys[0].start_ts, keys[0].duration), (ts0, total));
            }
        }
    }
}
