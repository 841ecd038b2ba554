//! One-shot conversion of a whole buffer (prompts, files, tests), with the streaming delay
//! trimmed so that output sample `k` lines up with input time `k * from / to`.

use super::Resampler;
use crate::frame::SampleRate;

/// Resamples all of `samples` from `from` to `to`, returning `ceil(len * to / from)` samples,
/// time-aligned with the input (the converter's delay is removed; the tail is flushed with
/// silence). Uses the same per-frame converter as streaming, so results match it sample for
/// sample once aligned.
///
/// Every pair of supported rates builds (tested for all 16), so the only conceivable failure,
/// the resampler backend refusing a pair, returns an empty buffer rather than panicking.
pub fn resample_all(samples: &[i16], from: SampleRate, to: SampleRate) -> Vec<i16> {
    let Ok(mut r) = Resampler::new(from, to) else {
        return Vec::new();
    };
    let (n_in, n_out) = (from.samples_per_frame(), to.samples_per_frame());
    let len = samples.len() as u128;
    let (f, t) = (u128::from(from.hz()), u128::from(to.hz()));
    let want = usize::try_from((len * t).div_ceil(f)).unwrap_or(usize::MAX);
    let delay = r.delay();
    let total_out = want.saturating_add(delay);
    let frames = total_out.div_ceil(n_out);
    let mut out = Vec::with_capacity(frames.saturating_mul(n_out));
    let mut frame_in = vec![0i16; n_in];
    let mut frame_out = vec![0i16; n_out];
    for k in 0..frames {
        frame_in.fill(0);
        let start = k.saturating_mul(n_in).min(samples.len());
        let end = start.saturating_add(n_in).min(samples.len());
        frame_in[..end - start].copy_from_slice(&samples[start..end]);
        if r.process_samples(&frame_in, &mut frame_out).is_err() {
            // Lengths are right by construction; a backend failure ends the output early.
            break;
        }
        out.extend_from_slice(&frame_out);
    }
    out.drain(..delay.min(out.len()));
    out.truncate(want);
    out
}
