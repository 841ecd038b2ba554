//! The queue between [`SttInput::push`](callbridge_voice_api::SttInput::push) (the call's
//! media loop, which must never block) and the session task that owns the socket.
//!
//! Bounded by audio frames: when full, the **oldest** audio frame is dropped and counted (old
//! audio is the least useful to a live recognizer; a stalled socket must not grow memory).
//! Control items (Finalize, Close) are never dropped and keep their order relative to audio,
//! so a Finalize covers exactly the audio pushed before it.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Notify;

/// Something for the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outgoing {
    /// Encoded audio and the audio time it carries.
    Audio(Bytes, Duration),
    /// `{"type":"Finalize"}`.
    Finalize,
    /// `{"type":"CloseStream"}`.
    Close,
}

#[derive(Debug)]
struct Inner {
    items: VecDeque<Outgoing>,
    audio: usize,
    dropped: u64,
    closed: bool,
}

/// A drop-oldest queue with a wake-up for the consumer.
#[derive(Debug)]
pub(crate) struct Outbox {
    cap: usize,
    inner: Mutex<Inner>,
    notify: Notify,
}

impl Outbox {
    pub fn new(cap: usize) -> Self {
        Outbox {
            cap: cap.max(1),
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                audio: 0,
                dropped: 0,
                closed: false,
            }),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues audio; returns true when an older frame had to be dropped for it. Audio after
    /// `Close` is ignored (the session is ending).
    pub fn push_audio(&self, bytes: Bytes, dur: Duration) -> bool {
        let mut g = self.lock();
        if g.closed {
            return false;
        }
        let mut dropped = false;
        if g.audio >= self.cap
            && let Some(i) = g
                .items
                .iter()
                .position(|o| matches!(o, Outgoing::Audio(..)))
        {
            g.items.remove(i);
            g.audio -= 1;
            g.dropped += 1;
            dropped = true;
        }
        g.items.push_back(Outgoing::Audio(bytes, dur));
        g.audio += 1;
        drop(g);
        self.notify.notify_one();
        dropped
    }

    /// Queues a control message. After `Close`, nothing more is accepted; returns false then.
    pub fn push_control(&self, item: Outgoing) -> bool {
        let mut g = self.lock();
        if g.closed {
            return false;
        }
        if item == Outgoing::Close {
            g.closed = true;
        }
        g.items.push_back(item);
        drop(g);
        self.notify.notify_one();
        true
    }

    /// Takes everything queued, oldest first.
    pub fn drain(&self) -> Vec<Outgoing> {
        let mut g = self.lock();
        g.audio = 0;
        g.items.drain(..).collect()
    }

    /// Waits until something was queued since the last wake-up.
    pub async fn ready(&self) {
        self.notify.notified().await;
    }

    /// Whether `Close` was queued.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Audio frames dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(b: u8) -> (Bytes, Duration) {
        (Bytes::from(vec![b]), Duration::from_millis(20))
    }

    #[test]
    fn drops_the_oldest_audio_but_never_control() {
        let q = Outbox::new(2);
        let (a, d) = audio(1);
        assert!(!q.push_audio(a, d));
        assert!(q.push_control(Outgoing::Finalize));
        let (a, d) = audio(2);
        assert!(!q.push_audio(a, d));
        let (a, d) = audio(3);
        assert!(q.push_audio(a, d));
        assert_eq!(q.dropped(), 1);
        let items = q.drain();
        assert_eq!(
            items,
            vec![
                Outgoing::Finalize,
                Outgoing::Audio(Bytes::from(vec![2]), Duration::from_millis(20)),
                Outgoing::Audio(Bytes::from(vec![3]), Duration::from_millis(20)),
            ]
        );
        assert!(q.drain().is_empty());
    }

    #[test]
    fn nothing_after_close() {
        let q = Outbox::new(4);
        assert!(q.push_control(Outgoing::Close));
        assert!(q.is_closed());
        assert!(!q.push_control(Outgoing::Finalize));
        let (a, d) = audio(1);
        q.push_audio(a, d);
        assert_eq!(q.drain(), vec![Outgoing::Close]);
    }

    #[tokio::test]
    async fn wakes_the_consumer_even_if_pushed_before_it_waits() {
        let q = Outbox::new(4);
        let (a, d) = audio(1);
        q.push_audio(a, d);
        tokio::time::timeout(Duration::from_secs(1), q.ready())
            .await
            .unwrap();
        assert_eq!(q.drain().len(), 1);
    }
}
