//! Fuzz entry points, one per parser. Each takes arbitrary bytes and panics only if an
//! invariant breaks: a parsed value that does not write back, or reads back different.
//! A cargo-fuzz target calls these; a unit test below runs them over every file in
//! `fixtures/rtp/` and over 20,000 random and mutated inputs.

use std::time::{Duration, Instant};

use crate::packet;
use crate::rtcp;
use crate::telephone_event::{TelephoneEvent, TelephoneEventReceiver};

/// RTP: parse; if it parses, write, re-parse and compare; the zero-copy peek must agree.
pub fn rtp(data: &[u8]) {
    let parsed = packet::parse(data);
    let peeked = packet::peek_header(data);
    assert_eq!(
        parsed.is_ok(),
        peeked.is_ok(),
        "parse and peek disagree on {data:02x?}"
    );
    let Ok(p) = parsed else { return };
    if let Ok(h) = peeked {
        assert_eq!(h.payload(data), &p.payload[..]);
        assert_eq!(
            (h.sequence_number, h.timestamp, h.ssrc),
            (p.sequence_number, p.timestamp, p.ssrc)
        );
    }
    let wire = match p.serialize() {
        Ok(w) => w,
        Err(e) => panic!("parsed RTP packet does not write back: {e}: {p:?}"),
    };
    assert_eq!(wire.len(), data.len(), "only padding contents may differ");
    assert_eq!(packet::parse(&wire).as_ref(), Ok(&p), "RTP round trip");
}

/// Compound RTCP: parse; if it parses, write, re-parse and compare.
pub fn rtcp(data: &[u8]) {
    let Ok(packets) = rtcp::parse_compound(data) else {
        return;
    };
    let wire = match rtcp::serialize_compound(&packets) {
        Ok(w) => w,
        Err(e) => panic!("parsed RTCP does not write back: {e}: {packets:?}"),
    };
    assert_eq!(
        rtcp::parse_compound(&wire).as_ref(),
        Ok(&packets),
        "RTCP round trip"
    );
}

