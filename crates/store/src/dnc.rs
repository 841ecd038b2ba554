//! The organization's do-not-call list: E.164 numbers never to dial. Listing a number marks
//! the organization's pending leads with that number `dnc` in the same transaction, so the
//! dialer can never pick one up after the number was listed.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::leads::{in_list, values_list};
use crate::row::get;
use crate::{Page, PageRequest, Store, StoreError, StoreResult};

const T: &str = "dnc_entries";

/// How a number got onto the list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DncSource {
    /// Added through the API.
    Api,
    /// From a CSV import.
    Import,
    /// The called party asked during a call.
    Call,
}

impl DncSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DncSource::Api => "api",
            DncSource::Import => "import",
            DncSource::Call => "call",
        }
    }

    pub fn parse(s: &str) -> Option<DncSource> {
        match s {
            "api" => Some(DncSource::Api),
            "import" => Some(DncSource::Import),
            "call" => Some(DncSource::Call),
            _ => None,
        }
    }
}

/// A listed number.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DncEntry {
    /// E.164.
    pub phone: String,
    pub reason: String,
    pub source: DncSource,
    /// When it was listed (ms since the epoch).
    pub added_at: i64,
}

/// What [`Store::add_dnc`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DncAdded {
    /// The entry (the existing one, unchanged, if the number was listed already).
    pub entry: DncEntry,
    /// Whether the number was newly listed.
    pub created: bool,
    /// Pending leads now marked `dnc`.
    pub leads_marked: u64,
}

const COLS: &str = "phone, reason, source, created_at";

fn from_row(r: &AnyRow) -> StoreResult<DncEntry> {
    let source: String = get(r, T, "source")?;
    Ok(DncEntry {
        phone: get(r, T, "phone")?,
        reason: get(r, T, "reason")?,
        source: DncSource::parse(&source).ok_or_else(|| StoreError::Corrupt {
            table: T,
            message: format!("source {source}"),
        })?,
        added_at: get(r, T, "created_at")?,
    })
}

/// Marks the organization's pending leads with one of `phones` as `dnc`.
async fn mark_leads(
    tx: &mut Transaction<'static, Any>,
    org_id: &str,
    phones: &[&str],
) -> StoreResult<u64> {
    if phones.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE leads SET status = 'dnc', next_attempt_at = NULL \
         WHERE org_id = $1 AND status = 'pending' AND phone IN ({})",
        in_list(phones.len(), 2)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id.to_owned());
    for p in phones {
        q = q.bind((*p).to_owned());
    }
    Ok(q.execute(&mut **tx).await?.rows_affected())
}

