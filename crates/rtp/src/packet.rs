//! RTP packets (RFC 3550 §5): parse, write, a zero-copy header peek, and RTP/RTCP demux.
//!
//! [`parse`] scans the header itself first (version, CSRC list, extension, padding: every
//! length is checked before anything is read), then lets `rtc-rtp` decode the fixed header and
//! CSRC list. The header extension and payload are sliced from the input by our own scan, never
//! taken from `rtc-rtp`, because its RFC 8285 element walker (a) stops at element id 15 and
//! leaves the rest of the extension block to be read as payload, (b) lets an element run past
//! the declared block into the payload, and (c) rejects packets whose extension elements are
//! malformed, although RFC 3550 §5.3.1 says an extension a receiver does not understand is
//! ignored. It also accepts any version and a padding count of zero; we reject both. The tests
//! below pin each of these findings. No input makes anything here panic.
//!
//! Writing also goes through `rtc-rtp` for the fixed header and CSRCs, after our own checks:
//! given 16 CSRCs or a payload type above 127 it silently sets the X or M bit, and an empty
//! RFC 8285 one-byte element makes its writer panic (a subtraction overflow), so extensions are
//! always written here, as the raw block.
//!
//! [`peek_header`] reads the header fields without allocating, for the per-packet path.

use bytes::Bytes;
use rtc_shared::marshal::{Marshal, Unmarshal};

use crate::RtpError;

/// Size of the fixed RTP header (RFC 3550 §5.1).
pub const FIXED_HEADER_LEN: usize = 12;
/// The fixed header plus the largest CSRC list (15 entries).
const MAX_HEAD_LEN: usize = FIXED_HEADER_LEN + 15 * 4;

/// An RTP header extension (RFC 3550 §5.3.1), kept as its raw block: the 16-bit
/// profile-defined field and the data, a whole number of 32-bit words. RFC 8285 elements, if
/// the profile is `0xBEDE` or `0x100x`, are inside `data` unparsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderExtension {
    /// The "defined by profile" field, e.g. `0xBEDE` for RFC 8285 one-byte elements.
    pub profile: u16,
    /// The extension data, without the 4-byte profile/length header.
    pub data: Bytes,
}

/// One RTP packet (RFC 3550 §5.1). The version is always 2 and so is not a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket {
    /// The M bit; for audio, the first packet of a talkspurt (RFC 3551 §4.1).
    pub marker: bool,
    /// The 7-bit payload type.
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The media timestamp, in the payload's clock rate.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    /// Contributing sources, at most 15.
    pub csrc: Vec<u32>,
    /// The header extension, when the X bit is set.
    pub extension: Option<HeaderExtension>,
    /// The payload, padding removed.
    pub payload: Bytes,
    /// Padding octets after the payload, the count octet included; 0 when the P bit is clear.
    pub padding: u8,
}

/// Header fields read in place by [`peek_header`], with where the payload lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// The M bit.
    pub marker: bool,
    /// The 7-bit payload type.
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The media timestamp.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    /// Number of CSRCs.
    pub csrc_count: u8,
    /// Whether a header extension is present.
    pub has_extension: bool,
    /// Offset of the first payload byte.
    pub payload_offset: usize,
    /// Payload length, padding excluded.
    pub payload_len: usize,
    /// Padding octets (0 when the P bit is clear).
    pub padding: u8,
}

impl RtpHeader {
    /// The payload bytes of `packet`, the buffer this header was peeked from (empty if `packet`
    /// is some other, shorter buffer).
    pub fn payload<'a>(&self, packet: &'a [u8]) -> &'a [u8] {
        packet
            .get(self.payload_offset..self.payload_offset + self.payload_len)
            .unwrap_or(&[])
    }
}

/// What a datagram on a shared RTP/RTCP port is (RFC 5761 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// An RTP packet.
    Rtp,
    /// An RTCP packet (second octet 192-223: payload type bits 64-95).
    Rtcp,
    /// Too short, or not version 2 (STUN, DTLS, garbage).
    Unknown,
}

/// Tells RTP from RTCP on one port (RFC 5761 §4): an RTCP packet type 192-223 shows up in the
/// RTP payload-type bits as 64-95, a range RTP payload types must avoid when muxed.
pub fn classify(data: &[u8]) -> PacketKind {
    match data {
        [b0, b1, _, _, ..] if b0 >> 6 == 2 => {
            if (64..=95).contains(&(b1 & 0x7F)) {
                PacketKind::Rtcp
            } else {
                PacketKind::Rtp
            }
        }
        _ => PacketKind::Unknown,
    }
}

