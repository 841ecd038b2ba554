//! Sequence-number and timestamp unwrapping to 64 bits (RFC 3550 §A.1).
//!
//! [`SeqUnwrapper`] classifies each sequence number exactly as `update_seq` in RFC 3550 §A.1
//! does (in order with a permissible gap, reordered or duplicate, a suspicious jump, or a
//! confirmed restart) and gives accepted packets a 64-bit extended number. [`TimestampUnwrapper`]
//! extends 32-bit timestamps to the value nearest the highest seen.
//!
//! Invariant: extended values start one cycle up (the first sequence number `s` maps to
//! `65536 + s`, the first timestamp `t` to `2^32 + t`), so a packet reordered across the wrap
//! before the first one still gets a non-negative value. Only differences are meaningful.

/// Modulus of the sequence-number space.
const SEQ_MOD: u64 = 1 << 16;
/// Modulus of the timestamp space.
const TS_MOD: u64 = 1 << 32;
/// RFC 3550 §A.1 `MAX_DROPOUT`: the largest forward gap taken as loss rather than a jump.
pub const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 §A.1 `MAX_MISORDER`: how far behind the highest a packet may be and count as
/// reordered rather than a jump.
pub const MAX_MISORDER: u16 = 100;

/// What one sequence number means for the stream (RFC 3550 §A.1 `update_seq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqUpdate {
    /// At or after the highest so far by less than `MAX_DROPOUT` (0 means a duplicate of the
    /// highest); the highest is now this one.
    InOrder(u64),
    /// Behind the highest by less than `MAX_MISORDER`: late or duplicate.
    Reordered(u64),
    /// A very large jump, not (yet) accepted: RFC 3550 keeps the packet out of the stream
    /// unless the next one follows it, which makes it a [`SeqUpdate::Restart`].
    Jump,
    /// The second packet in sequence after a jump: the sender restarted. The highest is now
    /// this one, on a new cycle above every earlier extended value, so the jumped packet
    /// (one behind) would now unwrap as [`SeqUpdate::Reordered`].
    Restart(u64),
}

impl SeqUpdate {
    /// The extended sequence number, unless the packet is a [`SeqUpdate::Jump`].
    pub fn extended(self) -> Option<u64> {
        match self {
            SeqUpdate::InOrder(e) | SeqUpdate::Reordered(e) | SeqUpdate::Restart(e) => Some(e),
            SeqUpdate::Jump => None,
        }
    }
}

/// Extends 16-bit RTP sequence numbers to 64 bits, with RFC 3550 §A.1's jump and restart rule.
#[derive(Debug, Clone, Default)]
pub struct SeqUnwrapper {
    /// Extended highest sequence number, once a packet was seen.
    max: Option<u64>,
    /// RFC 3550 `bad_seq`: the number that would confirm a restart.
    bad_seq: Option<u16>,
}

impl SeqUnwrapper {
    /// A fresh unwrapper; the first number it sees is taken as in order.
    pub fn new() -> Self {
        Self::default()
    }

    /// The extended highest sequence number so far.
    pub fn highest(&self) -> Option<u64> {
        self.max
    }

    /// Forgets the stream; the next number starts it again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Classifies `seq` and updates the highest (RFC 3550 §A.1).
    pub fn update(&mut self, seq: u16) -> SeqUpdate {
        let Some(max) = self.max else {
            let ext = SEQ_MOD + u64::from(seq);
            self.max = Some(ext);
            return SeqUpdate::InOrder(ext);
        };
        let udelta = seq.wrapping_sub(max as u16);
        if udelta < MAX_DROPOUT {
            let ext = max + u64::from(udelta);
            self.max = Some(ext);
            SeqUpdate::InOrder(ext)
        } else if u64::from(udelta) <= SEQ_MOD - u64::from(MAX_MISORDER) {
            if self.bad_seq == Some(seq) {
                // Two sequential packets after a jump: the other side restarted (RFC 3550
                // §A.1). Move two cycles up so the new stream sorts after the old one.
                let ext = ((max >> 16) + 2) * SEQ_MOD + u64::from(seq);
                self.max = Some(ext);
                self.bad_seq = None;
                SeqUpdate::Restart(ext)
            } else {
                self.bad_seq = Some(seq.wrapping_add(1));
                SeqUpdate::Jump
            }
        } else {
            let behind = (max as u16).wrapping_sub(seq);
            SeqUpdate::Reordered(max - u64::from(behind))
        }
    }
}

/// Extends 32-bit RTP timestamps to 64 bits: each one maps to the value nearest the highest
/// seen so far (within ±2^31), so wraps and reordering both come out right.
#[derive(Debug, Clone, Default)]
pub struct TimestampUnwrapper {
    /// The highest timestamp seen, raw and extended.
    highest: Option<(u32, u64)>,
}

impl TimestampUnwrapper {
    /// A fresh unwrapper.
    pub fn new() -> Self {
        Self::default()
    }

    /// The highest extended timestamp so far.
    pub fn highest(&self) -> Option<u64> {
        self.highest.map(|(_, e)| e)
    }

    /// Forgets the stream; the next timestamp `t` maps to `2^32 + t`.
    pub fn reset(&mut self) {
        self.highest = None;
    }

    /// Restarts the mapping so that `ts` maps to `extended`.
    pub fn rebase(&mut self, ts: u32, extended: u64) {
        self.highest = Some((ts, extended));
    }

