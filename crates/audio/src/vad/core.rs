//! The VAD decision: a likelihood-ratio test between a speech and a noise Gaussian mixture
//! model over the six sub-band log energies, then the update of both models, then the
//! hangover that keeps the decision on for a few frames after speech.
//!
//! Port of WebRTC `common_audio/vad/vad_core.c` (Copyright (c) 2012 The WebRTC project
//! authors, BSD 3-clause licence), `GmmProbability` and `WebRtcVad_CalcVad*khz`.
//!
//! Main loop, per 8 kHz frame: features -> per-channel LRT (local decision) and weighted sum
//! (global decision) -> noise model update when the frame is noise, speech model update when
//! speech, long-term noise-floor correction, model separation and clamping -> hysteresis.
//! Invariants: every state field has its C type and is updated with the C arithmetic
//! (truncation to `int16_t` on every assignment, wrap-around where C's `int` would overflow);
//! nothing is read or written out of bounds; frames quieter than `MIN_ENERGY` skip the GMM but
//! still run the hysteresis, as in C.

use super::downsample::{Resample48To8, downsample_by_2};
use super::filterbank::{FilterBank, MIN_ENERGY, NUM_CHANNELS};
use super::gmm::gaussian_probability;
use super::minimum::MinimumTracker;
use super::spl::{div_w32_w16, mul16, norm_w32};
use super::{Aggressiveness, VadDecision};

const NUM_GAUSSIANS: usize = 2;
const TABLE_SIZE: usize = NUM_CHANNELS * NUM_GAUSSIANS;

/// Spectrum weighting of the per-channel log-likelihood ratios.
const SPECTRUM_WEIGHT: [i16; NUM_CHANNELS] = [6, 8, 10, 12, 14, 16];
const NOISE_UPDATE_CONST: i16 = 655; // Q15
const SPEECH_UPDATE_CONST: i16 = 6554; // Q15
const BACK_ETA: i16 = 154; // Q8
/// Minimum difference between the two models, Q5.
const MINIMUM_DIFFERENCE: [i16; NUM_CHANNELS] = [544, 544, 576, 576, 576, 576];
/// Upper limit of the speech model mean, Q7.
const MAXIMUM_SPEECH: [i16; NUM_CHANNELS] = [11392, 11392, 11520, 11520, 11520, 11520];
/// Lower limit of the speech means, per Gaussian.
const MINIMUM_MEAN: [i16; NUM_GAUSSIANS] = [640, 768];
/// Upper limit of the noise model mean, Q7.
const MAXIMUM_NOISE: [i16; NUM_CHANNELS] = [9216, 9088, 8960, 8832, 8704, 8576];
/// Initial model parameters (weights Q7, means Q7, stds Q7), Gaussian k of channel c at
/// index `c + k * NUM_CHANNELS`.
const NOISE_DATA_WEIGHTS: [i16; TABLE_SIZE] = [34, 62, 72, 66, 53, 25, 94, 66, 56, 62, 75, 103];
const SPEECH_DATA_WEIGHTS: [i16; TABLE_SIZE] = [48, 82, 45, 87, 50, 47, 80, 46, 83, 41, 78, 81];
const NOISE_DATA_MEANS: [i16; TABLE_SIZE] = [
    6738, 4892, 7065, 6715, 6771, 3369, 7646, 3863, 7820, 7266, 5020, 4362,
];
const SPEECH_DATA_MEANS: [i16; TABLE_SIZE] = [
    8306, 10085, 10078, 11823, 11843, 6309, 9473, 9571, 10879, 7581, 8180, 7483,
];
const NOISE_DATA_STDS: [i16; TABLE_SIZE] =
    [378, 1064, 493, 582, 688, 593, 474, 697, 475, 688, 421, 455];
const SPEECH_DATA_STDS: [i16; TABLE_SIZE] = [
    555, 505, 567, 524, 585, 1231, 509, 828, 492, 1540, 1079, 850,
];
/// Maximum number of counted speech frames in a row.
const MAX_SPEECH_FRAMES: i16 = 6;
/// Minimum standard deviation of both models.
const MIN_STD: i16 = 384;

