//! Compound RTCP (RFC 3550 §6): parse and write SR, RR, SDES, BYE, and keep other types raw.
//!
//! Framing is ours: each packet's version, length and padding (§6.4.1: the P bit's count
//! octet is the last of that packet) is checked before its body is looked at, so a packet type
//! we do not model can never misalign the next one. SR and RR bodies go through `rtc-rtcp`
//! after our length checks, and so does BYE on the way in. SDES is ours (see [`sdes`]), and so
//! is writing BYE: `rtc-rtcp` pads the reason with the P bit, where RFC 3550 §6.6 requires null
//! octets and a clear P bit. Other types (APP, feedback, XR) are kept as [`UnknownRtcp`].
//!
//! [`report_compound`] builds what a leg sends every RTCP interval: SR or RR first, then SDES
//! with our CNAME (§6.1).

mod sdes;

pub use sdes::{SDES_CNAME, SdesChunk, SdesItem};

use bytes::Bytes;
use rtc_rtcp::goodbye::Goodbye;
use rtc_rtcp::receiver_report::ReceiverReport as RtcRr;
use rtc_rtcp::reception_report::ReceptionReport;
use rtc_rtcp::sender_report::SenderReport as RtcSr;
use rtc_shared::marshal::{Marshal, MarshalSize, Unmarshal};
use std::time::Duration;

use crate::RtpError;

/// RTCP packet types (RFC 3550 §12.1).
const PT_SR: u8 = 200;
const PT_RR: u8 = 201;
const PT_BYE: u8 = 203;
/// Size of one report block (RFC 3550 §6.4.1).
const REPORT_BLOCK_LEN: usize = 24;
/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the last report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost, a 24-bit signed value (-8388608 ..= 8388607).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received (cycles << 16 | highest).
    pub extended_highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP time of the last SR received (LSR), or 0.
    pub last_sr: u32,
    /// Delay since that SR in 1/65536 s (DLSR), or 0.
    pub delay_since_last_sr: u32,
}

/// The sender-info section of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// 64-bit NTP timestamp (see [`ntp_from_unix`]).
    pub ntp_time: u64,
    /// The RTP timestamp of the same instant.
    pub rtp_time: u32,
    /// Packets sent (wraps).
    pub packet_count: u32,
    /// Payload octets sent (wraps).
    pub octet_count: u32,
}

/// Sender report (PT 200).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderReport {
    /// The sender.
    pub ssrc: u32,
    /// What it sent.
    pub info: SenderInfo,
    /// Up to 31 reception reports.
    pub reports: Vec<ReportBlock>,
    /// Profile-specific extension bytes after the report blocks.
    pub profile_extensions: Bytes,
}

/// Receiver report (PT 201).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverReport {
    /// The reporter.
    pub ssrc: u32,
    /// Up to 31 reception reports.
    pub reports: Vec<ReportBlock>,
    /// Profile-specific extension bytes after the report blocks.
    pub profile_extensions: Bytes,
}

/// BYE (PT 203, RFC 3550 §6.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bye {
    /// The sources leaving, up to 31.
    pub sources: Vec<u32>,
    /// The reason, at most 255 bytes; empty when none was given.
    pub reason: Bytes,
}

/// An RTCP packet of a type not modelled here, kept byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRtcp {
    /// The PT field.
    pub packet_type: u8,
    /// The 5-bit count/format field.
    pub count: u8,
    /// Whether the P bit was set (the padding is then the tail of `body`).
    pub padding: bool,
    /// Everything after the 4-byte header, a multiple of 4 bytes.
    pub body: Bytes,
}

/// One packet of a compound RTCP datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// SR.
    SenderReport(SenderReport),
    /// RR.
    ReceiverReport(ReceiverReport),
    /// SDES chunks.
    SourceDescription(Vec<SdesChunk>),
    /// BYE.
    Bye(Bye),
    /// Anything else.
    Unknown(UnknownRtcp),
}

