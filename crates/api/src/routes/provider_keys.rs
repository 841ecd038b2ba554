//! `/api/v1/provider-keys`: bring-your-own vendor keys (admin). Keys are shape-checked,
//! encrypted at rest, and never returned: only their last four characters.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::secrets::{Provider, ProviderKeyInfo};
use callbridge_store::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::ApiJson;
use crate::state::AppState;

/// A key to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutProviderKey {
    pub key: String,
}

/// The organization's keys (without the keys).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderKeyList {
    pub items: Vec<ProviderKeyInfo>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys))
        .routes(routes!(put_key, delete_key))
}

/// List stored provider keys (last four characters only).
#[utoipa::path(get, path = "/provider-keys", tag = "provider-keys",
    responses((status = 200, body = ProviderKeyList)))]
async fn list_keys(State(st): State<AppState>, auth: Auth) -> ApiResult<Json<ProviderKeyList>> {
    auth.require(Role::Admin)?;
    Ok(Json(ProviderKeyList {
        items: st.store.list_provider_keys(auth.org()).await?,
    }))
}

/// Store or replace the key for a provider.
#[utoipa::path(put, path = "/provider-keys/{provider}", tag = "provider-keys",
    params(("provider" = Provider, Path, description = "openai, anthropic, openrouter, deepgram or elevenlabs")),
    request_body = PutProviderKey,
    responses((status = 200, body = ProviderKeyInfo)))]
async fn put_key(
    State(st): State<AppState>,
    auth: Auth,
    Path(provider): Path<String>,
    ApiJson(body): ApiJson<PutProviderKey>,
) -> ApiResult<Json<ProviderKeyInfo>> {
    auth.require(Role::Admin)?;
    let provider = parse_provider(&provider)?;
    provider
        .check_shape(&body.key)
        .map_err(|e| AppError::invalid("key", e.0))?;
    Ok(Json(
        st.store
            .put_provider_key(auth.org(), provider, &st.master_key, &body.key)
            .await?,
    ))
}

/// Delete the key for a provider.
#[utoipa::path(delete, path = "/provider-keys/{provider}", tag = "provider-keys",
    params(("provider" = Provider, Path, description = "openai, anthropic, openrouter, deepgram or elevenlabs")),
    responses((status = 204, description = "Deleted")))]
async fn delete_key(
    State(st): State<AppState>,
    auth: Auth,
    Path(provider): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Admin)?;
    let provider = parse_provider(&provider)?;
    st.store
        .delete_provider_key(auth.org(), provider)
        .await
        .map_err(missing("provider key"))?;
    Ok(StatusCode::NO_CONTENT)
}

fn parse_provider(p: &str) -> ApiResult<Provider> {
    Provider::parse(p).ok_or_else(|| AppError::not_found("provider"))
}
