//! The VAD's feature extractor: a tree of all-pass split filters that cuts 8 kHz audio into
//! six sub-bands (80-250, 250-500, 500-1000, 1000-2000, 2000-3000, 3000-4000 Hz) and returns
//! their log energies in Q4 dB, plus a rough total energy used as a "too quiet" gate.
//!
//! Port of WebRTC `common_audio/vad/vad_filterbank.c` (Copyright (c) 2012 The WebRTC project
//! authors, BSD 3-clause licence).
//!
//! Main loop: split 0-4 kHz at 2 kHz, the upper half at 3 kHz, the lower half at 1 kHz, then
//! 500 Hz and 250 Hz, high-pass the last band at 80 Hz; take `LogOfEnergy` of each leaf.
//! Invariants: the filter states persist across frames exactly as in C; inputs are 80, 160
//! or 240 samples (10/20/30 ms at 8 kHz), which the caller guarantees; all arithmetic is the
//! C `int`/`int16_t` arithmetic, wrapping where C truncates.

use super::spl::{energy, mul16, norm_u32};

/// Number of sub-bands (C `kNumChannels`).
pub(crate) const NUM_CHANNELS: usize = 6;
/// Below this total energy the GMM is skipped (C `kMinEnergy`).
pub(crate) const MIN_ENERGY: i16 = 10;

/// 160 * log10(2) in Q9.
const LOG_CONST: i16 = 24660;
/// 14 in Q10.
const LOG_ENERGY_INT_PART: i16 = 14336;
/// High-pass (80 Hz at 500 Hz sampling) coefficients, Q14.
const HP_ZERO_COEFS: [i16; 3] = [6631, -13262, 6631];
const HP_POLE_COEFS: [i16; 3] = [16384, -7756, 5620];
/// All-pass coefficients, upper 0.64 and lower 0.17, Q15.
const ALL_PASS_COEFS_Q15: [i16; 2] = [20972, 5571];
/// Compensates the division by two in `split_filter`, per band.
const OFFSET_VECTOR: [i16; 6] = [368, 368, 272, 176, 176, 176];

/// Filter memories of the filter bank (the C fields `upper_state`, `lower_state`,
/// `hp_filter_state`).
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterBank {
    upper_state: [i16; 5],
    lower_state: [i16; 5],
    hp_filter_state: [i16; 4],
}

/// `HighPassFilter`: 80 Hz high-pass of the 0-250 Hz band (sampled at 500 Hz).
fn high_pass_filter(data_in: &[i16], state: &mut [i16; 4], data_out: &mut [i16]) {
    for (x, out) in data_in.iter().zip(data_out.iter_mut()) {
        // All-zero section, Q14. The sum is bounded (|coefs| sum < 2^16), but wrap like C.
        let mut tmp32 = mul16(HP_ZERO_COEFS[0], *x)
            .wrapping_add(mul16(HP_ZERO_COEFS[1], state[0]))
            .wrapping_add(mul16(HP_ZERO_COEFS[2], state[1]));
        state[1] = state[0];
        state[0] = *x;
        // All-pole section, Q14.
        tmp32 = tmp32
            .wrapping_sub(mul16(HP_POLE_COEFS[1], state[2]))
            .wrapping_sub(mul16(HP_POLE_COEFS[2], state[3]));
        state[3] = state[2];
        state[2] = (tmp32 >> 14) as i16;
        *out = state[2];
    }
}

/// `AllPassFilter`: first-order all-pass over every other sample of `data_in` (starting at
/// index 0), `data_out.len()` outputs, state in Q(-1).
fn all_pass_filter(data_in: &[i16], coef: i16, state: &mut i16, data_out: &mut [i16]) {
    let mut state32 = i32::from(*state) << 16; // Q15
    for (x, out) in data_in.iter().step_by(2).zip(data_out.iter_mut()) {
        let tmp32 = state32.wrapping_add(mul16(coef, *x));
        let tmp16 = (tmp32 >> 16) as i16; // Q(-1)
        *out = tmp16;
        // Q14, then Q15; the shift can overflow for full-scale input, C wraps.
        state32 = (i32::from(*x) << 14).wrapping_sub(mul16(coef, tmp16));
        state32 = state32.wrapping_shl(1);
    }
    *state = (state32 >> 16) as i16;
}

