//! Jitter buffer tests on a virtual clock: unit behaviours, the acceptance run (5 % loss,
//! 0-60 ms jitter), and a property test over random arrival patterns.

use super::*;
use proptest::prelude::*;

const BASE: u64 = 1 << 32;

fn ms(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

fn payload(n: u32) -> Bytes {
    Bytes::copy_from_slice(&n.to_be_bytes())
}

/// `n` pops, 20 ms apart from `start_ms`.
fn pops(jb: &mut JitterBuffer, t0: Instant, start_ms: u64, n: usize) -> Vec<Playout> {
    (0..n)
        .map(|i| jb.pop(ms(t0, start_ms + 20 * i as u64)))
        .collect()
}

/// Output timestamps relative to the timeline's first cycle, tagged Packet or Conceal.
fn timestamps(out: &[Playout]) -> Vec<(char, i128)> {
    let rel = |t: u64| i128::from(t) - i128::from(BASE);
    out.iter()
        .filter_map(|p| match p {
            Playout::Packet { timestamp, .. } => Some(('P', rel(*timestamp))),
            Playout::Conceal { timestamp } => Some(('C', rel(*timestamp))),
            Playout::Empty => None,
        })
        .collect()
}

#[test]
fn waits_for_the_target_then_plays_in_order() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    assert_eq!(jb.pop(t0), Playout::Empty, "nothing yet");
    jb.push(ms(t0, 0), 10, 0, true, payload(0));
    assert_eq!(
        jb.pop(ms(t0, 10)),
        Playout::Empty,
        "held for the 20 ms minimum delay"
    );
    jb.push(ms(t0, 20), 11, 160, false, payload(1));
    assert_eq!(
        jb.pop(ms(t0, 21)),
        Playout::Packet {
            payload: payload(0),
            timestamp: BASE
        }
    );
    jb.push(ms(t0, 40), 12, 320, false, payload(2));
    let out = pops(&mut jb, t0, 41, 2);
    assert_eq!(timestamps(&out), vec![('P', 160), ('P', 320)]);
    assert_eq!(jb.stats().played, 3);
}

#[test]
fn reorders_conceals_losses_and_counts_late_and_duplicates() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    for (seq, at) in [(0u16, 0u64), (2, 1), (1, 2), (4, 3), (2, 4)] {
        jb.push(
            ms(t0, at),
            seq,
            u32::from(seq) * 160,
            seq == 0,
            payload(u32::from(seq)),
        );
    }
    let out = pops(&mut jb, t0, 25, 5);
    assert_eq!(
        timestamps(&out),
        vec![('P', 0), ('P', 160), ('P', 320), ('C', 480), ('P', 640)]
    );
    assert_eq!(
        jb.push(ms(t0, 120), 3, 480, false, payload(3)),
        PushOutcome::Late
    );
    let s = jb.stats();
    assert_eq!((s.played, s.concealed, s.late, s.duplicate), (4, 1, 1, 1));
    assert!(
        s.target_delay > Duration::from_millis(20),
        "a late packet raises the target"
    );
}

#[test]
fn overflow_drops_the_oldest_and_bounds_depth() {
    let t0 = Instant::now();
    let config = JitterConfig {
        max_packets: 10,
        ..JitterConfig::default()
    };
    let mut jb = JitterBuffer::new(config);
    for n in 0..30u16 {
        jb.push(
            ms(t0, u64::from(n)),
            n,
            u32::from(n) * 160,
            n == 0,
            payload(u32::from(n)),
        );
        assert!(jb.stats().depth <= 10);
    }
    assert_eq!(jb.stats().overflow, 20);
    let out = pops(&mut jb, t0, 100, 3);
    assert_eq!(
        timestamps(&out)[0],
        ('P', 20 * 160),
        "the newest ten are kept"
    );
}

#[test]
fn capacity_bounds_the_media_held() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default()); // 400 ms = 20 frames
    jb.push(t0, 0, 0, true, payload(0));
    jb.push(t0, 19, 19 * 160, false, payload(19));
    assert_eq!(
        jb.stats().depth,
        2,
        "exactly 400 ms from the first to the end of the last"
    );
    jb.push(t0, 21, 21 * 160, false, payload(21));
    let s = jb.stats();
    assert_eq!((s.depth, s.overflow, s.resyncs), (2, 1, 0));
}

