//! Cuts a stream of arbitrary-length sample chunks (TTS output, decoded files, resampler
//! output) into exact 20 ms [`AudioFrame`]s with consecutive media times.
//!
//! Invariants: samples come out in the order pushed, none lost or duplicated; the only samples
//! added are the silence that `flush` pads the last partial frame with; the frames' media
//! times are `start`, `start + n`, `start + 2n`, ... (n samples per frame), also across
//! `clear` (discarded samples never get a time, so nothing jumps).

use std::collections::VecDeque;

use crate::frame::{AudioFrame, MediaTime, SampleRate};

/// Chunk-to-frame adapter for one mono stream at one rate.
#[derive(Debug, Clone)]
pub struct Reframer {
    rate: SampleRate,
    next_time: MediaTime,
    buf: VecDeque<i16>,
}

impl Reframer {
    /// A reframer whose first frame will carry media time `start`.
    pub fn new(rate: SampleRate, start: MediaTime) -> Self {
        Self {
            rate,
            next_time: start,
            buf: VecDeque::with_capacity(rate.samples_per_frame() * 4),
        }
    }

    /// The stream's rate.
    pub fn rate(&self) -> SampleRate {
        self.rate
    }

    /// The media time the next frame out will carry.
    pub fn next_time(&self) -> MediaTime {
        self.next_time
    }

    /// Appends samples to the stream.
    pub fn push(&mut self, samples: &[i16]) {
        self.buf.extend(samples);
    }

    /// The next complete frame, if a whole 20 ms is buffered.
    pub fn pop(&mut self) -> Option<AudioFrame> {
        if self.buf.len() < self.rate.samples_per_frame() {
            return None;
        }
        Some(self.take_frame())
    }

    /// The next frame, padding with silence if less than 20 ms is left; `None` once empty.
    /// Loop on it at the end of a stream to drain everything.
    pub fn flush(&mut self) -> Option<AudioFrame> {
        if self.buf.is_empty() {
            return None;
        }
        Some(self.take_frame())
    }

    /// Samples buffered and not yet returned in a frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Drops every buffered sample (e.g. on barge-in). The next frame still carries the time
    /// that follows the last frame returned.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    fn take_frame(&mut self) -> AudioFrame {
        let mut frame = AudioFrame::silence(self.rate, self.next_time);
        let out = frame.samples_mut();
        let n = out.len().min(self.buf.len());
        for (o, s) in out.iter_mut().zip(self.buf.drain(..n)) {
            *o = s;
        }
        self.next_time = self.next_time.after_frames(1, self.rate);
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cuts_exact_frames_with_consecutive_times() {
        let mut r = Reframer::new(SampleRate::Hz8000, MediaTime(1600));
        r.push(&[1; 100]);
        assert!(r.pop().is_none());
        assert_eq!(r.pending(), 100);
        r.push(&[2; 300]);
        let a = r.pop().unwrap();
        let b = r.pop().unwrap();
        assert!(r.pop().is_none());
        assert_eq!((a.time(), b.time()), (MediaTime(1600), MediaTime(1760)));
        assert_eq!(&a.samples()[99..101], &[1, 2]);
        assert_eq!(r.pending(), 80);
        let tail = r.flush().unwrap();
        assert_eq!(tail.time(), MediaTime(1920));
        assert_eq!(&tail.samples()[79..81], &[2, 0], "padded with silence");
        assert!(r.flush().is_none());
        assert_eq!(r.next_time(), MediaTime(2080));
    }

    #[test]
    fn clear_discards_without_moving_time() {
        let mut r = Reframer::new(SampleRate::Hz16000, MediaTime::ZERO);
        r.push(&[5; 500]);
        let _ = r.pop().unwrap();
        r.clear();
        assert_eq!(r.pending(), 0);
        assert!(r.flush().is_none());
        r.push(&[6; 320]);
        let f = r.pop().unwrap();
        assert_eq!(f.time(), MediaTime(320));
        assert_eq!(f.samples(), &[6; 320][..]);
    }

    proptest! {
        #[test]
        fn samples_are_conserved(
            rate_idx in 0usize..4,
            chunks in proptest::collection::vec(0usize..2500, 0..30),
            start in 0u64..1_000_000,
            pop_every_push in any::<bool>(),
        ) {
            let rate = SampleRate::ALL[rate_idx];
            let n = rate.samples_per_frame();
            let mut r = Reframer::new(rate, MediaTime(start));
            let mut input = Vec::new();
            let mut output: Vec<AudioFrame> = Vec::new();
            let mut counter = 0i16;
            for len in chunks {
                let chunk: Vec<i16> = (0..len).map(|_| { counter = counter.wrapping_add(1) | 1; counter }).collect();
                input.extend_from_slice(&chunk);
                r.push(&chunk);
                if pop_every_push {
                    while let Some(f) = r.pop() { output.push(f); }
                }
            }
            while let Some(f) = r.pop() { output.push(f); }
            prop_assert!(r.pending() < n);
            while let Some(f) = r.flush() { output.push(f); }
            let flat: Vec<i16> = output.iter().flat_map(|f| f.samples().iter().copied()).collect();
            prop_assert_eq!(&flat[..input.len()], &input[..]);
            // Padding is silence, and less than one frame of it.
            prop_assert!(flat.len() - input.len() < n);
            prop_assert!(flat[input.len()..].iter().all(|&s| s == 0));
            for (i, f) in output.iter().enumerate() {
                prop_assert_eq!(f.time(), MediaTime(start + (i * n) as u64));
                prop_assert_eq!(f.rate(), rate);
            }
        }
    }
}
