//! The jitter buffer's delay estimate: how much playout delay the network needs.
//!
//! Everything is in timestamp units. For each arriving packet, transit = arrival - timestamp
//! (with an arbitrary constant offset). Two estimates follow from it:
//! - the interarrival jitter J of RFC 3550 §A.8, in the same integer form (scaled by 16);
//! - the minimum transit, the baseline of a packet that met no queueing; it follows any lower
//!   value at once and otherwise creeps up by 1 ms per second, so a lasting route change up is
//!   followed too.
//!
//! The target delay above that baseline is `clamp(factor × J, min, max)`. It grows at once
//! (also to what a late packet would have needed) and shrinks slowly, by 1/128 of the excess
//! per packet (about 2.5 s at 50 packets/s).

/// Minimum-transit creep: 1 ms per second, as a fraction of elapsed time (×1000 fixed point).
const CREEP_PER_MILLE: i64 = 1;
/// Target shrink per packet: 1/128 of the excess.
const SHRINK_SHIFT: u32 = 7;

/// Delay estimate for one stream.
#[derive(Debug, Clone)]
pub(super) struct DelayEstimator {
    min_delay: i64,
    max_delay: i64,
    factor: f32,
    prev_transit: Option<i64>,
    jitter_x16: i64,
    /// Minimum transit ×1000 and when it was last updated.
    min_transit_x1000: Option<(i64, i64)>,
    target: i64,
}

impl DelayEstimator {
    /// Bounds in timestamp units; `factor` multiplies J.
    pub(super) fn new(min_delay: i64, max_delay: i64, factor: f32) -> Self {
        DelayEstimator {
            min_delay,
            max_delay: max_delay.max(min_delay),
            factor,
            prev_transit: None,
            jitter_x16: 0,
            min_transit_x1000: None,
            target: min_delay,
        }
    }

    /// Records a packet's arrival at `t` with timeline timestamp `ts`.
    pub(super) fn on_arrival(&mut self, t: i64, ts: i64) {
        let transit = t - ts;
        if let Some(prev) = self.prev_transit {
            // RFC 3550 §A.8: jitter += |D| - ((jitter + 8) >> 4).
            let d = (transit - prev).abs();
            self.jitter_x16 += d - ((self.jitter_x16 + 8) >> 4);
        }
        self.prev_transit = Some(transit);
        let min = match self.min_transit_x1000 {
            Some((min, at)) => (min + (t - at).max(0) * CREEP_PER_MILLE).min(transit * 1000),
            None => transit * 1000,
        };
        self.min_transit_x1000 = Some((min, t));
        let raw = self.clamp((self.jitter_x16 as f32 / 16.0 * self.factor) as i64);
        if raw > self.target {
            self.target = raw;
        } else if raw < self.target {
            self.target -= ((self.target - raw) >> SHRINK_SHIFT).max(1);
        }
    }

    /// A packet with timeline timestamp `ts` arrived at `t`, after its playout time: the
    /// target grows to what it would have needed.
    pub(super) fn on_late(&mut self, t: i64, ts: i64) {
        let needed = self.clamp(t - ts - self.min_transit());
        self.target = self.target.max(needed);
    }

    /// Forgets the transit history (the timeline was re-based); keeps the target.
    pub(super) fn reset_transit(&mut self) {
        self.prev_transit = None;
        self.min_transit_x1000 = None;
    }

    fn clamp(&self, delay: i64) -> i64 {
        delay.clamp(self.min_delay, self.max_delay)
    }

    /// The minimum transit (0 before any packet).
    pub(super) fn min_transit(&self) -> i64 {
        self.min_transit_x1000
            .map_or(0, |(m, _)| m.div_euclid(1000))
    }

    /// The target delay above the minimum transit.
    pub(super) fn target(&self) -> i64 {
        self.target
    }

    /// J in timestamp units.
    pub(super) fn jitter(&self) -> i64 {
        self.jitter_x16 >> 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_packets_keep_the_minimum_target() {
        let mut d = DelayEstimator::new(160, 1600, 3.0);
        for i in 0..100 {
            d.on_arrival(1000 + 160 * i, 160 * i);
        }
        assert_eq!((d.jitter(), d.target(), d.min_transit()), (0, 160, 1000));
    }

    #[test]
    fn jitter_grows_the_target_fast_and_it_shrinks_slowly() {
        let mut d = DelayEstimator::new(160, 1600, 3.0);
        // Alternating 0 / 480 units of extra delay: |D| = 480 each time.
        for i in 0..40 {
            d.on_arrival(160 * i + 480 * (i % 2), 160 * i);
        }
        assert!(d.jitter() > 300, "{}", d.jitter());
        let peak = d.target();
        assert!(peak > 1200, "{peak}");
        for i in 40..50 {
            d.on_arrival(160 * i, 160 * i);
        }
        assert!(d.target() < peak && d.target() > 1200, "{}", d.target());
        for i in 50..2000 {
            d.on_arrival(160 * i, 160 * i);
        }
        assert_eq!(d.target(), 160);
    }

    #[test]
    fn a_late_packet_raises_the_target_to_what_it_needed() {
        let mut d = DelayEstimator::new(160, 1600, 3.0);
        d.on_arrival(0, 0);
        d.on_late(1000, 0);
        assert_eq!(d.target(), 1000);
        d.on_late(5000, 0);
        assert_eq!(d.target(), 1600);
    }

    #[test]
    fn minimum_transit_creeps_up_one_ms_per_second() {
        let mut d = DelayEstimator::new(160, 1600, 3.0);
        d.on_arrival(0, 0);
        // 8000 units (1 s at 8 kHz) later, with 100 units more transit.
        d.on_arrival(8100, 8000);
        assert_eq!(d.min_transit(), 8);
        d.reset_transit();
        assert_eq!(d.min_transit(), 0);
    }
}
