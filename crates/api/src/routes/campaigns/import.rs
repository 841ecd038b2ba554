//! `POST /api/v1/campaigns/{id}/leads/import`: leads from a CSV file, with a row-by-row
//! report. Rows are read in batches inside one transaction: each batch is validated (phone
//! to E.164, time zone given or derived), checked against the file so far, the campaign's
//! leads and the DNC list, and its valid rows inserted. Every valid row is imported or none
//! (a database failure rolls all back); `?dry_run=true` reports without writing.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use callbridge_store::leads::{LeadImport, NewLead, TimeZoneSource};
use callbridge_store::settings::OrgSettings;
use callbridge_store::users::Role;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::csv_upload::{
    BATCH_ROWS, CsvRows, DetailCap, ImportQuery, Record, RowError, field, normalize_phone, ragged,
    read_csv, short_text,
};
use super::leads::lead_zone;
use crate::auth::Auth;
use crate::error::{ApiResult, missing};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::validate;

/// A validated row: the lead and its time-zone note, or the row's phone (if any) and errors.
type RowOutcome = Result<(NewLead, Option<String>), (Option<String>, Vec<RowError>)>;

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LeadRowStatus {
    /// Imported (or, in a dry run, would be).
    Imported,
    /// Invalid: see `errors`.
    Rejected,
    /// The number is earlier in the file or already a lead of the campaign.
    Duplicate,
    /// The number is on the organization's do-not-call list.
    Dnc,
}

/// One row's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadImportRow {
    /// Line of the file where the row starts (the header is line 1).
    pub row: u64,
    pub status: LeadRowStatus,
    /// The number in E.164, when it could be read.
    pub phone_e164: Option<String>,
    pub time_zone: Option<String>,
    pub time_zone_source: Option<TimeZoneSource>,
    /// Set when the zone was a guess among several the number may be in.
    pub note: Option<String>,
    pub errors: Vec<RowError>,
}

/// The import's report. Counts cover every row; `rows` lists problem rows (at most 1000)
/// and imported rows among the first 1000 data rows, and `rows_truncated` says whether
/// some outcome was left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadImportReport {
    pub dry_run: bool,
    pub rows_total: u64,
    pub imported: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub dnc: u64,
    pub rows_truncated: bool,
    /// In file order (by `row`).
    pub rows: Vec<LeadImportRow>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_leads))
}

/// Which column holds what.
#[derive(Debug)]
struct Columns {
    header_len: usize,
    /// (index, header name as written) of each known column.
    phone: (usize, String),
    name: Option<(usize, String)>,
    company: Option<(usize, String)>,
    email: Option<(usize, String)>,
    time_zone: Option<(usize, String)>,
    /// Every other named column, kept in `fields`.
    extra: Vec<(usize, String)>,
}

impl Columns {
    fn new(rows: &CsvRows<'_>) -> ApiResult<Columns> {
        let named = |i: usize| (i, rows.header.get(i).cloned().unwrap_or_default());
        let phone = rows.phone_column()?;
        let name = rows.column(&["name"]);
        let company = rows.column(&["company"]);
        let email = rows.column(&["email"]);
        let time_zone = rows.column(&["time_zone", "timezone"]);
        let known = [Some(phone), name, company, email, time_zone];
        let extra = rows
            .header
            .iter()
            .enumerate()
            .filter(|(i, h)| !h.is_empty() && !known.contains(&Some(*i)))
            .map(|(i, h)| (i, h.clone()))
            .collect();
        Ok(Columns {
            header_len: rows.header.len(),
            phone: named(phone),
            name: name.map(named),
            company: company.map(named),
            email: email.map(named),
            time_zone: time_zone.map(named),
            extra,
        })
    }
}

/// A row that passed validation.
struct Candidate {
    line: u64,
    data_row: u64,
    lead: NewLead,
    note: Option<String>,
}

/// The import in progress: the report, the numbers seen so far and the cap on details.
struct Run<'a> {
    cols: Columns,
    settings: &'a OrgSettings,
    report: LeadImportReport,
    /// E.164 -> the line it first appeared on.
    seen: HashMap<String, u64>,
    cap: DetailCap,
}