/// Converts a Unix time (from the caller's wall clock) to a 64-bit NTP timestamp.
pub fn ntp_from_unix(since_unix_epoch: Duration) -> u64 {
    let secs = since_unix_epoch.as_secs().wrapping_add(NTP_UNIX_OFFSET);
    let frac = (u64::from(since_unix_epoch.subsec_nanos()) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

/// Builds what a leg sends each RTCP interval (RFC 3550 §6.1): an SR when `sender` is given,
/// else an RR, with `reports`, followed by SDES with our CNAME.
pub fn report_compound(
    ssrc: u32,
    sender: Option<SenderInfo>,
    reports: Vec<ReportBlock>,
    cname: &str,
) -> Vec<RtcpPacket> {
    let profile_extensions = Bytes::new();
    let first = match sender {
        Some(info) => RtcpPacket::SenderReport(SenderReport {
            ssrc,
            info,
            reports,
            profile_extensions,
        }),
        None => RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc,
            reports,
            profile_extensions,
        }),
    };
    let item = SdesItem {
        kind: SDES_CNAME,
        text: Bytes::copy_from_slice(cname.as_bytes()),
    };
    vec![
        first,
        RtcpPacket::SourceDescription(vec![SdesChunk {
            ssrc,
            items: vec![item],
        }]),
    ]
}

/// Parses a compound RTCP datagram (RFC 3550 §6.1). Any malformed packet fails the whole.
pub fn parse_compound(data: &[u8]) -> Result<Vec<RtcpPacket>, RtpError> {
    let data = Bytes::copy_from_slice(data);
    let mut packets = Vec::new();
    let mut at = 0;
    loop {
        let (packet, len) = parse_one(&data.slice(at..))?;
        packets.push(packet);
        at += len;
        if at == data.len() {
            return Ok(packets);
        }
    }
}

/// Parses the first packet of `data`; returns it and its length on the wire.
fn parse_one(data: &Bytes) -> Result<(RtcpPacket, usize), RtpError> {
    let &[b0, packet_type, l0, l1, ..] = &data[..] else {
        return Err(RtpError::RtcpTooShort { len: data.len() });
    };
    if b0 >> 6 != 2 {
        return Err(RtpError::BadVersion(b0 >> 6));
    }
    let len = (usize::from(u16::from_be_bytes([l0, l1])) + 1) * 4;
    if len > data.len() {
        return Err(RtpError::RtcpLengthOverrun {
            declared: len,
            available: data.len(),
        });
    }
    let count = b0 & 0x1F;
    let padded = b0 & 0x20 != 0;
    let mut end = len;
    if padded {
        // RFC 3550 §6.4.1: the last octet counts the padding, itself included.
        let pad = usize::from(data[len - 1]);
        if pad == 0 {
            return Err(RtpError::ZeroPadding);
        }
        if pad > len - 4 {
            return Err(RtpError::PaddingOverrun {
                padding: pad,
                available: len - 4,
            });
        }
        end = len - pad;
    }
    let packet = data.slice(..end);
    let parsed = match packet_type {
        PT_SR => RtcpPacket::SenderReport(parse_sr(&packet, count)?),
        PT_RR => RtcpPacket::ReceiverReport(parse_rr(&packet, count)?),
        sdes::PT_SDES => {
            RtcpPacket::SourceDescription(sdes::parse_chunks(&packet.slice(4..), count)?)
        }
        PT_BYE => RtcpPacket::Bye(parse_bye(&packet, count)?),
        _ => RtcpPacket::Unknown(UnknownRtcp {
            packet_type,
            count,
            padding: padded,
            body: data.slice(4..len),
        }),
    };
    Ok((parsed, len))
}

fn wire(e: rtc_shared::error::Error) -> RtpError {
    RtpError::Wire(e.to_string())
}

fn check_len(
    packet: &Bytes,
    needed: usize,
    packet_type: u8,
    reason: &'static str,
) -> Result<(), RtpError> {
    if packet.len() < needed {
        return Err(RtpError::RtcpMalformed {
            packet_type,
            reason,
        });
    }
    Ok(())
}

