//! Outbound campaigns: a name, the script the agent follows, typed settings (calling window,
//! pacing, retries, caller id, AI disclosure, voicemail) and a status machine:
//! draft -> running <-> paused, running | paused -> completed. A completed campaign is final.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::row::get;
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "campaigns";

/// Where a campaign is in its life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    /// Being prepared; nothing is dialled.
    Draft,
    /// The dialer works through its pending leads.
    Running,
    /// Temporarily stopped; resumable.
    Paused,
    /// Finished for good.
    Completed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Running => "running",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<CampaignStatus> {
        match s {
            "draft" => Some(CampaignStatus::Draft),
            "running" => Some(CampaignStatus::Running),
            "paused" => Some(CampaignStatus::Paused),
            "completed" => Some(CampaignStatus::Completed),
            _ => None,
        }
    }

    /// The statuses from which `self` may be entered.
    pub fn allowed_from(self) -> &'static [CampaignStatus] {
        match self {
            CampaignStatus::Draft => &[],
            CampaignStatus::Running => &[CampaignStatus::Draft, CampaignStatus::Paused],
            CampaignStatus::Paused => &[CampaignStatus::Running],
            CampaignStatus::Completed => &[CampaignStatus::Running, CampaignStatus::Paused],
        }
    }
}

/// A day of the week.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// When leads may be called, in local time of the zone the policy picks.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallingWindow {
    /// "HH:MM", 24-hour, local time; before `end`.
    pub start: String,
    /// "HH:MM", 24-hour, local time ("24:00" for midnight).
    pub end: String,
    /// Days calls are placed on; at least one.
    pub days: Vec<Weekday>,
}

/// Whose clock the calling window is read on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeZonePolicy {
    /// The lead's own zone (from the lead row or derived from the number): the legal default.
    #[default]
    Lead,
    /// The organization's zone.
    Org,
}

/// How fast the dialer goes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pacing {
    /// New calls started per minute, 1-600.
    pub calls_per_minute: u32,
    /// Calls in progress at once, 1-500.
    pub max_concurrent: u32,
}

/// What to do when a machine answers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoicemailAction {
    /// Hang up and count the attempt.
    #[default]
    HangUp,
    /// Leave `message` after the beep.
    LeaveMessage,
}

/// Voicemail handling.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoicemailPolicy {
    #[serde(default)]
    pub action: VoicemailAction,
    /// The message spoken with `leave_message` (required then, absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A campaign's settings. Stored as JSON; the HTTP layer validates them semantically.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSettings {
    pub calling_window: CallingWindow,
    #[serde(default)]
    pub time_zone_policy: TimeZonePolicy,
    /// Calls per lead before it is given up, 1-20.
    pub max_attempts: u32,
    /// Minutes between attempts on one lead, 1-43200.
    pub retry_delay_minutes: u32,
    pub pacing: Pacing,
    /// The number shown to the called party, E.164.
    pub caller_id: String,
    /// What the agent says first: outbound AI calls must disclose that an AI is calling.
    pub ai_disclosure: String,
    #[serde(default)]
    pub voicemail: VoicemailPolicy,
}

/// A campaign.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub status: CampaignStatus,
    /// The script the agent follows (null if its script was deleted or none is set yet).
    pub script_id: Option<String>,
    pub settings: CampaignSettings,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Fields of a new campaign (it starts as a draft).
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub script_id: Option<String>,
    pub settings: CampaignSettings,
}

/// A partial update; `None` leaves a field as it is, `script_id: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CampaignPatch {
    pub name: Option<String>,
    pub script_id: Option<Option<String>>,
    pub settings: Option<CampaignSettings>,
}

const COLS: &str = "id, org_id, name, status, script_id, settings, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<Campaign> {
    let status: String = get(r, T, "status")?;
    let settings: String = get(r, T, "settings")?;
    Ok(Campaign {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        name: get(r, T, "name")?,
        status: CampaignStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("status {status}")))?,
        script_id: get(r, T, "script_id")?,
        settings: serde_json::from_str(&settings).map_err(|e| corrupt(format!("settings: {e}")))?,
        created_at: get(r, T, "created_at")?,
        updated_at: get(r, T, "updated_at")?,
    })
}

fn corrupt(message: String) -> StoreError {
    StoreError::Corrupt { table: T, message }
}

fn settings_json(s: &CampaignSettings) -> StoreResult<String> {
    serde_json::to_string(s).map_err(|e| corrupt(format!("settings: {e}")))
}

