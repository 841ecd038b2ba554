//! Caller audio for conversation tests and benchmarks: real speech (the espeak-ng fixtures,
//! silences trimmed, looped as needed) and silence laid out on a timeline of 20 ms frames, so
//! the agent's VAD hears speech where the scripted recognizer "hears" words.

use callbridge_audio::{AudioFrame, MediaTime, SampleRate};

const RATE: SampleRate = SampleRate::Hz16000;
const FRAME_MS: u64 = 20;

/// A stretch of the caller's audio, in ms (rounded down to whole frames).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    Silence(u64),
    Speech(u64),
}

/// Voiced speech from `fixtures/speech`, leading and trailing silence trimmed.
///
/// # Panics
/// When the fixtures are missing or unreadable (a broken checkout; test support only).
pub fn speech_pool() -> Vec<i16> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/speech");
    let mut pool = Vec::new();
    for name in ["hello_16k.wav", "meeting_16k.wav", "pricing_16k.wav"] {
        let path = format!("{dir}/{name}");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let wav = callbridge_audio::wav::read(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        let s = wav.samples;
        let loud = |x: &i16| x.unsigned_abs() > 800;
        let first = s.iter().position(loud).unwrap_or(0);
        let last = s.iter().rposition(loud).unwrap_or(s.len());
        pool.extend_from_slice(s.get(first..last).unwrap_or_default());
    }
    pool
}

/// The caller's audio at 16 kHz: the segments, then silence up to `total_ms`.
pub fn timeline(segs: &[Seg], total_ms: u64) -> Vec<AudioFrame> {
    let pool = speech_pool();
    let mut at = 0usize;
    let mut frames: Vec<AudioFrame> = Vec::new();
    let mut push = |frames: &mut Vec<AudioFrame>, speech: bool| {
        let time = MediaTime::ZERO.after_frames(frames.len() as u64, RATE);
        let frame = if speech && !pool.is_empty() {
            AudioFrame::generate(RATE, time, |s| {
                for x in s.iter_mut() {
                    *x = pool[at % pool.len()];
                    at += 1;
                }
            })
        } else {
            AudioFrame::silence(RATE, time)
        };
        frames.push(frame);
    };
    for seg in segs {
        let (ms, speech) = match *seg {
            Seg::Silence(ms) => (ms, false),
            Seg::Speech(ms) => (ms, true),
        };
        for _ in 0..ms / FRAME_MS {
            push(&mut frames, speech);
        }
    }
    while (frames.len() as u64) * FRAME_MS < total_ms {
        push(&mut frames, false);
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_has_speech_where_it_says() {
        let frames = timeline(&[Seg::Silence(100), Seg::Speech(200)], 1000);
        assert_eq!(frames.len(), 50);
        assert!(
            frames[..5]
                .iter()
                .all(|f| f.samples().iter().all(|&s| s == 0))
        );
        assert!(frames[5..15].iter().all(|f| f.level_dbfs() > -40.0));
        assert!(
            frames[15..]
                .iter()
                .all(|f| f.samples().iter().all(|&s| s == 0))
        );
        assert_eq!(frames[49].time(), MediaTime(49 * 320));
    }
}
