//! Acceptance tests of DTMF detection: every key once at 8 and 16 kHz in noise, sequences with
//! 40-50 ms pauses, held keys, Q.24-style rejections, and no talk-off over the espeak-ng speech
//! fixtures.

use super::{COL_HZ, DtmfDetector, DtmfDigit, DtmfEvent, DtmfGenerator, ROW_HZ};
use crate::frame::{AudioFrame, MediaTime, SampleRate};
use crate::noise::{ComfortNoise, Rng};
use crate::test_fixtures::speech;

const RATES: [SampleRate; 2] = [SampleRate::Hz8000, SampleRate::Hz16000];

/// Generated keys (`lead_ms` of silence first) as one signal.
fn keys(
    rate: SampleRate,
    digits: &[DtmfDigit],
    on_ms: u32,
    off_ms: u32,
    dbfs: f32,
    lead_ms: u32,
) -> Vec<i16> {
    let mut out = vec![0; (lead_ms * rate.hz() / 1000) as usize];
    let mut g = DtmfGenerator::sequence(rate, digits, on_ms, off_ms, dbfs);
    let mut t = MediaTime::ZERO;
    while !g.is_finished() {
        out.extend_from_slice(g.next_frame(t).samples());
        t = t.after_frames(1, rate);
    }
    out.resize(out.len() + 10 * rate.samples_per_frame(), 0);
    out
}

/// Adds white noise (uniform, from the crate's PRNG) of RMS `dbfs`.
fn add_white(x: &mut [i16], dbfs: f32, seed: u64) {
    let mut rng = Rng::new(seed);
    // A uniform on [-1, 1) has RMS 1/sqrt(3).
    let scale = 32768.0 * 10f32.powf(dbfs / 20.0) * 3f32.sqrt();
    for s in x {
        *s = s.saturating_add((scale * rng.next_bipolar()) as i16);
    }
}

/// Adds comfort noise (shaped, see `noise`) of RMS `dbfs`.
fn add_comfort(x: &mut [i16], rate: SampleRate, dbfs: f32, seed: u64) {
    let mut cn = ComfortNoise::new(rate, dbfs, seed);
    let mut noise = vec![0; x.len()];
    cn.fill(&mut noise);
    for (s, n) in x.iter_mut().zip(noise) {
        *s = s.saturating_add(n);
    }
}

/// Runs a signal through a detector in 20 ms frames.
fn detect(rate: SampleRate, x: &[i16]) -> Vec<DtmfEvent> {
    let mut det = DtmfDetector::new(rate);
    let n = rate.samples_per_frame();
    x.chunks_exact(n)
        .enumerate()
        .filter_map(|(i, c)| {
            let frame = AudioFrame::from_slice(rate, MediaTime((i * n) as u64), c).expect("20 ms");
            det.push(&frame)
        })
        .collect()
}

fn digits_of(events: &[DtmfEvent]) -> String {
    events.iter().map(|e| e.digit.to_char()).collect()
}

/// Two sines at independent levels (for twist and single-tone cases).
fn pair(
    rate: SampleRate,
    (lo, lo_dbfs): (f32, f32),
    (hi, hi_dbfs): (f32, f32),
    ms: u32,
) -> Vec<i16> {
    let amp = |dbfs: f32| 32768.0 * 2f32.sqrt() * 10f32.powf(dbfs / 20.0);
    let hz = rate.hz() as f32;
    let mut x: Vec<i16> = (0..(ms * rate.hz() / 1000) as usize)
        .map(|i| {
            let t = std::f32::consts::TAU * i as f32 / hz;
            (amp(lo_dbfs) * (lo * t).sin() + amp(hi_dbfs) * (hi * t).sin()) as i16
        })
        .collect();
    x.resize(x.len() + 4 * rate.samples_per_frame(), 0);
    x
}

#[test]
fn every_key_is_detected_exactly_once_in_noise() {
    for rate in RATES {
        for level in [-20.0, -26.0] {
            // SNR of the key (both tones: level + 3 dB) to the noise.
            for (snr, white) in [(15.0, true), (20.0, false)] {
                for (i, digit) in DtmfDigit::ALL.into_iter().enumerate() {
                    let lead_ms = 200 + 7 * i as u32;
                    let mut x = keys(rate, &[digit], 80, 200, level, lead_ms);
                    let noise = level + 3.0 - snr;
                    if white {
                        add_white(&mut x, noise, i as u64);
                    } else {
                        add_comfort(&mut x, rate, noise, i as u64);
                    }
                    let events = detect(rate, &x);
                    let ctx = format!(
                        "{digit} at {rate}, {level} dBFS, SNR {snr} (white {white}): {events:?}"
                    );
                    assert_eq!(events.len(), 1, "{ctx}");
                    assert_eq!(events[0].digit, digit, "{ctx}");
                    // Dated within one 12.75 ms block of the tone onset.
                    let onset = u64::from(lead_ms * rate.hz() / 1000);
                    let err_ms =
                        (events[0].start.0 as i64 - onset as i64) * 1000 / i64::from(rate.hz());
                    assert!(
                        (-2..=13).contains(&err_ms),
                        "start off by {err_ms} ms: {ctx}"
                    );
                }
            }
        }
    }
}