#[test]
fn a_sender_restart_resyncs_and_timestamps_keep_increasing() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = Vec::new();
    for n in 0..10u16 {
        jb.push(
            ms(t0, 20 * u64::from(n)),
            1000 + n,
            160 * u32::from(n),
            n == 0,
            payload(0),
        );
        out.push(jb.pop(ms(t0, 20 * u64::from(n) + 5)));
    }
    // New random sequence and timestamp, as after a re-INVITE to another media server.
    assert_eq!(
        jb.push(ms(t0, 200), 40_000, 7_777_777, true, payload(1)),
        PushOutcome::Held
    );
    assert_eq!(
        jb.push(ms(t0, 220), 40_001, 7_777_937, false, payload(2)),
        PushOutcome::Buffered
    );
    for n in 2..10u16 {
        let at = 200 + 20 * u64::from(n);
        jb.push(
            ms(t0, at),
            40_000 + n,
            7_777_777 + 160 * u32::from(n),
            false,
            payload(3),
        );
        out.push(jb.pop(ms(t0, at + 5)));
    }
    out.extend(pops(&mut jb, t0, 405, 5));
    let ts = timestamps(&out);
    assert!(ts.windows(2).all(|w| w[0].1 < w[1].1), "{ts:?}");
    let s = jb.stats();
    assert_eq!(s.resyncs, 1);
    assert!(out.contains(&Playout::Packet {
        payload: payload(1),
        timestamp: ts_of(&out, 1)
    }));
    assert_eq!(s.played + s.discarded + s.depth as u64, 20, "{s:?}");
}

fn ts_of(out: &[Playout], tag: u32) -> u64 {
    out.iter()
        .find_map(|p| match p {
            Playout::Packet {
                payload: pl,
                timestamp,
            } if *pl == payload(tag) => Some(*timestamp),
            _ => None,
        })
        .unwrap_or(0)
}

#[test]
fn a_timestamp_going_back_with_sequence_going_on_resyncs() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    for n in 0..5u16 {
        jb.push(
            ms(t0, 20 * u64::from(n)),
            n,
            100_000 + 160 * u32::from(n),
            n == 0,
            payload(0),
        );
    }
    let before = pops(&mut jb, t0, 85, 3);
    jb.push(ms(t0, 100), 5, 500, true, payload(1));
    let after = pops(&mut jb, t0, 145, 3);
    assert_eq!(jb.stats().resyncs, 1);
    let ts = timestamps(&[before, after].concat());
    assert!(ts.windows(2).all(|w| w[0].1 < w[1].1), "{ts:?}");
    assert_eq!(jb.stats().played, 4);
}

#[test]
fn talkspurt_after_silence_re_anchors_without_concealing_the_silence() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = Vec::new();
    // 5 packets, 2 s of silence (sender stops, RTP timestamps go on), 5 packets with marker.
    for n in 0..5u32 {
        jb.push(
            ms(t0, 20 * u64::from(n)),
            n as u16,
            160 * n,
            n == 0,
            payload(n),
        );
        out.push(jb.pop(ms(t0, 20 * u64::from(n) + 10)));
    }
    out.extend(pops(&mut jb, t0, 110, 99));
    for n in 5..10u32 {
        let at = 2000 + 20 * u64::from(n);
        jb.push(ms(t0, at), n as u16, 160 * n + 16_000, n == 5, payload(n));
        out.push(jb.pop(ms(t0, at + 10)));
    }
    out.extend(pops(&mut jb, t0, 2210, 5));
    let s = jb.stats();
    assert_eq!((s.played, s.resyncs), (10, 0));
    let ts = timestamps(&out);
    let in_gap = ts
        .iter()
        .filter(|(k, t)| *k == 'C' && *t > 4 * 160 && *t < 5 * 160 + 16_000);
    assert_eq!(
        in_gap.count(),
        5,
        "max_conceal (100 ms) of underrun, then silence: {ts:?}"
    );
    assert!(ts.windows(2).all(|w| w[0].1 < w[1].1), "{ts:?}");
}

