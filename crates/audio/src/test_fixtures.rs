//! Test-only access to the shared fixtures under `fixtures/` (espeak-ng speech).

use crate::frame::SampleRate;

/// The espeak-ng sentence `name` (see `scripts/gen-speech-fixtures.sh`) at 8 or 16 kHz.
pub(crate) fn speech(name: &str, rate: SampleRate) -> Vec<i16> {
    let tag = if rate == SampleRate::Hz8000 {
        "8k"
    } else {
        "16k"
    };
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/speech")
        .join(format!("{name}_{tag}.wav"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let wav = crate::wav::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(wav.sample_rate, rate.hz());
    wav.samples
}
