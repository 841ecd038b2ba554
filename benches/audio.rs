//! Per-frame costs of the audio core (crates/audio): G.711, resampling, reframing, mixing,
//! gain, and the generators. Every input is one 20 ms frame from `test_frame`.
//!
//! Run: `cargo bench -p callbridge-benches --bench audio` (add `-- --quick` for a fast pass).

use std::hint::black_box;

use callbridge_audio::g711;
use callbridge_audio::gain::{Gain, apply_gain_db};
use callbridge_audio::mix::{mix, mix_into};
use callbridge_audio::noise::ComfortNoise;
use callbridge_audio::reframe::Reframer;
use callbridge_audio::resample::Resampler;
use callbridge_audio::tone::ToneGenerator;
use callbridge_audio::{AudioFrame, MediaTime, SampleRate};
use callbridge_benches::test_frame;
use criterion::{Criterion, criterion_group, criterion_main};

fn g711_benches(c: &mut Criterion) {
    let pcm = test_frame(8_000, 1);
    let mut mu = vec![0u8; 160];
    let mut a = vec![0u8; 160];
    g711::mulaw_encode_into(&pcm, &mut mu);
    g711::alaw_encode_into(&pcm, &mut a);
    let mut out_pcm = vec![0i16; 160];
    let mut out_codes = vec![0u8; 160];

    let mut g = c.benchmark_group("g711");
    g.bench_function("mulaw_decode_frame", |b| {
        b.iter(|| g711::mulaw_decode_into(black_box(&mu), &mut out_pcm))
    });
    g.bench_function("mulaw_encode_frame", |b| {
        b.iter(|| g711::mulaw_encode_into(black_box(&pcm), &mut out_codes))
    });
    g.bench_function("alaw_decode_frame", |b| {
        b.iter(|| g711::alaw_decode_into(black_box(&a), &mut out_pcm))
    });
    g.bench_function("alaw_encode_frame", |b| {
        b.iter(|| g711::alaw_encode_into(black_box(&pcm), &mut out_codes))
    });
    g.bench_function("mulaw_decode_encode_frame", |b| {
        b.iter(|| {
            g711::mulaw_decode_into(black_box(&mu), &mut out_pcm);
            g711::mulaw_encode_into(&out_pcm, &mut out_codes)
        })
    });
    // The table encoder against the bit-level one it is built from (why we use the table).
    g.bench_function("mulaw_encode_frame_bitwise", |b| {
        b.iter(|| {
            for (o, &s) in out_codes.iter_mut().zip(black_box(&pcm)) {
                *o = g711::reference::mulaw_encode(s);
            }
        })
    });
    g.bench_function("alaw_encode_frame_bitwise", |b| {
        b.iter(|| {
            for (o, &s) in out_codes.iter_mut().zip(black_box(&pcm)) {
                *o = g711::reference::alaw_encode(s);
            }
        })
    });
    // The convenience API as the Twilio leg uses it (allocates the frame).
    g.bench_function("decode_mulaw_frame_alloc", |b| {
        b.iter(|| g711::decode_mulaw_frame(black_box(&mu), MediaTime::ZERO))
    });
    g.finish();
}

fn resample_benches(c: &mut Criterion) {
    use SampleRate::*;
    let paths = [
        (Hz8000, Hz16000),
        (Hz16000, Hz8000),
        (Hz16000, Hz48000),
        (Hz48000, Hz16000),
        (Hz16000, Hz24000),
        (Hz24000, Hz16000),
        (Hz8000, Hz48000),
        (Hz48000, Hz8000),
    ];
    let mut g = c.benchmark_group("resample");
    for (from, to) in paths {
        let Ok(mut r) = Resampler::new(from, to) else {
            panic!("no resampler for {from} -> {to}");
        };
        let input = test_frame(from.hz(), 2);
        let mut out = vec![0i16; to.samples_per_frame()];
        let name = format!("{}k_to_{}k", from.hz() / 1000, to.hz() / 1000);
        g.bench_function(name, |b| {
            b.iter(|| r.process_samples(black_box(&input), &mut out))
        });
    }
    g.finish();
}

fn frame_ops_benches(c: &mut Criterion) {
    let rate = SampleRate::Hz16000;
    let frames: Vec<AudioFrame> = (0..3)
        .filter_map(|s| AudioFrame::new(rate, MediaTime::ZERO, test_frame(16_000, s)).ok())
        .collect();
    let mut g = c.benchmark_group("frame_ops");

    // TTS-like chunks of 441 samples in, 20 ms frames out.
    let chunk = test_frame(22_050, 3);
    let mut reframer = Reframer::new(rate, MediaTime::ZERO);
    g.bench_function("reframe_push441_pop_16k", |b| {
        b.iter(|| {
            reframer.push(black_box(&chunk));
            while let Some(f) = reframer.pop() {
                black_box(f);
            }
        })
    });

    let slices: Vec<&[i16]> = frames.iter().map(|f| f.samples()).collect();
    let mut out = vec![0i16; 320];
    g.bench_function("mix_into_3_streams_16k", |b| {
        b.iter(|| mix_into(&mut out, black_box(&slices)))
    });
    let refs: Vec<&AudioFrame> = frames.iter().collect();
    g.bench_function("mix_3_frames_16k_alloc", |b| {
        b.iter(|| mix(black_box(&refs)))
    });

    let mut f = frames[0].clone();
    g.bench_function("apply_gain_db_16k", |b| {
        b.iter(|| apply_gain_db(black_box(&mut f), -0.1))
    });
    let mut gain = Gain::new(-3.0);
    let mut f = frames[1].clone();
    g.bench_function("gain_stage_ramping_16k", |b| {
        b.iter(|| {
            if gain.is_muted() {
                gain.unmute();
            } else {
                gain.mute();
            }
            gain.process(black_box(&mut f))
        })
    });
    g.finish();
}

fn generator_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("generators");
    let mut cn = ComfortNoise::new(SampleRate::Hz16000, -50.0, 1);
    g.bench_function("comfort_noise_16k", |b| {
        b.iter(|| cn.next_frame(MediaTime::ZERO))
    });
    let mut ring = ToneGenerator::us_ringback(SampleRate::Hz8000);
    g.bench_function("ringback_tone_8k", |b| {
        b.iter(|| ring.next_frame(MediaTime::ZERO))
    });
    g.finish();
}

criterion_group!(
    benches,
    g711_benches,
    resample_benches,
    frame_ops_benches,
    generator_benches
);
criterion_main!(benches);
