//! `/api/v1/analyses`: the analyzer's results. Read-only here (the analyzer writes them);
//! reps see the analyses of their own calls only.

use axum::Json;
use axum::extract::{Path, State};
use callbridge_store::PageRequest;
use callbridge_store::analyses::{Analysis, AnalysisFilter, AnalysisStatus};
use callbridge_store::users::Role;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(AnalysisPage, Analysis);

/// List filters and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AnalysisQuery {
    /// Analyses of this call.
    pub call_id: Option<String>,
    #[param(inline)]
    pub status: Option<AnalysisStatus>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_analyses))
        .routes(routes!(get_analysis))
}

fn is_manager(auth: &Auth) -> bool {
    auth.role() >= Role::Manager
}

/// List analyses, newest first.
#[utoipa::path(get, path = "/analyses", tag = "analyses", params(AnalysisQuery),
    responses((status = 200, body = AnalysisPage)))]
async fn list_analyses(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AnalysisQuery>,
) -> ApiResult<Json<AnalysisPage>> {
    if let Some(c) = &q.call_id
        && !callbridge_store::id::is_valid("call", c)
    {
        return Err(AppError::invalid("call_id", "not a call id"));
    }
    let filter = AnalysisFilter {
        call_id: q.call_id,
        status: q.status,
        visible_to: (!is_manager(&auth)).then(|| auth.user().to_owned()),
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(
        st.store
            .list_analyses(auth.org(), &filter, &page)
            .await?
            .into(),
    ))
}

/// An analysis.
#[utoipa::path(get, path = "/analyses/{id}", tag = "analyses",
    params(("id" = String, Path, description = "Analysis id")),
    responses((status = 200, body = Analysis)))]
async fn get_analysis(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Analysis>> {
    validate::path_id("ana", &id, "analysis")?;
    let analysis = st
        .store
        .get_analysis(auth.org(), &id)
        .await
        .map_err(missing("analysis"))?;
    if !is_manager(&auth) {
        // A rep sees it only through a call of theirs.
        let owner = match &analysis.call_id {
            Some(call) => {
                st.store
                    .get_call(auth.org(), call)
                    .await
                    .map_err(missing("analysis"))?
                    .user_id
            }
            None => None,
        };
        if owner.as_deref() != Some(auth.user()) {
            return Err(AppError::not_found("analysis"));
        }
    }
    Ok(Json(analysis))
}
