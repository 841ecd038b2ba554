//! Mixing: the saturating sum of several 20 ms streams, for three-way calls, supervisor
//! listen-in and barge, and "mix-minus" (each participant hears everyone but themselves).
//!
//! Invariants: sums are exact in wide integers and clipped once to i16 at the end, so the result
//! does not depend on input order and never wraps; all inputs of a frame mix share one rate.

use crate::frame::{AudioFrame, SampleRate};

/// Why frames could not be mixed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    #[error("nothing to mix: the list of frames is empty")]
    Empty,
    #[error("cannot mix {got} audio into a {expected} mix; resample first")]
    RateMismatch {
        expected: SampleRate,
        got: SampleRate,
    },
}

/// The saturating sum of `frames`, stamped with the first frame's media time.
pub fn mix(frames: &[&AudioFrame]) -> Result<AudioFrame, MixError> {
    let rate = check_rates(frames)?;
    let first = frames.first().ok_or(MixError::Empty)?;
    let mut out = AudioFrame::silence(rate, first.time());
    // At most a few inputs (a conference is small); a stack array avoids a Vec per frame.
    const STACK: usize = 8;
    if frames.len() <= STACK {
        let mut slices: [&[i16]; STACK] = [&[]; STACK];
        for (s, f) in slices.iter_mut().zip(frames) {
            *s = f.samples();
        }
        mix_into(out.samples_mut(), &slices[..frames.len()]);
    } else {
        let slices: Vec<&[i16]> = frames.iter().map(|f| f.samples()).collect();
        mix_into(out.samples_mut(), &slices);
    }
    Ok(out)
}

/// Writes the saturating sum of `inputs` into `out`, without allocating. An input shorter than
/// `out` counts as silence past its end; a longer one is cut to `out.len()`. No inputs give
/// silence.
pub fn mix_into(out: &mut [i16], inputs: &[&[i16]]) {
    // i32 holds the exact sum of up to 65,536 full-scale i16 inputs; vastly more than any call
    // has, but stay exact anyway by mixing larger sets in i64.
    if inputs.len() <= 65_536 {
        mix_blocks::<i32>(out, inputs);
    } else {
        mix_blocks::<i64>(out, inputs);
    }
}

/// Input-major over stack blocks: each inner loop is a plain vectorisable add, and the block
/// keeps the accumulator in L1 without a heap buffer.
fn mix_blocks<A>(out: &mut [i16], inputs: &[&[i16]])
where
    A: Copy + Default + From<i16> + std::ops::AddAssign + Into<i64>,
{
    const BLOCK: usize = 64;
    let mut acc = [A::default(); BLOCK];
    for (b, out_block) in out.chunks_mut(BLOCK).enumerate() {
        let acc = &mut acc[..out_block.len()];
        acc.fill(A::default());
        let start = b * BLOCK;
        for input in inputs {
            let end = (start + out_block.len()).min(input.len());
            if start >= end {
                continue;
            }
            for (a, &s) in acc.iter_mut().zip(&input[start..end]) {
                *a += A::from(s);
            }
        }
        for (o, &a) in out_block.iter_mut().zip(acc.iter()) {
            *o = clip(a.into());
        }
    }
}

/// Mix-minus: for each participant, the saturating sum of all the *other* frames (what their
/// earpiece should play). Output `i` belongs to `frames[i]` and carries its media time; a lone
/// participant hears silence.
pub fn mix_minus(frames: &[&AudioFrame]) -> Result<Vec<AudioFrame>, MixError> {
    let rate = check_rates(frames)?;
    let n = rate.samples_per_frame();
    // Exact total once, then subtract each own signal: O(N) rather than O(N^2) per sample.
    let mut total = vec![0i64; n];
    for f in frames {
        for (t, &s) in total.iter_mut().zip(f.samples()) {
            *t += i64::from(s);
        }
    }
    Ok(frames
        .iter()
        .map(|f| {
            let mut out = AudioFrame::silence(rate, f.time());
            for ((o, &t), &own) in out.samples_mut().iter_mut().zip(&total).zip(f.samples()) {
                *o = clip(t - i64::from(own));
            }
            out
        })
        .collect())
}

