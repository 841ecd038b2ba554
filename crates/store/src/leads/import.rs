//! Bulk lead import: one transaction that the caller feeds in batches (look up which numbers
//! are already leads or on the DNC list, then insert the rest), committed at the end or
//! rolled back for a dry run. Memory stays per batch however large the file.

use std::collections::HashSet;

use sqlx::{Any, Transaction};

use super::{COLS, NewLead, in_list, new_lead_id, values_list};
use crate::campaigns::CampaignStatus;
use crate::{Store, StoreError, StoreResult};

/// Leads per INSERT statement: 14 parameters each stays far below SQLite's and PostgreSQL's
/// bound-parameter limits.
const INSERT_CHUNK: usize = 100;

/// An open lead import into one campaign. Dropping it without [`LeadImport::commit`] rolls
/// everything back.
#[derive(Debug)]
pub struct LeadImport {
    tx: Transaction<'static, Any>,
    org_id: String,
    campaign_id: String,
    now: i64,
    inserted: u64,
}

impl Store {
    /// Opens an import into a campaign of the organization (`NotFound` otherwise; a completed
    /// campaign is a conflict). `write`: the import will insert, so the write lock is taken
    /// at once: SQLite cannot upgrade a read transaction once another writer committed.
    pub async fn begin_lead_import(
        &self,
        org_id: &str,
        campaign_id: &str,
        write: bool,
    ) -> StoreResult<LeadImport> {
        let mut tx = self.pool.begin().await?;
        if write {
            sqlx::query(
                "UPDATE campaigns SET updated_at = updated_at WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        }
        let status: String =
            sqlx::query_scalar("SELECT status FROM campaigns WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?;
        if status == CampaignStatus::Completed.as_str() {
            return Err(StoreError::Conflict(
                "a completed campaign takes no new leads".to_owned(),
            ));
        }
        Ok(LeadImport {
            tx,
            org_id: org_id.to_owned(),
            campaign_id: campaign_id.to_owned(),
            now: self.now_ms(),
            inserted: 0,
        })
    }
}

impl LeadImport {
    /// Which of `phones` (E.164) are already leads of the campaign.
    pub async fn existing_phones(&mut self, phones: &[String]) -> StoreResult<HashSet<String>> {
        let sql = format!(
            "SELECT phone FROM leads WHERE campaign_id = $1 AND phone IN ({})",
            in_list(phones.len(), 2)
        );
        let scope = self.campaign_id.clone();
        self.phones_matching(sql, &scope, phones).await
    }

    /// Which of `phones` (E.164) are on the organization's do-not-call list.
    pub async fn dnc_phones(&mut self, phones: &[String]) -> StoreResult<HashSet<String>> {
        let sql = format!(
            "SELECT phone FROM dnc_entries WHERE org_id = $1 AND phone IN ({})",
            in_list(phones.len(), 2)
        );
        let scope = self.org_id.clone();
        self.phones_matching(sql, &scope, phones).await
    }

    /// Runs `sql` (parameters: `scope`, then the phones) and collects the phones it returns.
    async fn phones_matching(
        &mut self,
        sql: String,
        scope: &str,
        phones: &[String],
    ) -> StoreResult<HashSet<String>> {
        if phones.is_empty() {
            return Ok(HashSet::new());
        }
        let mut q =
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(scope.to_owned());
        for p in phones {
            q = q.bind(p.clone());
        }
        Ok(q.fetch_all(&mut *self.tx).await?.into_iter().collect())
    }

    /// Inserts leads (status pending) and returns their ids. A number already in the campaign
    /// is a conflict.
    pub async fn insert(&mut self, leads: &[NewLead]) -> StoreResult<Vec<String>> {
        let mut ids = Vec::with_capacity(leads.len());
        for chunk in leads.chunks(INSERT_CHUNK) {
            let sql = format!(
                "INSERT INTO leads ({COLS}) VALUES {}",
                values_list(chunk.len(), 14, 1)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for lead in chunk {
                let id = new_lead_id(self.now);
                q = q
                    .bind(id.clone())
                    .bind(self.org_id.clone())
                    .bind(self.campaign_id.clone())
                    .bind(lead.phone.clone())
                    .bind(lead.name.clone())
                    .bind(lead.company.clone())
                    .bind(lead.email.clone())
                    .bind(lead.time_zone.clone())
                    .bind(lead.time_zone_source.as_str())
                    .bind("pending")
                    .bind(0_i64)
                    .bind(None::<i64>)
                    .bind(lead.fields.to_string())
                    .bind(self.now);
                ids.push(id);
            }
            q.execute(&mut *self.tx).await?;
        }
        self.inserted += ids.len() as u64;
        Ok(ids)
    }

    /// Leads inserted so far.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Makes the import permanent; returns how many leads it inserted.
    pub async fn commit(self) -> StoreResult<u64> {
        self.tx.commit().await?;
        Ok(self.inserted)
    }

    /// Discards everything (a dry run).
    pub async fn rollback(self) -> StoreResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}
