//! CSV uploads (lead and DNC imports): reading a `text/csv` body under the upload limit,
//! finding columns in the header row, reading records in batches, and the per-row report
//! shape both imports return. Rows are parsed as they are read: the body is the only thing
//! held whole, and per-row details are capped.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::HeaderMap;
use callbridge_dialplan::phone::{self, E164};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiResult, AppError};
use crate::extract::media_type;

/// Problem rows listed in a report at most; counts are always complete.
pub const MAX_PROBLEM_ROWS: usize = 1000;
/// Imported rows are listed only among the first this many data rows.
pub const MAX_LISTED_ROW: u64 = 1000;
/// Rows validated and written per database round trip.
pub const BATCH_ROWS: usize = 500;
/// Header names that hold the phone number, in order of preference (case-insensitive).
pub const PHONE_COLUMNS: [&str; 3] = ["phone", "phone_number", "mobile"];

/// `?dry_run=true` validates and reports without writing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Validate and report only; nothing is written.
    #[serde(default)]
    pub dry_run: bool,
}

/// One problem in a row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    /// The header name of the offending column; null for the row as a whole (e.g. a row
    /// with a different number of fields than the header).
    pub column: Option<String>,
    pub message: String,
}

/// Reads a `text/csv` body of at most `limit` bytes as UTF-8 text without a byte-order mark.
pub async fn read_csv(headers: &HeaderMap, body: Body, limit: usize) -> ApiResult<String> {
    let mt = media_type(headers);
    if !matches!(mt.as_str(), "text/csv" | "application/csv") {
        return Err(AppError::unsupported_media_type("text/csv"));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        if error_chain(&e).contains("length limit") {
            AppError::too_large(limit)
        } else {
            AppError::bad_request(format!("cannot read the request body: {e}"))
        }
    })?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        AppError::invalid(
            "body",
            format!(
                "the file is not UTF-8 text (invalid byte at offset {}); save it as CSV UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

/// A CSV text's header and its records, read lazily.
#[derive(Debug)]
pub struct CsvRows<'a> {
    reader: csv::Reader<&'a [u8]>,
    text: &'a str,
    /// Line breaks counted in `text[..scanned]`; records only move forward, so each byte is
    /// scanned once.
    scanned: usize,
    breaks: u64,
    /// Header names as written (trimmed).
    pub header: Vec<String>,
    /// Data rows read so far.
    pub rows_read: u64,
}

/// One data record: its line in the file (the header is line 1) and its fields.
#[derive(Debug)]
pub struct Record {
    pub line: u64,
    pub fields: csv::StringRecord,
}

impl<'a> CsvRows<'a> {
    /// Reads the header row; an empty file or a header without a name is a 422 on `body`.
    pub fn new(text: &'a str) -> ApiResult<CsvRows<'a>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut first = csv::StringRecord::new();
        let got = reader.read_record(&mut first).map_err(csv_error)?;
        if !got || first.iter().all(|f| f.trim().is_empty()) {
            return Err(AppError::invalid(
                "body",
                "the file is empty: a header row naming the columns is required",
            ));
        }
        let header: Vec<String> = first.iter().map(|h| h.trim().to_owned()).collect();
        let mut seen = HashMap::new();
        for h in header.iter().filter(|h| !h.is_empty()) {
            if seen.insert(h.to_lowercase(), ()).is_some() {
                return Err(AppError::invalid(
                    "body",
                    format!("the header names the column {h:?} twice"),
                ));
            }
        }
        Ok(CsvRows {
            reader,
            text,
            scanned: 0,
            breaks: 0,
            header,
            rows_read: 0,
        })
    }

    /// The index of the first column named like one of `names` (case-insensitive).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }

    /// The phone column, or a 422 on `body` saying which names are accepted.
    pub fn phone_column(&self) -> ApiResult<usize> {
        self.column(&PHONE_COLUMNS).ok_or_else(|| {
            AppError::invalid(
                "body",
                format!(
                    "the header has no phone column (one of {}); it has: {}",
                    PHONE_COLUMNS.join(", "),
                    self.header.join(", ")
                ),
            )
        })
    }

    /// Up to `n` further records; empty at the end of the file. Blank lines are skipped.
    pub fn next_batch(&mut self, n: usize) -> ApiResult<Vec<Record>> {
        let mut out = Vec::with_capacity(n.min(BATCH_ROWS));
        while out.len() < n {
            let mut rec = csv::StringRecord::new();
            if !self.reader.read_record(&mut rec).map_err(csv_error)? {
                break;
            }
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim().is_empty()) {
                continue;
            }
            self.rows_read += 1;
            let line = self.start_line(&rec);
            out.push(Record { line, fields: rec });
        }
        Ok(out)
    }

    /// The line a record starts on. The reader's own position cannot say: it is where the
    /// reader stopped before the record, which with `\r\n` endings is before the `\n` that
    /// ends the previous row, and before any blank lines the reader skipped. So start from
    /// that byte, step over line breaks (a record never starts with one) and count breaks in
    /// the text up to there, `\r\n`, `\r` and `\n` alike.
    fn start_line(&mut self, rec: &csv::StringRecord) -> u64 {
        let bytes = self.text.as_bytes();
        let from = rec
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.scanned)
            .clamp(self.scanned, bytes.len());
        let start = from
            + bytes[from..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let seen = &bytes[self.scanned..start];
        let breaks = seen
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && seen.get(i + 1) != Some(&b'\n')))
            .count();
        // Spans run from one record's first byte to the next's, so a `\r\n` pair is never
        // split between two of them.
        self.breaks += u64::try_from(breaks).unwrap_or(u64::MAX);
        self.scanned = start;
        self.breaks + 1
    }
}

