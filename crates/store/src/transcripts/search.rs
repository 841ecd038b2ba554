//! Full-text search over an organization's transcript segments: SQLite FTS5 (`MATCH`,
//! `snippet()`, bm25) or PostgreSQL (`websearch_to_tsquery`, `ts_headline`, `ts_rank`) on
//! the generated `text_tsv` column.
//!
//! Snippets are HTML: the segment text escaped, each match wrapped in `<mark>...</mark>`. The
//! database marks matches with two private-use characters that no tokenizer indexes; the
//! text is escaped afterwards and only then are the markers turned into tags, so text that
//! itself contains `<mark>` or `<script>` can never become markup.
//!
//! Results are ordered by relevance (best first). Relevance is not a stable key (bm25 depends
//! on the whole index), so the cursor is a position in the result list, bounded by
//! [`MAX_OFFSET`].

use serde::Serialize;
use sqlx::any::AnyRow;

use super::Speaker;
use crate::calls::{CallFilter, Conditions};
use crate::row::get;
use crate::{Backend, Page, Store, StoreError, StoreResult};

const T: &str = "transcript_segments";

/// Marks the start and the end of a match inside the database's snippet.
const MARK_START: char = '\u{E000}';
const MARK_END: char = '\u{E001}';

/// Characters segment text may not contain (see [`MARK_START`]).
pub(crate) const RESERVED: [char; 2] = [MARK_START, MARK_END];

/// The deepest position a search cursor may point to.
pub const MAX_OFFSET: u32 = 10_000;

/// A search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// What the user typed.
    pub q: String,
    /// Only segments of calls matching this.
    pub calls: CallFilter,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A matching segment.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub call_id: String,
    pub seq: i64,
    pub speaker: Speaker,
    pub start_ms: i64,
    pub end_ms: i64,
    /// HTML: the matching text, escaped, with matches in `<mark>...</mark>`.
    pub snippet: String,
    /// Relevance, higher is better. Comparable within one result list only.
    pub rank: f64,
}

fn from_row(r: &AnyRow) -> StoreResult<SearchHit> {
    let speaker: String = get(r, T, "speaker")?;
    let raw: String = get(r, T, "snippet")?;
    Ok(SearchHit {
        call_id: get(r, T, "call_id")?,
        seq: get(r, T, "seq")?,
        speaker: Speaker::parse(&speaker).ok_or_else(|| StoreError::Corrupt {
            table: T,
            message: format!("speaker {speaker}"),
        })?,
        start_ms: get(r, T, "start_ms")?,
        end_ms: get(r, T, "end_ms")?,
        snippet: highlight_html(&raw),
        rank: get(r, T, "score")?,
    })
}

/// Escapes the snippet for HTML, then turns the match markers into `<mark>` tags.
fn highlight_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            MARK_START => out.push_str("<mark>"),
            MARK_END => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn offset_of(cursor: Option<&str>) -> StoreResult<u32> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_OFFSET).contains(n))
            .ok_or_else(|| StoreError::Invalid {
                field: "cursor",
                message: "not a cursor returned by this search".to_owned(),
            }),
    }
}

impl Store {
    /// Searches the organization's transcripts. A segment is found as soon as the write that
    /// stored it has returned.
    pub async fn search_transcripts(
        &self,
        org_id: &str,
        req: &SearchRequest,
    ) -> StoreResult<Page<SearchHit>> {
        let limit = crate::PageRequest {
            cursor: None,
            limit: req.limit,
        }
        .limit()?;
        let offset = offset_of(req.cursor.as_deref())?;
        // Both backends accept the same syntax; FTS5 needs it rewritten, and a query with no
        // searchable term finds nothing on either.
        let Some(fts) = super::fts_query::to_fts5(&req.q) else {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        };
        let matcher = match self.backend() {
            Backend::Sqlite => fts,
            Backend::Postgres => req.q.clone(),
        };
        let mut conds = Conditions::after(2);
        req.calls.add_to(&mut conds, "c.");
        let sql = match self.backend() {
            Backend::Sqlite => sqlite_sql(&conds),
            Backend::Postgres => postgres_sql(&conds),
        };
        let sql = format!("{sql} LIMIT {} OFFSET {offset}", i64::from(limit) + 1);
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(matcher)
            .bind(org_id.to_owned());
        let rows = conds.bind_all(query).fetch_all(&self.pool).await?;
        let mut items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = offset + limit;
        Ok(Page {
            items,
            next_cursor: (more && next <= MAX_OFFSET).then(|| next.to_string()),
        })
    }
}

/// `$1`: the FTS5 expression, `$2`: the organization, then the call conditions.
fn sqlite_sql(conds: &Conditions) -> String {
    let (s, e) = (u32::from(MARK_START), u32::from(MARK_END));
    format!(
        "SELECT s.call_id, s.seq, s.speaker, s.start_ms, s.end_ms, \
         snippet(transcript_fts, 0, char({s}), char({e}), '…', 24) AS snippet, \
         -bm25(transcript_fts) AS score \
         FROM transcript_fts \
         JOIN transcript_segments s ON s.id = transcript_fts.rowid \
         JOIN calls c ON c.id = s.call_id \
         WHERE transcript_fts MATCH $1 AND s.org_id = $2 AND c.org_id = $2 AND {} \
         ORDER BY score DESC, s.id DESC",
        conds.sql()
    )
}

/// `$1`: the user's query (websearch syntax), `$2`: the organization, then the conditions.
fn postgres_sql(conds: &Conditions) -> String {
    let (s, e) = (u32::from(MARK_START), u32::from(MARK_END));
    format!(
        "SELECT s.call_id, s.seq, s.speaker, s.start_ms, s.end_ms, \
         ts_headline('english', s.text, q.query, \
           'StartSel=' || chr({s}) || ', StopSel=' || chr({e}) || \
           ', MinWords=8, MaxWords=24, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet, \
         ts_rank(s.text_tsv, q.query)::float8 AS score \
         FROM transcript_segments s \
         CROSS JOIN (SELECT websearch_to_tsquery('english', $1) AS query) q \
         JOIN calls c ON c.id = s.call_id \
         WHERE s.text_tsv @@ q.query AND s.org_id = $2 AND c.org_id = $2 AND {} \
         ORDER BY score DESC, s.id DESC",
        conds.sql()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_before_marking() {
        let raw = format!("a <b>&{MARK_START}price{MARK_END} \"x\" <mark>");
        assert_eq!(
            highlight_html(&raw),
            "a &lt;b&gt;&amp;<mark>price</mark> &quot;x&quot; &lt;mark&gt;"
        );
    }

    #[test]
    fn cursors_are_bounded_positions() {
        assert_eq!(offset_of(None).ok(), Some(0));
        assert_eq!(offset_of(Some("50")).ok(), Some(50));
        for bad in ["0", "-1", "x", "10001", "call_01ARZ3NDEKTSV4RRFFQ69G5FAV"] {
            assert!(offset_of(Some(bad)).is_err(), "{bad}");
        }
    }
}
