//! Per-frame costs of voice activity detection, the energy gate and DTMF detection
//! (crates/audio `vad`, `energy`, `dtmf`). Budget: the WebRTC VAD under 5 us per 20 ms frame.
//!
//! Every bench cycles through 16 different 20 ms frames from `test_frame` (a speech-band chirp
//! with noise, which keeps the VAD on its full GMM path) so that the detectors' state evolves
//! as on a real stream.
//!
//! Run: `cargo bench -p callbridge-benches --bench vad_dtmf` (add `-- --quick` for a fast pass).

use std::hint::black_box;

use callbridge_audio::dtmf::{DtmfDetector, DtmfDigit, DtmfGenerator};
use callbridge_audio::energy::EnergyGate;
use callbridge_audio::vad::{Aggressiveness, VadConfig, VoiceDetector, WebRtcVad};
use callbridge_audio::{AudioFrame, MediaTime, SampleRate};
use callbridge_benches::test_frame;
use criterion::{Criterion, criterion_group, criterion_main};

const RING: usize = 16;

/// 16 consecutive frames at `rate`.
fn frames(rate: SampleRate) -> Vec<AudioFrame> {
    (0..RING)
        .map(|i| {
            let t = MediaTime::ZERO.after_frames(i as u64, rate);
            AudioFrame::new(rate, t, test_frame(rate.hz(), i as u32)).expect("20 ms")
        })
        .collect()
}

fn webrtc_vad(c: &mut Criterion) {
    let mut g = c.benchmark_group("webrtc_vad");
    for rate in [SampleRate::Hz8000, SampleRate::Hz16000, SampleRate::Hz48000] {
        let fs = frames(rate);
        let hz = rate.hz();
        if rate != SampleRate::Hz48000 {
            let mut vad = WebRtcVad::new(Aggressiveness::Aggressive);
            let mut i = 0;
            g.bench_function(format!("20ms_frame_{}k", hz / 1000), |b| {
                b.iter(|| {
                    i = (i + 1) % RING;
                    vad.process(hz, black_box(fs[i].samples()))
                })
            });
        }
        // Two 10 ms calls per frame: what VoiceDetector does.
        let mut vad = WebRtcVad::new(Aggressiveness::Aggressive);
        let mut i = 0;
        g.bench_function(format!("2x10ms_frame_{}k", hz / 1000), |b| {
            b.iter(|| {
                i = (i + 1) % RING;
                let (a, z) = fs[i].samples().split_at(fs[i].samples().len() / 2);
                (vad.process(hz, black_box(a)), vad.process(hz, black_box(z)))
            })
        });
    }
    g.finish();
}

fn voice_detector(c: &mut Criterion) {
    let mut g = c.benchmark_group("voice_detector");
    for rate in [SampleRate::Hz8000, SampleRate::Hz16000] {
        let fs = frames(rate);
        let mut det = VoiceDetector::new(VadConfig::default());
        let mut i = 0;
        g.bench_function(format!("push_{}k", rate.hz() / 1000), |b| {
            b.iter(|| {
                i = (i + 1) % RING;
                det.push(black_box(&fs[i]))
            })
        });
    }
    g.finish();
}

fn energy_gate(c: &mut Criterion) {
    let mut g = c.benchmark_group("energy_gate");
    let fs = frames(SampleRate::Hz16000);
    let mut fixed = EnergyGate::fixed(-45.0);
    let mut adaptive = EnergyGate::adaptive(10.0);
    let mut i = 0;
    g.bench_function("push_fixed_16k", |b| {
        b.iter(|| {
            i = (i + 1) % RING;
            fixed.push(black_box(&fs[i]))
        })
    });
    g.bench_function("push_adaptive_16k", |b| {
        b.iter(|| {
            i = (i + 1) % RING;
            adaptive.push(black_box(&fs[i]))
        })
    });
    g.finish();
}

fn dtmf(c: &mut Criterion) {
    let mut g = c.benchmark_group("dtmf");
    for rate in [SampleRate::Hz8000, SampleRate::Hz16000] {
        let fs = frames(rate);
        let mut det = DtmfDetector::new(rate);
        let mut i = 0;
        g.bench_function(format!("detector_push_{}k", rate.hz() / 1000), |b| {
            b.iter(|| {
                i = (i + 1) % RING;
                det.push(black_box(&fs[i]))
            })
        });
    }
    let mut generator = DtmfGenerator::new(
        SampleRate::Hz8000,
        DtmfDigit::Five,
        u32::MAX / 8000,
        0,
        -20.0,
    );
    g.bench_function("generator_frame_8k", |b| {
        b.iter(|| generator.next_frame(black_box(MediaTime::ZERO)))
    });
    g.finish();
}

criterion_group!(benches, webrtc_vad, voice_detector, energy_gate, dtmf);
criterion_main!(benches);
