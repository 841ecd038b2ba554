//! Shared WebSocket plumbing of the streaming vendors (Deepgram live STT, ElevenLabs
//! stream-input): connecting with a timeout, and mapping handshake refusals, close frames and
//! transport failures to [`ProviderError`]s the same way for every vendor.
//!
//! A refused handshake is an ordinary HTTP response (Deepgram: 400/401/402/429 with a JSON body,
//! protocols.md §2.1), so it is classified by status like any HTTP error, Retry-After included.

use std::time::Duration;

use callbridge_voice_api::{ErrorKind, ProviderError};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, http, protocol::CloseFrame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client WebSocket over TCP or TLS.
pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a graceful close may take before the socket is simply dropped.
pub const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Opens `request` within `timeout`. Returns the socket and the handshake response headers.
pub async fn connect(
    provider: &str,
    request: http::Request<()>,
    timeout: Duration,
) -> Result<(WsStream, http::HeaderMap), ProviderError> {
    let attempt = tokio_tungstenite::connect_async_with_config(request, None, true);
    match tokio::time::timeout(timeout, attempt).await {
        Err(_) => Err(ProviderError::new(
            provider,
            ErrorKind::Timeout,
            format!(
                "WebSocket connect timed out after {} ms",
                timeout.as_millis()
            ),
        )),
        Ok(Ok((ws, resp))) => Ok((ws, resp.headers().clone())),
        Ok(Err(e)) => Err(handshake_error(provider, e)),
    }
}

/// Maps a failed handshake: HTTP refusals by status, the rest as network or protocol errors.
pub fn handshake_error(provider: &str, e: tungstenite::Error) -> ProviderError {
    match e {
        tungstenite::Error::Http(resp) => {
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = resp
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let message = format!(
                "handshake HTTP {status}: {}",
                body.chars().take(500).collect::<String>()
            );
            let err = ProviderError::from_status(provider, status, message);
            match retry_after {
                Some(d) => err.with_retry_after(d),
                None => err,
            }
        }
        tungstenite::Error::Url(u) => {
            ProviderError::new(provider, ErrorKind::BadRequest, format!("url: {u}"))
        }
        tungstenite::Error::HttpFormat(h) => {
            ProviderError::new(provider, ErrorKind::BadRequest, format!("request: {h}"))
        }
        tungstenite::Error::Protocol(p) => {
            ProviderError::new(provider, ErrorKind::Protocol, format!("handshake: {p}"))
        }
        other => transport_error(provider, &other),
    }
}

/// Maps an error of an open socket (reset, EOF without a close frame, bad framing).
pub fn transport_error(provider: &str, e: &tungstenite::Error) -> ProviderError {
    let kind = match e {
        tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
        )
        | tungstenite::Error::Io(_)
        | tungstenite::Error::Tls(_)
        | tungstenite::Error::ConnectionClosed
        | tungstenite::Error::AlreadyClosed => ErrorKind::Network,
        tungstenite::Error::Protocol(_)
        | tungstenite::Error::Utf8(_)
        | tungstenite::Error::Capacity(_) => ErrorKind::Protocol,
        _ => ErrorKind::Network,
    };
    ProviderError::new(provider, kind, format!("WebSocket: {e}"))
}

/// The close code of a frame (1005, "no status", when the peer sent none).
pub fn close_code(frame: Option<&CloseFrame>) -> u16 {
    frame.map_or(1005, |f| u16::from(f.code))
}

/// Maps a close the client did not ask for: 1008 (policy: bad audio or parameters) is a bad
/// request, 1011 (server timeout or internal error) a timeout, anything else a network error.
pub fn close_error(provider: &str, frame: Option<&CloseFrame>) -> ProviderError {
    let code = close_code(frame);
    let reason = frame.map_or("", |f| f.reason.as_str());
    let kind = match code {
        1008 => ErrorKind::BadRequest,
        1011 => ErrorKind::Timeout,
        _ => ErrorKind::Network,
    };
    ProviderError::new(provider, kind, format!("closed with {code}: {reason}"))
}

/// A 1000 (normal closure) close frame.
pub fn normal_close() -> CloseFrame {
    CloseFrame {
        code: tungstenite::protocol::frame::coding::CloseCode::Normal,
        reason: "".into(),
    }
}

