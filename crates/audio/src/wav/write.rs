//! The WAV writer: the canonical 44-byte header (RIFF, `fmt ` with `WAVE_FORMAT_PCM`, `data`)
//! followed by 16-bit little-endian samples.

use super::{CANONICAL_HEADER_LEN, FORMAT_PCM, Wav};

/// Largest `data` chunk a RIFF file can describe: the RIFF size field (u32) counts the 4-byte
/// form type, the 24-byte `fmt ` chunk and the 8-byte `data` header besides the samples.
pub(super) const MAX_DATA_BYTES: u32 = u32::MAX - (CANONICAL_HEADER_LEN as u32 - 8);

/// Encodes `w` as a 16-bit PCM WAV file.
///
/// The header is written as given: `read` rejects zero channels or a zero rate, so such a `Wav`
/// does not round-trip. Samples past the 4 GiB RIFF limit (or a trailing partial frame) are left
/// out, since no RIFF header can describe them.
pub fn write(w: &Wav) -> Vec<u8> {
    let frame_bytes = 2 * u64::from(w.channels.max(1));
    let max_bytes = u64::from(MAX_DATA_BYTES) - u64::from(MAX_DATA_BYTES) % frame_bytes;
    let want = (w.samples.len() as u64).saturating_mul(2);
    let data_bytes = want.min(max_bytes) - want.min(max_bytes) % frame_bytes;
    // data_bytes <= MAX_DATA_BYTES < u32::MAX, so both conversions are lossless.
    let data_len = u32::try_from(data_bytes).unwrap_or(MAX_DATA_BYTES);
    let n_samples = usize::try_from(data_bytes / 2).unwrap_or(0);
    let mut out = Vec::with_capacity(CANONICAL_HEADER_LEN + n_samples * 2);
    out.extend_from_slice(&canonical_header(w.sample_rate, w.channels, data_len));
    for s in &w.samples[..n_samples.min(w.samples.len())] {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// The 44-byte header for `data_len` bytes of 16-bit PCM.
pub(super) fn canonical_header(
    sample_rate: u32,
    channels: u16,
    data_len: u32,
) -> [u8; CANONICAL_HEADER_LEN] {
    // nBlockAlign and nAvgBytesPerSec cannot hold absurd channel counts; saturate rather than
    // wrap (readers, including ours, recompute them).
    let block_align = channels.saturating_mul(2);
    let byte_rate = sample_rate.saturating_mul(u32::from(block_align));
    let riff_len = data_len.saturating_add(CANONICAL_HEADER_LEN as u32 - 8);
    let mut h = [0u8; CANONICAL_HEADER_LEN];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&riff_len.to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&FORMAT_PCM.to_le_bytes());
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}
