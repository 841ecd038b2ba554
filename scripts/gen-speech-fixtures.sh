#!/usr/bin/env bash
# Regenerates fixtures/speech/*.wav: short English sentences synthesised by espeak-ng in a few
# voices and speeds, as clean 16-bit mono WAVs at 16 kHz and 8 kHz (no leading noise: tests add
# their own). Used by the VAD onset/hangover tests, the WebRTC bit-exactness vectors
# (scripts/gen-vad-vectors.py) and the DTMF talk-off test.
#
# Needs: apt-get install -y espeak-ng sox. Output depends on the espeak-ng version (this set was
# made with espeak-ng 1.51 on Debian 12); re-run scripts/gen-vad-vectors.py after regenerating.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fixtures/speech"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# name | voice | words per minute | text
sentences=(
  "hello|en-us|150|Hello, thanks for calling. How can I help you today?"
  "meeting|en-gb|175|I would like to book a meeting with your sales team next Tuesday afternoon."
  "pricing|en-us+f3|160|Could you tell me a bit more about the pricing for the enterprise plan?"
  "moment|en-gb-x-rp+m3|140|Sure, one moment please. Let me check the calendar for you."
  "digits|en-us+f2|175|My number is five five five, zero one nine two, extension four four seven."
)

for entry in "${sentences[@]}"; do
  IFS='|' read -r name voice wpm text <<<"$entry"
  espeak-ng -v "$voice" -s "$wpm" -w "$tmp/$name.wav" "$text"
  # -D: no dither, so the files are reproducible and silence stays digital zero.
  sox -D "$tmp/$name.wav" -r 16000 -c 1 -b 16 "$out/${name}_16k.wav"
  sox -D "$tmp/$name.wav" -r 8000 -c 1 -b 16 "$out/${name}_8k.wav"
done

du -ch "$out"/*.wav | tail -1
