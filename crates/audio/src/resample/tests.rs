use super::*;
use crate::frame::MediaTime;
use crate::level::rms_dbfs;
use proptest::prelude::*;

fn pairs() -> Vec<(SampleRate, SampleRate)> {
    SampleRate::ALL
        .iter()
        .flat_map(|&a| SampleRate::ALL.iter().map(move |&b| (a, b)))
        .collect()
}

fn sine(rate: SampleRate, freq: f64, amp: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let t = n as f64 / f64::from(rate.hz());
            (amp * (std::f64::consts::TAU * freq * t).sin()).round() as i16
        })
        .collect()
}

/// Runs `input` through a fresh streaming resampler frame by frame.
fn stream(input: &[i16], from: SampleRate, to: SampleRate) -> Vec<i16> {
    let mut r = Resampler::new(from, to).unwrap();
    let n = from.samples_per_frame();
    let mut out = Vec::new();
    for (k, chunk) in input.chunks_exact(n).enumerate() {
        let t = MediaTime::ZERO.after_frames(k as u64, from);
        let f = r
            .process(&AudioFrame::from_slice(from, t, chunk).unwrap())
            .unwrap();
        assert_eq!(f.time(), t.at_rate(from, to));
        out.extend_from_slice(f.samples());
    }
    out
}

#[test]
fn every_pair_builds_with_the_documented_delay() {
    for (from, to) in pairs() {
        let r = Resampler::new(from, to).unwrap();
        let want = if from == to {
            0
        } else {
            to.samples_per_frame() / 2
        };
        assert_eq!(r.delay(), want, "{from} -> {to}");
        assert!(format!("{r:?}").contains("delay"));
    }
}

#[test]
fn tone_keeps_its_level_through_8k_16k_8k() {
    for freq in [1000.0, 1017.0, 3100.0] {
        let input = sine(SampleRate::Hz8000, freq, 10_000.0, 8_000);
        let up = stream(&input, SampleRate::Hz8000, SampleRate::Hz16000);
        let back = stream(&up, SampleRate::Hz16000, SampleRate::Hz8000);
        // Skip the two 10 ms delays plus the filters' start-up.
        let settled = &back[400..];
        let (lin, lout) = (rms_dbfs(&input), rms_dbfs(settled));
        assert!(
            (lin - lout).abs() < 0.5,
            "{freq} Hz: {lin} dB in, {lout} dB out"
        );
        // And it is still the same tone, shifted by the 20 ms total delay (160 samples at 8k).
        let err: f64 = settled
            .iter()
            .zip(&input[400 - 160..])
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            / settled.len() as f64;
        let snr = 10.0 * (f64::from(10_000i16).powi(2) / 2.0 / err).log10();
        assert!(snr > 30.0, "{freq} Hz: round-trip SNR {snr:.1} dB");
    }
}

#[test]
fn passband_and_stopband() {
    // Speech band survives every path; content above the output Nyquist is suppressed.
    for (from, to) in pairs() {
        if from == to {
            continue;
        }
        // 1 kHz is a whole number of cycles per 20 ms FFT block and passes untouched; 1017 Hz
        // is not, so it also exercises the overlap-add between blocks.
        let low = stream(
            &sine(from, 1017.0, 8_000.0, from.samples_per_frame() * 25),
            from,
            to,
        );
        let d =
            rms_dbfs(&low[to.samples_per_frame()..]) - rms_dbfs(&sine(to, 1017.0, 8_000.0, 9600));
        assert!(d.abs() < 0.5, "{from} -> {to}: 1 kHz changed by {d:.2} dB");
        if to < from {
            let nyq_out = f64::from(to.hz()) / 2.0;
            let high = sine(
                from,
                nyq_out * 1.3 + 17.0,
                8_000.0,
                from.samples_per_frame() * 25,
            );
            let out = stream(&high, from, to);
            let atten = rms_dbfs(&high) - rms_dbfs(&out[to.samples_per_frame()..]);
            assert!(
                atten > 40.0,
                "{from} -> {to}: alias only {atten:.1} dB down"
            );
        }
    }
}

#[test]
fn streaming_matches_one_shot() {
    for (from, to) in pairs() {
        let n = from.samples_per_frame();
        let input: Vec<i16> = sine(from, 700.0, 6_000.0, n * 12)
            .iter()
            .zip(sine(from, 2_300.0, 3_000.0, n * 12))
            .map(|(a, b)| a.saturating_add(b))
            .collect();
        let once = resample_all(&input, from, to);
        assert_eq!(
            once.len(),
            input.len() * to.hz() as usize / from.hz() as usize
        );
        let streamed = stream(&input, from, to);
        let d = Resampler::new(from, to).unwrap().delay();
        for (k, (a, b)) in streamed[d..].iter().zip(&once).enumerate() {
            assert!(
                (i32::from(*a) - i32::from(*b)).abs() <= 1,
                "{from}->{to} at {k}"
            );
        }
    }
}

