//! The jitter buffer's storage: one slot per frame, from the head timestamp on.
//!
//! Slot `i` holds the frame whose timeline timestamp falls in `[head + i·frame, head +
//! (i+1)·frame)`. Frames are assumed to be one frame long; a timestamp off the grid lands in
//! the slot it falls in, so output timestamps still strictly increase. The deque only grows
//! to the furthest frame inserted and is reused, so the steady state does not allocate.

use std::collections::VecDeque;

use bytes::Bytes;

/// One buffered frame.
#[derive(Debug, Clone)]
pub(super) struct Frame {
    /// Timeline timestamp.
    pub(super) ts: u64,
    pub(super) payload: Bytes,
}

/// Frames keyed by timeline timestamp on a grid of `frame` units starting at `head`.
#[derive(Debug, Clone)]
pub(super) struct Ring {
    slots: VecDeque<Option<Frame>>,
    head: u64,
    frame: u64,
    count: usize,
}

/// Outcome of an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Insert {
    Stored,
    Duplicate,
}

impl Ring {
    pub(super) fn new(frame: u64, capacity: usize) -> Self {
        Ring {
            slots: VecDeque::with_capacity(capacity),
            head: 0,
            frame: frame.max(1),
            count: 0,
        }
    }

    /// Grid timestamp of the first slot.
    pub(super) fn head(&self) -> u64 {
        self.head
    }

    /// Frames held.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    pub(super) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Media covered from the head to the end of the last frame, in timestamp units.
    pub(super) fn span(&self) -> u64 {
        self.slots.len() as u64 * self.frame
    }

    /// Whether the first slot holds a frame.
    pub(super) fn front_present(&self) -> bool {
        matches!(self.slots.front(), Some(Some(_)))
    }

    /// Moves the grid to start at `head`; only when empty.
    pub(super) fn rebase(&mut self, head: u64) {
        if self.is_empty() {
            self.slots.clear();
            self.head = head;
        }
    }

    /// Stores a frame at `ts >= head`.
    pub(super) fn insert(&mut self, frame: Frame) -> Insert {
        let index = (frame.ts.saturating_sub(self.head) / self.frame) as usize;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        match &mut self.slots[index] {
            Some(_) => Insert::Duplicate,
            slot => {
                *slot = Some(frame);
                self.count += 1;
                Insert::Stored
            }
        }
    }

    /// Stores a frame before the head by extending the grid down (before playout starts).
    pub(super) fn insert_before(&mut self, frame: Frame) -> Insert {
        let below = self.head.saturating_sub(frame.ts).div_ceil(self.frame);
        for _ in 0..below {
            self.slots.push_front(None);
        }
        self.head = self.head.saturating_sub(below * self.frame);
        self.insert(frame)
    }

    /// Removes the first slot and moves the head one frame on.
    pub(super) fn pop_front(&mut self) -> Option<Frame> {
        self.head += self.frame;
        let frame = self.slots.pop_front().flatten();
        if frame.is_some() {
            self.count -= 1;
        }
        frame
    }

    /// Moves the head past empty slots (before playout starts, the head is the first frame).
    pub(super) fn skip_empty_front(&mut self) {
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.head += self.frame;
        }
    }

    /// Drops everything; returns how many frames were held.
    pub(super) fn clear(&mut self) -> usize {
        let dropped = self.count;
        self.slots.clear();
        self.count = 0;
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ts: u64) -> Frame {
        Frame {
            ts,
            payload: Bytes::new(),
        }
    }

    #[test]
    fn inserts_in_any_order_and_pops_in_order() {
        let mut r = Ring::new(160, 8);
        r.rebase(1000);
        assert_eq!(r.insert(frame(1320)), Insert::Stored);
        assert_eq!(r.insert(frame(1000)), Insert::Stored);
        assert_eq!(r.insert(frame(1000)), Insert::Duplicate);
        assert_eq!((r.count(), r.span()), (2, 480));
        assert_eq!(r.pop_front().map(|f| f.ts), Some(1000));
        assert!(!r.front_present());
        assert_eq!(r.pop_front().map(|f| f.ts), None);
        assert_eq!(r.pop_front().map(|f| f.ts), Some(1320));
        assert!(r.is_empty());
        assert_eq!(r.head(), 1480);
    }

    #[test]
    fn extends_down_and_skips_leading_gaps() {
        let mut r = Ring::new(160, 8);
        r.rebase(1000);
        r.insert(frame(1000));
        assert_eq!(r.insert_before(frame(700)), Insert::Stored);
        assert_eq!(r.head(), 680, "the grid keeps its phase");
        r.pop_front();
        r.skip_empty_front();
        assert_eq!(r.head(), 1000);
        assert_eq!(r.clear(), 1);
        r.rebase(5);
        assert_eq!(r.head(), 5);
    }
}
