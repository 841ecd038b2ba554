//! Cursor pagination: a page of items and the cursor of the next page (the last item's id).

use serde::Serialize;

use crate::{StoreError, StoreResult};

/// The largest page a caller may ask for.
pub const MAX_LIMIT: u32 = 200;
/// The page size when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 50;

/// What page the caller wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Opaque cursor from a previous page (`None`: the first page).
    pub cursor: Option<String>,
    /// Page size, 1..=MAX_LIMIT (`None`: DEFAULT_LIMIT).
    pub limit: Option<u32>,
}

impl PageRequest {
    /// The effective limit, validated.
    pub fn limit(&self) -> StoreResult<u32> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(StoreError::Invalid {
                field: "limit",
                message: format!("must be between 1 and {MAX_LIMIT}, got {n}"),
            }),
        }
    }

    /// The cursor, checked to be an id of the listed kind (`prefix`), or "" for the first page.
    pub fn cursor_after(&self, prefix: &str) -> StoreResult<String> {
        match &self.cursor {
            None => Ok(String::new()),
            Some(c) if crate::id::is_valid(prefix, c) => Ok(c.clone()),
            Some(_) => Err(StoreError::Invalid {
                field: "cursor",
                message: "not a cursor returned by this list".to_owned(),
            }),
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass this as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only signals that more exist.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, id_of: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(id_of) } else { None };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
