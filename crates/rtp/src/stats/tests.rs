//! Tests for RFC 3550 receiver statistics, including the hand-computed jitter vector.

use super::*;

fn at(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

/// RFC 3550 §A.8 by hand. Clock 8000 Hz, so 1 ms = 8 timestamp units. Packets are sent every
/// 20 ms (160 units) from timestamp 1000; arrival is counted from the first packet.
///
/// | pkt | S (ts) | arrival ms | R (units) | transit R-S | D    | abs D | J (x16) after                 |
/// |-----|--------|------------|-----------|-------------|------|-------|-------------------------------|
/// | 0   | 1000   | 0          | 0         | -1000       |  -   |  -    | 0 (first packet: no D)        |
/// | 1   | 1160   | 20         | 160       | -1000       |  0   |  0    | 0 + 0 - ((0+8)>>4 = 0) = 0    |
/// | 2   | 1320   | 45         | 360       | -960        | +40  | 40    | 0 + 40 - 0 = 40               |
/// | 3   | 1480   | 58         | 464       | -1016       | -56  | 56    | 40 + 56 - ((48)>>4 = 3) = 93  |
/// | 4   | 1640   | 80         | 640       | -1000       | +16  | 16    | 93 + 16 - ((101)>>4 = 6) = 103|
/// | 5   | 1800   | 110        | 880       | -920        | +80  | 80    | 103 + 80 - ((111)>>4 = 6) = 177|
///
/// Reported jitter = 177 >> 4 = 11 units. (Floating point, J += (|D| - J)/16: 0, 0, 2.5,
/// 5.84, 6.48, 11.07: the same 11.)
#[test]
fn jitter_matches_the_hand_computed_vector() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(0xABCD, 8000);
    let arrivals_ms = [0u64, 20, 45, 58, 80, 110];
    let expected_x16 = [0u32, 0, 40, 93, 103, 177];
    for (i, (ms, want)) in arrivals_ms.iter().zip(expected_x16).enumerate() {
        s.on_rtp(at(t0, *ms), 100 + i as u16, 1000 + 160 * i as u32);
        assert_eq!(s.jitter_x16(), want, "after packet {i}");
    }
    assert_eq!(s.jitter(), 11);
    assert_eq!(s.report_block(at(t0, 120)).map(|b| b.jitter), Some(11));
}

#[test]
fn jitter_handles_timestamp_wrap() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(1, 8000);
    let ts0 = u32::MAX - 200;
    for i in 0..4u32 {
        s.on_rtp(
            at(t0, 20 * u64::from(i)),
            i as u16,
            ts0.wrapping_add(160 * i),
        );
    }
    assert_eq!(s.jitter_x16(), 0, "perfectly paced packets across the wrap");
}

#[test]
fn probation_needs_two_in_sequence() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(1, 8000);
    assert!(!s.on_rtp(t0, 500, 0));
    assert!(s.report_block(t0).is_none());
    assert!(
        !s.on_rtp(t0, 900, 160),
        "out of sequence restarts probation"
    );
    assert!(s.on_rtp(t0, 901, 320));
    assert!(s.is_valid());
    assert_eq!(
        (s.received(), s.expected(), s.extended_highest()),
        (1, 1, 901)
    );
}

#[test]
fn loss_and_fraction_per_interval() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(7, 8000);
    for seq in (10u16..=29).filter(|q| *q != 13 && *q != 17) {
        s.on_rtp(t0, seq, u32::from(seq) * 160);
    }
    // Valid from 11: expected 11..=29 = 19, received 17, lost 2, fraction (2 << 8) / 19 = 26.
    let b = s.report_block(t0).unwrap();
    assert_eq!(
        (
            b.ssrc,
            b.fraction_lost,
            b.cumulative_lost,
            b.extended_highest_seq
        ),
        (7, 26, 2, 29)
    );
    for seq in 30u16..40 {
        s.on_rtp(t0, seq, u32::from(seq) * 160);
    }
    let b = s.report_block(t0).unwrap();
    assert_eq!(
        (b.fraction_lost, b.cumulative_lost, b.extended_highest_seq),
        (0, 2, 39)
    );
    let b = s.report_block(t0).unwrap();
    assert_eq!(b.fraction_lost, 0, "an empty interval reports no loss");
}

#[test]
fn wrap_counts_a_cycle_and_duplicates_make_loss_negative() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(1, 8000);
    for seq in [65533u16, 65534, 65535, 0, 1, 1, 0] {
        s.on_rtp(t0, seq, 0);
    }
    assert_eq!(s.extended_highest(), 0x0001_0001);
    // Valid from 65534: expected 4, received 6 (two duplicates).
    assert_eq!(
        (s.expected(), s.received(), s.cumulative_lost()),
        (4, 6, -2)
    );
    assert_eq!(s.report_block(t0).unwrap().fraction_lost, 0);
}

#[test]
fn restart_resets_the_counters() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(1, 8000);
    for seq in 100u16..110 {
        s.on_rtp(t0, seq, 0);
    }
    assert!(!s.on_rtp(t0, 40_000, 0), "a jump is not counted");
    assert!(
        s.on_rtp(t0, 40_001, 0),
        "the next in sequence confirms the restart"
    );
    assert_eq!(
        (s.expected(), s.received(), s.extended_highest()),
        (1, 1, 40_001)
    );
}

#[test]
fn cumulative_lost_clamps_to_24_bits() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(1, 8000);
    let mut seq = 1u16;
    s.on_rtp(t0, 0, 0);
    s.on_rtp(t0, seq, 0);
    for _ in 0..3000 {
        seq = seq.wrapping_add(2999);
        s.on_rtp(t0, seq, 0);
    }
    assert!(s.expected() - s.received() > 0x7F_FFFF);
    assert_eq!(s.cumulative_lost(), 0x7F_FFFF);
    assert_eq!(s.report_block(t0).unwrap().fraction_lost, 255);
}

#[test]
fn lsr_and_dlsr_from_the_last_sender_report() {
    let t0 = Instant::now();
    let mut s = ReceiverStats::new(1, 8000);
    s.on_rtp(t0, 1, 0);
    s.on_rtp(t0, 2, 160);
    assert_eq!(
        s.report_block(t0)
            .map(|b| (b.last_sr, b.delay_since_last_sr)),
        Some((0, 0))
    );
    s.on_sender_report(t0, 0x1234_5678_9ABC_DEF0);
    let b = s.report_block(at(t0, 1500)).unwrap();
    assert_eq!((b.last_sr, b.delay_since_last_sr), (0x5678_9ABC, 98_304));
}

#[test]
fn sender_counts_wrap() {
    let mut s = SenderStats {
        packets: u32::MAX,
        octets: u32::MAX - 10,
    };
    s.on_sent(160);
    assert_eq!((s.packets, s.octets), (0, 149));
    let info = s.sender_info(42, 8000);
    assert_eq!(
        (
            info.ntp_time,
            info.rtp_time,
            info.packet_count,
            info.octet_count
        ),
        (42, 8000, 0, 149)
    );
}
