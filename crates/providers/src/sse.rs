//! Server-Sent Events: an incremental parser (pure, no I/O) for the `text/event-stream` bodies
//! the LLM vendors stream, and [`SseBody`], which drives it over an HTTP response.
//!
//! The parser follows WHATWG HTML §9.2.6 "Interpreting an event stream": bytes may be split
//! anywhere (inside a UTF-8 sequence, between `\r` and `\n`); lines end with CRLF, LF or CR; a
//! leading BOM is skipped; `:` lines are comments; `field: value` drops one space after the
//! colon; a line without a colon is a field with an empty value; `data` lines join with `\n`;
//! a blank line dispatches the event (nothing is dispatched when no `data` line came).
//! Invariant: the events produced do not depend on how the stream was chunked, and the memory
//! held is bounded by the per-event cap (an over-long event is an error, not growth).

mod body;

pub use body::{SseBody, SseDecoder, post_stream};

/// The default cap on one event (its pending line plus its data), in bytes.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 1 << 20;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field; `None` for the default type ("message").
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last event id seen on the stream (WHATWG: it persists across events until reset).
    pub id: Option<String>,
}

/// An event grew past the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("server-sent event larger than {limit} bytes")]
pub struct SseTooLarge {
    pub limit: usize,
}

/// The incremental parser: feed it chunks, collect events.
#[derive(Debug)]
pub struct SseParser {
    /// Bytes of the current, unterminated line (UTF-8 is decoded per complete line, so a
    /// sequence split across chunks is whole by then; line ends are ASCII and never occur
    /// inside a multi-byte sequence).
    line: Vec<u8>,
    /// The previous chunk ended with `\r`: a leading `\n` of the next one belongs to it.
    after_cr: bool,
    /// The first line was completed (the BOM may only lead the stream).
    started: bool,
    /// `data` values, each followed by `\n` (WHATWG's data buffer).
    data: String,
    event: Option<String>,
    last_id: Option<String>,
    max: usize,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the default per-event cap.
    pub fn new() -> Self {
        Self::with_limit(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A parser that fails when one event exceeds `max` bytes.
    pub fn with_limit(max: usize) -> Self {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            started: false,
            data: String::new(),
            event: None,
            last_id: None,
            max,
        }
    }

    /// Parses the next chunk; returns the events it completed. After an error the parser has
    /// dropped the oversized event and the stream should be abandoned.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<Vec<SseEvent>, SseTooLarge> {
        let mut out = Vec::new();
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        while let Some(i) = chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (head, tail) = chunk.split_at(i);
            self.push_bytes(head)?;
            let (end, rest) = tail.split_at(1);
            chunk = rest;
            if end == b"\r" {
                match chunk.strip_prefix(b"\n") {
                    Some(rest) => chunk = rest,
                    None if chunk.is_empty() => self.after_cr = true,
                    None => {}
                }
            }
            self.end_line(&mut out)?;
        }
        self.push_bytes(chunk)?;
        Ok(out)
    }

    /// At the end of the stream: the event whose lines were all terminated but whose closing
    /// blank line never came. WHATWG discards it; a lenient client may still use it (some
    /// servers end with `data: [DONE]\n` and close). An unterminated last line is dropped.
    pub fn finish(&mut self) -> Option<SseEvent> {
        self.line.clear();
        self.after_cr = false;
        self.dispatch()
    }

    fn push_bytes(&mut self, bytes: &[u8]) -> Result<(), SseTooLarge> {
        if self.line.len() + bytes.len() + self.data.len() > self.max {
            return Err(self.too_large());
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn too_large(&mut self) -> SseTooLarge {
        self.line = Vec::new();
        self.data = String::new();
        self.event = None;
        SseTooLarge { limit: self.max }
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) -> Result<(), SseTooLarge> {
        let raw = std::mem::take(&mut self.line);
        let mut bytes = raw.as_slice();
        if !self.started {
            self.started = true;
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let line = String::from_utf8_lossy(bytes);
        if line.is_empty() {
            out.extend(self.dispatch());
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = (!value.is_empty()).then(|| value.to_owned()),
            "data" => {
                if self.data.len() + value.len() + 1 > self.max {
                    return Err(self.too_large());
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => {
                self.last_id = (!value.is_empty()).then(|| value.to_owned());
            }
            // `retry` tunes EventSource reconnection, which these one-shot requests never do;
            // unknown fields are ignored by the spec.
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
