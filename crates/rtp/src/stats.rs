//! RTCP statistics (RFC 3550 §6.4, Appendix A): what we received from one source, for the
//! report blocks of our RRs and SRs, and what we sent, for the sender info of our SRs.
//!
//! [`ReceiverStats`] follows the appendix line by line: source validation with probation and
//! the sequence bookkeeping of §A.1 (through [`SeqUnwrapper`], which classifies exactly as
//! `update_seq`), expected and lost packets and the fraction lost per interval of §A.3, and the
//! interarrival jitter of §A.8 in its integer form, `jitter += |D| - ((jitter + 8) >> 4)`, kept
//! scaled by 16. Arrival times are `now` converted to timestamp units from the first packet's
//! `now`; only differences matter, so the epoch is arbitrary (§6.4.1).

use std::time::{Duration, Instant};

use crate::rtcp::{ReportBlock, SenderInfo};
use crate::seq::{SeqUnwrapper, SeqUpdate};

/// RFC 3550 §A.1 `MIN_SEQUENTIAL`: packets in sequence before a source is valid.
pub const MIN_SEQUENTIAL: u32 = 2;
/// Bounds of the 24-bit signed cumulative-lost field (RFC 3550 §6.4.1).
const LOST_MAX: i64 = 0x7F_FFFF;
const LOST_MIN: i64 = -0x80_0000;

/// Reception statistics for one remote source (SSRC).
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    ssrc: u32,
    clock_rate: u32,
    epoch: Option<Instant>,
    /// §A.1 `probation`: packets still needed in sequence; 0 once valid.
    probation: u32,
    /// §A.1 `max_seq` while on probation.
    probe_max: Option<u16>,
    seq: SeqUnwrapper,
    /// Extended number of the first valid packet (§A.1 `base_seq`).
    base: u64,
    /// Extended value of cycle 0, so `highest - cycle_base` is §A.1's `cycles + max_seq`.
    cycle_base: u64,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    /// §A.8 `transit` of the previous packet.
    transit: Option<u32>,
    /// §A.8 jitter, scaled by 16.
    jitter_x16: u32,
    /// LSR and when that SR arrived.
    last_sr: Option<(u32, Instant)>,
}

impl ReceiverStats {
    /// Statistics for source `ssrc`, whose payload clock runs at `clock_rate` Hz.
    pub fn new(ssrc: u32, clock_rate: u32) -> Self {
        ReceiverStats {
            ssrc,
            clock_rate,
            epoch: None,
            probation: MIN_SEQUENTIAL,
            probe_max: None,
            seq: SeqUnwrapper::new(),
            base: 0,
            cycle_base: 0,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_x16: 0,
            last_sr: None,
        }
    }

    /// The source these statistics describe.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Whether the source has passed probation (§A.1).
    pub fn is_valid(&self) -> bool {
        self.probation == 0
    }

    /// Records one RTP packet. Returns whether it counts (§A.1 `update_seq` returning 1):
    /// false during probation and for a not-yet-confirmed sequence jump.
    pub fn on_rtp(&mut self, now: Instant, seq: u16, timestamp: u32) -> bool {
        if self.probation > 0 {
            return self.on_probation(now, seq, timestamp);
        }
        match self.seq.update(seq) {
            SeqUpdate::InOrder(_) | SeqUpdate::Reordered(_) => {}
            SeqUpdate::Jump => return false,
            SeqUpdate::Restart(ext) => {
                // The other side restarted: start over as at a new source's first valid packet.
                self.init(ext);
                self.transit = None;
            }
        }
        self.received += 1;
        self.update_jitter(now, timestamp);
        true
    }

    /// §A.1: a new source is valid after `MIN_SEQUENTIAL` packets in sequence.
    fn on_probation(&mut self, now: Instant, seq: u16, timestamp: u32) -> bool {
        self.update_jitter(now, timestamp);
        // The first packet is in sequence: §A.1 starts with max_seq = seq - 1.
        let in_sequence = self.probe_max.is_none_or(|m| seq == m.wrapping_add(1));
        self.probe_max = Some(seq);
        if !in_sequence {
            self.probation = MIN_SEQUENTIAL - 1;
            return false;
        }
        self.probation -= 1;
        if self.probation > 0 {
            return false;
        }
        self.seq.reset();
        let ext = self.seq.update(seq).extended().unwrap_or(0);
        self.init(ext);
        self.received = 1;
        true
    }

