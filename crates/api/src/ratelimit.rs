//! Per-token rate limiting: a token bucket per API token. Over the limit, requests get 429
//! with `Retry-After`. Time is passed in, so the logic is tested without sleeping.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Token buckets keyed by API token id.
#[derive(Debug)]
pub struct RateLimiter {
    /// Sustained requests per minute; 0 disables limiting.
    per_minute: u32,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// `per_minute` sustained, with a burst of a tenth of that (at least 10).
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            burst: f64::from((per_minute / 10).max(10)).min(f64::from(per_minute.max(1))),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket, or says how many whole seconds to wait.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            // Forget buckets that have refilled: they carry no state worth keeping.
            let burst = self.burst;
            map.retain(|_, b| b.tokens + rate * now.duration_since(b.last).as_secs_f64() < burst);
        }
        let b = map.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - b.tokens) / rate).ceil();
            Err(wait.max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_limits_and_refills() {
        let rl = RateLimiter::new(60); // 1/s, burst 10
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(rl.check("a", t0).is_ok());
        }
        assert_eq!(rl.check("a", t0), Err(1));
        // Another token has its own bucket.
        assert!(rl.check("b", t0).is_ok());
        assert!(rl.check("a", t0 + Duration::from_millis(1000)).is_ok());
        assert!(rl.check("a", t0 + Duration::from_millis(1000)).is_err());
        assert!(RateLimiter::new(0).check("a", t0).is_ok());
    }
}
