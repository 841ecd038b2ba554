//! In-band DTMF detection: Goertzel blocks, the classic validity checks, and a per-key state
//! machine that reports each key press once.
//!
//! Main loop, per block of 12.75 ms (see `goertzel`): take the strongest row and column
//! tones; the block holds a key when both are above an absolute level, each dominates its
//! group, the twist between them is within limits, and together they carry most of the
//! block's energy (speech spreads its energy over many harmonics and formants; this is the
//! talk-off check). A key is reported, dated at the start of its first block, after two
//! consecutive blocks agree (25.5 ms of aligned tone, which every tone of 40 ms contains,
//! ITU-T Q.24's minimum duration); it is released after two blocks without it, so a held key is
//! one event and a 40 ms pause always separates two presses.
//!
//! Invariants: at most one event per 20 ms frame (two events need at least three blocks,
//! 38 ms); a rate change starts a new stream; no input panics.

use super::digit::DtmfDigit;
use super::goertzel::{BlockPowers, Goertzel};
use crate::frame::{AudioFrame, MediaTime, SampleRate};

/// Each tone at least -40 dBFS (sine RMS, the generator's convention), about -34 dBm0
/// for G.711, below the -25 dBm0 and up that Q.24 requires detectors to accept.
const MIN_TONE_MS: f32 = 32768.0 * 32768.0 * 1.0e-4;
/// Normal twist (high group weaker than low) up to 8 dB, reverse twist up to 4 dB: the limits
/// AT&T and most national Q.24 variants use.
const NORMAL_TWIST: f32 = 6.309_573; // 10^(8/10)
const REVERSE_TWIST: f32 = 2.511_886; // 10^(4/10)
/// Each tone at least 8 dB above the other frequencies of its group (as spandsp).
const RELATIVE_PEAK: f32 = 6.309_573; // 10^(8/10)
/// The two tones must hold at least this share of the block's energy: the talk-off check.
/// A clean key reads about 1.0, a key 15 dB above white noise about 0.9, a key 1.5% off
/// frequency (Q.24's acceptance tolerance) about 0.77 (the rectangular block's main lobe);
/// the most tone-like blocks of our espeak-ng speech read at most 0.62, and a threshold of
/// 0.6 lets two digits through in 22 s of speech.
const TONE_TO_TOTAL: f32 = 0.75;
/// Consecutive blocks that must agree before a key is reported.
const HIT_BLOCKS: u32 = 2;
/// Consecutive blocks without the key that release it.
const RELEASE_BLOCKS: u32 = 2;

/// A key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfEvent {
    pub digit: DtmfDigit,
    /// Start of the first block that held the key (within one block, 12.75 ms, of the tone
    /// onset).
    pub start: MediaTime,
}

fn peak(p: &[f32; 4]) -> (usize, f32) {
    p.iter().copied().enumerate().fold(
        (0, f32::MIN),
        |best, (i, v)| if v > best.1 { (i, v) } else { best },
    )
}

/// The key in a block, if every check passes.
pub(crate) fn classify(p: &BlockPowers) -> Option<DtmfDigit> {
    let (r, pr) = peak(&p.row);
    let (c, pc) = peak(&p.col);
    if pr < MIN_TONE_MS || pc < MIN_TONE_MS {
        return None;
    }
    if pr > pc * NORMAL_TWIST || pc > pr * REVERSE_TWIST {
        return None;
    }
    let dominates = |group: &[f32; 4], best: usize, v: f32| {
        group
            .iter()
            .enumerate()
            .all(|(i, &o)| i == best || o * RELATIVE_PEAK <= v)
    };
    if !dominates(&p.row, r, pr) || !dominates(&p.col, c, pc) {
        return None;
    }
    if pr + pc < TONE_TO_TOTAL * p.total {
        return None;
    }
    DtmfDigit::at(r, c)
}

/// In-band DTMF detector for one stream.
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    rate: SampleRate,
    goertzel: Goertzel,
    /// Media time of the first sample of the block being filled.
    block_start: MediaTime,
    /// The previous block's key, and the run of blocks that agree on it.
    last: Option<DtmfDigit>,
    run_start: MediaTime,
    run_blocks: u32,
    /// The key reported and not yet released, and blocks without it since.
    held: Option<DtmfDigit>,
    misses: u32,
}

impl DtmfDetector {
    pub fn new(rate: SampleRate) -> Self {
        Self {
            rate,
            goertzel: Goertzel::new(rate),
            block_start: MediaTime::ZERO,
            last: None,
            run_start: MediaTime::ZERO,
            run_blocks: 0,
            held: None,
            misses: 0,
        }
    }

    /// The key currently held down (reported, not yet released).
    pub fn held(&self) -> Option<DtmfDigit> {
        self.held
    }

    /// Feeds one frame; returns a key press when one is recognised. A frame at another rate
    /// than the previous ones starts a new stream.
    pub fn push(&mut self, frame: &AudioFrame) -> Option<DtmfEvent> {
        if frame.rate() != self.rate {
            *self = Self::new(frame.rate());
        }
        let mut event = None;
        let mut offset = 0;
        let samples = frame.samples();
        while offset < samples.len() {
            if self.goertzel.filled() == 0 {
                self.block_start = MediaTime(frame.time().0.saturating_add(offset as u64));
            }
            let (used, block) = self.goertzel.feed(&samples[offset..]);
            offset += used.max(1);
            if let Some(powers) = block {
                // See the invariants: never two events in one frame.
                event = event.or(self.on_block(classify(&powers)));
            }
        }
        event
    }

    fn on_block(&mut self, key: Option<DtmfDigit>) -> Option<DtmfEvent> {
        if key.is_some() && key == self.last {
            self.run_blocks += 1;
        } else {
            self.last = key;
            self.run_blocks = u32::from(key.is_some());
            self.run_start = self.block_start;
        }
        if let Some(held) = self.held {
            if key == Some(held) {
                self.misses = 0;
                return None;
            }
            self.misses += 1;
            if self.misses < RELEASE_BLOCKS {
                return None;
            }
            self.held = None;
            self.misses = 0;
        }
        let digit = key?;
        if self.run_blocks < HIT_BLOCKS {
            return None;
        }
        self.held = Some(digit);
        Some(DtmfEvent {
            digit,
            start: self.run_start,
        })
    }
}