/// Per-mode thresholds for 10, 20 and 30 ms frames: (over_hang_max_1, over_hang_max_2,
/// local threshold, global threshold).
fn mode_tables(mode: Aggressiveness) -> [[i16; 3]; 4] {
    match mode {
        Aggressiveness::Quality => [[8, 4, 3], [14, 7, 5], [24, 21, 24], [57, 48, 57]],
        Aggressiveness::LowBitrate => [[8, 4, 3], [14, 7, 5], [37, 32, 37], [100, 80, 100]],
        Aggressiveness::Aggressive => [[6, 3, 2], [9, 5, 3], [82, 78, 82], [285, 260, 285]],
        Aggressiveness::VeryAggressive => [[6, 3, 2], [9, 5, 3], [94, 94, 94], [1100, 1050, 1100]],
    }
}

/// What the hypothesis test leaves for the model update.
struct Posteriors {
    /// (x - mu) / sigma^2 per Gaussian, Q11.
    delta_n: [i16; TABLE_SIZE],
    delta_s: [i16; TABLE_SIZE],
    /// Conditional probability of each Gaussian within its model, Q14.
    ngprvec: [i16; TABLE_SIZE],
    sgprvec: [i16; TABLE_SIZE],
}

/// `WeightedAverage`: adds `offset` to the two means of `channel` and returns their weighted
/// sum (Q14 for Q7 means).
fn weighted_average(
    data: &mut [i16; TABLE_SIZE],
    channel: usize,
    offset: i16,
    weights: &[i16; TABLE_SIZE],
) -> i32 {
    let mut sum: i32 = 0;
    for k in 0..NUM_GAUSSIANS {
        let g = channel + k * NUM_CHANNELS;
        data[g] = (i32::from(data[g]) + i32::from(offset)) as i16;
        sum = sum.wrapping_add(mul16(data[g], weights[g]));
    }
    sum
}

/// `x / den` by the C idiom that divides the magnitude and restores the sign.
fn signed_div(x: i32, den: i16) -> i16 {
    if x > 0 {
        div_w32_w16(x, den) as i16
    } else {
        (div_w32_w16(x.wrapping_neg(), den) as i16).wrapping_neg()
    }
}

/// The state of one WebRTC VAD instance (C `VadInstT`).
#[derive(Debug, Clone)]
pub(crate) struct VadCore {
    filter_bank: FilterBank,
    minimum: MinimumTracker,
    /// C `downsampling_filter_states[0..2]` (16 -> 8 kHz) and `[2..4]` (32 -> 16 kHz).
    ds_16_to_8: [i32; 2],
    ds_32_to_16: [i32; 2],
    state_48_to_8: Resample48To8,
    noise_means: [i16; TABLE_SIZE],
    speech_means: [i16; TABLE_SIZE],
    noise_stds: [i16; TABLE_SIZE],
    speech_stds: [i16; TABLE_SIZE],
    frame_counter: i32,
    over_hang: i16,
    num_of_speech: i16,
    over_hang_max_1: [i16; 3],
    over_hang_max_2: [i16; 3],
    individual: [i16; 3],
    total: [i16; 3],
}

impl VadCore {
    /// `WebRtcVad_InitCore` followed by `WebRtcVad_set_mode_core(mode)`.
    pub(crate) fn new(mode: Aggressiveness) -> Self {
        let [o1, o2, ind, tot] = mode_tables(mode);
        Self {
            filter_bank: FilterBank::default(),
            minimum: MinimumTracker::default(),
            ds_16_to_8: [0; 2],
            ds_32_to_16: [0; 2],
            state_48_to_8: Resample48To8::default(),
            noise_means: NOISE_DATA_MEANS,
            speech_means: SPEECH_DATA_MEANS,
            noise_stds: NOISE_DATA_STDS,
            speech_stds: SPEECH_DATA_STDS,
            frame_counter: 0,
            over_hang: 0,
            num_of_speech: 0,
            over_hang_max_1: o1,
            over_hang_max_2: o2,
            individual: ind,
            total: tot,
        }
    }

