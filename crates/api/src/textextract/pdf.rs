//! PDF to text with pdf-extract, isolated from the server.
//!
//! pdf-extract parses untrusted bytes with code that panics on malformed input and can loop
//! or recurse without bound on hostile structure. So each extraction:
//! - first passes [`super::pdfcheck`], which refuses the structures that would hang the
//!   thread or overflow its stack (a stack overflow aborts the process; no unwinding helps);
//! - runs on its own thread with a generous stack (nesting depth is bounded by the check, the
//!   headroom is for pdf-extract's large frames), inside `catch_unwind`;
//! - is awaited with a timeout: a thread that overruns is abandoned (threads cannot be
//!   killed) and the request gets its answer anyway;
//! - holds one of a few global slots until its thread really ends, so abandoned threads can
//!   never occupy more than those few cores, and waiting for a slot is bounded too.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::pdfcheck;

/// How long one extraction may run, and how long a request waits for a free slot.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// Longest extracted text kept, in bytes (a decompression bomb must not fill the database).
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;
/// Extractions running at once, server-wide.
const SLOTS: usize = 2;
/// Stack of an extraction thread (virtual memory; only touched pages are committed).
const STACK_BYTES: usize = 64 * 1024 * 1024;

static RUNNING: Semaphore = Semaphore::const_new(SLOTS);

/// Why a PDF produced no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    /// The bytes are not a PDF this extractor can read; the message says why.
    Unreadable(String),
    /// A readable PDF without a text layer (e.g. scanned pages).
    NoText,
    /// The extracted text is over [`MAX_TEXT_BYTES`].
    TooLong,
    /// Extraction ran past [`TIMEOUT`].
    Timeout,
    /// Every extraction slot stayed busy for [`TIMEOUT`].
    Busy,
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfError::Unreadable(why) => write!(f, "not a readable PDF: {why}"),
            PdfError::NoText => f.write_str(
                "the PDF has no extractable text (scanned pages need OCR before upload)",
            ),
            PdfError::TooLong => write!(
                f,
                "the PDF's text is longer than {} MiB",
                MAX_TEXT_BYTES >> 20
            ),
            PdfError::Timeout => write!(
                f,
                "text extraction took longer than {} s",
                TIMEOUT.as_secs()
            ),
            PdfError::Busy => f.write_str("the server is extracting other PDFs; retry shortly"),
        }
    }
}

/// The text of a PDF document.
pub async fn pdf_to_text(bytes: Vec<u8>) -> Result<String, PdfError> {
    let text = isolated(move || extract(&bytes), TIMEOUT).await??;
    let text = tidy(&text);
    if text.is_empty() {
        return Err(PdfError::NoText);
    }
    Ok(text)
}

/// Runs `f` on its own thread under a global slot, `catch_unwind` and `timeout`.
pub(super) async fn isolated<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
    timeout: Duration,
) -> Result<T, PdfError> {
    let permit = tokio::time::timeout(timeout, RUNNING.acquire())
        .await
        .map_err(|_| PdfError::Busy)?
        .map_err(|_| PdfError::Busy)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("pdf-extract".to_owned())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(f));
            // The slot is released only now, when the work has really stopped.
            drop(permit);
            let _ = tx.send(result);
        })
        .map_err(|e| {
            tracing::warn!(error = %e, "cannot start a PDF extraction thread");
            PdfError::Busy
        })?;
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(_panic))) => Err(PdfError::Unreadable(
            "the extractor failed on its structure".to_owned(),
        )),
        // The thread ended without sending: it can only have been torn down with the process.
        Ok(Err(_)) => Err(PdfError::Busy),
        Err(_) => {
            tracing::warn!("PDF extraction timed out; its thread is abandoned");
            Err(PdfError::Timeout)
        }
    }
}

/// Parses, checks and extracts (runs on the isolated thread).
fn extract(bytes: &[u8]) -> Result<String, PdfError> {
    let mut doc =
        pdf_extract::Document::load_mem(bytes).map_err(|e| PdfError::Unreadable(e.to_string()))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(PdfError::Unreadable(
            "it is encrypted with a password".to_owned(),
        ));
    }
    pdfcheck::check(&doc).map_err(|why| PdfError::Unreadable(why.to_owned()))?;
    let mut text = String::new();
    let mut out = pdf_extract::PlainTextOutput::new(&mut text);
    pdf_extract::output_doc(&doc, &mut out).map_err(|e| PdfError::Unreadable(e.to_string()))?;
    if text.len() > MAX_TEXT_BYTES {
        return Err(PdfError::TooLong);
    }
    Ok(text)
}

/// pdf-extract's layout output to plain paragraphs: control characters removed, trailing
/// spaces cut, runs of blank lines reduced to one, no leading or trailing blank lines.
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank_run = 0;
    for line in raw.lines() {
        let line: String = line
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .collect();
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_collapses_layout_whitespace() {
        assert_eq!(
            tidy("\n\nTitle  \nline two\n\n\n\n  indented\u{0}\n\n"),
            "Title\nline two\n\n  indented"
        );
        assert_eq!(tidy(" \n\t\n"), "");
    }

    #[tokio::test]
    async fn isolation_catches_panics_and_overruns() {
        let panicked = isolated(|| -> u8 { panic!("hostile input") }, TIMEOUT).await;
        assert!(
            matches!(panicked, Err(PdfError::Unreadable(_))),
            "{panicked:?}"
        );
        assert_eq!(isolated(|| 7, TIMEOUT).await, Ok(7));
        // A job that cannot finish before the deadline (it waits for this test) is abandoned.
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let stuck = isolated(move || wait.recv().is_ok(), Duration::from_millis(50)).await;
        assert_eq!(stuck, Err(PdfError::Timeout));
        release.send(()).unwrap();
    }
}
