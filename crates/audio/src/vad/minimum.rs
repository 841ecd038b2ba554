//! Long-term minimum of each sub-band feature: the VAD's noise-floor tracker.
//!
//! Port of `WebRtcVad_FindMinimum` from WebRTC `common_audio/vad/vad_sp.c` (Copyright (c)
//! 2012 The WebRTC project authors, BSD 3-clause licence).
//!
//! Main loop, per channel and frame: age the 16 smallest values seen in the last 100 frames
//! (dropping those that reach age 100), insert the new value if it is among them, and return
//! a smoothed median of the five smallest. Invariant: `smallest` is sorted ascending per
//! channel; ages wrap as `int16_t` does in C.

use super::filterbank::NUM_CHANNELS;

/// 0.2 in Q15.
const SMOOTHING_DOWN: i16 = 6553;
/// 0.99 in Q15.
const SMOOTHING_UP: i16 = 32439;
/// Values kept per channel.
const KEPT: usize = 16;
/// Age at which a value is forgotten.
const MAX_AGE: i16 = 100;

/// The C fields `index_vector` (ages), `low_value_vector` and `mean_value`.
#[derive(Debug, Clone)]
pub(crate) struct MinimumTracker {
    age: [[i16; KEPT]; NUM_CHANNELS],
    smallest: [[i16; KEPT]; NUM_CHANNELS],
    mean_value: [i16; NUM_CHANNELS],
}

impl Default for MinimumTracker {
    fn default() -> Self {
        Self {
            age: [[0; KEPT]; NUM_CHANNELS],
            smallest: [[10_000; KEPT]; NUM_CHANNELS],
            mean_value: [1600; NUM_CHANNELS],
        }
    }
}

/// Where `value` goes in the ascending `smallest`, if it is smaller than one of them: the
/// first index whose value is greater than `value` (the C binary search, unrolled there).
fn insert_position(smallest: &[i16; KEPT], value: i16) -> Option<usize> {
    smallest.iter().position(|&s| value < s)
}

impl MinimumTracker {
    /// Inserts `feature_value` of `channel` and returns the smoothed minimum (Q4).
    /// `frame_counter` is the number of frames the GMM has processed so far.
    pub(crate) fn find_minimum(
        &mut self,
        feature_value: i16,
        channel: usize,
        frame_counter: i32,
    ) -> i16 {
        let ch = channel.min(NUM_CHANNELS - 1);
        let age = &mut self.age[ch];
        let smallest = &mut self.smallest[ch];

        // Age every value; remove those too old, shifting the larger ones down. As in C, the
        // value shifted into slot i is not aged again in this pass.
        for i in 0..KEPT {
            if age[i] != MAX_AGE {
                age[i] = age[i].wrapping_add(1);
            } else {
                for j in i..KEPT - 1 {
                    smallest[j] = smallest[j + 1];
                    age[j] = age[j + 1];
                }
                age[KEPT - 1] = 101;
                smallest[KEPT - 1] = 10_000;
            }
        }

        // Insert the new value if it is one of the 16 smallest.
        if let Some(position) = insert_position(smallest, feature_value) {
            for i in (position + 1..KEPT).rev() {
                smallest[i] = smallest[i - 1];
                age[i] = age[i - 1];
            }
            smallest[position] = feature_value;
            age[position] = 1;
        }

        let mut current_median: i16 = 1600;
        if frame_counter > 2 {
            current_median = smallest[2];
        } else if frame_counter > 0 {
            current_median = smallest[0];
        }

        // Smooth the median: fast down (0.2), slow up (0.99).
        let mean = &mut self.mean_value[ch];
        let mut alpha: i16 = 0;
        if frame_counter > 0 {
            alpha = if current_median < *mean {
                SMOOTHING_DOWN
            } else {
                SMOOTHING_UP
            };
        }
        let mut tmp32 = (i32::from(alpha) + 1) * i32::from(*mean);
        tmp32 += (i32::from(i16::MAX) - i32::from(alpha)) * i32::from(current_median);
        tmp32 += 16384;
        *mean = (tmp32 >> 15) as i16;
        *mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_position_matches_the_c_search() {
        let mut s = [0i16; KEPT];
        for (i, v) in s.iter_mut().enumerate() {
            *v = (i as i16) * 10;
        }
        // C: the first slot whose value is strictly greater than the new one.
        assert_eq!(insert_position(&s, -1), Some(0));
        assert_eq!(insert_position(&s, 0), Some(1));
        assert_eq!(insert_position(&s, 75), Some(8));
        assert_eq!(insert_position(&s, 149), Some(15));
        assert_eq!(insert_position(&s, 150), None);
    }

    #[test]
    fn tracks_the_floor_and_forgets_old_minima() {
        let mut t = MinimumTracker::default();
        let mut out = 0;
        for frame in 0..50 {
            out = t.find_minimum(500 + (frame % 7) as i16, 0, frame);
        }
        assert!((500..=510).contains(&out), "floor {out}");
        // A single very low value is the minimum for at most 100 frames.
        t.find_minimum(10, 0, 50);
        for frame in 51..300 {
            out = t.find_minimum(800, 0, frame);
        }
        assert!(out > 700, "old minimum not forgotten: {out}");
    }
}