    /// `WebRtcVad_set_mode_core`: changes the thresholds, keeps the models.
    pub(crate) fn set_mode(&mut self, mode: Aggressiveness) {
        let [o1, o2, ind, tot] = mode_tables(mode);
        self.over_hang_max_1 = o1;
        self.over_hang_max_2 = o2;
        self.individual = ind;
        self.total = tot;
    }

    /// `WebRtcVad_CalcVad8khz`: `frame` is 80, 160 or 240 samples.
    pub(crate) fn calc_vad_8khz(&mut self, frame: &[i16]) -> VadDecision {
        let mut features = [0i16; NUM_CHANNELS];
        let total_power = self.filter_bank.calculate_features(frame, &mut features);
        let flag = self.gmm_probability(&features, total_power, frame.len());
        // C returns 0 (noise), 1 (speech) or 2 + remaining hangover.
        match flag {
            0 => VadDecision::Noise,
            1 => VadDecision::Speech,
            _ => VadDecision::Hangover,
        }
    }

    /// `WebRtcVad_CalcVad16khz`: `frame` is 160, 320 or 480 samples.
    pub(crate) fn calc_vad_16khz(&mut self, frame: &[i16]) -> VadDecision {
        let mut nb = [0i16; 240];
        let n = (frame.len() / 2).min(240);
        downsample_by_2(frame, &mut nb[..n], &mut self.ds_16_to_8);
        self.calc_vad_8khz(&nb[..n])
    }

    /// `WebRtcVad_CalcVad32khz`: `frame` is 320, 640 or 960 samples.
    pub(crate) fn calc_vad_32khz(&mut self, frame: &[i16]) -> VadDecision {
        let mut wb = [0i16; 480];
        let n = (frame.len() / 2).min(480);
        downsample_by_2(frame, &mut wb[..n], &mut self.ds_32_to_16);
        let mut nb = [0i16; 240];
        let m = n / 2;
        downsample_by_2(&wb[..n], &mut nb[..m], &mut self.ds_16_to_8);
        self.calc_vad_8khz(&nb[..m])
    }

    /// `WebRtcVad_CalcVad48khz`: `frame` is 480, 960 or 1440 samples, resampled to 8 kHz
    /// 10 ms at a time.
    ///
    /// Deliberate fix: the C code (webrtcvad 2.0.10 / webrtcvad-wheels 2.0.14) passes
    /// `speech_frame` without the `i * 480` offset, so for 20 and 30 ms frames it analyses the
    /// first 10 ms two or three times. Upstream WebRTC later fixed it the same way; 10 ms
    /// frames, the only ones `VoiceDetector` uses at 48 kHz, are bit-exact either way.
    pub(crate) fn calc_vad_48khz(&mut self, frame: &[i16]) -> VadDecision {
        let mut nb = [0i16; 240];
        let mut n = 0;
        for (chunk, out) in frame.chunks_exact(480).zip(nb.chunks_exact_mut(80)) {
            self.state_48_to_8.process(chunk, out);
            n += 80;
        }
        self.calc_vad_8khz(&nb[..n])
    }

    /// The per-frame-length thresholds: (overhead1, overhead2, individual, total).
    fn thresholds(&self, frame_length: usize) -> (i16, i16, i16, i16) {
        let i = match frame_length {
            80 => 0,
            160 => 1,
            _ => 2,
        };
        (
            self.over_hang_max_1[i],
            self.over_hang_max_2[i],
            self.individual[i],
            self.total[i],
        )
    }

    /// `GmmProbability`: the decision, the model update and the hysteresis. Returns the C
    /// value: 0 noise, 1 speech, 2 + hangover otherwise.
    fn gmm_probability(
        &mut self,
        features: &[i16; NUM_CHANNELS],
        total_power: i16,
        frame_length: usize,
    ) -> i16 {
        let (overhead1, overhead2, individual_test, total_test) = self.thresholds(frame_length);
        let mut vadflag: i16 = 0;
        if total_power > MIN_ENERGY {
            let (flag, post) = self.hypothesis_test(features, individual_test, total_test);
            vadflag = flag;
            // C carries `maxspe` from one channel's clamping into the next channel's speech
            // mean limit (12800 before the first); kept for bit-exactness.
            let mut maxspe: i16 = 12800;
            for (channel, &channel_max) in MAXIMUM_SPEECH.iter().enumerate() {
                self.update_channel(channel, features, &post, vadflag != 0, maxspe);
                maxspe = channel_max;
            }
            self.frame_counter = self.frame_counter.saturating_add(1);
        }
        self.hysteresis(vadflag, overhead1, overhead2)
    }