#[test]
fn delay_grows_with_jitter_and_shrinks_when_it_calms() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut rng = XorShift(7);
    let mut arrivals: Vec<(u64, u32)> = Vec::new();
    for n in 0..1500u32 {
        // 100 ms of jitter for 10 s, then none.
        let jitter = if n < 500 { rng.below(100) } else { 0 };
        arrivals.push((20 * u64::from(n) + jitter, n));
    }
    let mut peak = Duration::ZERO;
    let out = run(&mut jb, t0, &mut arrivals, 1500, &mut |s| {
        peak = peak.max(s.target_delay)
    });
    let s = jb.stats();
    assert!(peak >= Duration::from_millis(100), "{peak:?}");
    assert!(s.stalls > 0, "the delay grew by stalling: {s:?}");
    assert!(s.target_delay <= Duration::from_millis(25), "{s:?}");
    assert!(s.shrunk > 0, "{s:?}");
    let ts = timestamps(&out.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>());
    assert!(ts.windows(2).all(|w| w[0].1 < w[1].1));
}

/// A small deterministic generator for the simulations.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Feeds `(arrival_ms, n)` (packet n: seq 65000 + n, ts u32::MAX - 8000 + 160 n) and pops
/// every 20 ms from 7 ms, `pops` times; arrivals at or before a pop are pushed first. Calls
/// `each` with the stats after every push. Returns `(pop_ms, output)`.
fn run(
    jb: &mut JitterBuffer,
    t0: Instant,
    arrivals: &mut [(u64, u32)],
    pops: u64,
    each: &mut dyn FnMut(JitterStats),
) -> Vec<(u64, Playout)> {
    arrivals.sort();
    let mut next = 0;
    let mut out = Vec::new();
    for i in 0..pops {
        let pop_at = 7 + 20 * i;
        while next < arrivals.len() && arrivals[next].0 <= pop_at {
            let (at, n) = arrivals[next];
            let ts = (u32::MAX - 8000).wrapping_add(160 * n);
            jb.push(
                ms(t0, at),
                65_000u16.wrapping_add(n as u16),
                ts,
                n == 0,
                payload(n),
            );
            each(jb.stats());
            next += 1;
        }
        out.push((pop_at, jb.pop(ms(t0, pop_at))));
    }
    out
}

/// Timeline timestamp of packet n in [`run`].
fn timeline(n: u32) -> u64 {
    BASE + u64::from(u32::MAX - 8000) + 160 * u64::from(n)
}

/// The acceptance run: 30 s of 20 ms packets, 5 % random loss, 0-60 ms of uniform random
/// network delay (so packets reorder), popped every 20 ms, fixed seed.
#[test]
fn acceptance_loss_and_jitter() {
    let t0 = Instant::now();
    let config = JitterConfig::default();
    let mut jb = JitterBuffer::new(config);
    let mut rng = XorShift(0x5EED_1234_ABCD);
    let total = 1500u32;
    let mut arrival_of = vec![None; total as usize];
    let mut arrivals = Vec::new();
    for n in 0..total {
        let lost = rng.below(100) < 5;
        let at = 20 * u64::from(n) + rng.below(61);
        if !lost {
            arrival_of[n as usize] = Some(at);
            arrivals.push((at, n));
        }
    }
    let mut max_depth = 0;
    let out = run(
        &mut jb,
        t0,
        &mut arrivals,
        u64::from(total) + 20,
        &mut |s| max_depth = max_depth.max(s.depth),
    );
    let s = jb.stats();
    println!("acceptance: {s:?}");

    // In order.
    let played: Vec<(u64, &Playout)> = out
        .iter()
        .filter(|(_, p)| *p != Playout::Empty)
        .map(|(t, p)| (*t, p))
        .collect();
    let ts: Vec<u64> = played
        .iter()
        .map(|(_, p)| match p {
            Playout::Packet { timestamp, .. } | Playout::Conceal { timestamp } => *timestamp,
            Playout::Empty => 0,
        })
        .collect();
    assert!(
        ts.windows(2).all(|w| w[0] < w[1]),
        "output timestamps strictly increase"
    );
    // Bounded.
    assert!(max_depth <= config.max_packets);
    assert!(
        max_depth as u64 * 160 <= 3200,
        "never more than the 400 ms capacity: {max_depth}"
    );
    assert_eq!((s.overflow, s.resyncs, s.discarded), (0, 0, 0));

    // Every slot between the first and the last output came out exactly once, in order: no
    // packet was skipped.
    let first = ts[0];
    assert_eq!(first, timeline(0));
    assert!(
        ts.iter().zip(0..).all(|(t, i)| *t == first + 160 * i),
        "no slot skipped"
    );
    let mut late = 0;
    for (pop_at, p) in &played {
        let n = ((match p {
            Playout::Packet { timestamp, .. } | Playout::Conceal { timestamp } => *timestamp,
            Playout::Empty => 0,
        } - first)
            / 160) as usize;
        if n >= arrival_of.len() {
            assert!(
                matches!(p, Playout::Conceal { .. }),
                "after the stream ended"
            );
            continue;
        }
        match (arrival_of[n], p) {
            // Arrived by its playout time: played, and it is the right packet.
            (Some(at), Playout::Packet { payload: pl, .. }) if at <= *pop_at => {
                assert_eq!(*pl, payload(n as u32));
            }
            (Some(at), p) if at <= *pop_at => {
                panic!("packet {n} arrived at {at} ms, playout {pop_at} ms, got {p:?}")
            }
            // Lost: concealed.
            (None, p) => assert!(
                matches!(p, Playout::Conceal { .. }),
                "lost packet {n} gave {p:?}"
            ),
            // Arrived after its playout time: concealed and counted late.
            (Some(_), p) => {
                assert!(matches!(p, Playout::Conceal { .. }));
                late += 1;
            }
        }
    }
    assert_eq!(s.shrunk, 0, "stationary jitter needs no shrinking");
    assert_eq!(s.late, late);
    assert!(
        s.late * 100 <= u64::from(total),
        "late drops under 1 %: {s:?}"
    );
    assert!(s.played >= u64::from(total) * 93 / 100, "{s:?}");
    assert!(s.target_delay <= Duration::from_millis(100), "{s:?}");
}

