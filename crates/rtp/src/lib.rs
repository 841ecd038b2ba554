//! callbridge's pure RTP core (Layer 0: no sockets, no clock; time is passed in).
//!
//! What is here: RTP and RTCP packets on the wire ([`packet`], [`rtcp`], with `rtc-rtp` and
//! `rtc-rtcp` underneath but never in the API), RFC 4733 telephone events ([`telephone_event`]),
//! sequence/timestamp unwrapping ([`seq`]), an adaptive jitter buffer ([`jitter`]) and RFC 3550
//! receiver statistics ([`stats`]). Fuzz entry points are in [`fuzz`].
//!
//! Main loop, as a leg drives it: parse each datagram ([`packet::classify`] first on a muxed
//! port), feed media to [`jitter::JitterBuffer::push`] and [`stats::ReceiverStats::on_rtp`],
//! events to [`telephone_event::TelephoneEventReceiver`], and every 20 ms call
//! [`jitter::JitterBuffer::pop`]; state machines take `now: Instant` as an argument and expose
//! `poll`/`poll_timeout` where they have timers.
//!
//! Invariants: no parser panics on any input; nothing reads the clock; the only per-packet
//! allocation on the receive path is the payload buffer of [`packet::parse`] (and none with
//! [`packet::peek_header`]).

pub mod error;
pub mod fuzz;
pub mod jitter;
pub mod packet;
pub mod rtcp;
pub mod seq;
pub mod stats;
pub mod telephone_event;

/// The buffer type of payloads in this API, re-exported so callers need not depend on `bytes`.
pub use bytes::Bytes;
pub use error::RtpError;
pub use packet::{HeaderExtension, PacketKind, RtpHeader, RtpPacket, classify, parse, peek_header};