#[test]
fn sequences_with_40_to_50_ms_pauses_are_all_detected() {
    let all = DtmfDigit::ALL;
    for rate in RATES {
        for (on_ms, off_ms) in [(40, 40), (45, 45), (50, 50), (60, 40), (100, 45)] {
            let mut x = keys(rate, &all, on_ms, off_ms, -20.0, 100);
            add_white(&mut x, -40.0, u64::from(on_ms));
            let got = digits_of(&detect(rate, &x));
            assert_eq!(
                got, "0123456789*#ABCD",
                "{rate}, {on_ms} ms on / {off_ms} ms off"
            );
        }
        // The same key pressed again after a 40 ms pause is a second press.
        let same = [DtmfDigit::Seven; 4];
        let x = keys(rate, &same, 50, 40, -26.0, 100);
        assert_eq!(digits_of(&detect(rate, &x)), "7777", "{rate}");
    }
}

#[test]
fn a_held_key_is_one_event_even_with_a_dropout() {
    for rate in RATES {
        let mut x = keys(rate, &[DtmfDigit::Pound], 2000, 100, -20.0, 100);
        // A 10 ms hole in the middle of the tone (a lost packet, concealed as silence).
        let hole = (1000 * rate.hz() / 1000) as usize;
        x[hole..hole + rate.hz() as usize / 100].fill(0);
        add_white(&mut x, -45.0, 1);
        let events = detect(rate, &x);
        assert_eq!(digits_of(&events), "#", "{rate}: {events:?}");
    }
}

#[test]
fn keys_within_q24_frequency_tolerance_are_accepted() {
    for rate in RATES {
        for dev in [-0.015f32, 0.015] {
            for digit in DtmfDigit::ALL {
                let (lo, hi) = digit.frequencies();
                let mut x = pair(
                    rate,
                    (lo * (1.0 + dev), -20.0),
                    (hi * (1.0 + dev), -20.0),
                    80,
                );
                add_white(&mut x, -45.0, 3);
                let got = digits_of(&detect(rate, &x));
                assert_eq!(got, digit.to_string(), "{digit} off by {dev} at {rate}");
            }
        }
    }
}

#[test]
fn out_of_spec_signals_are_rejected() {
    let (lo, hi) = (ROW_HZ[1], COL_HZ[2]);
    for rate in RATES {
        let cases = [
            (
                "normal twist 10 dB",
                pair(rate, (lo, -20.0), (hi, -30.0), 200),
            ),
            (
                "reverse twist 6 dB",
                pair(rate, (lo, -26.0), (hi, -20.0), 200),
            ),
            ("low tone only", pair(rate, (lo, -20.0), (hi, -200.0), 200)),
            ("high tone only", pair(rate, (lo, -200.0), (hi, -20.0), 200)),
            ("too quiet", pair(rate, (lo, -45.0), (hi, -45.0), 200)),
            (
                "two rows",
                pair(rate, (ROW_HZ[0], -20.0), (ROW_HZ[3], -20.0), 200),
            ),
            ("20 ms burst", pair(rate, (lo, -20.0), (hi, -20.0), 20)),
            ("in loud noise", {
                let mut x = pair(rate, (lo, -26.0), (hi, -26.0), 200);
                add_white(&mut x, -25.0, 9);
                x
            }),
        ];
        for (what, x) in cases {
            let events = detect(rate, &x);
            assert!(events.is_empty(), "{what} at {rate}: {events:?}");
        }
        // Within the limits: 7 dB normal and 3 dB reverse twist are keys.
        let ok = [
            pair(rate, (lo, -20.0), (hi, -27.0), 200),
            pair(rate, (lo, -23.0), (hi, -20.0), 200),
        ];
        for x in ok {
            assert_eq!(digits_of(&detect(rate, &x)), "6", "{rate}");
        }
    }
}

#[test]
fn no_talk_off_over_the_speech_fixtures() {
    let names = ["hello", "meeting", "pricing", "moment", "digits"];
    for rate in RATES {
        let mut seconds = 0.0;
        for name in names {
            let clean = speech(name, rate);
            seconds += clean.len() as f32 / rate.hz() as f32;
            // Several block alignments, levels and a noisy variant.
            for (shift, gain, noise) in [
                (0, 1, None),
                (37, 1, None),
                (71, 2, None),
                (13, 1, Some(-50.0)),
            ] {
                let mut x: Vec<i16> = clean[shift..]
                    .iter()
                    .map(|&s| s.saturating_mul(gain))
                    .collect();
                if let Some(dbfs) = noise {
                    add_comfort(&mut x, rate, dbfs, 5);
                }
                let events = detect(rate, &x);
                assert!(
                    events.is_empty(),
                    "{name} at {rate} (shift {shift}, x{gain}): {events:?}"
                );
            }
        }
        assert!(seconds >= 10.0, "only {seconds} s of speech at {rate}");
    }
}

#[test]
fn other_rates_and_hostile_input() {
    for rate in [SampleRate::Hz24000, SampleRate::Hz48000] {
        let x = keys(rate, &[DtmfDigit::A, DtmfDigit::Nine], 60, 50, -20.0, 50);
        assert_eq!(digits_of(&detect(rate, &x)), "A9", "{rate}");
    }
    // Full-scale noise, clipping squares and rate changes: no panic, no key.
    let mut det = DtmfDetector::new(SampleRate::Hz8000);
    let mut rng = Rng::new(77);
    for i in 0..200u64 {
        let rate = SampleRate::ALL[(i / 10 % 4) as usize];
        let samples: Vec<i16> = (0..rate.samples_per_frame())
            .map(|j| match i % 3 {
                0 => (rng.next_u32() >> 16) as i16,
                1 if j % 2 == 0 => i16::MAX,
                _ => i16::MIN,
            })
            .collect();
        let frame = AudioFrame::new(rate, MediaTime(i * 960), samples).expect("20 ms");
        assert_eq!(det.push(&frame), None, "frame {i}");
    }
    assert_eq!(det.held(), None);
}
