//! Acceptance tests of `VoiceDetector` on espeak-ng speech (`fixtures/speech`) with comfort
//! noise (`crate::noise::ComfortNoise`): onset accuracy and latency, no false starts on
//! noise, end after the hangover, and no churn on the pauses between words.

use super::{VadConfig, VadEvent, VoiceDetector};
use crate::frame::{AudioFrame, MediaTime, SampleRate};
use crate::level::rms_dbfs;
use crate::noise::ComfortNoise;
use crate::test_fixtures::speech;

const NAMES: [&str; 5] = ["hello", "meeting", "pricing", "moment", "digits"];
const RATES: [SampleRate; 2] = [SampleRate::Hz8000, SampleRate::Hz16000];

/// `lead_ms` of nothing, the clean speech, `tail_ms` of nothing, all under comfort noise at
/// `noise_dbfs` (`None`: digital silence). Returns the mix and the offset of the speech.
fn scene(
    clean: &[i16],
    rate: SampleRate,
    lead_ms: usize,
    tail_ms: usize,
    noise_dbfs: Option<f32>,
) -> (Vec<i16>, usize) {
    let per_ms = rate.hz() as usize / 1000;
    let lead = lead_ms * per_ms;
    let mut mix = vec![0i16; lead];
    mix.extend_from_slice(clean);
    mix.resize(mix.len() + tail_ms * per_ms, 0);
    let frame = rate.samples_per_frame();
    mix.resize(mix.len().div_ceil(frame) * frame, 0);
    if let Some(level) = noise_dbfs {
        let mut cn = ComfortNoise::new(rate, level, 42);
        for chunk in mix.chunks_mut(frame) {
            let noise = cn.next_frame(MediaTime::ZERO);
            for (s, n) in chunk.iter_mut().zip(noise.samples()) {
                *s = s.saturating_add(*n);
            }
        }
    }
    (mix, lead)
}

/// Which 10 ms windows of `clean` are louder than -40 dBFS: the ground truth for onsets,
/// ends and pauses.
fn active_windows(clean: &[i16], rate: SampleRate) -> Vec<bool> {
    let w = rate.hz() as usize / 100;
    clean.chunks(w).map(|c| rms_dbfs(c) > -40.0).collect()
}

/// Feeds `mix` in 20 ms frames; returns each event with its decision time (end of the frame
/// that reported it), in samples.
fn run(det: &mut VoiceDetector, mix: &[i16], rate: SampleRate) -> Vec<(VadEvent, u64)> {
    let n = rate.samples_per_frame();
    let mut events = Vec::new();
    for (i, chunk) in mix.chunks_exact(n).enumerate() {
        let t = MediaTime((i * n) as u64);
        let frame = AudioFrame::from_slice(rate, t, chunk).expect("20 ms");
        if let Some(ev) = det.push(&frame) {
            events.push((ev, t.0 + n as u64));
        }
    }
    events
}

fn ms(samples: i64, rate: SampleRate) -> i64 {
    samples * 1000 / i64::from(rate.hz())
}

/// (first active sample, end of the last active window, pauses in ms between them) of the
/// clean signal.
fn truth(clean: &[i16], rate: SampleRate) -> (i64, i64, Vec<i64>) {
    let act = active_windows(clean, rate);
    let w = i64::from(rate.hz()) / 100;
    let first = act.iter().position(|&a| a).unwrap_or(0);
    let last = act.len() - act.iter().rev().position(|&a| a).unwrap_or(0);
    let mut pauses = Vec::new();
    let mut run = 0;
    for &a in &act[first..last] {
        if a {
            if run > 0 {
                pauses.push(run * 10);
            }
            run = 0;
        } else {
            run += 1;
        }
    }
    (first as i64 * w, last as i64 * w, pauses)
}

const LEADS: [(&str, Option<f32>); 2] = [
    ("silence", None),
    ("comfort noise at -60 dBFS", Some(-60.0)),
];

