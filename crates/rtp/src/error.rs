//! The crate's one error type.
//!
//! Every parser and writer in this crate returns [`RtpError`]. Variants name the exact field
//! that was wrong so a caller can count malformed packets by cause; none of them carries a
//! type from the wire-format crates (`rtc-rtp`, `rtc-rtcp`), whose errors are reduced to text.

use thiserror::Error;

/// Why a packet could not be parsed or written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RtpError {
    // --- RTP (RFC 3550 §5.1) ---
    /// Shorter than the 12-octet fixed RTP header.
    #[error("RTP packet of {len} bytes is shorter than the 12-byte fixed header")]
    HeaderTooShort {
        /// The packet length.
        len: usize,
    },
    /// The version field is not 2 (RFC 3550 §5.1).
    #[error("RTP/RTCP version {0} is not 2")]
    BadVersion(u8),
    /// The CSRC count points past the end of the packet.
    #[error("{count} CSRCs need {needed} bytes, packet has {len}")]
    CsrcOverrun {
        /// The CC field.
        count: usize,
        /// Bytes the header and CSRC list need.
        needed: usize,
        /// The packet length.
        len: usize,
    },
    /// The X bit is set but the extension header or its declared length runs past the end
    /// (RFC 3550 §5.3.1).
    #[error("header extension needs {needed} bytes, packet has {len}")]
    ExtensionOverrun {
        /// Bytes the header through the end of the extension need.
        needed: usize,
        /// The packet length.
        len: usize,
    },
    /// The P bit is set but the padding count is zero; the count includes itself, so it is at
    /// least 1 (RFC 3550 §5.1).
    #[error("padding bit set with a padding count of zero")]
    ZeroPadding,
    /// The P bit is set but the padding count is larger than what follows the header.
    #[error("padding count {padding} exceeds the {available} bytes after the header")]
    PaddingOverrun {
        /// The padding count (last octet).
        padding: usize,
        /// Bytes available for payload and padding.
        available: usize,
    },
    /// A payload type above 127 cannot be written in the 7-bit PT field.
    #[error("payload type {0} does not fit in 7 bits")]
    PayloadTypeOutOfRange(u8),
    /// More than 15 CSRCs cannot be written in the 4-bit CC field.
    #[error("{0} CSRCs do not fit in the 4-bit CC field")]
    TooManyCsrcs(usize),
    /// A header extension's data must be a whole number of 32-bit words, at most 65535.
    #[error("header extension of {0} bytes is not a whole number of 32-bit words (max 65535)")]
    BadExtensionLength(usize),
    /// The wire-format crate refused the packet; the text is its error.
    #[error("wire format: {0}")]
    Wire(String),

    // --- RTCP (RFC 3550 §6) ---
    /// An RTCP packet (or what remains of a compound one) is shorter than its 4-byte header.
    #[error("RTCP packet of {len} bytes is shorter than its header")]
    RtcpTooShort {
        /// Bytes left.
        len: usize,
    },
    /// An RTCP length field points past the end of the datagram.
    #[error("RTCP length field says {declared} bytes, {available} remain")]
    RtcpLengthOverrun {
        /// Bytes the length field declares, header included.
        declared: usize,
        /// Bytes left in the datagram.
        available: usize,
    },
    /// The body of a known RTCP packet type does not match its layout.
    #[error("malformed RTCP packet type {packet_type}: {reason}")]
    RtcpMalformed {
        /// The PT field.
        packet_type: u8,
        /// What was wrong.
        reason: &'static str,
    },
    /// A count field (RC/SC) above 31, or an SDES text or BYE reason above 255 bytes.
    #[error("RTCP {what} of {value} does not fit its field")]
    RtcpFieldOverflow {
        /// Which field.
        what: &'static str,
        /// The value that did not fit.
        value: usize,
    },

    // --- RFC 4733 telephone events ---
    /// A telephone-event payload is shorter than 4 bytes (RFC 4733 §2.3).
    #[error("telephone-event payload of {0} bytes is shorter than 4")]
    EventTooShort(usize),
}