#[test]
fn one_shot_lengths_and_alignment() {
    let r8 = SampleRate::Hz8000;
    let r48 = SampleRate::Hz48000;
    assert!(resample_all(&[], r8, r48).is_empty());
    assert_eq!(resample_all(&[100], r8, r48).len(), 6);
    assert_eq!(resample_all(&[100; 7], r48, r8).len(), 2);
    assert_eq!(resample_all(&[1, 2, 3], r8, r8), vec![1, 2, 3]);
    // An impulse lands at the matching time (within the filter's symmetric ringing).
    let mut imp = vec![0i16; 800];
    imp[400] = 20_000;
    let up = resample_all(&imp, r8, SampleRate::Hz16000);
    let peak = up
        .iter()
        .enumerate()
        .max_by_key(|(_, v)| v.unsigned_abs())
        .unwrap()
        .0;
    assert_eq!(peak, 800);
}

#[test]
fn refuses_wrong_input() {
    let mut r = Resampler::new(SampleRate::Hz8000, SampleRate::Hz16000).unwrap();
    let wrong = AudioFrame::silence(SampleRate::Hz16000, MediaTime::ZERO);
    assert_eq!(
        r.process(&wrong).unwrap_err(),
        ResampleError::WrongRate {
            expected: SampleRate::Hz8000,
            got: SampleRate::Hz16000
        }
    );
    let mut out = [0i16; 320];
    assert_eq!(
        r.process_samples(&[0; 100], &mut out).unwrap_err(),
        ResampleError::WrongLength {
            expected: 160,
            got: 100
        }
    );
    assert!(r.process_samples(&[0; 160], &mut out[..10]).is_err());
}

#[test]
fn full_scale_input_saturates_and_reset_clears_state() {
    let mut r = Resampler::new(SampleRate::Hz16000, SampleRate::Hz8000).unwrap();
    // Full-scale steps overshoot after filtering (Gibbs); the overshoot must clip, not wrap.
    // A wrapped sample would be one of the wrong sign between two near-full-scale neighbours.
    let mut out = [0i16; 160];
    let mut all = Vec::new();
    for k in 0..12 {
        let v = if (k / 2) % 2 == 0 { i16::MAX } else { i16::MIN };
        r.process_samples(&[v; 320], &mut out).unwrap();
        all.extend_from_slice(&out);
    }
    assert!(
        all.contains(&i16::MAX) && all.contains(&i16::MIN),
        "overshoot reached the rails"
    );
    for w in all.windows(3) {
        let (a, b, c) = (i32::from(w[0]), i32::from(w[1]), i32::from(w[2]));
        assert!(!(a > 25_000 && c > 25_000 && b < 0), "wrapped: {w:?}");
        assert!(!(a < -25_000 && c < -25_000 && b > 0), "wrapped: {w:?}");
    }
    r.reset();
    r.process_samples(&[0; 320], &mut out).unwrap();
    assert!(out.iter().all(|&v| v == 0), "no tail after reset");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn n_frames_in_n_frames_out(
        pair in 0usize..16,
        n in 1usize..12,
        seed in any::<u64>(),
        start in 0u64..1000,
    ) {
        let (from, to) = pairs()[pair];
        let mut r = Resampler::new(from, to).unwrap();
        let mut rng = crate::noise::Rng::new(seed);
        for k in 0..n {
            let samples: Vec<i16> = (0..from.samples_per_frame()).map(|_| rng.next_u32() as i16).collect();
            let t = MediaTime(start * from.samples_per_frame() as u64).after_frames(k as u64, from);
            let out = r.process(&AudioFrame::new(from, t, samples).unwrap()).unwrap();
            prop_assert_eq!(out.rate(), to);
            prop_assert_eq!(out.samples().len(), to.samples_per_frame());
            prop_assert_eq!(out.time(), t.at_rate(from, to));
        }
    }
}

#[test]
fn converters_can_move_between_threads() {
    // Each call's task owns its converters; tokio may move the task across worker threads.
    fn assert_send<T: Send>(_: &T) {}
    let r = Resampler::new(SampleRate::Hz8000, SampleRate::Hz16000).unwrap();
    assert_send(&r);
    let moved = std::thread::spawn(move || r.delay()).join().unwrap();
    assert_eq!(moved, 160);
}