/// `SplitFilter`: splits `data_in` into high and low halves, each `data_in.len() / 2` long.
fn split_filter(
    data_in: &[i16],
    upper_state: &mut i16,
    lower_state: &mut i16,
    hp_out: &mut [i16],
    lp_out: &mut [i16],
) {
    let half = data_in.len() >> 1;
    let (hp_out, lp_out) = (&mut hp_out[..half], &mut lp_out[..half]);
    all_pass_filter(data_in, ALL_PASS_COEFS_Q15[0], upper_state, hp_out);
    all_pass_filter(
        data_in.get(1..).unwrap_or(&[]),
        ALL_PASS_COEFS_Q15[1],
        lower_state,
        lp_out,
    );
    for (hp, lp) in hp_out.iter_mut().zip(lp_out.iter_mut()) {
        let tmp_out = *hp;
        *hp = hp.wrapping_sub(*lp);
        *lp = lp.wrapping_add(tmp_out);
    }
}

/// `LogOfEnergy`: 10 * log10(energy of `data_in`) in Q4 plus `offset`, and the update of
/// the approximate `total_energy` while it is still at most `MIN_ENERGY`.
fn log_of_energy(data_in: &[i16], offset: i16, total_energy: &mut i16) -> i16 {
    let (en, mut tot_rshifts) = energy(data_in);
    // C keeps the energy unsigned so that the fractional part can be masked out.
    let mut energy = en as u32;
    if energy == 0 {
        return offset;
    }
    // Normalise to 15 bits, i.e. 17 leading zeros.
    let normalizing_rshifts = 17 - i32::from(norm_u32(energy));
    tot_rshifts += normalizing_rshifts;
    if normalizing_rshifts < 0 {
        energy <<= (-normalizing_rshifts) & 31;
    } else {
        energy >>= normalizing_rshifts & 31;
    }
    // log2(energy) in Q10 ~= 14 + fraction of the 15-bit mantissa (see the C derivation).
    let log2_energy = LOG_ENERGY_INT_PART.wrapping_add(((energy & 0x3FFF) >> 4) as i16);
    let mut log_energy = ((mul16(LOG_CONST, log2_energy) >> 19)
        + (mul16(tot_rshifts as i16, LOG_CONST) >> 9)) as i16;
    if log_energy < 0 {
        log_energy = 0;
    }
    log_energy = log_energy.wrapping_add(offset);
    if *total_energy <= MIN_ENERGY {
        if tot_rshifts >= 0 {
            // The energy is then > MIN_ENERGY by construction; push the total over it.
            *total_energy = total_energy.wrapping_add(MIN_ENERGY + 1);
        } else {
            // 15-bit energy shifted right fits an i16; wrap-safe since MIN_ENERGY < 8192.
            let shifted = energy >> ((-tot_rshifts) & 31);
            *total_energy = total_energy.wrapping_add(shifted as i16);
        }
    }
    log_energy
}

