//! Signal level measurement shared by the energy gate, tests and tools.

/// RMS level of `samples` in dBFS, where a full-scale sine reads about -3 dBFS and a full-scale
/// square wave 0 dBFS. Digital silence (or an empty slice) is `f32::NEG_INFINITY`.
pub fn rms_dbfs(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return f32::NEG_INFINITY;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let mean = sum / samples.len() as f64;
    if mean == 0.0 {
        return f32::NEG_INFINITY;
    }
    (10.0 * (mean / (32768.0 * 32768.0)).log10()) as f32
}

/// Mean energy (sum of squares / n) as an integer, the unit the energy gate thresholds on.
pub fn mean_energy(samples: &[i16]) -> u64 {
    if samples.is_empty() {
        return 0;
    }
    let sum: u64 = samples
        .iter()
        .map(|&s| {
            let v = i64::from(s);
            (v * v) as u64
        })
        .sum();
    sum / samples.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_square_is_zero_dbfs() {
        let sq: Vec<i16> = (0..320)
            .map(|i| if i % 2 == 0 { i16::MAX } else { i16::MIN })
            .collect();
        assert!(rms_dbfs(&sq).abs() < 0.01);
        assert_eq!(rms_dbfs(&[0; 10]), f32::NEG_INFINITY);
        assert_eq!(mean_energy(&[3, -4]), 12);
    }
}
