//! Per-packet costs of the RTP core (crates/rtp): RTP parse/peek/write, the jitter buffer in
//! steady state, RFC 4733 decode and receive, RFC 3550 statistics, and a compound RTCP report.
//! Every RTP input is a 20 ms PCMU packet (12-byte header + 160 bytes).
//!
//! Run: `cargo bench -p callbridge-benches --bench rtp` (add `-- --quick` for a fast pass).

use std::hint::black_box;
use std::time::{Duration, Instant};

use callbridge_rtp::jitter::{JitterBuffer, JitterConfig};
use callbridge_rtp::rtcp::{self, ReportBlock, SenderInfo};
use callbridge_rtp::stats::ReceiverStats;
use callbridge_rtp::telephone_event::{TelephoneEvent, TelephoneEventReceiver};
use callbridge_rtp::{Bytes, RtpPacket, packet};
use criterion::{Criterion, criterion_group, criterion_main};

/// A PCMU packet with a deterministic payload.
fn pcmu_packet(seq: u16) -> RtpPacket {
    let payload: Vec<u8> = (0..160u32).map(|i| (i * 37 % 251) as u8).collect();
    let mut p = RtpPacket::new(0, seq, u32::from(seq) * 160, 0x5A3C_9E01);
    p.payload = Bytes::from(payload);
    p
}

fn rtp_benches(c: &mut Criterion) {
    let wire = pcmu_packet(1000).serialize().unwrap_or_default();
    let shared = Bytes::from(wire.clone());
    let packet = pcmu_packet(1000);
    let mut out = Vec::with_capacity(256);

    let mut g = c.benchmark_group("rtp");
    g.bench_function("parse_pcmu", |b| b.iter(|| packet::parse(black_box(&wire))));
    g.bench_function("parse_bytes_pcmu", |b| {
        b.iter(|| packet::parse_bytes(black_box(shared.clone())))
    });
    g.bench_function("peek_header_pcmu", |b| {
        b.iter(|| packet::peek_header(black_box(&wire)))
    });
    g.bench_function("write_into_pcmu", |b| {
        b.iter(|| {
            out.clear();
            black_box(&packet).write_into(&mut out)
        })
    });
    g.finish();
}

fn jitter_benches(c: &mut Criterion) {
    let t0 = Instant::now();
    let payload = Bytes::from(vec![0xFFu8; 160]);
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut n: u32 = 0;
    let mut g = c.benchmark_group("jitter");
    // One push and one pop per 20 ms of virtual time, with a little jitter: steady state.
    g.bench_function("push_pop_per_packet", |b| {
        b.iter(|| {
            let at = t0 + Duration::from_millis(20 * u64::from(n) + u64::from(n * 7 % 13));
            jb.push(at, n as u16, n.wrapping_mul(160), n == 0, payload.clone());
            let out = jb.pop(t0 + Duration::from_millis(20 * u64::from(n) + 7));
            n = n.wrapping_add(1);
            black_box(out)
        })
    });
    g.finish();
}

fn dtmf_benches(c: &mut Criterion) {
    let payload = TelephoneEvent {
        event: 5,
        end: false,
        volume: 10,
        duration: 800,
    }
    .encode();
    let t0 = Instant::now();
    let mut rx = TelephoneEventReceiver::default();
    let mut n: u32 = 0;
    let mut g = c.benchmark_group("rfc4733");
    g.bench_function("decode", |b| {
        b.iter(|| TelephoneEvent::decode(black_box(&payload)))
    });
    // A 10-packet key press (start, 6 updates, 3 ends) per 10 iterations.
    g.bench_function("receiver_per_packet", |b| {
        b.iter(|| {
            let key = n / 10;
            let i = n % 10;
            let ev = TelephoneEvent {
                event: 5,
                end: i >= 7,
                volume: 10,
                duration: 400 * (i.min(7) + 1) as u16,
            };
            let now = t0 + Duration::from_millis(u64::from(n) * 50);
            let r = rx.handle_packet(
                now,
                n as u16,
                key.wrapping_mul(16_000),
                i == 0,
                &ev.encode(),
            );
            n = n.wrapping_add(1);
            black_box((r, rx.poll()))
        })
    });
    g.finish();
}

fn stats_benches(c: &mut Criterion) {
    let t0 = Instant::now();
    let mut stats = ReceiverStats::new(0x5A3C_9E01, 8000);
    let mut n: u32 = 0;
    let mut g = c.benchmark_group("rtcp");
    g.bench_function("stats_on_rtp_per_packet", |b| {
        b.iter(|| {
            let at = t0 + Duration::from_micros(20_000 * u64::from(n) + u64::from(n * 7919 % 3000));
            let r = stats.on_rtp(at, n as u16, n.wrapping_mul(160));
            n = n.wrapping_add(1);
            black_box(r)
        })
    });
    let info = SenderInfo {
        ntp_time: 1,
        rtp_time: 2,
        packet_count: 3,
        octet_count: 4,
    };
    let compound = rtcp::report_compound(9, Some(info), vec![ReportBlock::default()], "leg@cb");
    let wire = rtcp::serialize_compound(&compound).unwrap_or_default();
    g.bench_function("parse_sr_sdes", |b| {
        b.iter(|| rtcp::parse_compound(black_box(&wire)))
    });
    g.bench_function("build_and_write_sr_sdes", |b| {
        b.iter(|| {
            let block = stats.report_block(t0 + Duration::from_secs(5));
            let packets =
                rtcp::report_compound(9, Some(info), block.into_iter().collect(), "leg@cb");
            rtcp::serialize_compound(black_box(&packets))
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    rtp_benches,
    jitter_benches,
    dtmf_benches,
    stats_benches
);
criterion_main!(benches);