/// RFC 4733: decode, encode, decode; then read `data` as a packet stream and drive the
/// receiver with it: 11-byte records of sequence (2), timestamp (4), flags (1: bit 0 the
/// marker, bits 1-7 milliseconds since the previous record ×4) and an event block (4).
pub fn telephone_event(data: &[u8]) {
    if let Ok(e) = TelephoneEvent::decode(data) {
        assert_eq!(
            TelephoneEvent::decode(&e.encode()),
            Ok(e),
            "event round trip"
        );
    }
    let t0 = Instant::now();
    let mut now = t0;
    let mut rx = TelephoneEventReceiver::default();
    let mut records = 0u64;
    let mut keys = 0u64;
    for r in data.chunks_exact(11) {
        let seq = u16::from_be_bytes([r[0], r[1]]);
        let ts = u32::from_be_bytes([r[2], r[3], r[4], r[5]]);
        now += Duration::from_millis(u64::from(r[6] >> 1) * 4);
        assert!(
            rx.handle_packet(now, seq, ts, r[6] & 1 != 0, &r[7..11])
                .is_ok()
        );
        rx.handle_timeout(now);
        records += 1;
        keys += std::iter::from_fn(|| rx.poll()).count() as u64;
    }
    rx.handle_timeout(now + Duration::from_secs(3600));
    keys += std::iter::from_fn(|| rx.poll()).count() as u64;
    assert!(keys <= records, "{keys} keys from {records} packets");
    assert_eq!(rx.active_event(), None, "the timeout ends every event");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixtures() -> Vec<(String, Vec<u8>)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rtp");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        assert!(files.len() >= 9, "fixtures missing from {dir:?}");
        files
    }

    #[test]
    fn fixtures_parse_and_round_trip() {
        for (name, data) in fixtures() {
            rtp(&data);
            rtcp(&data);
            telephone_event(&data);
            let kind = packet::classify(&data);
            if name.starts_with("rtcp") {
                assert_eq!(kind, packet::PacketKind::Rtcp, "{name}");
                assert!(rtcp::parse_compound(&data).is_ok(), "{name}");
            } else {
                assert_eq!(kind, packet::PacketKind::Rtp, "{name}");
                let p = packet::parse(&data).unwrap();
                if name.starts_with("te_") {
                    telephone_event(&p.payload);
                    assert!(TelephoneEvent::decode(&p.payload).is_ok(), "{name}");
                }
            }
        }
    }

    #[test]
    fn fixtures_hold_what_their_names_say() {
        let files: std::collections::HashMap<_, _> = fixtures().into_iter().collect();
        let pcma = packet::parse(&files["pcma_csrc_ext.bin"]).unwrap();
        assert_eq!(
            (pcma.payload_type, pcma.csrc.len(), pcma.payload.len()),
            (8, 2, 160)
        );
        assert_eq!(pcma.extension.map(|e| e.profile), Some(0xBEDE));
        let padded = packet::parse(&files["pcmu_padding.bin"]).unwrap();
        assert_eq!((padded.padding, padded.payload.len()), (4, 160));
        let end = packet::parse(&files["te_end.bin"]).unwrap();
        let ev = TelephoneEvent::decode(&end.payload).unwrap();
        assert_eq!((ev.event, ev.end, ev.duration), (5, true, 1600));
        let c = rtcp::parse_compound(&files["rtcp_rr_sdes_bye.bin"]).unwrap();
        assert!(
            matches!(&c[0], rtcp::RtcpPacket::ReceiverReport(rr) if rr.reports[0].cumulative_lost == 3)
        );
        assert!(matches!(&c[2], rtcp::RtcpPacket::Bye(b) if &b.reason[..] == b"hangup"));
        let sr = rtcp::parse_compound(&files["rtcp_sr_sdes.bin"]).unwrap();
        assert!(
            matches!(&sr[1], rtcp::RtcpPacket::SourceDescription(c) if c[0].items[0].kind == rtcp::SDES_CNAME)
        );
    }

    /// A key press as a leg would receive it, then fed through the receiver.
    #[test]
    fn telephone_event_fixtures_make_one_key() {
        let files: std::collections::HashMap<_, _> = fixtures().into_iter().collect();
        let mut rx = TelephoneEventReceiver::default();
        let t0 = Instant::now();
        for (i, name) in ["te_start.bin", "te_update.bin", "te_end.bin", "te_end.bin"]
            .iter()
            .enumerate()
        {
            let p = packet::parse(&files[*name]).unwrap();
            let now = t0 + Duration::from_millis(50 * i as u64);
            rx.handle_packet(now, p.sequence_number, p.timestamp, p.marker, &p.payload)
                .unwrap();
        }
        let key = rx.poll().unwrap();
        assert_eq!((key.event, key.duration), (5, 1600));
        assert_eq!(rx.poll(), None);
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// One random change to `data`: flip a bit, set a byte, truncate, insert or duplicate.
    fn mutate(rng: &mut XorShift, data: &mut Vec<u8>) {
        if data.is_empty() {
            data.push(rng.next() as u8);
            return;
        }
        let at = rng.below(data.len());
        match rng.below(5) {
            0 => data[at] ^= 1 << rng.below(8),
            1 => data[at] = rng.next() as u8,
            2 => data.truncate(at),
            3 => data.insert(at, rng.next() as u8),
            _ => data.extend_from_within(at..),
        }
    }

    #[test]
    fn random_and_mutated_inputs_never_break_an_invariant() {
        let seeds: Vec<Vec<u8>> = fixtures().into_iter().map(|(_, d)| d).collect();
        let mut rng = XorShift(0xC0FF_EE12_3456_789B);
        for i in 0..20_000 {
            let data: Vec<u8> = if i % 4 == 0 {
                let len = rng.below(200);
                (0..len).map(|_| rng.next() as u8).collect()
            } else {
                let mut d = seeds[rng.below(seeds.len())].clone();
                for _ in 0..=rng.below(4) {
                    mutate(&mut rng, &mut d);
                }
                d
            };
            rtp(&data);
            rtcp(&data);
            telephone_event(&data);
        }
    }
}
