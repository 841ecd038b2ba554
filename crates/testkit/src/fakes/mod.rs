//! Local servers that speak a vendor's documented wire protocol byte for byte, including its
//! errors, so the vendor clients are tested against an independent peer (protocols.md).

pub mod anthropic;
pub mod deepgram;
pub mod elevenlabs;
pub mod openai;
