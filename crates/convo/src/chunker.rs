//! `SentenceChunker`: cuts streamed LLM text into sentences, each sent to TTS as soon as it is
//! complete.
//!
//! Main loop: [`SentenceChunker::push`] each text delta and synthesize the sentences it
//! returns; at the end of the response [`SentenceChunker::flush`] returns the rest.
//!
//! Boundaries, scanning from the start of the pending text:
//! - A newline ends a chunk.
//! - A run of `.`, `?`, `!`, `…`, then any closing quotes or brackets, **then whitespace**:
//!   a period inside a token ("$4.99", "3.5%", "v1.2.3", "example.com", "john@x.com",
//!   "?q=1") is never a boundary. With `?` or `!` in the run it is a boundary; an ellipsis
//!   ("..." or "…") only when the next word starts with a capital.
//! - A single period after: an abbreviation that does not end sentences ("Mr.", "Dr.", "St.",
//!   "vs.", "e.g.", "i.e.") or an initial ("J.") is not a boundary; one that often does
//!   ("etc.", "Inc.", "Ltd.", "a.m.", "p.m.", "U.S.") only before a capital; "No.", "Vol.",
//!   "ext." not before a digit. A list marker ("1." at the start of a chunk) is not a
//!   boundary; the next marker ("2." after "1.", or "1." after a colon) starts a new chunk.
//! - Latency: with no boundary in `max_chars` characters, cut after the last `,` `;` `:`
//!   followed by a space in them, else at the last space, else at the next space.
//!
//! Invariants: the output depends only on the text, never on how it was split into pushes;
//! chunks are trimmed and never empty; concatenating every chunk and the flush gives the
//! input without its whitespace changed other than at chunk edges. Decisions that need the
//! next character wait for it (one token of latency at most).

/// Abbreviations that (nearly) never end a sentence.
const NEVER_END: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "mt", "vs", "e.g", "i.e", "eg", "ie", "cf", "approx",
    "dept", "ave", "blvd", "gen", "gov", "sen", "rep", "rev", "capt", "lt", "sgt", "col",
];

/// Abbreviations that end a sentence when a capital follows.
const AMBIGUOUS: &[&str] = &[
    "etc", "inc", "ltd", "co", "corp", "llc", "jr", "sr", "a.m", "p.m", "am", "pm", "u.s", "u.k",
    "u.s.a", "e.u", "a.d", "b.c", "ph.d", "m.d", "esq",
];

/// Abbreviations that do not end a sentence before a digit ("No. 5", "ext. 204").
const BEFORE_NUMBER: &[&str] = &[
    "no", "nos", "vol", "vols", "fig", "figs", "ext", "pt", "pts", "p", "pp", "ch", "sec", "art",
    "ref", "tel", "num",
];

/// Default `max_chars`.
pub const DEFAULT_MAX_CHARS: usize = 150;

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '?' | '!' | '…')
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '}' | '»')
}

fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '(' | '[' | '{' | '«')
}

/// The first character after `from` that is neither whitespace nor an opening quote/bracket.
fn next_significant(s: &str, from: usize) -> Option<char> {
    s.get(from..)?
        .chars()
        .find(|c| !c.is_whitespace() && !is_opener(*c))
}

/// A list number: one or two ASCII digits.
fn list_number(word: &str) -> Option<u32> {
    if (1..=2).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit()) {
        word.parse().ok()
    } else {
        None
    }
}

/// End (byte index) of the run of characters matching `f` starting at `from`.
fn run_end(s: &str, from: usize, f: impl Fn(char) -> bool) -> usize {
    s.get(from..)
        .and_then(|rest| {
            rest.char_indices()
                .find(|(_, c)| !f(*c))
                .map(|(k, _)| from + k)
        })
        .unwrap_or(s.len())
}

/// What a terminator run means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Undecidable until more text arrives.
    Wait,
    /// Not a boundary: scanning goes on at this byte.
    Skip(usize),
    /// A boundary: the chunk ends (and the next begins) at this byte.
    Split(usize),
    /// A list marker at the chunk start (its number): scanning goes on at the byte.
    ListItem(u32, usize),
}

/// Where to cut the pending text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cut {
    end: usize,
    list: Option<u32>,
}

/// Splits streamed text into sentences for TTS.
#[derive(Debug, Clone)]
pub struct SentenceChunker {
    buf: String,
    max_chars: usize,
    /// The number of the last list marker that started a chunk.
    list: Option<u32>,
}

impl Default for SentenceChunker {
    fn default() -> Self {
        SentenceChunker::new(DEFAULT_MAX_CHARS)
    }
}

impl SentenceChunker {
    /// A chunker that cuts a sentence longer than `max_chars` characters at a clause or word.
    pub fn new(max_chars: usize) -> Self {
        SentenceChunker {
            buf: String::new(),
            max_chars,
            list: None,
        }
    }