impl Store {
    /// Creates a draft campaign; a `script_id` must name a script of the organization.
    pub async fn create_campaign(&self, org_id: &str, new: &NewCampaign) -> StoreResult<Campaign> {
        if let Some(script) = &new.script_id {
            self.check_script(org_id, script).await?;
        }
        let now = self.now_ms();
        let c = Campaign {
            id: id::new_id("cmp", now),
            org_id: org_id.to_owned(),
            name: new.name.clone(),
            status: CampaignStatus::Draft,
            script_id: new.script_id.clone(),
            settings: new.settings.clone(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO campaigns ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )))
        .bind(&c.id)
        .bind(&c.org_id)
        .bind(&c.name)
        .bind(c.status.as_str())
        .bind(&c.script_id)
        .bind(settings_json(&c.settings)?)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(c)
    }

    pub async fn get_campaign(&self, org_id: &str, campaign_id: &str) -> StoreResult<Campaign> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM campaigns WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// The organization's campaigns in creation order, optionally only those in `status`.
    pub async fn list_campaigns(
        &self,
        org_id: &str,
        status: Option<CampaignStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Campaign>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM campaigns WHERE org_id = $1 AND id > $2 \
             AND ($3 = '' OR status = $3) ORDER BY id LIMIT $4"
        )))
        .bind(org_id)
        .bind(page.cursor_after("cmp")?)
        .bind(status.map_or("", CampaignStatus::as_str))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |c| c.id.clone()))
    }

    /// Changes name, script or settings. A completed campaign is final: a conflict.
    pub async fn update_campaign(
        &self,
        org_id: &str,
        campaign_id: &str,
        patch: &CampaignPatch,
    ) -> StoreResult<Campaign> {
        let cur = self.get_campaign(org_id, campaign_id).await?;
        if cur.status == CampaignStatus::Completed {
            return Err(StoreError::Conflict(
                "a completed campaign cannot be changed".to_owned(),
            ));
        }
        if let Some(Some(script)) = &patch.script_id {
            self.check_script(org_id, script).await?;
        }
        let script_id = patch.script_id.clone().unwrap_or(cur.script_id);
        let settings = patch.settings.as_ref().unwrap_or(&cur.settings);
        sqlx::query(
            "UPDATE campaigns SET name = $1, script_id = $2, settings = $3, updated_at = $4 \
             WHERE org_id = $5 AND id = $6",
        )
        .bind(patch.name.as_ref().unwrap_or(&cur.name))
        .bind(&script_id)
        .bind(settings_json(settings)?)
        .bind(self.now_ms())
        .bind(org_id)
        .bind(campaign_id)
        .execute(&self.pool)
        .await?;
        self.get_campaign(org_id, campaign_id).await
    }

    /// Moves a campaign to `to`. An illegal transition (see [`CampaignStatus::allowed_from`])
    /// is a conflict, and so is starting a campaign without a script.
    pub async fn set_campaign_status(
        &self,
        org_id: &str,
        campaign_id: &str,
        to: CampaignStatus,
    ) -> StoreResult<Campaign> {
        let cur = self.get_campaign(org_id, campaign_id).await?;
        if !to.allowed_from().contains(&cur.status) {
            return Err(StoreError::Conflict(format!(
                "a {} campaign cannot become {}",
                cur.status.as_str(),
                to.as_str()
            )));
        }
        if to == CampaignStatus::Running && cur.script_id.is_none() {
            return Err(StoreError::Conflict(
                "set the campaign's script_id before starting it".to_owned(),
            ));
        }
        // The status guard makes a concurrent transition lose cleanly instead of skipping a
        // state (e.g. two "complete"s, or "pause" racing "complete").
        let done = sqlx::query(
            "UPDATE campaigns SET status = $1, updated_at = $2 \
             WHERE org_id = $3 AND id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(self.now_ms())
        .bind(org_id)
        .bind(campaign_id)
        .bind(cur.status.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "the campaign changed status meanwhile; retry".to_owned(),
            ));
        }
        self.get_campaign(org_id, campaign_id).await
    }

    /// Deletes a campaign and its leads (its calls stay, without a campaign). A running
    /// campaign must be paused or completed first: a conflict.
    pub async fn delete_campaign(&self, org_id: &str, campaign_id: &str) -> StoreResult<()> {
        let done = sqlx::query(
            "DELETE FROM campaigns WHERE org_id = $1 AND id = $2 AND status <> 'running'",
        )
        .bind(org_id)
        .bind(campaign_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            // Either missing (404) or running (409).
            self.get_campaign(org_id, campaign_id).await?;
            return Err(StoreError::Conflict(
                "pause or complete a running campaign before deleting it".to_owned(),
            ));
        }
        Ok(())
    }

    /// A script id must name a script of the organization (scripts are another module's;
    /// the table is queried directly so campaigns do not depend on its API).
    async fn check_script(&self, org_id: &str, script_id: &str) -> StoreResult<()> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM scripts WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(script_id)
                .fetch_one(&self.pool)
                .await?;
        if n == 0 {
            return Err(StoreError::Invalid {
                field: "script_id",
                message: "no such script in this organization".to_owned(),
            });
        }
        Ok(())
    }
}
