//! Fetching a web page's text for a knowledge document made from a URL.
//!
//! Limits: http and https only, no credentials in the URL, 10 s for the whole exchange, at
//! most 5 redirects (each checked like the first URL), 5 MB of body, and only `text/html` or
//! `text/plain`. Link-local and unspecified addresses (cloud metadata endpoints such as
//! 169.254.169.254) are refused, whether named by IP or reached through DNS, so a manager's
//! URL cannot read the host's instance credentials. Loopback and private networks stay
//! reachable on purpose: an intranet wiki is a fine knowledge source for a self-hosted server.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::CONTENT_TYPE;

use super::{charset, html};

/// Whole-exchange deadline.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest page body read.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Redirects followed.
pub const MAX_REDIRECTS: usize = 5;

/// A fetched page reduced to text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's `<title>`, if it is HTML and has one.
    pub title: Option<String>,
    pub text: String,
}

/// Checks that `raw` is a URL this server may fetch; the error says why not.
pub fn check_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
    allowed(&url)?;
    Ok(url)
}

fn allowed(url: &Url) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err("only http and https URLs can be fetched".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not contain a user name or password".to_owned());
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the URL has no host")?;
    // IPv6 literals keep their brackets in the host string.
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        Ok(ip) if blocked(ip) => {
            Err("link-local and unspecified addresses cannot be fetched".to_owned())
        }
        _ => Ok(()),
    }
}

/// Addresses never fetched: link-local (cloud metadata lives there) and unspecified.
fn blocked(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast(),
        IpAddr::V6(v6) => v6.is_unspecified() || (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// System DNS, minus blocked addresses (a name may point at 169.254.169.254 too).
#[derive(Debug)]
struct FilteringResolver;

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !blocked(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no address that may be fetched").into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let policy = reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else if let Err(why) = allowed(attempt.url()) {
                    attempt.error(why)
                } else {
                    attempt.follow()
                }
            });
            reqwest::Client::builder()
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .redirect(policy)
                .dns_resolver(Arc::new(FilteringResolver))
                .user_agent(concat!(
                    "callbridge/",
                    env!("CARGO_PKG_VERSION"),
                    " (knowledge import)"
                ))
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Fetches `url` (already passed through [`check_url`]) and reduces it to text.
pub async fn fetch_page(url: Url) -> Result<Page, String> {
    tokio::time::timeout(TIMEOUT, fetch_inner(url))
        .await
        .map_err(|_| format!("the page did not arrive within {} s", TIMEOUT.as_secs()))?
}

async fn fetch_inner(url: Url) -> Result<Page, String> {
    let mut resp = client()?
        .get(url)
        .header(reqwest::header::ACCEPT, "text/html, text/plain;q=0.9")
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("the server answered {status}"));
    }
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != "text/html" && media != "text/plain" {
        return Err(format!(
            "the page is {}, not text/html or text/plain",
            if media.is_empty() { "untyped" } else { &media }
        ));
    }
    if resp.content_length().is_some_and(|n| n > MAX_BYTES as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    let text = charset::decode_page(&body, Some(&content_type));
    Ok(if media == "text/html" {
        Page {
            title: html::html_title(&text),
            text: html::html_to_text(&text),
        }
    } else {
        Page {
            title: None,
            text: text.replace("\r\n", "\n").trim().to_owned(),
        }
    })
}

fn too_big() -> String {
    format!("the page is larger than {} MB", MAX_BYTES / (1024 * 1024))
}

/// A fetch error in words, with its cause chain (reqwest's top level says little).
fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        format!("the page did not arrive within {} s", TIMEOUT.as_secs())
    } else if e.is_redirect() {
        "the redirects could not be followed".to_owned()
    } else if e.is_connect() {
        "cannot connect to the server".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_rules() {
        assert!(check_url("https://example.com/pricing").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        for bad in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "https://user:pw@example.com/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://0.0.0.0/",
            "not a url",
            "",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
