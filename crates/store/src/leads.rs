//! A campaign's leads: who to call (E.164 phone, unique per campaign), in which time zone and
//! where the lead stands. Bulk imports go through [`LeadImport`], one transaction fed in
//! batches so a 100k-row file never sits in memory as rows.

mod import;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::campaigns::CampaignStatus;
use crate::row::{get, get_json};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

pub use import::LeadImport;

const T: &str = "leads";

/// Where a lead stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeadStatus {
    /// Waiting to be called.
    Pending,
    /// A call is in progress.
    Calling,
    /// Reached; nothing more to do.
    Done,
    /// Given up (attempts exhausted or unreachable).
    Failed,
    /// The number is on the organization's do-not-call list: never dialled.
    Dnc,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Pending => "pending",
            LeadStatus::Calling => "calling",
            LeadStatus::Done => "done",
            LeadStatus::Failed => "failed",
            LeadStatus::Dnc => "dnc",
        }
    }

    pub fn parse(s: &str) -> Option<LeadStatus> {
        match s {
            "pending" => Some(LeadStatus::Pending),
            "calling" => Some(LeadStatus::Calling),
            "done" => Some(LeadStatus::Done),
            "failed" => Some(LeadStatus::Failed),
            "dnc" => Some(LeadStatus::Dnc),
            _ => None,
        }
    }
}

/// Where a lead's time zone came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeZoneSource {
    /// Given with the lead.
    Row,
    /// Derived from the phone number.
    Number,
    /// The organization's zone (the number did not tell).
    Org,
}

impl TimeZoneSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeZoneSource::Row => "row",
            TimeZoneSource::Number => "number",
            TimeZoneSource::Org => "org",
        }
    }

    pub fn parse(s: &str) -> Option<TimeZoneSource> {
        match s {
            "row" => Some(TimeZoneSource::Row),
            "number" => Some(TimeZoneSource::Number),
            "org" => Some(TimeZoneSource::Org),
            _ => None,
        }
    }
}

/// A lead.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lead {
    pub id: String,
    pub campaign_id: String,
    /// E.164.
    pub phone: String,
    pub name: String,
    pub company: String,
    pub email: String,
    /// IANA zone the calling window is read in.
    pub time_zone: String,
    pub time_zone_source: TimeZoneSource,
    pub status: LeadStatus,
    pub attempts: i64,
    /// When the dialer may try again (ms since the epoch), if scheduled.
    pub next_attempt_at: Option<i64>,
    /// Other columns of the lead's row, by header name.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: serde_json::Value,
    pub created_at: i64,
}

/// Fields of a new lead (validated by the caller; `phone` is E.164).
#[derive(Debug, Clone, PartialEq)]
pub struct NewLead {
    pub phone: String,
    pub name: String,
    pub company: String,
    pub email: String,
    pub time_zone: String,
    pub time_zone_source: TimeZoneSource,
    /// A JSON object.
    pub fields: serde_json::Value,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct LeadPatch {
    pub name: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    /// A zone given by hand (its source becomes `row`).
    pub time_zone: Option<String>,
    /// `pending` (re-queue: attempts start over), `done` or `failed`.
    pub status: Option<LeadStatus>,
    pub fields: Option<serde_json::Value>,
}

pub(crate) const COLS: &str = "id, org_id, campaign_id, phone, name, company, email, time_zone, \
     time_zone_source, status, attempts, next_attempt_at, fields, created_at";

fn from_row(r: &AnyRow) -> StoreResult<Lead> {
    let status: String = get(r, T, "status")?;
    let source: String = get(r, T, "time_zone_source")?;
    let corrupt = |m: String| StoreError::Corrupt {
        table: T,
        message: m,
    };
    Ok(Lead {
        id: get(r, T, "id")?,
        campaign_id: get(r, T, "campaign_id")?,
        phone: get(r, T, "phone")?,
        name: get(r, T, "name")?,
        company: get(r, T, "company")?,
        email: get(r, T, "email")?,
        time_zone: get(r, T, "time_zone")?,
        time_zone_source: TimeZoneSource::parse(&source)
            .ok_or_else(|| corrupt(format!("time_zone_source {source}")))?,
        status: LeadStatus::parse(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        attempts: get(r, T, "attempts")?,
        next_attempt_at: get(r, T, "next_attempt_at")?,
        fields: get_json(r, T, "fields")?,
        created_at: get(r, T, "created_at")?,
    })
}

/// "($1, $2), ($3, $4)" for `rows` rows of `cols` parameters, numbered from `first`.
pub(crate) fn values_list(rows: usize, cols: usize, first: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!("${}", first + r * cols + c));
        }
        s.push(')');
    }
    s
}