impl FilterBank {
    /// `WebRtcVad_CalculateFeatures`: fills `features` with the six band log energies (Q4)
    /// and returns the approximate total energy. `data_in` is 80, 160 or 240 samples at
    /// 8 kHz (shorter or longer inputs are clamped to 240 and simply give other features).
    pub(crate) fn calculate_features(
        &mut self,
        data_in: &[i16],
        features: &mut [i16; NUM_CHANNELS],
    ) -> i16 {
        let data_in = &data_in[..data_in.len().min(240)];
        let mut total_energy: i16 = 0;
        let mut hp_120 = [0i16; 120];
        let mut lp_120 = [0i16; 120];
        let mut hp_60 = [0i16; 60];
        let mut lp_60 = [0i16; 60];
        let half_data_length = data_in.len() >> 1;
        let (us, ls) = (&mut self.upper_state, &mut self.lower_state);

        // Split at 2000 Hz and downsample: hp_120 = 2-4 kHz, lp_120 = 0-2 kHz.
        split_filter(data_in, &mut us[0], &mut ls[0], &mut hp_120, &mut lp_120);

        // Upper band split at 3000 Hz: hp_60 = 3-4 kHz, lp_60 = 2-3 kHz.
        let mut length = half_data_length;
        split_filter(
            &hp_120[..length],
            &mut us[1],
            &mut ls[1],
            &mut hp_60,
            &mut lp_60,
        );
        length >>= 1;
        features[5] = log_of_energy(&hp_60[..length], OFFSET_VECTOR[5], &mut total_energy);
        features[4] = log_of_energy(&lp_60[..length], OFFSET_VECTOR[4], &mut total_energy);

        // Lower band split at 1000 Hz: hp_60 = 1-2 kHz, lp_60 = 0-1 kHz.
        length = half_data_length;
        split_filter(
            &lp_120[..length],
            &mut us[2],
            &mut ls[2],
            &mut hp_60,
            &mut lp_60,
        );
        length >>= 1;
        features[3] = log_of_energy(&hp_60[..length], OFFSET_VECTOR[3], &mut total_energy);

        // Split at 500 Hz: hp_120 = 500-1000 Hz, lp_120 = 0-500 Hz.
        split_filter(
            &lp_60[..length],
            &mut us[3],
            &mut ls[3],
            &mut hp_120,
            &mut lp_120,
        );
        length >>= 1;
        features[2] = log_of_energy(&hp_120[..length], OFFSET_VECTOR[2], &mut total_energy);

        // Split at 250 Hz: hp_60 = 250-500 Hz, lp_60 = 0-250 Hz.
        split_filter(
            &lp_120[..length],
            &mut us[4],
            &mut ls[4],
            &mut hp_60,
            &mut lp_60,
        );
        length >>= 1;
        features[1] = log_of_energy(&hp_60[..length], OFFSET_VECTOR[1], &mut total_energy);

        // Remove 0-80 Hz by high-pass filtering the lowest band: hp_120 = 80-250 Hz.
        high_pass_filter(&lp_60[..length], &mut self.hp_filter_state, &mut hp_120);
        features[0] = log_of_energy(&hp_120[..length], OFFSET_VECTOR[0], &mut total_energy);

        total_energy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_gives_offsets_and_zero_energy() {
        let mut fb = FilterBank::default();
        let mut f = [0i16; NUM_CHANNELS];
        assert_eq!(fb.calculate_features(&[0; 160], &mut f), 0);
        assert_eq!(f, OFFSET_VECTOR);
    }

    #[test]
    fn a_tone_lights_its_band_most() {
        let mut fb = FilterBank::default();
        let mut f = [0i16; NUM_CHANNELS];
        // 1.5 kHz at 8 kHz: band 3 (1-2 kHz). Run a few frames so the filters settle.
        let tone: Vec<i16> = (0..160)
            .map(|i| {
                (8000.0 * (2.0 * std::f64::consts::PI * 1500.0 * i as f64 / 8000.0).sin()) as i16
            })
            .collect();
        let mut total = 0;
        for _ in 0..3 {
            total = fb.calculate_features(&tone, &mut f);
        }
        assert!(total > MIN_ENERGY);
        let loudest = (0..NUM_CHANNELS).max_by_key(|&i| f[i] - OFFSET_VECTOR[i]);
        assert_eq!(loudest, Some(3), "features {f:?}");
    }

    #[test]
    fn odd_and_extreme_inputs_do_not_panic() {
        let mut fb = FilterBank::default();
        let mut f = [0i16; NUM_CHANNELS];
        for len in [0, 1, 7, 80, 240, 241, 1000] {
            let v: Vec<i16> = (0..len)
                .map(|i| if i % 3 == 0 { i16::MIN } else { i16::MAX })
                .collect();
            fb.calculate_features(&v, &mut f);
            // Log energies are clamped at 0 before the (positive) band offset is added.
            assert!(f.iter().all(|&x| x >= 0), "len {len}: {f:?}");
        }
    }
}
