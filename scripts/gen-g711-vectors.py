#!/usr/bin/env python3
"""Generate the G.711 golden vectors in fixtures/g711/ from Python's audioop.

audioop (CPython <= 3.12, removed in 3.13) implements G.711 with the classic Sun Microsystems
g711.c; callbridge-audio's g711 module must match it bit for bit. Run with Python 3.11 or 3.12:

    python3 -W ignore scripts/gen-g711-vectors.py

Outputs (little-endian, deterministic):
  mulaw_encode.bin  65536 bytes: lin2ulaw of every i16 from -32768 to 32767, in order
  mulaw_decode.bin  256 x i16:   ulaw2lin of every code 0..=255
  alaw_encode.bin   65536 bytes: lin2alaw, same input order
  alaw_decode.bin   256 x i16:   alaw2lin of every code
"""

import os
import struct
import sys

try:
    import audioop
except ImportError:
    sys.exit("audioop is needed (Python 3.11 or 3.12; it was removed in 3.13)")


def main() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(root, "fixtures", "g711")
    os.makedirs(out_dir, exist_ok=True)

    every_sample = struct.pack("<65536h", *range(-32768, 32768))
    every_code = bytes(range(256))
    width = 2  # 16-bit samples

    outputs = {
        "mulaw_encode.bin": audioop.lin2ulaw(every_sample, width),
        "mulaw_decode.bin": audioop.ulaw2lin(every_code, width),
        "alaw_encode.bin": audioop.lin2alaw(every_sample, width),
        "alaw_decode.bin": audioop.alaw2lin(every_code, width),
    }
    if sys.byteorder != "little":
        # audioop works in native byte order; the fixtures are little-endian.
        for name in ("mulaw_decode.bin", "alaw_decode.bin"):
            outputs[name] = audioop.byteswap(outputs[name], width)

    for name, data in outputs.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        print(f"wrote fixtures/g711/{name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