    /// Local (per channel) and global likelihood-ratio tests.
    fn hypothesis_test(
        &self,
        features: &[i16; NUM_CHANNELS],
        individual_test: i16,
        total_test: i16,
    ) -> (i16, Posteriors) {
        let mut post = Posteriors {
            delta_n: [0; TABLE_SIZE],
            delta_s: [0; TABLE_SIZE],
            ngprvec: [0; TABLE_SIZE],
            sgprvec: [0; TABLE_SIZE],
        };
        let mut vadflag: i16 = 0;
        let mut sum_log_likelihood_ratios: i32 = 0;
        for channel in 0..NUM_CHANNELS {
            let (mut h0_test, mut h1_test) = (0i32, 0i32);
            let mut noise_probability = [0i32; NUM_GAUSSIANS];
            let mut speech_probability = [0i32; NUM_GAUSSIANS];
            for k in 0..NUM_GAUSSIANS {
                let g = channel + k * NUM_CHANNELS;
                // Q27 = Q7 weight * Q20 probability.
                let (p, d) = gaussian_probability(
                    features[channel],
                    self.noise_means[g],
                    self.noise_stds[g],
                );
                post.delta_n[g] = d;
                noise_probability[k] = i32::from(NOISE_DATA_WEIGHTS[g]).wrapping_mul(p);
                h0_test = h0_test.wrapping_add(noise_probability[k]);
                let (p, d) = gaussian_probability(
                    features[channel],
                    self.speech_means[g],
                    self.speech_stds[g],
                );
                post.delta_s[g] = d;
                speech_probability[k] = i32::from(SPEECH_DATA_WEIGHTS[g]).wrapping_mul(p);
                h1_test = h1_test.wrapping_add(speech_probability[k]);
            }
            // log2(h1/h0) ~= shifts_h0 - shifts_h1 (the mantissa terms cancel on average).
            let shifts_h0 = if h0_test == 0 { 31 } else { norm_w32(h0_test) };
            let shifts_h1 = if h1_test == 0 { 31 } else { norm_w32(h1_test) };
            let llr = shifts_h0.wrapping_sub(shifts_h1);
            sum_log_likelihood_ratios = sum_log_likelihood_ratios
                .wrapping_add(i32::from(llr) * i32::from(SPECTRUM_WEIGHT[channel]));
            if (i32::from(llr) << 2) > i32::from(individual_test) {
                vadflag = 1;
            }
            // Gaussian posteriors within each model, for the update. `& 0xFFFFF000` goes
            // through unsigned in C.
            let h0 = (h0_test >> 12) as i16; // Q15
            if h0 > 0 {
                let tmp = ((noise_probability[0] as u32 & 0xFFFF_F000) << 2) as i32; // Q29
                post.ngprvec[channel] = div_w32_w16(tmp, h0) as i16; // Q14
                post.ngprvec[channel + NUM_CHANNELS] =
                    (16384 - i32::from(post.ngprvec[channel])) as i16;
            } else {
                post.ngprvec[channel] = 16384;
            }
            let h1 = (h1_test >> 12) as i16;
            if h1 > 0 {
                let tmp = ((speech_probability[0] as u32 & 0xFFFF_F000) << 2) as i32;
                post.sgprvec[channel] = div_w32_w16(tmp, h1) as i16;
                post.sgprvec[channel + NUM_CHANNELS] =
                    (16384 - i32::from(post.sgprvec[channel])) as i16;
            }
        }
        if sum_log_likelihood_ratios >= i32::from(total_test) {
            vadflag |= 1;
        }
        (vadflag, post)
    }

