//! RFC 4733 telephone events (DTMF over RTP): the 4-byte payload, a receiver that turns the
//! packet stream into one [`DtmfKey`] per key press, and a sender that produces the packet
//! sequence for a key.
//!
//! Payload layout (RFC 4733 §2.3):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

mod receiver;
mod sender;

pub use receiver::{DtmfKey, KeyEnd, ReceiverConfig, TelephoneEventReceiver};
pub use sender::{OutgoingEvent, SenderConfig, TelephoneEventSender};

use crate::RtpError;

/// Size of one event block (RFC 4733 §2.3).
pub const EVENT_LEN: usize = 4;
/// Largest volume value: -63 dBm0 (RFC 4733 §2.3.4).
pub const MAX_VOLUME: u8 = 63;

/// One RFC 4733 event block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code; 0-15 are the DTMF keys (RFC 4733 §3.2).
    pub event: u8,
    /// The E bit: this is the final packet(s) of the event (§2.3.3).
    pub end: bool,
    /// Power level as -dBm0, 0-63 (§2.3.4).
    pub volume: u8,
    /// Duration so far, in timestamp units, counted from the packet's timestamp (§2.3.5).
    pub duration: u16,
}

impl TelephoneEvent {
    /// Decodes the first event block of `payload`. Longer payloads (RFC 2198 redundancy is
    /// not negotiated here) are read for their first block only; the R bit is ignored (§2.3.2).
    pub fn decode(payload: &[u8]) -> Result<Self, RtpError> {
        match *payload {
            [event, flags, d0, d1, ..] => Ok(TelephoneEvent {
                event,
                end: flags & 0x80 != 0,
                volume: flags & 0x3F,
                duration: u16::from_be_bytes([d0, d1]),
            }),
            _ => Err(RtpError::EventTooShort(payload.len())),
        }
    }

    /// Encodes the block; a volume above 63 is written as 63 and the R bit as 0 (§2.3.2).
    pub fn encode(&self) -> [u8; EVENT_LEN] {
        let flags = (u8::from(self.end) << 7) | self.volume.min(MAX_VOLUME);
        let [d0, d1] = self.duration.to_be_bytes();
        [self.event, flags, d0, d1]
    }
}

/// The event code of a DTMF key: `0`-`9`, `*` (10), `#` (11), `A`-`D` (12-15) (RFC 4733 §3.2).
pub fn event_for_key(key: char) -> Option<u8> {
    match key {
        '0'..='9' => Some(key as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(key as u8 - b'A' + 12),
        'a'..='d' => Some(key as u8 - b'a' + 12),
        _ => None,
    }
}

/// The DTMF key of an event code 0-15 (RFC 4733 §3.2).
pub fn key_for_event(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_the_rfc_layout() {
        // Key 5, E=1, R=1 (ignored), volume 10, duration 1600.
        let e = TelephoneEvent::decode(&[5, 0xC0 | 10, 0x06, 0x40]).unwrap();
        assert_eq!(
            e,
            TelephoneEvent {
                event: 5,
                end: true,
                volume: 10,
                duration: 1600
            }
        );
        assert_eq!(e.encode(), [5, 0x80 | 10, 0x06, 0x40]);
        assert_eq!(
            TelephoneEvent::decode(&[1, 2, 3]),
            Err(RtpError::EventTooShort(3))
        );
    }

    #[test]
    fn clamps_volume_on_encode() {
        let e = TelephoneEvent {
            event: 1,
            end: false,
            volume: 200,
            duration: 0,
        };
        assert_eq!(e.encode()[1], 63);
    }

    #[test]
    fn maps_keys_both_ways() {
        for (i, k) in "0123456789*#ABCD".chars().enumerate() {
            assert_eq!(event_for_key(k), Some(i as u8));
            assert_eq!(key_for_event(i as u8), Some(k));
        }
        assert_eq!(event_for_key('d'), Some(15));
        assert_eq!(event_for_key('E'), None);
        assert_eq!(key_for_event(16), None);
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(event: u8, end: bool, volume in 0u8..64, duration: u16) {
            let e = TelephoneEvent { event, end, volume, duration };
            prop_assert_eq!(TelephoneEvent::decode(&e.encode()), Ok(e));
        }
    }
}
