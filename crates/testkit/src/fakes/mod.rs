//! Local servers that speak a vendor's documented wire protocol byte for byte, including its
//! errors, so the vendor clients are tested against an independent peer (protocols.md).

pub mod deepgram;
pub mod elevenlabs;