    /// The model update of one channel (the body of the C update loop).
    fn update_channel(
        &mut self,
        channel: usize,
        features: &[i16; NUM_CHANNELS],
        post: &Posteriors,
        speech: bool,
        maxspe: i16,
    ) {
        // Long-term noise floor of this channel, Q4.
        let feature_minimum =
            self.minimum
                .find_minimum(features[channel], channel, self.frame_counter);
        let noise_global_mean =
            weighted_average(&mut self.noise_means, channel, 0, &NOISE_DATA_WEIGHTS);
        let tmp1_s16 = (noise_global_mean >> 6) as i16; // Q8
        let x = features[channel];
        for k in 0..NUM_GAUSSIANS {
            let g = channel + k * NUM_CHANNELS;
            let nmk = self.noise_means[g];
            let mut nmk2 = nmk;
            if !speech {
                // (Q14 * Q11 >> 11) = Q14, then Q7 + (Q14 * Q15 >> 22) = Q7.
                let delt = (mul16(post.ngprvec[g], post.delta_n[g]) >> 11) as i16;
                nmk2 = (i32::from(nmk) + i32::from((mul16(delt, NOISE_UPDATE_CONST) >> 22) as i16))
                    as i16;
            }
            // Long-term correction towards the floor: Q8 - Q8, then Q7 + (Q8 * Q8 >> 9).
            let ndelt = ((i32::from(feature_minimum) << 4) - i32::from(tmp1_s16)) as i16;
            let mut nmk3 =
                (i32::from(nmk2) + i32::from((mul16(ndelt, BACK_ETA) >> 9) as i16)) as i16;
            // Keep the noise mean from drifting too far.
            let low = ((k as i32 + 5) << 7) as i16;
            let high = ((72 + k as i32 - channel as i32) << 7) as i16;
            if nmk3 < low {
                nmk3 = low;
            }
            if nmk3 > high {
                nmk3 = high;
            }
            self.noise_means[g] = nmk3;
            if speech {
                self.update_speech_gaussian(g, k, x, post, maxspe);
            } else {
                self.update_noise_std(g, x, nmk, post);
            }
        }
        self.separate_models(channel);
    }

    /// Speech mean and std update of Gaussian `g` (the `if (vadflag)` branch).
    fn update_speech_gaussian(
        &mut self,
        g: usize,
        k: usize,
        x: i16,
        post: &Posteriors,
        maxspe: i16,
    ) {
        let smk = self.speech_means[g];
        let mut ssk = self.speech_stds[g];
        // (Q14 * Q11) >> 11 = Q14; Q14 * Q15 >> 21 = Q8; Q7 + (Q8 >> 1) with rounding.
        let delt = (mul16(post.sgprvec[g], post.delta_s[g]) >> 11) as i16;
        let tmp_s16 = (mul16(delt, SPEECH_UPDATE_CONST) >> 21) as i16;
        let mut smk2 = (i32::from(smk) + ((i32::from(tmp_s16) + 1) >> 1)) as i16;
        let maxmu = (i32::from(maxspe) + 640) as i16;
        if smk2 < MINIMUM_MEAN[k] {
            smk2 = MINIMUM_MEAN[k];
        }
        if smk2 > maxmu {
            smk2 = maxmu;
        }
        self.speech_means[g] = smk2;

        // Std update: sgprvec * (deltaS * (x - mu) - 1) * 0.1 / sigma, then / 4.
        let mu_q4 = ((i32::from(smk) + 4) >> 3) as i16; // Q7 -> Q4 with rounding
        let diff = (i32::from(x) - i32::from(mu_q4)) as i16; // Q4
        let tmp1_s32 = mul16(post.delta_s[g], diff) >> 3; // Q12
        let tmp2_s32 = tmp1_s32.wrapping_sub(4096);
        let p = post.sgprvec[g] >> 2;
        let tmp1_s32 = i32::from(p).wrapping_mul(tmp2_s32); // Q24
        let tmp2_s32 = tmp1_s32 >> 4; // Q20
        let den = (i32::from(ssk) * 10) as i16;
        let step = (i32::from(signed_div(tmp2_s32, den)) + 128) as i16; // Q13, rounding
        ssk = (i32::from(ssk) + i32::from(step >> 8)) as i16; // Q13 >> 8 = Q7 / 4
        if ssk < MIN_STD {
            ssk = MIN_STD;
        }
        self.speech_stds[g] = ssk;
    }

