//! `/api/v1/dnc`: the organization's do-not-call list (managers): add (idempotent), remove,
//! check, list (by phone) and CSV import. Numbers are normalized to E.164 with the
//! organization's default country; listing a number marks its pending leads `dnc`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use callbridge_dialplan::phone;
use callbridge_store::dnc::{DncEntry, DncImport, DncSource};
use callbridge_store::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::campaigns::csv_upload::{
    BATCH_ROWS, CsvRows, DetailCap, ImportQuery, Record, RowError, field, normalize_phone, ragged,
    read_csv, short_text,
};
use crate::auth::Auth;
use crate::error::{ApiResult, AppError};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;

crate::page_type!(DncPage, DncEntry);

/// A number to list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDnc {
    /// Any common format; national numbers are read in the organization's default country.
    pub phone: String,
    /// Why (free text, optional).
    #[serde(default)]
    pub reason: String,
}

/// The listed number.
#[derive(Debug, Serialize, ToSchema)]
pub struct DncAdded {
    /// The entry; the existing one, unchanged, if the number was listed already.
    pub entry: DncEntry,
    /// Whether this request listed it (201) or it was listed already (200).
    pub created: bool,
    /// Pending leads now marked `dnc`.
    pub leads_marked: u64,
}

/// `?phone=...`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// The number, in any common format.
    pub phone: String,
}

/// Whether a number is listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DncCheck {
    pub phone_e164: String,
    pub listed: bool,
    pub reason: Option<String>,
    /// When it was listed (ms since the epoch).
    pub added_at: Option<i64>,
}

/// What happened to an import row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DncRowStatus {
    /// Listed (or, in a dry run, would be).
    Imported,
    /// Was on the list already (its entry is unchanged).
    AlreadyListed,
    /// The number is earlier in the file.
    Duplicate,
    /// Invalid: see `errors`.
    Rejected,
}

/// One import row's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct DncImportRow {
    /// Line of the file where the row starts (the header is line 1).
    pub row: u64,
    pub status: DncRowStatus,
    pub phone_e164: Option<String>,
    pub errors: Vec<RowError>,
}

/// The import's report. Counts cover every row; `rows` lists problem rows (at most 1000)
/// and imported rows among the first 1000 data rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct DncImportReport {
    pub dry_run: bool,
    pub rows_total: u64,
    pub imported: u64,
    pub already_listed: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// Pending leads marked `dnc` (null in a dry run).
    pub leads_marked: Option<u64>,
    pub rows_truncated: bool,
    /// In file order (by `row`).
    pub rows: Vec<DncImportRow>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dnc, add_dnc))
        .routes(routes!(check_dnc))
        .routes(routes!(import_dnc))
        .routes(routes!(remove_dnc))
}

/// A number from a request field, as E.164, or a 422 naming `field`.
async fn e164(st: &AppState, org: &str, field: &str, value: &str) -> ApiResult<String> {
    let region = super::campaigns::default_region(st, org).await?;
    phone::normalize(value, &region)
        .map(phone::E164::into_string)
        .map_err(|e| AppError::invalid(field, e.to_string()))
}

/// List the DNC numbers in phone order (manager).
#[utoipa::path(get, path = "/dnc", tag = "dnc", params(PageQuery),
    responses((status = 200, body = DncPage)))]
async fn list_dnc(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<DncPage>> {
    auth.require(Role::Manager)?;
    Ok(Json(
        st.store.list_dnc(auth.org(), &(&q).into()).await?.into(),
    ))
}

/// List a number (manager). Idempotent: 201 when newly listed, 200 when it was already.
#[utoipa::path(post, path = "/dnc", tag = "dnc", request_body = AddDnc,
    responses((status = 201, body = DncAdded, description = "Listed"),
        (status = 200, body = DncAdded, description = "Was listed already")))]
async fn add_dnc(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AddDnc>,
) -> ApiResult<(StatusCode, Json<DncAdded>)> {
    auth.require(Role::Manager)?;
    let number = e164(&st, auth.org(), "phone", &body.phone).await?;
    let reason = short_text(&body.reason, 500).map_err(|m| AppError::invalid("reason", m))?;
    let added = st
        .store
        .add_dnc(auth.org(), &number, &reason, DncSource::Api)
        .await?;
    let status = if added.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(DncAdded {
            entry: added.entry,
            created: added.created,
            leads_marked: added.leads_marked,
        }),
    ))
}

/// Whether a number is listed (manager).
#[utoipa::path(get, path = "/dnc/check", tag = "dnc", params(CheckQuery),
    responses((status = 200, body = DncCheck)))]
async fn check_dnc(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CheckQuery>,
) -> ApiResult<Json<DncCheck>> {
    auth.require(Role::Manager)?;
    let number = e164(&st, auth.org(), "phone", &q.phone).await?;
    let entry = st.store.get_dnc(auth.org(), &number).await?;
    Ok(Json(DncCheck {
        phone_e164: number,
        listed: entry.is_some(),
        reason: entry.as_ref().map(|e| e.reason.clone()),
        added_at: entry.map(|e| e.added_at),
    }))
}

/// Unlist a number (manager): the path is the number, URL-encoded (`%2B14155550134`).
/// Leads marked `dnc` stay so until re-queued.
#[utoipa::path(delete, path = "/dnc/{phone}", tag = "dnc",
    params(("phone" = String, Path, description = "The number, URL-encoded")),
    responses((status = 204, description = "Unlisted")))]