/// The csv reader fails only on invalid UTF-8 (checked before) or I/O (none for a slice);
/// anything it does say is about the body.
fn csv_error(e: csv::Error) -> AppError {
    AppError::invalid("body", format!("unreadable CSV: {e}"))
}

/// The record's problem if its field count differs from the header's.
pub fn ragged(rec: &Record, header_len: usize) -> Option<RowError> {
    (rec.fields.len() != header_len).then(|| RowError {
        column: None,
        message: format!(
            "the row has {} fields; the header has {header_len}",
            rec.fields.len()
        ),
    })
}

/// A field's trimmed value, "" when the row is short.
pub fn field(rec: &Record, idx: Option<usize>) -> &str {
    idx.and_then(|i| rec.fields.get(i)).map_or("", str::trim)
}

/// A phone number read with the organization's default region, or the message why not.
pub fn normalize_phone(value: &str, region: &str) -> Result<E164, String> {
    if value.trim().is_empty() {
        return Err("a phone number is required".to_owned());
    }
    phone::normalize(value, region).map_err(|e| e.to_string())
}

/// Optional short text: trimmed, at most `max` characters, no control characters other than
/// line feed and tab. Those two are allowed because a spreadsheet cell may hold several lines
/// (a quoted CSV field), and the JSON endpoints ([`crate::validate::text`]) accept them: the
/// same lead must not be valid through one door and rejected through the other.
pub fn short_text(value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("must not contain control characters".to_owned());
    }
    Ok(v.to_owned())
}

/// Decides which row outcomes a report lists: problem rows up to [`MAX_PROBLEM_ROWS`], and
/// imported rows among the first [`MAX_LISTED_ROW`] data rows.
#[derive(Debug, Default)]
pub struct DetailCap {
    problems: usize,
    /// Whether some row was left out.
    pub truncated: bool,
}

impl DetailCap {
    pub fn admit(&mut self, problem: bool, data_row: u64) -> bool {
        let ok = if problem {
            self.problems += 1;
            self.problems <= MAX_PROBLEM_ROWS
        } else {
            data_row <= MAX_LISTED_ROW
        };
        self.truncated |= !ok;
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_batches_and_ragged_rows() {
        let text = "Phone,Name,,extra\r\n\"+1 415 555 0134\",\"Pat, Jr.\",x,1\r\n\r\n5550,Sam\n";
        let mut rows = CsvRows::new(text).unwrap();
        assert_eq!(rows.phone_column().unwrap(), 0);
        assert_eq!(rows.column(&["name"]), Some(1));
        let batch = rows.next_batch(10).unwrap();
        assert_eq!(batch.len(), 2, "the blank line is skipped");
        assert_eq!(field(&batch[0], Some(1)), "Pat, Jr.");
        assert_eq!((batch[0].line, batch[1].line), (2, 4));
        assert!(ragged(&batch[0], 4).is_none());
        assert!(ragged(&batch[1], 4).is_some());
        assert_eq!(field(&batch[1], Some(3)), "");
        assert!(rows.next_batch(10).unwrap().is_empty());
        assert_eq!(rows.rows_read, 2);
    }

    #[test]
    fn lines_count_every_break_style() {
        // LF, a quoted field spanning two lines, blank and whitespace-only lines, lone CR.
        let text = "phone\n1\n\n\"2\n2\"\n \n\n3\r4\r\n\r\n5";
        let mut rows = CsvRows::new(text).unwrap();
        let lines: Vec<u64> = rows
            .next_batch(10)
            .unwrap()
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, [2, 4, 8, 9, 11]);
    }

    #[test]
    fn bad_headers() {
        for text in ["", "\r\n", " , \n1,2"] {
            let e = CsvRows::new(text).unwrap_err();
            assert_eq!(e.details["errors"][0]["field"], "body", "{text:?}");
        }
        assert!(CsvRows::new("phone,Phone\n").is_err());
        let rows = CsvRows::new("name,email\n").unwrap();
        assert!(rows.phone_column().is_err());
        let rows = CsvRows::new("Name,MOBILE,phone_number\n").unwrap();
        assert_eq!(
            rows.phone_column().unwrap(),
            2,
            "phone_number is preferred to mobile"
        );
    }

    #[test]
    fn detail_cap() {
        let mut cap = DetailCap::default();
        assert!(cap.admit(false, 1000));
        assert!(!cap.admit(false, 1001));
        assert!(cap.truncated);
        for i in 0..MAX_PROBLEM_ROWS {
            assert!(cap.admit(true, 2000 + i as u64));
        }
        assert!(!cap.admit(true, 5000));
    }
}