fn parse_sr(packet: &Bytes, count: u8) -> Result<SenderReport, RtpError> {
    // Header, SSRC, 20 bytes of sender info, then the report blocks.
    check_len(
        packet,
        28 + REPORT_BLOCK_LEN * usize::from(count),
        PT_SR,
        "report blocks past the end",
    )?;
    let sr = RtcSr::unmarshal(&mut packet.clone()).map_err(wire)?;
    Ok(SenderReport {
        ssrc: sr.ssrc,
        info: SenderInfo {
            ntp_time: sr.ntp_time,
            rtp_time: sr.rtp_time,
            packet_count: sr.packet_count,
            octet_count: sr.octet_count,
        },
        reports: sr.reports.iter().map(from_rtc_block).collect(),
        profile_extensions: sr.profile_extensions,
    })
}

fn parse_rr(packet: &Bytes, count: u8) -> Result<ReceiverReport, RtpError> {
    check_len(
        packet,
        8 + REPORT_BLOCK_LEN * usize::from(count),
        PT_RR,
        "report blocks past the end",
    )?;
    let rr = RtcRr::unmarshal(&mut packet.clone()).map_err(wire)?;
    Ok(ReceiverReport {
        ssrc: rr.ssrc,
        reports: rr.reports.iter().map(from_rtc_block).collect(),
        profile_extensions: rr.profile_extensions,
    })
}

fn parse_bye(packet: &Bytes, count: u8) -> Result<Bye, RtpError> {
    let sources_end = 4 + 4 * usize::from(count);
    check_len(packet, sources_end, PT_BYE, "sources past the end")?;
    if let Some(&reason_len) = packet.get(sources_end) {
        let needed = sources_end + 1 + usize::from(reason_len);
        check_len(packet, needed, PT_BYE, "reason past the end")?;
    }
    let bye = Goodbye::unmarshal(&mut packet.clone()).map_err(wire)?;
    Ok(Bye {
        sources: bye.sources,
        reason: bye.reason,
    })
}

/// Sign-extends the 24-bit cumulative-lost field (RFC 3550 §6.4.1).
fn from_rtc_block(r: &ReceptionReport) -> ReportBlock {
    let lost = (r.total_lost & 0x00FF_FFFF) as i32;
    ReportBlock {
        ssrc: r.ssrc,
        fraction_lost: r.fraction_lost,
        cumulative_lost: (lost << 8) >> 8,
        extended_highest_seq: r.last_sequence_number,
        jitter: r.jitter,
        last_sr: r.last_sender_report,
        delay_since_last_sr: r.delay,
    }
}