impl Store {
    /// Lists `phone` (E.164). Idempotent: a listed number keeps its first entry.
    pub async fn add_dnc(
        &self,
        org_id: &str,
        phone: &str,
        reason: &str,
        source: DncSource,
    ) -> StoreResult<DncAdded> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "INSERT INTO dnc_entries (org_id, phone, reason, source, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, phone) DO NOTHING",
        )
        .bind(org_id)
        .bind(phone)
        .bind(reason)
        .bind(source.as_str())
        .bind(self.now_ms())
        .execute(&mut *tx)
        .await?;
        let leads_marked = mark_leads(&mut tx, org_id, &[phone]).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM dnc_entries WHERE org_id = $1 AND phone = $2"
        )))
        .bind(org_id)
        .bind(phone)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(DncAdded {
            entry: from_row(&row)?,
            created: done.rows_affected() == 1,
            leads_marked,
        })
    }

    /// The entry of `phone` (E.164), if listed.
    pub async fn get_dnc(&self, org_id: &str, phone: &str) -> StoreResult<Option<DncEntry>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM dnc_entries WHERE org_id = $1 AND phone = $2"
        )))
        .bind(org_id)
        .bind(phone)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Unlists `phone`. Leads marked `dnc` stay so until re-queued by hand.
    pub async fn remove_dnc(&self, org_id: &str, phone: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM dnc_entries WHERE org_id = $1 AND phone = $2")
            .bind(org_id)
            .bind(phone)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The list in phone-number order; the cursor is the last phone of the previous page.
    pub async fn list_dnc(&self, org_id: &str, page: &PageRequest) -> StoreResult<Page<DncEntry>> {
        let limit = page.limit()?;
        let cursor = match &page.cursor {
            None => String::new(),
            Some(c) if is_e164_shape(c) => c.clone(),
            Some(_) => {
                return Err(StoreError::Invalid {
                    field: "cursor",
                    message: "not a cursor returned by this list".to_owned(),
                });
            }
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM dnc_entries WHERE org_id = $1 AND phone > $2 \
             ORDER BY phone LIMIT $3"
        )))
        .bind(org_id)
        .bind(cursor)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |e| e.phone.clone()))
    }

    /// Opens a bulk DNC import (one transaction; the write lock is taken at once so SQLite
    /// never has to upgrade a read transaction).
    pub async fn begin_dnc_import(&self, org_id: &str, write: bool) -> StoreResult<DncImport> {
        let mut tx = self.pool.begin().await?;
        if write {
            sqlx::query("UPDATE org_settings SET updated_at = updated_at WHERE org_id = $1")
                .bind(org_id)
                .execute(&mut *tx)
                .await?;
        }
        Ok(DncImport {
            tx,
            org_id: org_id.to_owned(),
            now: self.now_ms(),
            added: 0,
            leads_marked: 0,
        })
    }
}

/// "+" and 1-20 digits: what a phone cursor can be.
fn is_e164_shape(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (1..=20).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// An open DNC import. Dropping it without [`DncImport::commit`] rolls everything back.
#[derive(Debug)]
pub struct DncImport {
    tx: Transaction<'static, Any>,
    org_id: String,
    now: i64,
    added: u64,
    leads_marked: u64,
}

/// Entries per INSERT statement.
const INSERT_CHUNK: usize = 200;

impl DncImport {
    /// Which of `phones` are listed already.
    pub async fn listed(&mut self, phones: &[String]) -> StoreResult<HashSet<String>> {
        if phones.is_empty() {
            return Ok(HashSet::new());
        }
        let sql = format!(
            "SELECT phone FROM dnc_entries WHERE org_id = $1 AND phone IN ({})",
            in_list(phones.len(), 2)
        );
        let mut q =
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(self.org_id.clone());
        for p in phones {
            q = q.bind(p.clone());
        }
        Ok(q.fetch_all(&mut *self.tx).await?.into_iter().collect())
    }

    /// Lists `(phone, reason)` pairs (source `import`) not listed yet, and marks their
    /// pending leads.
    pub async fn insert(&mut self, entries: &[(String, String)]) -> StoreResult<()> {
        for chunk in entries.chunks(INSERT_CHUNK) {
            let sql = format!(
                "INSERT INTO dnc_entries (org_id, phone, reason, source, created_at) VALUES {}",
                values_list(chunk.len(), 5, 1)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (phone, reason) in chunk {
                q = q
                    .bind(self.org_id.clone())
                    .bind(phone.clone())
                    .bind(reason.clone())
                    .bind(DncSource::Import.as_str())
                    .bind(self.now);
            }
            self.added += q.execute(&mut *self.tx).await?.rows_affected();
            let phones: Vec<&str> = chunk.iter().map(|(p, _)| p.as_str()).collect();
            self.leads_marked += mark_leads(&mut self.tx, &self.org_id, &phones).await?;
        }
        Ok(())
    }

    /// Makes the import permanent; returns (numbers listed, leads marked).
    pub async fn commit(self) -> StoreResult<(u64, u64)> {
        self.tx.commit().await?;
        Ok((self.added, self.leads_marked))
    }

    /// Discards everything (a dry run).
    pub async fn rollback(self) -> StoreResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}
