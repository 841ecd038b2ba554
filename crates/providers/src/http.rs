//! The shared HTTP client: connect and read timeouts, rustls, and a process-wide TLS crypto
//! provider (reqwest's rustls uses aws-lc-rs while other crates may bring ring; rustls panics
//! at the first TLS connection if it cannot pick one, so we install one explicitly).

use std::time::Duration;

use callbridge_voice_api::{ErrorKind, ProviderError};

/// Timeouts of one vendor client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// Longest silence between two reads of a response body (streams stay open as long as
    /// data keeps coming).
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(20),
        }
    }
}

/// A client with these timeouts.
pub fn client(t: Timeouts) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .connect_timeout(t.connect)
        .read_timeout(t.read)
        .user_agent(concat!("callbridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProviderError::new("http", ErrorKind::Network, format!("client: {e}")))
}

/// Maps a transport error of `provider` to a provider error.
pub fn transport_error(provider: &str, e: &reqwest::Error) -> ProviderError {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ErrorKind::Network
    } else if e.is_decode() {
        ErrorKind::Protocol
    } else {
        ErrorKind::Network
    };
    ProviderError::new(provider, kind, e.to_string())
}

/// Maps a non-success response to a provider error, reading `Retry-After` and the body.
pub async fn status_error(provider: &str, resp: reqwest::Response) -> ProviderError {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.text().await.unwrap_or_default();
    let message = format!(
        "HTTP {status}: {}",
        body.chars().take(500).collect::<String>()
    );
    let err = ProviderError::from_status(provider, status, message);
    match retry_after {
        Some(d) => err.with_retry_after(d),
        None => err,
    }
}

/// `{base}/{segments...}`: the vendor's base URL (which may carry a path prefix, as gateways
/// and OpenRouter's `/api/v1` do) with the endpoint's path appended; any query is dropped.
/// A base that is not http(s) is a BadRequest naming it.
pub fn endpoint(
    provider: &str,
    base: &str,
    segments: &[&str],
) -> Result<reqwest::Url, ProviderError> {
    let bad = |why: String| ProviderError::new(provider, ErrorKind::BadRequest, why);
    let mut url = reqwest::Url::parse(base).map_err(|e| bad(format!("base_url {base:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("base_url {base:?}: not http(s)")));
    }
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| bad(format!("base_url {base:?}: cannot have a path")))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}