fn to_rtc_block(b: &ReportBlock) -> ReceptionReport {
    ReceptionReport {
        ssrc: b.ssrc,
        fraction_lost: b.fraction_lost,
        total_lost: (b.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0x00FF_FFFF,
        last_sequence_number: b.extended_highest_seq,
        jitter: b.jitter,
        last_sender_report: b.last_sr,
        delay: b.delay_since_last_sr,
    }
}

fn check_count(what: &'static str, value: usize) -> Result<(), RtpError> {
    if value > 31 {
        return Err(RtpError::RtcpFieldOverflow { what, value });
    }
    Ok(())
}

/// Appends an `rtc-rtcp` packet.
fn marshal_into<P: Marshal + MarshalSize>(p: &P, out: &mut Vec<u8>) -> Result<(), RtpError> {
    let start = out.len();
    out.resize(start + p.marshal_size(), 0);
    match p.marshal_to(&mut out[start..]) {
        Ok(_) => Ok(()),
        Err(e) => {
            out.truncate(start);
            Err(wire(e))
        }
    }
}

/// Appends a 4-byte header; `body_len` must be a multiple of 4.
fn put_header(
    out: &mut Vec<u8>,
    padding: bool,
    count: u8,
    packet_type: u8,
    body_len: usize,
) -> Result<(), RtpError> {
    let words = u16::try_from(body_len / 4).map_err(|_| RtpError::RtcpFieldOverflow {
        what: "packet length",
        value: body_len,
    })?;
    out.push(0x80 | (u8::from(padding) << 5) | (count & 0x1F));
    out.push(packet_type);
    out.extend_from_slice(&words.to_be_bytes());
    Ok(())
}

impl RtcpPacket {
    /// Appends this packet to `out`. On error nothing is appended.
    pub fn write_into(&self, out: &mut Vec<u8>) -> Result<(), RtpError> {
        match self {
            RtcpPacket::SenderReport(sr) => {
                check_count("report count", sr.reports.len())?;
                let rtc = RtcSr {
                    ssrc: sr.ssrc,
                    ntp_time: sr.info.ntp_time,
                    rtp_time: sr.info.rtp_time,
                    packet_count: sr.info.packet_count,
                    octet_count: sr.info.octet_count,
                    reports: sr.reports.iter().map(to_rtc_block).collect(),
                    profile_extensions: sr.profile_extensions.clone(),
                };
                marshal_into(&rtc, out)
            }
            RtcpPacket::ReceiverReport(rr) => {
                check_count("report count", rr.reports.len())?;
                let rtc = RtcRr {
                    ssrc: rr.ssrc,
                    reports: rr.reports.iter().map(to_rtc_block).collect(),
                    profile_extensions: rr.profile_extensions.clone(),
                };
                marshal_into(&rtc, out)
            }
            RtcpPacket::SourceDescription(chunks) => {
                check_count("SDES chunk count", chunks.len())?;
                let start = out.len();
                put_header(
                    out,
                    false,
                    chunks.len() as u8,
                    sdes::PT_SDES,
                    sdes::chunks_len(chunks),
                )?;
                sdes::write_chunks(chunks, out).inspect_err(|_| out.truncate(start))
            }
            RtcpPacket::Bye(bye) => write_bye(bye, out),
            RtcpPacket::Unknown(u) => {
                if u.body.len() % 4 != 0 {
                    let value = u.body.len();
                    return Err(RtpError::RtcpFieldOverflow {
                        what: "unaligned body length",
                        value,
                    });
                }
                put_header(out, u.padding, u.count, u.packet_type, u.body.len())?;
                out.extend_from_slice(&u.body);
                Ok(())
            }
        }
    }
}

/// RFC 3550 §6.6: sources, then optionally a length-prefixed reason padded with nulls.
fn write_bye(bye: &Bye, out: &mut Vec<u8>) -> Result<(), RtpError> {
    check_count("BYE source count", bye.sources.len())?;
    if bye.reason.len() > 255 {
        return Err(RtpError::RtcpFieldOverflow {
            what: "BYE reason length",
            value: bye.reason.len(),
        });
    }
    let reason_len = if bye.reason.is_empty() {
        0
    } else {
        (1 + bye.reason.len() + 3) & !3
    };
    put_header(
        out,
        false,
        bye.sources.len() as u8,
        PT_BYE,
        4 * bye.sources.len() + reason_len,
    )?;
    for s in &bye.sources {
        out.extend_from_slice(&s.to_be_bytes());
    }
    if !bye.reason.is_empty() {
        let start = out.len();
        out.push(bye.reason.len() as u8);
        out.extend_from_slice(&bye.reason);
        out.resize(start + reason_len, 0);
    }
    Ok(())
}

/// Appends a compound packet. On error, `out` keeps only what it had before.
pub fn write_compound(packets: &[RtcpPacket], out: &mut Vec<u8>) -> Result<(), RtpError> {
    let start = out.len();
    for p in packets {
        if let Err(e) = p.write_into(out) {
            out.truncate(start);
            return Err(e);
        }
    }
    Ok(())
}

/// A compound packet as a new buffer.
pub fn serialize_compound(packets: &[RtcpPacket]) -> Result<Vec<u8>, RtpError> {
    let mut out = Vec::new();
    write_compound(packets, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests;