    /// The extended value of `ts` without updating the highest.
    pub fn peek(&self, ts: u32) -> u64 {
        match self.highest {
            None => TS_MOD + u64::from(ts),
            Some((raw, ext)) => {
                let delta = ts.wrapping_sub(raw) as i32;
                ext.saturating_add_signed(i64::from(delta))
            }
        }
    }

    /// The extended value of `ts`; it becomes the highest if it is above it.
    pub fn update(&mut self, ts: u32) -> u64 {
        let ext = self.peek(ts);
        if self.highest.is_none_or(|(_, h)| ext > h) {
            self.highest = Some((ts, ext));
        }
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wraps_forward_and_reorders_across_the_wrap() {
        let mut u = SeqUnwrapper::new();
        assert_eq!(u.update(65534), SeqUpdate::InOrder(65536 + 65534));
        assert_eq!(u.update(65535), SeqUpdate::InOrder(65536 + 65535));
        assert_eq!(u.update(1), SeqUpdate::InOrder(2 * 65536 + 1));
        assert_eq!(u.update(0), SeqUpdate::Reordered(2 * 65536));
        assert_eq!(u.update(65533), SeqUpdate::Reordered(65536 + 65533));
        assert_eq!(
            u.update(1),
            SeqUpdate::InOrder(2 * 65536 + 1),
            "duplicate of the highest"
        );
        assert_eq!(u.highest(), Some(2 * 65536 + 1));
    }

    #[test]
    fn reordered_before_the_first_packet_stays_non_negative() {
        let mut u = SeqUnwrapper::new();
        assert_eq!(u.update(0), SeqUpdate::InOrder(65536));
        assert_eq!(u.update(65535), SeqUpdate::Reordered(65535));
    }

    #[test]
    fn a_jump_is_held_until_the_next_packet_confirms_a_restart() {
        let mut u = SeqUnwrapper::new();
        u.update(100);
        u.update(101);
        assert_eq!(u.update(40_000), SeqUpdate::Jump);
        assert_eq!(
            u.highest(),
            Some(65536 + 101),
            "a jump does not move the highest"
        );
        assert_eq!(u.update(102), SeqUpdate::InOrder(65536 + 102));
        assert_eq!(u.update(50_000), SeqUpdate::Jump);
        let restarted = 3 * 65536 + 50_001;
        assert_eq!(u.update(50_001), SeqUpdate::Restart(restarted));
        assert_eq!(u.update(50_000), SeqUpdate::Reordered(restarted - 1));
        assert_eq!(u.update(50_002), SeqUpdate::InOrder(restarted + 1));
    }

    #[test]
    fn gap_just_below_max_dropout_is_loss_at_it_a_jump() {
        let mut u = SeqUnwrapper::new();
        u.update(10);
        assert_eq!(u.update(10 + 2999), SeqUpdate::InOrder(65536 + 3009));
        assert_eq!(u.update(3009 + 3000), SeqUpdate::Jump);
        // 100 behind is a jump, 99 behind is reordered (RFC 3550 §A.1 bounds).
        assert_eq!(u.update(3009 - 99), SeqUpdate::Reordered(65536 + 3009 - 99));
        assert_eq!(u.update(3009 - 100), SeqUpdate::Jump);
    }

    #[test]
    fn timestamps_wrap_and_reorder() {
        let mut u = TimestampUnwrapper::new();
        let base = TS_MOD + u64::from(u32::MAX - 100);
        assert_eq!(u.update(u32::MAX - 100), base);
        assert_eq!(u.update(60), base + 161);
        assert_eq!(u.update(u32::MAX), base + 100, "reordered before the wrap");
        assert_eq!(u.highest(), Some(base + 161));
        u.rebase(5, 1000);
        assert_eq!(u.update(4), 999);
        assert_eq!(u.peek(6), 1001);
    }

    proptest! {
        /// A stream whose every packet is within RFC 3550's windows of the running highest
        /// unwraps to its true extended numbers.
        #[test]
        fn seq_unwrap_matches_truth(start in any::<u16>(), steps in proptest::collection::vec(-99i64..2999, 1..400)) {
            let mut u = SeqUnwrapper::new();
            let offset = 65536;
            let mut max = i64::from(start);
            prop_assert_eq!(u.update(start), SeqUpdate::InOrder((max + offset) as u64));
            for step in steps {
                let truth = max + step;
                let got = u.update(truth.rem_euclid(65536) as u16);
                let expected = (truth + offset) as u64;
                if truth >= max {
                    prop_assert_eq!(got, SeqUpdate::InOrder(expected));
                    max = truth;
                } else {
                    prop_assert_eq!(got, SeqUpdate::Reordered(expected));
                }
            }
        }

        #[test]
        fn ts_unwrap_matches_truth(start in any::<u32>(), steps in proptest::collection::vec(-(1i64 << 30)..(1i64 << 30), 1..200)) {
            let mut u = TimestampUnwrapper::new();
            let offset = TS_MOD as i64;
            let mut max = i64::from(start);
            prop_assert_eq!(u.update(start), (max + offset) as u64);
            for step in steps {
                let truth = max + step;
                prop_assert_eq!(u.update(truth.rem_euclid(1 << 32) as u32), (truth + offset) as u64);
                max = max.max(truth);
            }
        }
    }
}
