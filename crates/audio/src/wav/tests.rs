//! WAV reader/writer tests; crate::fuzz::wav covers random and mutated inputs.

use std::io::{self, Cursor, Seek, SeekFrom, Write};

use super::*;
use crate::g711;

/// A RIFF chunk with its pad byte when the body is odd (RIFF spec).
fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(body.len() as u32).to_le_bytes());
    c.extend_from_slice(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    f.extend_from_slice(b"WAVE");
    f.extend_from_slice(&body);
    f
}

fn fmt_body(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let align = channels * bits / 8;
    let mut b = tag.to_le_bytes().to_vec();
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    b.extend_from_slice(&align.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b
}

fn pcm_bytes(s: &[i16]) -> Vec<u8> {
    s.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn wav(rate: u32, channels: u16, samples: Vec<i16>) -> Wav {
    Wav {
        sample_rate: rate,
        channels,
        samples,
    }
}

#[test]
fn write_then_read_round_trips() {
    for w in [
        wav(8_000, 1, vec![]),
        wav(16_000, 1, vec![0, 1, -1, i16::MAX, i16::MIN]),
        wav(48_000, 2, (0..2000).map(|i| (i * 31) as i16).collect()),
    ] {
        let bytes = write(&w);
        assert_eq!(bytes.len(), CANONICAL_HEADER_LEN + 2 * w.samples.len());
        assert_eq!(read(&bytes), Ok(w.clone()));
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
            bytes.len() - 8
        );
    }
    // A trailing partial frame cannot be described by a stereo file; it is left out.
    let odd = wav(8_000, 2, vec![1, 2, 3]);
    assert_eq!(read(&write(&odd)).unwrap().samples, vec![1, 2]);
}

#[test]
fn skips_unknown_and_odd_sized_chunks() {
    let samples = [5i16, -5, 300, -300];
    let file = riff(&[
        chunk(b"JUNK", &[0; 3]),
        chunk(b"fmt ", &fmt_body(FORMAT_PCM, 1, 16_000, 16)),
        chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00sox!!"),
        chunk(b"data", &pcm_bytes(&samples)),
        chunk(b"id3 ", &[1, 2, 3, 4, 5]),
    ]);
    assert_eq!(read(&file), Ok(wav(16_000, 1, samples.to_vec())));
    // `fmt ` after `data` is legal RIFF, if unusual.
    let late = riff(&[
        chunk(b"data", &pcm_bytes(&samples)),
        chunk(b"fmt ", &fmt_body(FORMAT_PCM, 2, 8_000, 16)),
    ]);
    assert_eq!(read(&late), Ok(wav(8_000, 2, samples.to_vec())));
}

#[test]
fn reads_g711_wavs() {
    let codes: Vec<u8> = (0..=255).collect();
    // G.711 `fmt ` chunks usually carry cbSize = 0 (18 bytes), and a `fact` chunk.
    let mut fmt7 = fmt_body(FORMAT_MULAW, 1, 8_000, 8);
    fmt7.extend_from_slice(&0u16.to_le_bytes());
    let mu = riff(&[
        chunk(b"fmt ", &fmt7),
        chunk(b"fact", &256u32.to_le_bytes()),
        chunk(b"data", &codes),
    ]);
    let want: Vec<i16> = codes.iter().map(|&c| g711::mulaw_decode(c)).collect();
    assert_eq!(read(&mu), Ok(wav(8_000, 1, want)));
    let a = riff(&[
        chunk(b"fmt ", &fmt_body(FORMAT_ALAW, 2, 8_000, 8)),
        chunk(b"data", &codes[..255]),
    ]);
    let want: Vec<i16> = codes[..254].iter().map(|&c| g711::alaw_decode(c)).collect();
    assert_eq!(read(&a), Ok(wav(8_000, 2, want)), "odd data byte dropped");
}

fn extensible(sub_tag: u16, tail_ok: bool) -> Vec<u8> {
    let mut f = fmt_body(FORMAT_EXTENSIBLE, 2, 24_000, 16);
    f.extend_from_slice(&22u16.to_le_bytes()); // cbSize
    f.extend_from_slice(&16u16.to_le_bytes()); // wValidBitsPerSample
    f.extend_from_slice(&3u32.to_le_bytes()); // SPEAKER_FRONT_LEFT | SPEAKER_FRONT_RIGHT
    f.extend_from_slice(&sub_tag.to_le_bytes());
    let mut tail = [
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ];
    if !tail_ok {
        tail[13] ^= 1;
    }
    f.extend_from_slice(&tail);
    f
}

#[test]
fn reads_wave_format_extensible_pcm() {
    let s = [1i16, 2, 3, 4];
    let ok = riff(&[
        chunk(b"fmt ", &extensible(1, true)),
        chunk(b"data", &pcm_bytes(&s)),
    ]);
    assert_eq!(read(&ok), Ok(wav(24_000, 2, s.to_vec())));
    let float = riff(&[
        chunk(b"fmt ", &extensible(3, true)),
        chunk(b"data", &[0; 8]),
    ]);
    assert_eq!(read(&float), Err(WavError::UnsupportedFormat(3)));
    let odd_guid = riff(&[
        chunk(b"fmt ", &extensible(1, false)),
        chunk(b"data", &[0; 8]),
    ]);
    assert_eq!(read(&odd_guid), Err(WavError::UnsupportedSubFormat));
    let short = riff(&[
        chunk(b"fmt ", &extensible(1, true)[..30]),
        chunk(b"data", &[]),
    ]);
    assert_eq!(read(&short), Err(WavError::BadFmt(30)));
}

#[test]
fn truncated_data_reads_up_to_the_last_whole_frame() {
    let s: Vec<i16> = (0..100).collect();
    let full = write(&wav(8_000, 2, s.clone()));
    for cut in [
        CANONICAL_HEADER_LEN,
        CANONICAL_HEADER_LEN + 1,
        100,
        101,
        102,
        103,
        full.len() - 1,
    ] {
        let got = read(&full[..cut]).unwrap();
        let whole = (cut - CANONICAL_HEADER_LEN) / 4 * 2;
        assert_eq!(got.samples, s[..whole], "cut at {cut}");
    }
    // Streaming writers that do not know the length put 0xFFFFFFFF in both size fields.
    let mut streamed = full.clone();
    streamed[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    streamed[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(read(&streamed).unwrap().samples, s);
    // A stale RIFF size (never patched) does not matter either.
    streamed[4..8].copy_from_slice(&36u32.to_le_bytes());
    assert_eq!(read(&streamed).unwrap().samples, s);
}

#[test]
fn rejects_what_it_cannot_read() {
    let data = chunk(b"data", &[0; 4]);
    let cases: Vec<(Vec<u8>, WavError)> = vec![
        (vec![], WavError::Truncated("RIFF header")),
        (b"RIFF\0\0".to_vec(), WavError::Truncated("RIFF header")),
        (b"RIFX\0\0\0\0WAVE".to_vec(), WavError::NotRiff),
        (b"RIFF\0\0\0\0AVI ".to_vec(), WavError::NotWave),
        (riff(std::slice::from_ref(&data)), WavError::MissingFmt),
        (
            riff(&[chunk(b"fmt ", &fmt_body(1, 1, 8_000, 16))]),
            WavError::MissingData,
        ),
        (
            riff(&[chunk(b"fmt ", &[1, 0, 1, 0]), data.clone()]),
            WavError::BadFmt(4),
        ),
        (
            riff(&[chunk(b"fmt ", &fmt_body(3, 1, 8_000, 32)), data.clone()]),
            WavError::UnsupportedFormat(3),
        ),
        (
            riff(&[chunk(b"fmt ", &fmt_body(1, 1, 8_000, 8)), data.clone()]),
            WavError::UnsupportedBits { format: 1, bits: 8 },
        ),
        (
            riff(&[chunk(b"fmt ", &fmt_body(7, 1, 8_000, 16)), data.clone()]),
            WavError::UnsupportedBits {
                format: 7,
                bits: 16,
            },
        ),
        (
            riff(&[chunk(b"fmt ", &fmt_body(1, 0, 8_000, 16)), data.clone()]),
            WavError::ZeroChannels,
        ),
        (
            riff(&[chunk(b"fmt ", &fmt_body(1, 1, 0, 16)), data.clone()]),
            WavError::ZeroSampleRate,
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(read(&bytes), Err(want.clone()), "{want}");
    }
    let mut cut_fmt = riff(&[chunk(b"fmt ", &fmt_body(1, 1, 8_000, 16))]);
    cut_fmt.truncate(30);
    assert_eq!(read(&cut_fmt), Err(WavError::Truncated("'fmt ' chunk")));
}

#[test]
fn progressive_file_is_valid_after_every_flush() {
    let mut w = ProgressiveWavWriter::new(Cursor::new(Vec::new()), 16_000, 1).unwrap();
    // Straight after `new`: an empty but valid file.
    assert_eq!(read(w.get_ref().get_ref()), Ok(wav(16_000, 1, vec![])));
    let first: Vec<i16> = (0..320).map(|i| i as i16).collect();
    w.write_samples(&first).unwrap();
    w.flush().unwrap();
    let second: Vec<i16> = (0..320).map(|i| -(i as i16)).collect();
    w.write_samples(&second).unwrap();
    // "Crash" now: the bytes as they are hold exactly the flushed samples.
    let crashed = w.get_ref().get_ref().clone();
    assert!(
        crashed.len() > CANONICAL_HEADER_LEN + 640,
        "unflushed bytes are in the file"
    );
    assert_eq!(read(&crashed), Ok(wav(16_000, 1, first.clone())));
    assert_eq!(w.samples_written(), 640);
    let done = w.finish().unwrap().into_inner();
    assert_eq!(read(&done), Ok(wav(16_000, 1, [first, second].concat())));
    assert_eq!(
        done,
        write(&read(&done).unwrap()),
        "same bytes as the one-shot writer"
    );
}

#[test]
fn progressive_stereo_interleaves_left_then_right() {
    let mut w = ProgressiveWavWriter::new(Cursor::new(Vec::new()), 8_000, 2).unwrap();
    w.write_stereo(&[1, 2, 3], &[-1, -2, -3]).unwrap();
    w.write_samples(&[4, -4]).unwrap();
    let bad = w.write_stereo(&[1, 2], &[1]).unwrap_err();
    assert_eq!(bad.kind(), io::ErrorKind::InvalidInput);
    let bad = w.write_samples(&[1, 2, 3]).unwrap_err();
    assert_eq!(bad.kind(), io::ErrorKind::InvalidInput);
    let bytes = w.finish().unwrap().into_inner();
    assert_eq!(
        read(&bytes).unwrap().samples,
        vec![1, -1, 2, -2, 3, -3, 4, -4]
    );

    let mut mono = ProgressiveWavWriter::new(Cursor::new(Vec::new()), 8_000, 1).unwrap();
    assert!(mono.write_stereo(&[1], &[1]).is_err());
    assert!(ProgressiveWavWriter::new(Cursor::new(Vec::new()), 8_000, 0).is_err());
    assert!(ProgressiveWavWriter::new(Cursor::new(Vec::new()), 0, 1).is_err());
}

#[test]
fn progressive_refuses_to_pass_the_size_limit() {
    // The real cap is 4 GiB; the same code path runs with a 100-byte cap here.
    let mut w = ProgressiveWavWriter::with_limit(Cursor::new(Vec::new()), 8_000, 1, 100).unwrap();
    w.write_samples(&[7; 40]).unwrap();
    let err = w.write_samples(&[7; 11]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    w.write_samples(&[8; 10]).unwrap();
    assert!(w.write_samples(&[9]).is_err());
    let bytes = w.finish().unwrap().into_inner();
    let got = read(&bytes).unwrap().samples;
    assert_eq!(got.len(), 50);
    assert_eq!(&got[40..], &[8; 10]);
}

#[test]
fn progressive_starts_at_the_current_offset() {
    let mut cur = Cursor::new(vec![0xEE; 10]);
    cur.seek(SeekFrom::End(0)).unwrap();
    let mut w = ProgressiveWavWriter::new(cur, 8_000, 1).unwrap();
    w.write_samples(&[1, 2, 3]).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    assert_eq!(&bytes[..10], &[0xEE; 10]);
    assert_eq!(read(&bytes[10..]).unwrap().samples, vec![1, 2, 3]);
}

/// A writer that fails once, mid-buffer, after letting `ok_bytes` through.
struct Flaky {
    inner: Cursor<Vec<u8>>,
    fail_at: Option<u64>,
}

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(at) = self.fail_at {
            let pos = self.inner.position();
            if pos + buf.len() as u64 > at {
                self.fail_at = None;
                let n = (at - pos) as usize;
                self.inner.write_all(&buf[..n])?;
                return Err(io::Error::other("disk hiccup"));
            }
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Flaky {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn progressive_recovers_from_a_failed_write() {
    let flaky = Flaky {
        inner: Cursor::new(Vec::new()),
        fail_at: Some(CANONICAL_HEADER_LEN as u64 + 6),
    };
    let mut w = ProgressiveWavWriter::new(flaky, 8_000, 1).unwrap();
    w.write_samples(&[1, 2]).unwrap();
    assert!(w.write_samples(&[3, 4, 5]).is_err());
    w.write_samples(&[6, 7]).unwrap();
    let bytes = w.finish().unwrap().inner.into_inner();
    assert_eq!(read(&bytes).unwrap().samples, vec![1, 2, 6, 7]);
}

#[test]
fn python_wave_module_accepts_our_output() {
    // An independent parser's opinion; skipped where python3 is not installed.
    let Ok(probe) = std::process::Command::new("python3")
        .arg("--version")
        .output()
    else {
        eprintln!("python3 not found: skipping the cross-check with Python's wave module");
        return;
    };
    assert!(probe.status.success());
    let dir = std::env::temp_dir().join(format!("callbridge-wav-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stereo.wav");
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut w = ProgressiveWavWriter::new(file, 16_000, 2).unwrap();
    let left: Vec<i16> = (0..1600).map(|i| (i * 7) as i16).collect();
    let right: Vec<i16> = left.iter().map(|v| -v).collect();
    w.write_stereo(&left, &right).unwrap();
    w.finish().unwrap();
    let script = "import sys, wave, struct\n\
        w = wave.open(sys.argv[1])\n\
        d = w.readframes(w.getnframes())\n\
        s = struct.unpack('<%dh' % (len(d) // 2), d)\n\
        print(w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes(), s[2], s[3], s[-1])";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2 2 16000 1600 7 -7 -11193"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn any_wav() -> impl Strategy<Value = Wav> {
        (1u32..=u32::MAX, 1u16..=6, 0usize..300).prop_flat_map(|(rate, channels, frames)| {
            proptest::collection::vec(any::<i16>(), frames * usize::from(channels))
                .prop_map(move |samples| wav(rate, channels, samples))
        })
    }

    proptest! {
        #[test]
        fn read_inverts_write(w in any_wav()) {
            prop_assert_eq!(read(&write(&w)), Ok(w));
        }

        #[test]
        fn progressive_in_any_pieces_equals_one_shot(
            w in any_wav(),
            cuts in proptest::collection::vec(0usize..100, 0..8),
            flush_each in any::<bool>(),
        ) {
            let ch = usize::from(w.channels);
            let mut pw = ProgressiveWavWriter::new(Cursor::new(Vec::new()), w.sample_rate, w.channels).unwrap();
            let mut rest: &[i16] = &w.samples;
            for c in cuts {
                let n = (c * ch).min(rest.len());
                pw.write_samples(&rest[..n]).unwrap();
                rest = &rest[n..];
                if flush_each {
                    pw.flush().unwrap();
                    let flushed = pw.samples_written() as usize;
                    let now = read(pw.get_ref().get_ref()).unwrap();
                    prop_assert_eq!(&now.samples[..], &w.samples[..flushed]);
                }
            }
            pw.write_samples(rest).unwrap();
            let bytes = pw.finish().unwrap().into_inner();
            prop_assert_eq!(bytes, write(&w));
        }
    }
}
