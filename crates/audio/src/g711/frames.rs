//! Slice and 20 ms frame conveniences over the G.711 sample codecs.
//!
//! Slice functions convert `min(input.len(), output.len())` samples and return that count, so a
//! length mismatch is visible but never a panic. Frame functions insist on 8 kHz, the only
//! G.711 rate (RFC 3551 §4.5.14: PCMU/PCMA are 8000 Hz), i.e. 160 bytes per 20 ms.

use super::{alaw_decode, alaw_encode, mulaw_decode, mulaw_encode};
use crate::frame::{AudioFrame, FrameError, MediaTime, SampleRate};

/// Encodes `input` to mu-law into `out`; returns how many samples were converted.
pub fn mulaw_encode_into(input: &[i16], out: &mut [u8]) -> usize {
    let n = input.len().min(out.len());
    for (o, &s) in out[..n].iter_mut().zip(&input[..n]) {
        *o = mulaw_encode(s);
    }
    n
}

/// Decodes mu-law `input` into `out`; returns how many samples were converted.
pub fn mulaw_decode_into(input: &[u8], out: &mut [i16]) -> usize {
    let n = input.len().min(out.len());
    for (o, &c) in out[..n].iter_mut().zip(&input[..n]) {
        *o = mulaw_decode(c);
    }
    n
}

/// Encodes `input` to A-law into `out`; returns how many samples were converted.
pub fn alaw_encode_into(input: &[i16], out: &mut [u8]) -> usize {
    let n = input.len().min(out.len());
    for (o, &s) in out[..n].iter_mut().zip(&input[..n]) {
        *o = alaw_encode(s);
    }
    n
}

/// Decodes A-law `input` into `out`; returns how many samples were converted.
pub fn alaw_decode_into(input: &[u8], out: &mut [i16]) -> usize {
    let n = input.len().min(out.len());
    for (o, &c) in out[..n].iter_mut().zip(&input[..n]) {
        *o = alaw_decode(c);
    }
    n
}

/// Decodes a 160-byte mu-law payload (20 ms at 8 kHz) into a frame stamped `time`.
pub fn decode_mulaw_frame(payload: &[u8], time: MediaTime) -> Result<AudioFrame, FrameError> {
    decode_frame(payload, time, mulaw_decode_into)
}

/// Decodes a 160-byte A-law payload (20 ms at 8 kHz) into a frame stamped `time`.
pub fn decode_alaw_frame(payload: &[u8], time: MediaTime) -> Result<AudioFrame, FrameError> {
    decode_frame(payload, time, alaw_decode_into)
}

/// Appends the 160 mu-law bytes of an 8 kHz frame to `out` (which may already hold, say, an
/// RTP header). Other rates are refused: resample to 8 kHz first.
pub fn encode_mulaw_frame(frame: &AudioFrame, out: &mut Vec<u8>) -> Result<(), FrameError> {
    encode_frame(frame, out, mulaw_encode_into)
}

/// Appends the 160 A-law bytes of an 8 kHz frame to `out`. Other rates are refused.
pub fn encode_alaw_frame(frame: &AudioFrame, out: &mut Vec<u8>) -> Result<(), FrameError> {
    encode_frame(frame, out, alaw_encode_into)
}

fn decode_frame(
    payload: &[u8],
    time: MediaTime,
    decode: fn(&[u8], &mut [i16]) -> usize,
) -> Result<AudioFrame, FrameError> {
    let rate = SampleRate::Hz8000;
    let expected = rate.samples_per_frame();
    if payload.len() != expected {
        return Err(FrameError::WrongLength {
            rate,
            expected,
            got: payload.len(),
        });
    }
    let mut frame = AudioFrame::silence(rate, time);
    decode(payload, frame.samples_mut());
    Ok(frame)
}

fn encode_frame(
    frame: &AudioFrame,
    out: &mut Vec<u8>,
    encode: fn(&[i16], &mut [u8]) -> usize,
) -> Result<(), FrameError> {
    if frame.rate() != SampleRate::Hz8000 {
        return Err(FrameError::UnsupportedRate(frame.rate().hz()));
    }
    let start = out.len();
    out.resize(start + frame.samples().len(), 0);
    encode(frame.samples(), &mut out[start..]);
    Ok(())
}