async fn remove_dnc(
    State(st): State<AppState>,
    auth: Auth,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Manager)?;
    let number = e164(&st, auth.org(), "phone", &raw).await?;
    st.store
        .remove_dnc(auth.org(), &number)
        .await
        .map_err(crate::error::missing("dnc entry"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import numbers from CSV (manager): a `phone` (or `phone_number`, `mobile`) column and an
/// optional `reason` column.
#[utoipa::path(post, path = "/dnc/import", tag = "dnc", params(ImportQuery),
    request_body(content = String, content_type = "text/csv",
        description = "CSV, UTF-8 (a byte-order mark is fine), comma-separated, header row first"),
    responses((status = 200, body = DncImportReport)))]
async fn import_dnc(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<DncImportReport>> {
    auth.require(Role::Manager)?;
    let text = read_csv(&headers, body, st.limits.upload_body).await?;
    let region = super::campaigns::default_region(&st, auth.org()).await?;
    let mut rows = CsvRows::new(&text)?;
    let phone_col = rows.phone_column()?;
    let mut run = DncRun {
        header_len: rows.header.len(),
        phone: (phone_col, rows.header[phone_col].clone()),
        reason: rows
            .column(&["reason"])
            .map(|i| (i, rows.header[i].clone())),
        region,
        report: DncImportReport {
            dry_run: q.dry_run,
            rows_total: 0,
            imported: 0,
            already_listed: 0,
            duplicates: 0,
            rejected: 0,
            leads_marked: None,
            rows_truncated: false,
            rows: Vec::new(),
        },
        seen: HashMap::new(),
        cap: DetailCap::default(),
    };
    let mut import = st.store.begin_dnc_import(auth.org(), !q.dry_run).await?;
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
        let (_, marked) = import.commit().await?;
        run.report.leads_marked = Some(marked);
    }
    Ok(Json(run.report))
}

/// A DNC import in progress.
struct DncRun {
    header_len: usize,
    phone: (usize, String),
    reason: Option<(usize, String)>,
    region: String,
    report: DncImportReport,
    /// E.164 -> the line it first appeared on.
    seen: HashMap<String, u64>,
    cap: DetailCap,
}

impl DncRun {
    fn push(&mut self, data_row: u64, row: DncImportRow) {
        let r = &mut self.report;
        match row.status {
            DncRowStatus::Imported => r.imported += 1,
            DncRowStatus::AlreadyListed => r.already_listed += 1,
            DncRowStatus::Duplicate => r.duplicates += 1,
            DncRowStatus::Rejected => r.rejected += 1,
        }
        if self
            .cap
            .admit(row.status != DncRowStatus::Imported, data_row)
        {
            r.rows.push(row);
        }
        r.rows_truncated = self.cap.truncated;
    }

    fn row(
        &self,
        line: u64,
        status: DncRowStatus,
        phone: Option<String>,
        message: Option<String>,
    ) -> DncImportRow {
        DncImportRow {
            row: line,
            status,
            phone_e164: phone,
            errors: message
                .map(|m| RowError {
                    column: Some(self.phone.1.clone()),
                    message: m,
                })
                .into_iter()
                .collect(),
        }
    }

    /// The row's number and reason, or its errors.
    fn validate(&self, rec: &Record) -> Result<(String, String), Vec<RowError>> {
        let mut errors: Vec<RowError> = ragged(rec, self.header_len).into_iter().collect();
        let number = normalize_phone(field(rec, Some(self.phone.0)), &self.region);
        let reason = short_text(field(rec, self.reason.as_ref().map(|r| r.0)), 500);
        if let Err(m) = &number {
            errors.push(RowError {
                column: Some(self.phone.1.clone()),
                message: m.clone(),
            });
        }
        if let Err(m) = &reason {
            errors.push(RowError {
                column: self.reason.as_ref().map(|r| r.1.clone()),
                message: m.clone(),
            });
        }
        match (number, reason) {
            (Ok(n), Ok(r)) if errors.is_empty() => Ok((n.into_string(), r)),
            _ => Err(errors),
        }
    }

    async fn batch(
        &mut self,
        import: &mut DncImport,
        records: Vec<Record>,
        dry_run: bool,
    ) -> ApiResult<()> {
        // (data row, outcome): invalid rows are decided before the database check of the
        // valid ones, so outcomes are gathered and reported in file order at the end.
        let mut done: Vec<(u64, DncImportRow)> = Vec::with_capacity(records.len());
        let mut candidates = Vec::new();
        for rec in records {
            self.report.rows_total += 1;
            let data_row = self.report.rows_total;
            let row = match self.validate(&rec) {
                Err(errors) => {
                    let mut row = self.row(rec.line, DncRowStatus::Rejected, None, None);
                    row.errors = errors;
                    row
                }
                Ok((number, reason)) => match self.seen.get(&number) {
                    Some(first) => {
                        let m = format!("the same number is on line {first}");
                        self.row(rec.line, DncRowStatus::Duplicate, Some(number), Some(m))
                    }
                    None => {
                        self.seen.insert(number.clone(), rec.line);
                        candidates.push((rec.line, data_row, number, reason));
                        continue;
                    }
                },
            };
            done.push((data_row, row));
        }
        let phones: Vec<String> = candidates.iter().map(|c| c.2.clone()).collect();
        let listed = import.listed(&phones).await?;
        let mut to_insert = Vec::with_capacity(candidates.len());
        for (line, data_row, number, reason) in candidates {
            let row = if listed.contains(&number) {
                self.row(line, DncRowStatus::AlreadyListed, Some(number), None)
            } else {
                to_insert.push((number.clone(), reason));
                self.row(line, DncRowStatus::Imported, Some(number), None)
            };
            done.push((data_row, row));
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
}