#[test]
fn onset_and_decision_within_60_ms_of_the_true_onset() {
    for rate in RATES {
        for name in NAMES {
            let clean = speech(name, rate);
            let (onset, _, _) = truth(&clean, rate);
            for (lead_kind, noise) in LEADS {
                let (mix, lead) = scene(&clean, rate, 1000, 500, noise);
                let onset = onset + lead as i64;
                let mut det = VoiceDetector::new(VadConfig::default());
                let events = run(&mut det, &mix, rate);
                let ctx = format!("{name} at {rate} after {lead_kind}: {events:?}");
                let Some(&(VadEvent::SpeechStart { at }, decided)) = events.first() else {
                    panic!("no SpeechStart first: {ctx}");
                };
                let at_err = ms(at.0 as i64 - onset, rate);
                let delay = ms(decided as i64 - onset, rate);
                assert!(
                    at_err.abs() <= 60,
                    "onset estimate off by {at_err} ms: {ctx}"
                );
                assert!(delay <= 60, "decision {delay} ms after the onset: {ctx}");
                assert!(decided >= at.0, "{ctx}");
            }
        }
    }
}

#[test]
fn ten_seconds_of_comfort_noise_never_start_speech() {
    // -60 dBFS under the default gate; -45 dBFS with the gate off and with it below the
    // noise: then only the WebRTC models keep it out.
    let cases = [(-60.0, Some(-55.0)), (-45.0, None), (-45.0, Some(-50.0))];
    for rate in [SampleRate::Hz8000, SampleRate::Hz16000, SampleRate::Hz48000] {
        for (level, gate) in cases {
            for seed in 1..=3 {
                let cfg = VadConfig {
                    energy_gate_dbfs: gate,
                    ..VadConfig::default()
                };
                let mut det = VoiceDetector::new(cfg);
                let mut cn = ComfortNoise::new(rate, level, seed);
                let mut t = MediaTime::ZERO;
                for _ in 0..500 {
                    let ev = det.push(&cn.next_frame(t));
                    assert_eq!(
                        ev, None,
                        "{rate}, {level} dBFS, gate {gate:?}, seed {seed}, {t:?}"
                    );
                    t = t.after_frames(1, rate);
                }
                assert!(!det.is_speaking());
            }
        }
    }
}

#[test]
fn speech_end_comes_one_hangover_after_the_last_voiced_audio() {
    for rate in RATES {
        for name in NAMES {
            let clean = speech(name, rate);
            let (_, end, _) = truth(&clean, rate);
            for (lead_kind, noise) in LEADS {
                let (mix, lead) = scene(&clean, rate, 1000, 1500, noise);
                let end = end + lead as i64;
                let mut det = VoiceDetector::new(VadConfig::default());
                let events = run(&mut det, &mix, rate);
                let ctx = format!("{name} at {rate} in {lead_kind}: {events:?}");
                let Some(&(VadEvent::SpeechEnd { at }, decided)) = events.last() else {
                    panic!("no SpeechEnd last: {ctx}");
                };
                assert!(!det.is_speaking(), "{ctx}");
                // Decided 300 ms after `at`, rounded up to the end of the 20 ms frame.
                let wait = ms((decided - at.0) as i64, rate);
                assert!(
                    (300..320).contains(&wait),
                    "decided {wait} ms after the end: {ctx}"
                );
                let at_err = ms(at.0 as i64 - end, rate);
                assert!(
                    at_err.abs() <= 120,
                    "end estimate off by {at_err} ms: {ctx}"
                );
            }
        }
    }
}

#[test]
fn pauses_between_words_do_not_churn() {
    for rate in RATES {
        for name in NAMES {
            let clean = speech(name, rate);
            let (_, _, pauses) = truth(&clean, rate);
            for (lead_kind, noise) in LEADS {
                let (mix, lead) = scene(&clean, rate, 1000, 1000, noise);
                let mut det = VoiceDetector::new(VadConfig::default());
                let events = run(&mut det, &mix, rate);
                let ctx = format!("{name} at {rate} in {lead_kind}, pauses {pauses:?}: {events:?}");
                for (i, (ev, _)) in events.iter().enumerate() {
                    let is_start = matches!(ev, VadEvent::SpeechStart { .. });
                    assert_eq!(is_start, i % 2 == 0, "events must alternate: {ctx}");
                }
                // Every SpeechEnd is followed by a real pause: at least 250 ms of the clean
                // signal below -40 dBFS (a sentence break) or the end of the speech.
                let act = active_windows(&clean, rate);
                let win = rate.hz() as usize / 100;
                for (ev, _) in &events {
                    if let VadEvent::SpeechEnd { at } = ev {
                        let w = (at.0 as usize).saturating_sub(lead).div_ceil(win);
                        let quiet = act.iter().skip(w).take(25).all(|&a| !a);
                        assert!(quiet, "SpeechEnd at {at:?} inside speech: {ctx}");
                    }
                }
                // Utterances without such a break are one start and one end.
                if pauses.iter().all(|&p| p < 250) {
                    assert_eq!(events.len(), 2, "{ctx}");
                }
            }
        }
    }
}