impl Run<'_> {
    fn push(&mut self, data_row: u64, row: LeadImportRow) {
        match row.status {
            LeadRowStatus::Imported => self.report.imported += 1,
            LeadRowStatus::Rejected => self.report.rejected += 1,
            LeadRowStatus::Duplicate => self.report.duplicates += 1,
            LeadRowStatus::Dnc => self.report.dnc += 1,
        }
        if self
            .cap
            .admit(row.status != LeadRowStatus::Imported, data_row)
        {
            self.report.rows.push(row);
        }
        self.report.rows_truncated = self.cap.truncated;
    }

    /// Validates one record into a lead, or the row's errors.
    fn validate(&self, rec: &Record) -> RowOutcome {
        let c = &self.cols;
        let mut errors: Vec<RowError> = ragged(rec, c.header_len).into_iter().collect();
        let err = |col: &str, message: String| RowError {
            column: Some(col.to_owned()),
            message,
        };
        let phone =
            match normalize_phone(field(rec, Some(c.phone.0)), &self.settings.default_country) {
                Ok(p) => Some(p),
                Err(m) => {
                    errors.push(err(&c.phone.1, m));
                    None
                }
            };
        let col_name =
            |col: &Option<(usize, String)>| col.as_ref().map_or("", |(_, h)| h.as_str()).to_owned();
        let mut text = |col: &Option<(usize, String)>, max: usize| -> String {
            match short_text(field(rec, col.as_ref().map(|(i, _)| *i)), max) {
                Ok(v) => v,
                Err(m) => {
                    errors.push(err(&col_name(col), m));
                    String::new()
                }
            }
        };
        let name = text(&c.name, 200);
        let company = text(&c.company, 200);
        let email = text(&c.email, 254);
        let zone = text(&c.time_zone, 64);
        let email = if email.is_empty() {
            email
        } else {
            validate::email("email", &email).unwrap_or_else(|e| {
                errors.push(err(&col_name(&c.email), strip_field(&e.message)));
                String::new()
            })
        };
        if !zone.is_empty() && !callbridge_dialplan::phone::is_known_zone(&zone) {
            errors.push(err(
                &col_name(&c.time_zone),
                format!("{zone:?} is not an IANA time zone such as America/New_York"),
            ));
        }
        let mut extra = serde_json::Map::new();
        for (i, h) in &c.extra {
            let v = field(rec, Some(*i));
            if !v.is_empty() {
                extra.insert(h.clone(), serde_json::Value::String(v.to_owned()));
            }
        }
        let phone = match (phone, errors.is_empty()) {
            (Some(p), true) => p,
            (p, _) => return Err((p.map(|p| p.into_string()), errors)),
        };
        let given = (!zone.is_empty()).then_some(zone.as_str());
        let (time_zone, time_zone_source, note) =
            lead_zone(given, &phone, &self.settings.time_zone);
        let lead = NewLead {
            phone: phone.into_string(),
            name,
            company,
            email,
            time_zone,
            time_zone_source,
            fields: serde_json::Value::Object(extra),
        };
        Ok((lead, note))
    }

    /// Validates, classifies and (unless a dry run) inserts one batch of records.
    async fn batch(
        &mut self,
        import: &mut LeadImport,
        records: Vec<Record>,
        dry_run: bool,
    ) -> ApiResult<()> {
        // (data row, outcome): invalid rows are decided before the database checks of the
        // valid ones, so outcomes are gathered and reported in file order at the end.
        let mut done: Vec<(u64, LeadImportRow)> = Vec::with_capacity(records.len());
        let mut candidates = Vec::new();
        for rec in records {
            self.report.rows_total += 1;
            let data_row = self.report.rows_total;
            match self.validate(&rec) {
                Err((phone_e164, errors)) => {
                    let row = outcome(rec.line, LeadRowStatus::Rejected, phone_e164, errors);
                    done.push((data_row, row));
                }
                Ok((lead, note)) => match self.seen.get(&lead.phone) {
                    Some(first) => {
                        let msg = format!("the same number is on line {first}");
                        let row =
                            self.problem(rec.line, LeadRowStatus::Duplicate, &lead.phone, msg);
                        done.push((data_row, row));
                    }
                    None => {
                        self.seen.insert(lead.phone.clone(), rec.line);
                        candidates.push(Candidate {
                            line: rec.line,
                            data_row,
                            lead,
                            note,
                        });
                    }
                },
            }
        }
        let phones: Vec<String> = candidates.iter().map(|c| c.lead.phone.clone()).collect();
        let dnc = import.dnc_phones(&phones).await?;
        let existing = import.existing_phones(&phones).await?;
        let mut to_insert = Vec::with_capacity(candidates.len());
        for c in candidates {
            let phone = c.lead.phone.clone();
            let row = if dnc.contains(&phone) {
                let msg = "the number is on the organization's do-not-call list".to_owned();
                self.problem(c.line, LeadRowStatus::Dnc, &phone, msg)
            } else if existing.contains(&phone) {
                let msg = "the number is already a lead of this campaign".to_owned();
                self.problem(c.line, LeadRowStatus::Duplicate, &phone, msg)
            } else {
                let mut row = outcome(c.line, LeadRowStatus::Imported, Some(phone), Vec::new());
                row.time_zone = Some(c.lead.time_zone.clone());
                row.time_zone_source = Some(c.lead.time_zone_source);
                row.note = c.note;
                to_insert.push(c.lead);
                row
            };
            done.push((c.data_row, row));
        }
        // Batches come in file order, so sorting each one keeps the whole report in file
        // order, and the detail cap keeps the earliest problem rows.
        done.sort_by_key(|(_, row)| row.row);
        for (data_row, row) in done {
            self.push(data_row, row);
        }
        if !dry_run {
            import.insert(&to_insert).await?;
        }
        Ok(())
    }

    fn problem(
        &self,
        line: u64,
        status: LeadRowStatus,
        phone: &str,
        message: String,
    ) -> LeadImportRow {
        let errors = vec![RowError {
            column: Some(self.cols.phone.1.clone()),
            message,
        }];
        outcome(line, status, Some(phone.to_owned()), errors)
    }
}