/// "$3, $4, $5" for an IN list of `n` parameters numbered from `first`.
pub(crate) fn in_list(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Adds one lead to a campaign. The number must not be on the organization's DNC list
    /// nor already a lead of the campaign (both conflicts); a completed campaign takes none.
    pub async fn create_lead(
        &self,
        org_id: &str,
        campaign_id: &str,
        new: &NewLead,
    ) -> StoreResult<Lead> {
        let campaign = self.get_campaign(org_id, campaign_id).await?;
        if campaign.status == CampaignStatus::Completed {
            return Err(StoreError::Conflict(
                "a completed campaign takes no new leads".to_owned(),
            ));
        }
        if self.get_dnc(org_id, &new.phone).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "{} is on the organization's do-not-call list",
                new.phone
            )));
        }
        let mut import = self.begin_lead_import(org_id, campaign_id, true).await?;
        let ids = import
            .insert(std::slice::from_ref(new))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "{} is already a lead of this campaign",
                    new.phone
                )),
                other => other,
            })?;
        import.commit().await?;
        let id = ids.into_iter().next().ok_or(StoreError::NotFound)?;
        self.get_lead(org_id, campaign_id, &id).await
    }

    pub async fn get_lead(
        &self,
        org_id: &str,
        campaign_id: &str,
        lead_id: &str,
    ) -> StoreResult<Lead> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM leads WHERE org_id = $1 AND campaign_id = $2 AND id = $3"
        )))
        .bind(org_id)
        .bind(campaign_id)
        .bind(lead_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// A campaign's leads in creation order, optionally only those in `status`. A campaign
    /// that is not the organization's is `NotFound` (not an empty list).
    pub async fn list_leads(
        &self,
        org_id: &str,
        campaign_id: &str,
        status: Option<LeadStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Lead>> {
        let limit = page.limit()?;
        let cursor = page.cursor_after("lead")?;
        self.get_campaign(org_id, campaign_id).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM leads WHERE org_id = $1 AND campaign_id = $2 AND id > $3 \
             AND ($4 = '' OR status = $4) ORDER BY id LIMIT $5"
        )))
        .bind(org_id)
        .bind(campaign_id)
        .bind(cursor)
        .bind(status.map_or("", LeadStatus::as_str))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |l| l.id.clone()))
    }

    /// Updates a lead. Status may be set to `pending` (attempts start over; a conflict while
    /// the number is on the DNC list), `done` or `failed`; the dialer alone sets `calling`,
    /// and the DNC list alone sets `dnc`.
    pub async fn update_lead(
        &self,
        org_id: &str,
        campaign_id: &str,
        lead_id: &str,
        patch: &LeadPatch,
    ) -> StoreResult<Lead> {
        let cur = self.get_lead(org_id, campaign_id, lead_id).await?;
        if let Some(s @ (LeadStatus::Calling | LeadStatus::Dnc)) = patch.status {
            return Err(StoreError::Invalid {
                field: "status",
                message: format!("{} is set by the system, not by hand", s.as_str()),
            });
        }
        let requeue =
            patch.status == Some(LeadStatus::Pending) && cur.status != LeadStatus::Pending;
        if requeue && self.get_dnc(org_id, &cur.phone).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "{} is on the organization's do-not-call list",
                cur.phone
            )));
        }
        let (attempts, next) = if requeue {
            (0, None)
        } else {
            (cur.attempts, cur.next_attempt_at)
        };
        let (time_zone, source) = match &patch.time_zone {
            Some(z) => (z.clone(), TimeZoneSource::Row),
            None => (cur.time_zone, cur.time_zone_source),
        };
        let fields = patch.fields.as_ref().unwrap_or(&cur.fields);
        sqlx::query(
            "UPDATE leads SET name = $1, company = $2, email = $3, time_zone = $4, \
             time_zone_source = $5, status = $6, attempts = $7, next_attempt_at = $8, fields = $9 \
             WHERE org_id = $10 AND campaign_id = $11 AND id = $12",
        )
        .bind(patch.name.as_ref().unwrap_or(&cur.name))
        .bind(patch.company.as_ref().unwrap_or(&cur.company))
        .bind(patch.email.as_ref().unwrap_or(&cur.email))
        .bind(&time_zone)
        .bind(source.as_str())
        .bind(patch.status.unwrap_or(cur.status).as_str())
        .bind(attempts)
        .bind(next)
        .bind(fields.to_string())
        .bind(org_id)
        .bind(campaign_id)
        .bind(lead_id)
        .execute(&self.pool)
        .await?;
        self.get_lead(org_id, campaign_id, lead_id).await
    }

    pub async fn delete_lead(
        &self,
        org_id: &str,
        campaign_id: &str,
        lead_id: &str,
    ) -> StoreResult<()> {
        let done =
            sqlx::query("DELETE FROM leads WHERE org_id = $1 AND campaign_id = $2 AND id = $3")
                .bind(org_id)
                .bind(campaign_id)
                .bind(lead_id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

/// A new lead id (time-ordered, so listing by id lists in import order).
pub(crate) fn new_lead_id(now: i64) -> String {
    id::new_id("lead", now)
}
