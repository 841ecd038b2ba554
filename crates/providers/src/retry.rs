//! Retries with exponential backoff for streaming requests.
//!
//! A stream is retried only while it has produced nothing: once an item was yielded, a retry
//! would repeat output the caller already used, so later errors pass through. Only errors with
//! `retryable` are retried; `retry_after` from the vendor overrides the backoff when longer.

use std::time::Duration;

use callbridge_voice_api::{BoxStream, ProviderError};
use futures_util::{FutureExt, StreamExt};

/// How many times and how fast to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub base_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..Self::default()
        }
    }

    /// The delay before retry number `n` (1-based), given the error.
    pub fn delay(&self, n: u32, err: &ProviderError) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(n.saturating_sub(1)))
            .min(self.max_delay);
        err.retry_after.map_or(exp, |ra| ra.max(exp))
    }
}

/// Runs `make()` and retries it per `policy` while it fails before yielding anything.
pub fn retry_stream<T, F>(
    policy: RetryPolicy,
    make: F,
) -> BoxStream<'static, Result<T, ProviderError>>
where
    T: Send + 'static,
    F: Fn() -> BoxStream<'static, Result<T, ProviderError>> + Send + Sync + 'static,
{
    Box::pin(async_retry(policy, make).flatten_stream())
}

async fn async_retry<T, F>(
    policy: RetryPolicy,
    make: F,
) -> BoxStream<'static, Result<T, ProviderError>>
where
    T: Send + 'static,
    F: Fn() -> BoxStream<'static, Result<T, ProviderError>> + Send + Sync + 'static,
{
    let mut attempt = 1;
    loop {
        let mut s = make();
        match s.next().await {
            Some(Ok(first)) => {
                let head = futures_util::stream::once(async move { Ok(first) });
                return Box::pin(head.chain(s));
            }
            Some(Err(e)) if e.retryable && attempt < policy.attempts => {
                let d = policy.delay(attempt, &e);
                tracing::debug!(provider = %e.provider, error = %e, attempt, delay_ms = d.as_millis() as u64, "retrying");
                tokio::time::sleep(d).await;
                attempt += 1;
            }
            Some(Err(e)) => return Box::pin(futures_util::stream::once(async move { Err(e) })),
            None => return Box::pin(futures_util::stream::empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callbridge_voice_api::ErrorKind;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn flaky(
        fails: u32,
        kind: ErrorKind,
    ) -> (
        Arc<AtomicU32>,
        impl Fn() -> BoxStream<'static, Result<u32, ProviderError>> + Send + Sync,
    ) {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let make = move || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            if n < fails {
                let e = ProviderError::new("p", kind, "boom");
                Box::pin(futures_util::stream::once(async move { Err(e) })) as BoxStream<'static, _>
            } else {
                Box::pin(futures_util::stream::iter(vec![Ok(1u32), Ok(2)])) as BoxStream<'static, _>
            }
        };
        (calls, make)
    }

    #[tokio::test(start_paused = true)]
    async fn retries_retryable_errors_before_output() {
        let (calls, make) = flaky(2, ErrorKind::Server);
        let out: Vec<_> = retry_stream(RetryPolicy::default(), make).collect().await;
        assert_eq!(out, vec![Ok(1), Ok(2)]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_auth_errors_or_beyond_attempts() {
        let (calls, make) = flaky(5, ErrorKind::Auth);
        let out: Vec<_> = retry_stream(RetryPolicy::default(), make).collect().await;
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let (calls, make) = flaky(5, ErrorKind::Timeout);
        let out: Vec<_> = retry_stream(RetryPolicy::default(), make).collect().await;
        assert!(out[0].is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn backoff_doubles_and_honours_retry_after() {
        let p = RetryPolicy::default();
        let e = ProviderError::new("p", ErrorKind::Server, "x");
        assert_eq!(p.delay(1, &e), Duration::from_millis(200));
        assert_eq!(p.delay(2, &e), Duration::from_millis(400));
        assert_eq!(p.delay(9, &e), Duration::from_secs(2));
        let e = e.with_retry_after(Duration::from_secs(5));
        assert_eq!(p.delay(1, &e), Duration::from_secs(5));
    }
}
