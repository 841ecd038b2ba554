//! Provider errors. `retryable` is the one bit retry loops and fallback chains need: retry the
//! same provider (after `retry_after` when given), or fall back to the next one.

use std::time::Duration;

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Bad or missing credentials (HTTP 401/403). Not retryable.
    Auth,
    /// Too many requests (HTTP 429); see `retry_after`.
    RateLimited,
    /// Connect or read timeout.
    Timeout,
    /// Connection refused, reset, DNS failure, stream cut mid-way.
    Network,
    /// The vendor failed (HTTP 5xx, overloaded).
    Server,
    /// The request was refused as invalid (HTTP 400/404/422). Not retryable.
    BadRequest,
    /// The vendor sent something that does not follow its own protocol.
    Protocol,
    /// The engine is saturated (embedded worker pools): back-pressure, try later or elsewhere.
    Unavailable,
    /// The caller cancelled (barge-in, hang-up).
    Cancelled,
}

/// A failed provider request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider}: {kind:?}: {message}")]
pub struct ProviderError {
    pub kind: ErrorKind,
    pub retryable: bool,
    pub message: String,
    /// The provider's name, e.g. "deepgram", "openai", "flite".
    pub provider: String,
    /// How long the vendor asked us to wait (HTTP Retry-After).
    pub retry_after: Option<Duration>,
}

impl ProviderError {
    /// An error of `kind` with the usual retry rule for that kind.
    pub fn new(provider: &str, kind: ErrorKind, message: impl Into<String>) -> Self {
        let retryable = matches!(
            kind,
            ErrorKind::RateLimited
                | ErrorKind::Timeout
                | ErrorKind::Network
                | ErrorKind::Server
                | ErrorKind::Unavailable
        );
        ProviderError {
            kind,
            retryable,
            message: message.into(),
            provider: provider.to_owned(),
            retry_after: None,
        }
    }

    pub fn with_retry_after(mut self, d: Duration) -> Self {
        self.retry_after = Some(d);
        self
    }

    /// Classifies an HTTP status the way every vendor here uses them.
    pub fn from_status(provider: &str, status: u16, message: impl Into<String>) -> Self {
        let kind = match status {
            401 | 403 => ErrorKind::Auth,
            408 => ErrorKind::Timeout,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::BadRequest,
        };
        Self::new(provider, kind, message)
    }

    pub fn cancelled(provider: &str) -> Self {
        Self::new(provider, ErrorKind::Cancelled, "cancelled")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_rules() {
        assert!(ProviderError::from_status("x", 429, "slow down").retryable);
        assert!(ProviderError::from_status("x", 503, "busy").retryable);
        assert!(!ProviderError::from_status("x", 401, "who").retryable);
        assert!(!ProviderError::from_status("x", 400, "bad").retryable);
        assert_eq!(
            ProviderError::from_status("x", 403, "no").kind,
            ErrorKind::Auth
        );
        assert!(!ProviderError::cancelled("x").retryable);
    }
}