/// Where the parts of a packet lie, from one checked pass over the header.
struct Layout {
    /// End of the fixed header and CSRC list.
    head_end: usize,
    /// Extension profile and data range.
    extension: Option<(u16, usize, usize)>,
    payload_start: usize,
    payload_end: usize,
    padding: u8,
}

fn be16(data: &[u8], at: usize) -> u16 {
    match data.get(at..at + 2) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => 0,
    }
}

fn be32(data: &[u8], at: usize) -> u32 {
    match data.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// Checks every length in the header (RFC 3550 §5.1, §5.3.1) without reading past the end.
fn scan(data: &[u8]) -> Result<Layout, RtpError> {
    let len = data.len();
    let [b0, ..] = *data else {
        return Err(RtpError::HeaderTooShort { len });
    };
    if len < FIXED_HEADER_LEN {
        return Err(RtpError::HeaderTooShort { len });
    }
    let version = b0 >> 6;
    if version != 2 {
        return Err(RtpError::BadVersion(version));
    }
    let count = usize::from(b0 & 0x0F);
    let head_end = FIXED_HEADER_LEN + 4 * count;
    if len < head_end {
        return Err(RtpError::CsrcOverrun {
            count,
            needed: head_end,
            len,
        });
    }
    let mut payload_start = head_end;
    let mut extension = None;
    if b0 & 0x10 != 0 {
        // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words, then data.
        if len < head_end + 4 {
            return Err(RtpError::ExtensionOverrun {
                needed: head_end + 4,
                len,
            });
        }
        let profile = be16(data, head_end);
        let words = usize::from(be16(data, head_end + 2));
        let end = head_end + 4 + 4 * words;
        if len < end {
            return Err(RtpError::ExtensionOverrun { needed: end, len });
        }
        extension = Some((profile, head_end + 4, end));
        payload_start = end;
    }
    let mut padding = 0u8;
    if b0 & 0x20 != 0 {
        // RFC 3550 §5.1: the last octet counts the padding, itself included.
        let count = data.last().copied().unwrap_or(0);
        let available = len - payload_start;
        if count == 0 {
            return Err(RtpError::ZeroPadding);
        }
        if usize::from(count) > available {
            return Err(RtpError::PaddingOverrun {
                padding: usize::from(count),
                available,
            });
        }
        padding = count;
    }
    Ok(Layout {
        head_end,
        extension,
        payload_start,
        payload_end: len - usize::from(padding),
        padding,
    })
}

/// Reads the header fields of an RTP packet in place, with every length checked. No allocation.
pub fn peek_header(data: &[u8]) -> Result<RtpHeader, RtpError> {
    let layout = scan(data)?;
    Ok(RtpHeader {
        marker: data.get(1).is_some_and(|b| b & 0x80 != 0),
        payload_type: data.get(1).map_or(0, |b| b & 0x7F),
        sequence_number: be16(data, 2),
        timestamp: be32(data, 4),
        ssrc: be32(data, 8),
        csrc_count: data.first().map_or(0, |b| b & 0x0F),
        has_extension: layout.extension.is_some(),
        payload_offset: layout.payload_start,
        payload_len: layout.payload_end - layout.payload_start,
        padding: layout.padding,
    })
}

/// Parses an RTP packet, copying `data` once into a shared buffer the payload points into.
pub fn parse(data: &[u8]) -> Result<RtpPacket, RtpError> {
    let layout = scan(data)?;
    from_layout(Bytes::copy_from_slice(data), &layout)
}

/// Parses an RTP packet without copying: the payload and extension are slices of `data`.
pub fn parse_bytes(data: Bytes) -> Result<RtpPacket, RtpError> {
    let layout = scan(&data)?;
    from_layout(data, &layout)
}

fn from_layout(data: Bytes, layout: &Layout) -> Result<RtpPacket, RtpError> {
    // rtc-rtp decodes the fixed header and CSRCs from a stack copy with P and X cleared, so its
    // extension walker never runs (see the module doc); `scan` has checked the lengths.
    let mut head = [0u8; MAX_HEAD_LEN];
    let n = layout.head_end.min(MAX_HEAD_LEN).min(data.len());
    head[..n].copy_from_slice(&data[..n]);
    head[0] &= !0x30;
    let header =
        rtc_rtp::Header::unmarshal(&mut &head[..n]).map_err(|e| RtpError::Wire(e.to_string()))?;
    let extension = layout
        .extension
        .map(|(profile, start, end)| HeaderExtension {
            profile,
            data: data.slice(start..end),
        });
    Ok(RtpPacket {
        marker: header.marker,
        payload_type: header.payload_type,
        sequence_number: header.sequence_number,
        timestamp: header.timestamp,
        ssrc: header.ssrc,
        csrc: header.csrc,
        extension,
        payload: data.slice(layout.payload_start..layout.payload_end),
        padding: layout.padding,
    })
}

impl RtpPacket {
    /// A packet with no CSRCs, extension or padding.
    pub fn new(payload_type: u8, sequence_number: u16, timestamp: u32, ssrc: u32) -> Self {
        RtpPacket {
            marker: false,
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            csrc: Vec::new(),
            extension: None,
            payload: Bytes::new(),
            padding: 0,
        }
    }

    /// Bytes [`write_into`](Self::write_into) appends.
    pub fn serialized_len(&self) -> usize {
        FIXED_HEADER_LEN
            + 4 * self.csrc.len()
            + self.extension.as_ref().map_or(0, |e| 4 + e.data.len())
            + self.payload.len()
            + usize::from(self.padding)
    }

    /// Appends the packet to `out`. Padding is written as zeros and the count octet.
    pub fn write_into(&self, out: &mut Vec<u8>) -> Result<(), RtpError> {
        self.check_writable()?;
        let head_len = FIXED_HEADER_LEN + 4 * self.csrc.len();
        let header = rtc_rtp::Header {
            version: 2,
            padding: self.padding > 0,
            extension: false,
            marker: self.marker,
            payload_type: self.payload_type,
            sequence_number: self.sequence_number,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            csrc: self.csrc.clone(),
            ..Default::default()
        };
        out.reserve(self.serialized_len());
        let start = out.len();
        out.resize(start + head_len, 0);
        let written = header
            .marshal_to(&mut out[start..])
            .map_err(|e| RtpError::Wire(e.to_string()));
        if written.is_err() {
            out.truncate(start);
        }
        written?;
        if let Some(ext) = &self.extension {
            // RFC 3550 §5.3.1, written here because rtc-rtp would reinterpret RFC 8285 data.
            out[start] |= 0x10;
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&((ext.data.len() / 4) as u16).to_be_bytes());
            out.extend_from_slice(&ext.data);
        }
        out.extend_from_slice(&self.payload);
        if self.padding > 0 {
            out.resize(out.len() + usize::from(self.padding) - 1, 0);
            out.push(self.padding);
        }
        Ok(())
    }

    /// The packet as a new buffer.
    pub fn serialize(&self) -> Result<Vec<u8>, RtpError> {
        let mut out = Vec::with_capacity(self.serialized_len());
        self.write_into(&mut out)?;
        Ok(out)
    }

    fn check_writable(&self) -> Result<(), RtpError> {
        if self.payload_type > 0x7F {
            return Err(RtpError::PayloadTypeOutOfRange(self.payload_type));
        }
        if self.csrc.len() > 15 {
            return Err(RtpError::TooManyCsrcs(self.csrc.len()));
        }
        if let Some(ext) = &self.extension {
            let len = ext.data.len();
            if len % 4 != 0 || len / 4 > usize::from(u16::MAX) {
                return Err(RtpError::BadExtensionLength(len));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// PCMU, seq 0x1234, ts 0xDEADBEEF, ssrc 0x01020304, 4 payload bytes.
    const PCMU: [u8; 16] = [
        0x80, 0x00, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 0xFF, 0x7F, 0x00,
        0x80,
    ];

    fn packet(bytes: &[u8]) -> RtpPacket {
        match parse(bytes) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn parses_basic_pcmu() {
        let p = packet(&PCMU);
        assert!(!p.marker);
        assert_eq!(p.payload_type, 0);
        assert_eq!(p.sequence_number, 0x1234);
        assert_eq!(p.timestamp, 0xDEAD_BEEF);
        assert_eq!(p.ssrc, 0x0102_0304);
        assert_eq!(&p.payload[..], &[0xFF, 0x7F, 0x00, 0x80]);
        assert_eq!(p.serialize(), Ok(PCMU.to_vec()));
    }

    #[test]
    fn parses_csrcs_extension_and_padding() {
        let mut raw = vec![0xB2, 0x88, 0, 7, 0, 0, 0, 9, 0, 0, 0, 1];
        raw.extend_from_slice(&[0, 0, 0, 0xA1, 0, 0, 0, 0xA2]); // 2 CSRCs
        raw.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0x55, 0, 0]); // ext, 1 word
        raw.extend_from_slice(&[1, 2, 3]); // payload
        raw.extend_from_slice(&[0, 0, 3]); // padding 3
        let p = packet(&raw);
        assert!(p.marker);
        assert_eq!(p.payload_type, 8);
        assert_eq!(p.csrc, vec![0xA1, 0xA2]);
        let ext = p.extension.clone().unwrap_or_else(|| panic!("extension"));
        assert_eq!(ext.profile, 0xBEDE);
        assert_eq!(&ext.data[..], &[0x10, 0x55, 0, 0]);
        assert_eq!(&p.payload[..], &[1, 2, 3]);
        assert_eq!(p.padding, 3);
        assert_eq!(p.serialize(), Ok(raw.clone()));
        let h = peek_header(&raw).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(h.payload(&raw), &[1, 2, 3]);
        assert_eq!((h.csrc_count, h.has_extension, h.padding), (2, true, 3));
    }

    #[test]
    fn rejects_bad_lengths_precisely() {
        assert_eq!(
            parse(&PCMU[..11]),
            Err(RtpError::HeaderTooShort { len: 11 })
        );
        assert_eq!(parse(&[]), Err(RtpError::HeaderTooShort { len: 0 }));
        let mut v0 = PCMU;
        v0[0] = 0x00;
        assert_eq!(parse(&v0), Err(RtpError::BadVersion(0)));
        let mut cc = PCMU;
        cc[0] = 0x82; // 2 CSRCs = 20 bytes, we have 16
        assert_eq!(
            parse(&cc),
            Err(RtpError::CsrcOverrun {
                count: 2,
                needed: 20,
                len: 16
            })
        );
        let mut ext = PCMU;
        ext[0] = 0x90; // extension header is the payload: 0xFF7F profile, 0x0080 words
        assert_eq!(
            parse(&ext),
            Err(RtpError::ExtensionOverrun {
                needed: 528,
                len: 16
            })
        );
        assert_eq!(
            parse(&ext[..14]),
            Err(RtpError::ExtensionOverrun {
                needed: 16,
                len: 14
            })
        );
        let mut pad = PCMU;
        pad[0] = 0xA0;
        pad[15] = 5; // 5 padding octets, 4 after the header
        assert_eq!(
            parse(&pad),
            Err(RtpError::PaddingOverrun {
                padding: 5,
                available: 4
            })
        );
        pad[15] = 0;
        assert_eq!(parse(&pad), Err(RtpError::ZeroPadding));
        pad[15] = 4; // all of it padding: an empty payload
        assert_eq!(packet(&pad).payload.len(), 0);
    }

    /// Pins what rtc-rtp does with the inputs we guard against (see the module doc), so an
    /// upgrade that changes it shows up here.
    #[test]
    fn rtc_rtp_findings_still_hold() {
        let rtc = |d: &[u8]| rtc_rtp::Packet::unmarshal(&mut Bytes::copy_from_slice(d));
        let mut v0 = PCMU;
        v0[0] = 0x00;
        assert!(rtc(&v0).is_ok(), "rtc-rtp accepts version 0");
        // One-byte extension block with reserved id 15 first: the rest of the block becomes
        // payload in rtc-rtp; we keep it as extension data.
        let id15 = [
            0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0xF0, 1, 2, 3, 0xCC,
        ];
        let theirs = rtc(&id15).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&theirs.payload[..], &[1, 2, 3, 0xCC]);
        assert_eq!(&packet(&id15).payload[..], &[0xCC]);
        // An element longer than the block eats payload bytes in rtc-rtp.
        let overrun = [
            0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x13, 1, 2, 3, 4, 5,
        ];
        let theirs = rtc(&overrun).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&theirs.payload[..], &[5]);
        assert_eq!(&packet(&overrun).payload[..], &[4, 5]);
    }

    #[test]
    fn refuses_to_write_unrepresentable_fields() {
        let mut p = RtpPacket::new(128, 1, 2, 3);
        assert_eq!(p.serialize(), Err(RtpError::PayloadTypeOutOfRange(128)));
        p.payload_type = 0;
        p.csrc = vec![0; 16];
        assert_eq!(p.serialize(), Err(RtpError::TooManyCsrcs(16)));
        p.csrc.clear();
        p.extension = Some(HeaderExtension {
            profile: 1,
            data: Bytes::from_static(&[1, 2]),
        });
        assert_eq!(p.serialize(), Err(RtpError::BadExtensionLength(2)));
    }

    #[test]
    fn write_into_appends() {
        let mut out = vec![0xEE];
        let mut p = RtpPacket::new(0, 0x1234, 0xDEAD_BEEF, 0x0102_0304);
        p.payload = Bytes::copy_from_slice(&PCMU[12..]);
        assert_eq!(p.write_into(&mut out), Ok(()));
        assert_eq!(out[0], 0xEE);
        assert_eq!(&out[1..], &PCMU[..]);
        assert_eq!(p.serialized_len(), PCMU.len());
    }

    #[test]
    fn classifies_rtp_and_rtcp() {
        assert_eq!(classify(&PCMU), PacketKind::Rtp);
        assert_eq!(classify(&[0x81, 200, 0, 6]), PacketKind::Rtcp); // SR
        assert_eq!(classify(&[0x81, 201, 0, 1]), PacketKind::Rtcp); // RR
        assert_eq!(classify(&[0x80, 0xE0, 0, 1]), PacketKind::Rtp); // M=1, PT 96
        assert_eq!(classify(&[0x80, 0xDF, 0, 1]), PacketKind::Rtcp); // PT 223
        assert_eq!(classify(&[0x00, 0x01, 0, 0]), PacketKind::Unknown); // STUN
        assert_eq!(classify(&[0x80]), PacketKind::Unknown);
    }

    fn arb_packet() -> impl Strategy<Value = RtpPacket> {
        let ext = proptest::option::of(
            (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..6)).prop_map(
                |(profile, w)| {
                    let data: Vec<u8> = w.iter().flat_map(|b| [*b, 1, 2, 3]).collect();
                    HeaderExtension {
                        profile,
                        data: Bytes::from(data),
                    }
                },
            ),
        );
        (
            (
                any::<bool>(),
                0u8..128,
                any::<u16>(),
                any::<u32>(),
                any::<u32>(),
            ),
            proptest::collection::vec(any::<u32>(), 0..16),
            ext,
            proptest::collection::vec(any::<u8>(), 0..300),
            any::<u8>(),
        )
            .prop_map(
                |((marker, pt, seq, ts, ssrc), csrc, extension, payload, padding)| RtpPacket {
                    marker,
                    payload_type: pt,
                    sequence_number: seq,
                    timestamp: ts,
                    ssrc,
                    csrc,
                    extension,
                    payload: Bytes::from(payload),
                    padding,
                },
            )
    }

    proptest! {
        #[test]
        fn serialize_then_parse_is_identity(p in arb_packet()) {
            let wire = p.serialize();
            prop_assert!(wire.is_ok());
            let wire = wire.unwrap_or_default();
            prop_assert_eq!(wire.len(), p.serialized_len());
            prop_assert_eq!(parse(&wire), Ok(p.clone()));
            let h = peek_header(&wire);
            prop_assert!(h.is_ok());
            let h = h.unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(h.payload(&wire), &p.payload[..]);
            prop_assert_eq!((h.sequence_number, h.timestamp, h.ssrc), (p.sequence_number, p.timestamp, p.ssrc));
        }

        #[test]
        fn parse_never_panics_and_agrees_with_peek(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            match (parse(&data), peek_header(&data)) {
                (Ok(p), Ok(h)) => {
                    prop_assert_eq!(h.payload(&data), &p.payload[..]);
                    prop_assert_eq!(h.marker, p.marker);
                    prop_assert_eq!(h.payload_type, p.payload_type);
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "parse {:?} vs peek {:?}", a, b),
            }
        }
    }
}