fn check_rates(frames: &[&AudioFrame]) -> Result<SampleRate, MixError> {
    let rate = frames.first().ok_or(MixError::Empty)?.rate();
    match frames.iter().find(|f| f.rate() != rate) {
        Some(f) => Err(MixError::RateMismatch {
            expected: rate,
            got: f.rate(),
        }),
        None => Ok(rate),
    }
}

fn clip(v: i64) -> i16 {
    v.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::MediaTime;
    use proptest::prelude::*;

    fn frame(rate: SampleRate, v: i16, t: u64) -> AudioFrame {
        AudioFrame::new(rate, MediaTime(t), vec![v; rate.samples_per_frame()]).unwrap()
    }

    #[test]
    fn sums_and_saturates_instead_of_wrapping() {
        let r = SampleRate::Hz16000;
        let (a, b, c) = (
            frame(r, 20_000, 320),
            frame(r, 20_000, 0),
            frame(r, -30_000, 0),
        );
        assert_eq!(mix(&[&a, &b]).unwrap().samples()[0], i16::MAX);
        let m = mix(&[&a, &b, &c]).unwrap();
        assert_eq!(
            m.samples()[0],
            10_000,
            "clipped once at the end, not per addition"
        );
        assert_eq!(m.time(), MediaTime(320));
        assert_eq!(mix(&[&c, &c]).unwrap().samples()[5], i16::MIN);
    }

    #[test]
    fn refuses_empty_and_mixed_rates() {
        assert_eq!(mix(&[]).unwrap_err(), MixError::Empty);
        assert_eq!(mix_minus(&[]).unwrap_err(), MixError::Empty);
        let a = frame(SampleRate::Hz8000, 1, 0);
        let b = frame(SampleRate::Hz16000, 1, 0);
        let want = MixError::RateMismatch {
            expected: SampleRate::Hz8000,
            got: SampleRate::Hz16000,
        };
        assert_eq!(mix(&[&a, &b]).unwrap_err(), want);
        assert_eq!(mix_minus(&[&a, &b]).unwrap_err(), want);
    }

    #[test]
    fn mix_into_handles_uneven_inputs() {
        let mut out = [9i16; 4];
        mix_into(&mut out, &[&[1, 2], &[10, 20, 30, 40, 50], &[]]);
        assert_eq!(out, [11, 22, 30, 40]);
        mix_into(&mut out, &[]);
        assert_eq!(out, [0; 4]);
        mix_into(&mut out, &[&[i16::MAX; 4], &[1; 4]]);
        assert_eq!(out, [i16::MAX; 4]);
    }

    #[test]
    fn mix_minus_gives_everyone_the_others() {
        let r = SampleRate::Hz8000;
        let (a, b, c) = (frame(r, 100, 0), frame(r, 20, 160), frame(r, 3, 320));
        let out = mix_minus(&[&a, &b, &c]).unwrap();
        let heard: Vec<i16> = out.iter().map(|f| f.samples()[0]).collect();
        assert_eq!(heard, vec![23, 103, 120]);
        assert_eq!(out[1].time(), MediaTime(160));
        let alone = mix_minus(&[&a]).unwrap();
        assert!(alone[0].samples().iter().all(|&s| s == 0));
        // Saturation applies to each listener's own sum.
        let loud = frame(r, 30_000, 0);
        let out = mix_minus(&[&loud, &loud, &loud, &a]).unwrap();
        assert_eq!(out[0].samples()[0], i16::MAX);
        assert_eq!(out[3].samples()[0], i16::MAX);
    }

    proptest! {
        #[test]
        fn mix_is_the_clipped_exact_sum(
            inputs in proptest::collection::vec(proptest::collection::vec(any::<i16>(), 8), 1..6),
        ) {
            let slices: Vec<&[i16]> = inputs.iter().map(|v| v.as_slice()).collect();
            let mut out = [0i16; 8];
            mix_into(&mut out, &slices);
            for (i, &o) in out.iter().enumerate() {
                let exact: i64 = inputs.iter().map(|v| i64::from(v[i])).sum();
                prop_assert_eq!(i64::from(o), exact.clamp(-32768, 32767));
            }
        }
    }
}