    /// Noise std update of Gaussian `g` (the `else` branch); `nmk` is the mean before this
    /// frame's update.
    fn update_noise_std(&mut self, g: usize, x: i16, nmk: i16, post: &Posteriors) {
        let mut nsk = self.noise_stds[g];
        let diff = (i32::from(x) - i32::from(nmk >> 3)) as i16; // Q4
        let tmp1_s32 = (mul16(post.delta_n[g], diff) >> 3).wrapping_sub(4096); // Q12
        let p = ((i32::from(post.ngprvec[g]) + 2) >> 2) as i16;
        let tmp2_s32 = i32::from(p).wrapping_mul(tmp1_s32); // Q24
        let tmp1_s32 = tmp2_s32 >> 14; // Q20 * ~0.001
        let step = (i32::from(signed_div(tmp1_s32, nsk)) + 32) as i16; // Q13, rounding
        nsk = (i32::from(nsk) + i32::from(step >> 6)) as i16; // Q13 >> 6 = Q7
        if nsk < MIN_STD {
            nsk = MIN_STD;
        }
        self.noise_stds[g] = nsk;
    }

    /// Pushes the two models apart when they are too close, then clamps their global means.
    fn separate_models(&mut self, channel: usize) {
        let mut noise_global_mean =
            weighted_average(&mut self.noise_means, channel, 0, &NOISE_DATA_WEIGHTS);
        let mut speech_global_mean =
            weighted_average(&mut self.speech_means, channel, 0, &SPEECH_DATA_WEIGHTS);
        // (Q14 >> 9) - (Q14 >> 9) = Q5.
        let diff = (i32::from((speech_global_mean >> 9) as i16)
            - i32::from((noise_global_mean >> 9) as i16)) as i16;
        if diff < MINIMUM_DIFFERENCE[channel] {
            let gap = (i32::from(MINIMUM_DIFFERENCE[channel]) - i32::from(diff)) as i16;
            // ~0.8 and ~0.2 of the gap, Q7.
            let up = (mul16(13, gap) >> 2) as i16;
            let down = (mul16(3, gap) >> 2) as i16;
            speech_global_mean =
                weighted_average(&mut self.speech_means, channel, up, &SPEECH_DATA_WEIGHTS);
            noise_global_mean = weighted_average(
                &mut self.noise_means,
                channel,
                (-i32::from(down)) as i16,
                &NOISE_DATA_WEIGHTS,
            );
        }
        let maxspe = MAXIMUM_SPEECH[channel];
        let s = (speech_global_mean >> 7) as i16;
        if s > maxspe {
            let excess = (i32::from(s) - i32::from(maxspe)) as i16;
            for k in 0..NUM_GAUSSIANS {
                let g = channel + k * NUM_CHANNELS;
                self.speech_means[g] = (i32::from(self.speech_means[g]) - i32::from(excess)) as i16;
            }
        }
        let n = (noise_global_mean >> 7) as i16;
        if n > MAXIMUM_NOISE[channel] {
            let excess = (i32::from(n) - i32::from(MAXIMUM_NOISE[channel])) as i16;
            for k in 0..NUM_GAUSSIANS {
                let g = channel + k * NUM_CHANNELS;
                self.noise_means[g] = (i32::from(self.noise_means[g]) - i32::from(excess)) as i16;
            }
        }
    }

    /// Transition hysteresis: after speech, report speech for `over_hang` more frames.
    fn hysteresis(&mut self, mut vadflag: i16, overhead1: i16, overhead2: i16) -> i16 {
        if vadflag == 0 {
            if self.over_hang > 0 {
                vadflag = (2 + i32::from(self.over_hang)) as i16;
                self.over_hang -= 1;
            }
            self.num_of_speech = 0;
        } else {
            self.num_of_speech += 1;
            if self.num_of_speech > MAX_SPEECH_FRAMES {
                self.num_of_speech = MAX_SPEECH_FRAMES;
                self.over_hang = overhead2;
            } else {
                self.over_hang = overhead1;
            }
        }
        vadflag
    }
}