    /// Adds streamed text; returns every chunk it completed, in order.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buf.push_str(text);
        let mut out = Vec::new();
        while let Some(cut) = self.scan() {
            let end = cut.end.min(self.buf.len());
            let chunk = self.buf.get(..end).unwrap_or_default().trim();
            if !chunk.is_empty() {
                out.push(chunk.to_owned());
            }
            self.buf.drain(..end);
            self.list = cut.list;
        }
        out
    }

    /// Ends the stream: the pending text, if any, as the last chunk. The chunker is then empty
    /// and ready for the next response.
    pub fn flush(&mut self) -> Option<String> {
        let rest = self.buf.trim().to_owned();
        self.buf.clear();
        self.list = None;
        (!rest.is_empty()).then_some(rest)
    }

    /// The text not yet returned.
    pub fn pending(&self) -> &str {
        self.buf.trim_start()
    }

    /// The first decidable boundary of the pending text, if any.
    fn scan(&self) -> Option<Cut> {
        let s = self.buf.as_str();
        let start = s.len() - s.trim_start().len();
        if start >= s.len() {
            return None;
        }
        let mut list = self.list;
        let mut chars = 0usize;
        let mut window_tried = false;
        let mut long_word = false;
        let mut i = start;
        while let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) {
            if chars >= self.max_chars && !window_tried {
                window_tried = true;
                match window_split(s, start, i) {
                    Some(end) => return Some(Cut { end, list }),
                    None => long_word = true,
                }
            }
            if c == '\n' || (long_word && c.is_whitespace()) {
                return Some(Cut { end: i, list });
            }
            let next = if is_terminator(c) {
                match judge(s, start, i, list) {
                    Verdict::Wait => return None,
                    Verdict::Split(end) => return Some(Cut { end, list }),
                    Verdict::Skip(next) => next,
                    Verdict::ListItem(n, next) => {
                        list = Some(n);
                        next
                    }
                }
            } else {
                i + c.len_utf8()
            };
            chars += s.get(i..next).map_or(1, |run| run.chars().count());
            i = next;
        }
        None
    }
}

/// The latency cut of a chunk with no boundary in `s[start..limit]`: after the last clause
/// mark followed by whitespace, else at the last whitespace (up to and including `limit`).
fn window_split(s: &str, start: usize, limit: usize) -> Option<usize> {
    let window = s.get(start..limit)?;
    let after_limit = s.get(limit..).and_then(|r| r.chars().next());
    let mut clause = None;
    let mut space = None;
    let mut iter = window.char_indices().peekable();
    while let Some((k, c)) = iter.next() {
        let next = iter.peek().map(|(_, n)| *n).or(after_limit);
        if matches!(c, ',' | ';' | ':') && next.is_some_and(char::is_whitespace) {
            clause = Some(start + k + c.len_utf8());
        }
        if c.is_whitespace() && k > 0 {
            space = Some(start + k);
        }
    }
    if after_limit.is_some_and(char::is_whitespace) && limit > start {
        space = Some(limit);
    }
    clause.or(space)
}

/// Decides the terminator run starting at byte `i` of the chunk that starts at `start`.
fn judge(s: &str, start: usize, i: usize, list: Option<u32>) -> Verdict {
    let run = run_end(s, i, is_terminator);
    let end = run_end(s, run, is_closer);
    match s.get(end..).and_then(|r| r.chars().next()) {
        None => return Verdict::Wait,
        Some(c) if !c.is_whitespace() => return Verdict::Skip(run),
        Some(_) => {}
    }
    let marks = s.get(i..run).unwrap_or_default();
    if marks.contains(['?', '!']) {
        return Verdict::Split(end);
    }
    let before_capital = |yes: Verdict, no: Verdict| match next_significant(s, end) {
        None => Verdict::Wait,
        Some(c) if c.is_uppercase() => yes,
        Some(_) => no,
    };
    if marks.contains('…') || marks.len() > 1 {
        return before_capital(Verdict::Split(end), Verdict::Skip(end));
    }
    let head = s.get(start..i).unwrap_or_default();
    let word_start = head
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(start, |(k, c)| start + k + c.len_utf8());
    let word = s
        .get(word_start..i)
        .unwrap_or_default()
        .trim_start_matches(is_opener);
    if let Some(n) = list_number(word) {
        if word_start == start {
            return Verdict::ListItem(n, end);
        }
        let prev = s
            .get(start..word_start)
            .unwrap_or_default()
            .trim_end()
            .chars()
            .last();
        let marker = (n == 1 && prev == Some(':')) || list.map(|l| l + 1) == Some(n);
        return Verdict::Split(if marker { word_start } else { end });
    }
    let lower = word.to_lowercase();
    let initial = {
        let mut cs = word.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if c.is_uppercase() && c != 'I')
    };
    if initial || NEVER_END.contains(&lower.as_str()) {
        return Verdict::Skip(end);
    }
    if BEFORE_NUMBER.contains(&lower.as_str()) {
        return match next_significant(s, end) {
            None => Verdict::Wait,
            Some(c) if c.is_ascii_digit() => Verdict::Skip(end),
            Some(_) => Verdict::Split(end),
        };
    }
    if AMBIGUOUS.contains(&lower.as_str()) {
        return before_capital(Verdict::Split(end), Verdict::Skip(end));
    }
    Verdict::Split(end)
}

#[cfg(test)]
mod tests;
