#!/usr/bin/env python3
"""Golden per-frame decisions of the reference C WebRTC VAD, for callbridge's Rust port.

Runs `webrtcvad` (pip install webrtcvad-wheels: binary wheels of the WebRTC C code; or
`pip install webrtcvad`, built from the same source) over deterministic signals built from
fixtures/speech/*.wav, every aggressiveness mode and frame length, and writes
fixtures/vad/webrtc_<rate>.txt. crates/audio/src/vad/bitexact_tests.rs rebuilds the same
signals and checks the port frame by frame.

Line format (one per signal x mode x frame length):
    rate=<hz> signal=<op>+<op>... mode=<0-3> frame=<10|20|30|cycle> n=<frames> bits=<hex>
Signal ops, applied left to right (all integer arithmetic, so Rust and Python agree):
    wav:<name>          samples of fixtures/speech/<name>.wav
    zeros:<ms>          digital silence at the line's rate
    lead:<ms>           prepend <ms> of digital silence
    up:<n>              repeat every sample n times (zero-order hold to n times the rate)
    gain:<g>            multiply by g, saturating to int16
    noise:<shift>:<seed> add xorshift32 noise ((x >> 16) - 32768) >> shift, saturating
frame=cycle cycles 10, 20, 30 ms frames through one stream. Frames run while enough samples
remain. bits packs the 0/1 decisions MSB first, 4 per hex digit, zero padded.

At 48 kHz only 10 ms frames are recorded: for 20/30 ms frames this C version resamples the
first 10 ms repeatedly (a bug the Rust port fixes on purpose).
"""

import os
import sys
import wave

import webrtcvad

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SPEECH = os.path.join(ROOT, "fixtures", "speech")
OUT = os.path.join(ROOT, "fixtures", "vad")
NAMES = ["hello", "meeting", "pricing", "moment", "digits"]


def sat(v):
    return max(-32768, min(32767, v))


def xorshift_noise(n, shift, seed):
    x = seed & 0xFFFFFFFF
    out = []
    for _ in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(((x >> 16) - 32768) >> shift)
    return out


def read_wav(name):
    with wave.open(os.path.join(SPEECH, name + ".wav")) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        raw = w.readframes(w.getnframes())
    return [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw), 2)]


def build(signal, rate):
    s = []
    for op in signal.split("+"):
        kind, *args = op.split(":")
        if kind == "wav":
            s = read_wav(args[0])
        elif kind == "zeros":
            s = [0] * (rate * int(args[0]) // 1000)
        elif kind == "lead":
            s = [0] * (rate * int(args[0]) // 1000) + s
        elif kind == "up":
            s = [v for v in s for _ in range(int(args[0]))]
        elif kind == "gain":
            s = [sat(v * int(args[0])) for v in s]
        elif kind == "noise":
            noise = xorshift_noise(len(s), int(args[0]), int(args[1]))
            s = [sat(a + b) for a, b in zip(s, noise)]
        else:
            raise ValueError(op)
    return s


def frame_lengths(frame, rate):
    per_ms = rate // 1000
    if frame == "cycle":
        while True:
            for ms in (10, 20, 30):
                yield ms * per_ms
    while True:
        yield int(frame) * per_ms


def decisions(samples, rate, mode, frame):
    vad = webrtcvad.Vad(mode)
    pcm = b"".join(v.to_bytes(2, "little", signed=True) for v in samples)
    out, pos = [], 0
    for n in frame_lengths(frame, rate):
        if pos + n > len(samples):
            return out
        out.append(1 if vad.is_speech(pcm[2 * pos:2 * (pos + n)], rate) else 0)
        pos += n


def pack(bits):
    padded = bits + [0] * (-len(bits) % 4)
    return "".join("%x" % (padded[i] << 3 | padded[i + 1] << 2 | padded[i + 2] << 1 | padded[i + 3])
                   for i in range(0, len(padded), 4))


def signals(rate):
    """The signal recipes recorded at `rate`, with the frame lengths to run."""
    frames = ["10"] if rate == 48000 else ["10", "20", "30", "cycle"]
    if rate in (8000, 16000):
        tag = "8k" if rate == 8000 else "16k"
        for i, name in enumerate(NAMES):
            yield f"wav:{name}_{tag}", frames
            yield f"wav:{name}_{tag}+lead:700+noise:7:{1000 + i}", frames
        # Clipped (full-scale) speech, pure noise at three levels, silence.
        yield f"wav:hello_{tag}+gain:40", frames
        yield f"wav:digits_{tag}+gain:12+noise:3:77", frames
        for shift, seed in ((0, 5), (5, 6), (11, 7)):
            yield f"zeros:3000+noise:{shift}:{seed}", frames
        yield "zeros:500", frames
    else:
        # 32 and 48 kHz: 16 kHz speech held up to the rate, plus noise, through the
        # decimators of the C code.
        up = rate // 16000
        yield f"wav:meeting_16k+up:{up}+noise:8:21", frames
        yield f"wav:moment_16k+up:{up}+lead:300+noise:6:22", frames
        yield f"wav:hello_16k+up:{up}+gain:30", frames


def main():
    os.makedirs(OUT, exist_ok=True)
    for rate in (8000, 16000, 32000, 48000):
        lines = []
        for signal, frames in signals(rate):
            samples = build(signal, rate)
            for mode in range(4):
                for frame in frames:
                    bits = decisions(samples, rate, mode, frame)
                    lines.append(f"rate={rate} signal={signal} mode={mode} frame={frame} "
                                 f"n={len(bits)} bits={pack(bits)}")
        path = os.path.join(OUT, f"webrtc_{rate}.txt")
        with open(path, "w") as f:
            f.write(f"# WebRTC VAD decisions from webrtcvad {getattr(webrtcvad, '__version__', '?')}"
                    f" (scripts/gen-vad-vectors.py)\n")
            f.write("\n".join(lines) + "\n")
        print(f"{path}: {len(lines)} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