    /// §A.1 `init_seq`.
    fn init(&mut self, ext: u64) {
        self.base = ext;
        self.cycle_base = ext & !0xFFFF;
        self.received = 0;
        self.expected_prior = 0;
        self.received_prior = 0;
    }

    /// §A.8: `D = (Rj - Ri) - (Sj - Si)`, `J += (|D| - J) / 16`, in integer form.
    fn update_jitter(&mut self, now: Instant, timestamp: u32) {
        let epoch = *self.epoch.get_or_insert(now);
        let micros = now.saturating_duration_since(epoch).as_micros();
        let arrival = (micros * u128::from(self.clock_rate) / 1_000_000) as u32;
        let transit = arrival.wrapping_sub(timestamp);
        if let Some(prev) = self.transit {
            let d = (transit.wrapping_sub(prev) as i32).unsigned_abs();
            let j =
                i64::from(self.jitter_x16) + i64::from(d) - ((i64::from(self.jitter_x16) + 8) >> 4);
            self.jitter_x16 = u32::try_from(j).unwrap_or(u32::MAX);
        }
        self.transit = Some(transit);
    }

    /// Records an SR from this source, for LSR/DLSR (§6.4.1).
    pub fn on_sender_report(&mut self, now: Instant, ntp_time: u64) {
        self.last_sr = Some(((ntp_time >> 16) as u32, now));
    }

    /// Interarrival jitter in timestamp units (§A.8, `jitter >> 4`).
    pub fn jitter(&self) -> u32 {
        self.jitter_x16 >> 4
    }

    /// The jitter estimate scaled by 16, as §A.8 keeps it.
    pub fn jitter_x16(&self) -> u32 {
        self.jitter_x16
    }

    /// Packets counted since the source became valid (or restarted).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// §A.3 `extended_max`: cycles << 16 | highest sequence number.
    pub fn extended_highest(&self) -> u32 {
        let highest = self.seq.highest().unwrap_or(self.cycle_base);
        highest.wrapping_sub(self.cycle_base) as u32
    }

    /// §A.3 `expected`: packets from the first valid one to the highest.
    pub fn expected(&self) -> u64 {
        match (self.is_valid(), self.seq.highest()) {
            (true, Some(highest)) => highest.saturating_sub(self.base) + 1,
            _ => 0,
        }
    }

    /// §A.3 cumulative lost, clamped to the 24-bit signed field. Duplicates can make it
    /// negative.
    pub fn cumulative_lost(&self) -> i32 {
        let lost = self.expected() as i64 - self.received as i64;
        lost.clamp(LOST_MIN, LOST_MAX) as i32
    }

    /// The report block for this source at `now` (§6.4.1, §A.3), or `None` before the source
    /// is valid. Starts a new interval for the fraction lost.
    pub fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        if !self.is_valid() {
            return None;
        }
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.saturating_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => (lsr, to_dlsr(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost(),
            extended_highest_seq: self.extended_highest(),
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        })
    }
}

/// A duration in the DLSR unit, 1/65536 s.
fn to_dlsr(d: Duration) -> u32 {
    u32::try_from(d.as_micros() * 65_536 / 1_000_000).unwrap_or(u32::MAX)
}

/// What we sent, for the sender info of our SRs (RFC 3550 §6.4.1). Counts wrap at 2^32.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderStats {
    /// RTP data packets sent.
    pub packets: u32,
    /// Payload octets sent (headers and padding excluded).
    pub octets: u32,
}

impl SenderStats {
    /// Records one sent packet with `payload_len` payload bytes.
    pub fn on_sent(&mut self, payload_len: usize) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload_len as u32);
    }

    /// The SR sender info for an instant given as NTP time (see [`crate::rtcp::ntp_from_unix`])
    /// and the RTP timestamp of that same instant.
    pub fn sender_info(&self, ntp_time: u64, rtp_time: u32) -> SenderInfo {
        SenderInfo {
            ntp_time,
            rtp_time,
            packet_count: self.packets,
            octet_count: self.octets,
        }
    }
}

#[cfg(test)]
mod tests;