/// Adds a header to a WebSocket request, refusing values that are not valid header text
/// (an API key with a newline, say) instead of panicking.
pub fn set_header(
    provider: &str,
    req: &mut http::Request<()>,
    name: &'static str,
    value: &str,
) -> Result<(), ProviderError> {
    let v = http::HeaderValue::from_str(value).map_err(|_| {
        ProviderError::new(
            provider,
            ErrorKind::BadRequest,
            format!("invalid {name} header value"),
        )
    })?;
    req.headers_mut().insert(name, v);
    Ok(())
}

/// `{base}/{segments...}` with the scheme switched to `ws(s)` (`websocket`) or `http(s)`,
/// keeping whatever path prefix `base` has; each segment is percent-encoded (a voice id cannot
/// inject a path or query).
#[cfg(feature = "http")]
pub fn endpoint(
    provider: &str,
    base: &str,
    websocket: bool,
    segments: &[&str],
) -> Result<reqwest::Url, ProviderError> {
    let bad = |why: String| ProviderError::new(provider, ErrorKind::BadRequest, why);
    let mut url = reqwest::Url::parse(base).map_err(|e| bad(format!("base_url {base:?}: {e}")))?;
    let secure = matches!(url.scheme(), "wss" | "https");
    let scheme = match (websocket, secure) {
        (true, true) => "wss",
        (true, false) => "ws",
        (false, true) => "https",
        (false, false) => "http",
    };
    url.set_scheme(scheme)
        .map_err(|()| bad(format!("base_url {base:?}: unsupported scheme")))?;
    url.set_query(None);
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| bad(format!("base_url {base:?}: cannot have a path")))?;
        path.pop_if_empty();
        path.extend(segments);
    }
    Ok(url)
}

/// Builds a GET upgrade request for `url`.
pub fn request(provider: &str, url: &str) -> Result<http::Request<()>, ProviderError> {
    use tungstenite::client::IntoClientRequest;
    url.into_client_request()
        .map_err(|e| handshake_error(provider, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tungstenite::protocol::frame::coding::CloseCode;

    fn frame(code: u16) -> CloseFrame {
        CloseFrame {
            code: CloseCode::from(code),
            reason: "why".into(),
        }
    }

    #[test]
    fn close_codes_map_to_kinds() {
        assert_eq!(
            close_error("p", Some(&frame(1008))).kind,
            ErrorKind::BadRequest
        );
        assert_eq!(
            close_error("p", Some(&frame(1011))).kind,
            ErrorKind::Timeout
        );
        assert_eq!(
            close_error("p", Some(&frame(1001))).kind,
            ErrorKind::Network
        );
        assert_eq!(close_code(None), 1005);
        assert!(close_error("p", Some(&frame(1011))).message.contains("why"));
    }

    #[test]
    fn handshake_refusals_map_by_status_with_retry_after() {
        let resp = http::Response::builder()
            .status(429)
            .header("retry-after", "3")
            .body(Some(br#"{"err_code":"TOO_MANY"}"#.to_vec()))
            .unwrap();
        let e = handshake_error("p", tungstenite::Error::Http(Box::new(resp)));
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        assert!(e.message.contains("TOO_MANY"));
    }

    #[test]
    fn endpoints_switch_scheme_and_encode_segments() {
        let u = endpoint("p", "https://api.x.io", true, &["v1", "a b/c"]).unwrap();
        assert_eq!(u.as_str(), "wss://api.x.io/v1/a%20b%2Fc");
        let u = endpoint("p", "ws://127.0.0.1:9/pre/", false, &["v1"]).unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/pre/v1");
        assert!(endpoint("p", "nope", true, &[]).is_err());
        assert!(endpoint("p", "mailto:a@b", true, &[]).is_err());
    }

    #[test]
    fn bad_header_values_are_refused() {
        let mut req = request("p", "ws://127.0.0.1:1/x").unwrap();
        assert!(set_header("p", &mut req, "authorization", "Token a\nb").is_err());
        assert!(set_header("p", &mut req, "authorization", "Token ab").is_ok());
    }
}