proptest! {
    /// Whatever the arrival pattern (reordering, duplicates, loss, bursts), output timestamps
    /// strictly increase, depth stays bounded, and every packet is accounted for exactly once.
    #[test]
    fn output_always_in_order(
        jitter in proptest::collection::vec(0u64..300, 1..250),
        dup in proptest::collection::vec(0u8..20, 1..250),
        seed: u64,
    ) {
        let t0 = Instant::now();
        let config = JitterConfig { max_packets: 12, ..JitterConfig::default() };
        let mut jb = JitterBuffer::new(config);
        let mut rng = XorShift(seed | 1);
        let mut arrivals = Vec::new();
        for (n, j) in jitter.iter().enumerate() {
            if rng.below(10) == 0 {
                continue; // lost
            }
            arrivals.push((20 * n as u64 + j, n as u32));
            if dup[n % dup.len()] == 0 {
                arrivals.push((20 * n as u64 + j + rng.below(100), n as u32));
            }
        }
        let pushed = arrivals.len() as u64;
        let mut max_depth = 0;
        let out = run(&mut jb, t0, &mut arrivals, jitter.len() as u64 + 30, &mut |s| max_depth = max_depth.max(s.depth));
        let ts = timestamps(&out.into_iter().map(|(_, p)| p).collect::<Vec<_>>());
        prop_assert!(ts.windows(2).all(|w| w[0].1 < w[1].1), "{:?}", ts);
        prop_assert!(max_depth <= 12);
        let s = jb.stats();
        prop_assert_eq!(s.received, pushed);
        let accounted = s.played + s.late + s.duplicate + s.overflow + s.shrunk + s.discarded + s.depth as u64;
        prop_assert_eq!(accounted, pushed, "{:?}", s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary sequence numbers, timestamps and times: no panic, bounded depth, output in
    /// order, and every packet accounted for (one may still be held after a jump).
    #[test]
    fn garbage_headers_keep_the_invariants(
        packets in proptest::collection::vec((any::<u16>(), any::<u32>(), any::<bool>(), 0u64..50, 0u8..3), 1..300),
    ) {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut now = 0;
        let mut ts = Vec::new();
        for (seq, timestamp, marker, advance, pops) in packets.iter().copied() {
            now += advance;
            jb.push(ms(t0, now), seq, timestamp, marker, payload(0));
            prop_assert!(jb.stats().depth <= 50);
            for _ in 0..pops {
                ts.extend(timestamps(&[jb.pop(ms(t0, now))]));
            }
        }
        prop_assert!(ts.windows(2).all(|w| w[0].1 < w[1].1), "{:?}", ts);
        let s = jb.stats();
        let accounted = s.played + s.late + s.duplicate + s.overflow + s.shrunk + s.discarded + s.depth as u64;
        prop_assert!(accounted == s.received || accounted + 1 == s.received, "{:?}", s);
    }
}
