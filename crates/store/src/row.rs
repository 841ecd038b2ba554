//! Small helpers for reading rows the same way on both backends.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{StoreError, StoreResult};

/// Reads a column, naming the table in the error if it does not decode.
pub(crate) fn get<'r, T>(row: &'r AnyRow, table: &'static str, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col).map_err(|e| StoreError::Corrupt {
        table,
        message: format!("{col}: {e}"),
    })
}

/// Reads a 0/1 integer column as a bool.
pub(crate) fn get_bool(row: &AnyRow, table: &'static str, col: &str) -> StoreResult<bool> {
    Ok(get::<i64>(row, table, col)? != 0)
}

/// Reads a JSON text column.
pub(crate) fn get_json(
    row: &AnyRow,
    table: &'static str,
    col: &str,
) -> StoreResult<serde_json::Value> {
    let text: String = get(row, table, col)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
        table,
        message: format!("{col}: {e}"),
    })
}

pub(crate) fn bool_int(b: bool) -> i64 {
    i64::from(b)
}