#[test]
fn a_click_does_not_start_speech() {
    for rate in RATES {
        for gate in [Some(-55.0), None] {
            let per_ms = rate.hz() as usize / 1000;
            let mut clean = vec![0i16; 1000 * per_ms];
            // A 3 ms full-scale crackle in the middle of a frame, then another straddling a
            // frame boundary.
            for (i, s) in clean[500 * per_ms + 5 * per_ms..][..3 * per_ms]
                .iter_mut()
                .enumerate()
            {
                *s = if i % 2 == 0 { 30_000 } else { -30_000 };
            }
            for (i, s) in clean[700 * per_ms - per_ms..][..3 * per_ms]
                .iter_mut()
                .enumerate()
            {
                *s = if i % 3 == 0 { -32_000 } else { 25_000 };
            }
            let (mix, _) = scene(&clean, rate, 0, 0, Some(-60.0));
            let cfg = VadConfig {
                energy_gate_dbfs: gate,
                ..VadConfig::default()
            };
            let events = run(&mut VoiceDetector::new(cfg), &mix, rate);
            assert!(events.is_empty(), "{rate}, gate {gate:?}: {events:?}");
        }
    }
}

#[test]
fn works_on_48_khz_frames() {
    let clean16 = speech("meeting", SampleRate::Hz16000);
    let (onset16, _, _) = truth(&clean16, SampleRate::Hz16000);
    // Zero-order hold to 48 kHz: the images above 8 kHz are removed by WebRTC's own 48 -> 8
    // kHz resampler anyway.
    let clean: Vec<i16> = clean16.iter().flat_map(|&s| [s; 3]).collect();
    let rate = SampleRate::Hz48000;
    let (mix, lead) = scene(&clean, rate, 1000, 1000, Some(-60.0));
    let events = run(&mut VoiceDetector::new(VadConfig::default()), &mix, rate);
    assert_eq!(events.len(), 2, "{events:?}");
    let (VadEvent::SpeechStart { at }, decided) = events[0] else {
        panic!("{events:?}");
    };
    let onset = onset16 * 3 + lead as i64;
    assert!(ms(at.0 as i64 - onset, rate).abs() <= 60, "{events:?}");
    assert!(ms(decided as i64 - onset, rate) <= 60, "{events:?}");
    assert!(matches!(events[1].0, VadEvent::SpeechEnd { .. }));
}

#[test]
fn rejects_24_khz_frames_and_resets_on_a_rate_change() {
    let mut det = VoiceDetector::new(VadConfig::default());
    let f24 = AudioFrame::silence(SampleRate::Hz24000, MediaTime::ZERO);
    assert_eq!(
        det.try_push(&f24),
        Err(super::VadError::UnsupportedRate { hz: 24_000 })
    );
    assert_eq!(det.push(&f24), None);

    let rate = SampleRate::Hz16000;
    let (mix, _) = scene(&speech("digits", rate), rate, 200, 0, None);
    let events = run(&mut det, &mix[..rate.samples_per_frame() * 50], rate);
    assert!(
        matches!(events.as_slice(), [(VadEvent::SpeechStart { .. }, _)]),
        "{events:?}"
    );
    assert!(det.is_speaking());
    // An 8 kHz frame is a new stream: no event, not speaking.
    assert_eq!(
        det.push(&AudioFrame::silence(SampleRate::Hz8000, MediaTime::ZERO)),
        None
    );
    assert!(!det.is_speaking());
}

#[test]
fn config_is_rounded_to_whole_halves() {
    let cfg = VadConfig {
        start_ms: 0,
        hangover_ms: 305,
        ..VadConfig::default()
    };
    let det = VoiceDetector::new(cfg);
    assert_eq!(det.config().start_ms, 20);
    assert_eq!(det.config().hangover_ms, 310);
    assert_eq!(VadConfig::default().start_ms, 40);
    assert_eq!(VadConfig::default().energy_gate_dbfs, Some(-55.0));
}
