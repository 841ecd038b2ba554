//! Session audio time across reconnects (sans-IO).
//!
//! Deepgram's times are seconds of audio since *that connection's* stream began
//! (protocols.md §2.1 "audio time, not wall time"). When a connection drops mid-session, the
//! audio not yet covered by a final is re-sent on the new connection (at most `window` of it),
//! so the new connection's time zero is the session time of the first re-sent chunk: that is
//! the offset added to every time it reports. Finals are clamped so their times never go
//! backwards, whatever the vendor sends.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;

#[derive(Debug)]
struct Chunk {
    start: Duration,
    dur: Duration,
    bytes: Bytes,
}

/// The replay buffer and the connection-to-session time mapping.
#[derive(Debug)]
pub(crate) struct Replay {
    window: Duration,
    chunks: VecDeque<Chunk>,
    /// Audio time sent in this session (every connection together).
    sent: Duration,
    /// Session time of the current connection's time zero.
    offset: Duration,
    /// End of the last final reported, session time.
    final_end: Duration,
}

impl Replay {
    pub fn new(window: Duration) -> Self {
        Replay {
            window,
            chunks: VecDeque::new(),
            sent: Duration::ZERO,
            offset: Duration::ZERO,
            final_end: Duration::ZERO,
        }
    }

    /// Records audio written to the socket.
    pub fn sent(&mut self, bytes: Bytes, dur: Duration) {
        self.chunks.push_back(Chunk {
            start: self.sent,
            dur,
            bytes,
        });
        self.sent += dur;
        while self
            .chunks
            .front()
            .is_some_and(|c| self.sent.saturating_sub(c.start) > self.window)
        {
            self.chunks.pop_front();
        }
    }

    /// Audio time sent so far.
    #[cfg(test)]
    pub fn total(&self) -> Duration {
        self.sent
    }

    /// A connection time (seconds, as Deepgram reports) as session time.
    pub fn session_time(&self, conn: Duration) -> Duration {
        self.offset + conn
    }

    /// A final covered the audio up to `end` (session time): it needs no replay. Returns the
    /// final's `(start, end)` clamped to be monotonic.
    pub fn finalized(&mut self, start: Duration, end: Duration) -> (Duration, Duration) {
        let start = start.max(self.final_end);
        let end = end.max(start);
        self.final_end = end;
        while self.chunks.front().is_some_and(|c| c.start + c.dur <= end) {
            self.chunks.pop_front();
        }
        (start, end)
    }

    /// A new connection begins: its time zero is the first chunk to re-send (or everything
    /// sent, when nothing needs re-sending). Returns the chunks to re-send, oldest first.
    pub fn restart(&mut self) -> Vec<Bytes> {
        self.offset = self.chunks.front().map_or(self.sent, |c| c.start);
        self.chunks.iter().map(|c| c.bytes.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS20: Duration = Duration::from_millis(20);

    fn feed(r: &mut Replay, n: u8) {
        for i in 0..n {
            r.sent(Bytes::from(vec![i]), MS20);
        }
    }

    #[test]
    fn keeps_at_most_the_window() {
        let mut r = Replay::new(Duration::from_millis(100));
        feed(&mut r, 10);
        assert_eq!(r.total(), Duration::from_millis(200));
        let again = r.restart();
        assert_eq!(again.len(), 5);
        assert_eq!(again[0], Bytes::from(vec![5]));
        assert_eq!(r.session_time(Duration::ZERO), Duration::from_millis(100));
    }

    #[test]
    fn finals_release_audio_and_move_time_zero() {
        let mut r = Replay::new(Duration::from_secs(2));
        feed(&mut r, 50); // 1.0 s
        r.finalized(Duration::ZERO, Duration::from_millis(600));
        let again = r.restart();
        assert_eq!(again.len(), 20);
        // The new connection's 0.1 s is the session's 0.7 s.
        assert_eq!(
            r.session_time(Duration::from_millis(100)),
            Duration::from_millis(700)
        );
        // Nothing left to replay: time zero is all audio sent.
        r.finalized(Duration::from_millis(600), Duration::from_millis(1000));
        assert!(r.restart().is_empty());
        assert_eq!(r.session_time(Duration::ZERO), Duration::from_secs(1));
    }

    #[test]
    fn finals_never_go_backwards() {
        let mut r = Replay::new(Duration::from_secs(2));
        assert_eq!(
            r.finalized(Duration::from_millis(500), Duration::from_millis(900)),
            (Duration::from_millis(500), Duration::from_millis(900))
        );
        assert_eq!(
            r.finalized(Duration::from_millis(700), Duration::from_millis(800)),
            (Duration::from_millis(900), Duration::from_millis(900))
        );
    }
}