fn outcome(
    line: u64,
    status: LeadRowStatus,
    phone_e164: Option<String>,
    errors: Vec<RowError>,
) -> LeadImportRow {
    LeadImportRow {
        row: line,
        status,
        phone_e164,
        time_zone: None,
        time_zone_source: None,
        note: None,
        errors,
    }
}

/// `validate::email`'s message without its "email: " prefix (the column says which).
fn strip_field(message: &str) -> String {
    message
        .split_once(": ")
        .map_or(message, |(_, m)| m)
        .to_owned()
}

/// Import leads from CSV (manager). Header row required, with a `phone` (or `phone_number`,
/// `mobile`) column; optional `name`, `company`, `email`, `time_zone`; other columns are kept
/// in each lead's `fields`. National numbers are read in the organization's default country.
#[utoipa::path(post, path = "/campaigns/{id}/leads/import", tag = "leads",
    params(("id" = String, Path, description = "Campaign id"), ImportQuery),
    request_body(content = String, content_type = "text/csv",
        description = "CSV, UTF-8 (a byte-order mark is fine), comma-separated, header row first"),
    responses((status = 200, body = LeadImportReport)))]
async fn import_leads(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<LeadImportReport>> {
    auth.require(Role::Manager)?;
    validate::path_id("cmp", &id, "campaign")?;
    let text = read_csv(&headers, body, st.limits.upload_body).await?;
    let settings = st
        .store
        .get_settings(auth.org())
        .await
        .map_err(missing("settings"))?;
    let mut import = st
        .store
        .begin_lead_import(auth.org(), &id, !q.dry_run)
        .await
        .map_err(missing("campaign"))?;
    let mut rows = CsvRows::new(&text)?;
    let mut run = Run {
        cols: Columns::new(&rows)?,
        settings: &settings,
        report: LeadImportReport {
            dry_run: q.dry_run,
            rows_total: 0,
            imported: 0,
            rejected: 0,
            duplicates: 0,
            dnc: 0,
            rows_truncated: false,
            rows: Vec::new(),
        },
        seen: HashMap::new(),
        cap: DetailCap::default(),
    };
    loop {
        let batch = rows.next_batch(BATCH_ROWS)?;
        if batch.is_empty() {
            break;
        }
        run.batch(&mut import, batch, q.dry_run).await?;
    }
    if q.dry_run {
        import.rollback().await?;
    } else {
        import.commit().await?;
    }
    Ok(Json(run.report))
}
