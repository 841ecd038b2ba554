//! `/api/v1/tokens`: API tokens. Everyone manages their own; admins manage anyone's in their
//! organization. The secret appears once, in the creation response.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::tokens::ApiToken;
use callbridge_store::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validate;

crate::page_type!(TokenPage, ApiToken);

/// A new token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, e.g. "CRM sync".
    pub name: String,
    /// Owner; defaults to the caller. Only admins may create tokens for others.
    pub user_id: Option<String>,
    /// Lifetime in days (1-3650); absent: no expiry.
    pub expires_in_days: Option<i64>,
}

/// A created token with its secret (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// Use as `Authorization: Bearer <secret>`. Not stored in clear; cannot be shown again.
    pub secret: String,
}

/// List filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Only this user's tokens (admins; others always see their own).
    pub user_id: Option<String>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// List tokens: admins see the organization's, others their own.
#[utoipa::path(get, path = "/tokens", tag = "tokens", params(TokenQuery),
    responses((status = 200, body = TokenPage)))]
async fn list_tokens(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> ApiResult<Json<TokenPage>> {
    let user = if auth.role() == Role::Admin {
        q.user_id.as_deref()
    } else {
        Some(auth.user())
    };
    let page = callbridge_store::PageRequest {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    Ok(Json(
        st.store.list_tokens(auth.org(), user, &page).await?.into(),
    ))
}

/// Create a token.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = CreateToken,
    responses((status = 201, body = CreatedToken)))]
async fn create_token(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = validate::text("name", &body.name, 200)?;
    let owner = match body.user_id.as_deref() {
        Some(u) if u != auth.user() => {
            auth.require(Role::Admin)?;
            if !callbridge_store::id::is_valid("usr", u) {
                return Err(AppError::invalid("user_id", "no such user"));
            }
            u.to_owned()
        }
        _ => auth.user().to_owned(),
    };
    let expires_at = body
        .expires_in_days
        .map(|d| validate::range("expires_in_days", d, 1..=3650))
        .transpose()?
        .map(|d| st.store.now_ms() + d * 86_400_000);
    let (token, secret) = st
        .store
        .create_token(auth.org(), &owner, &name, expires_at)
        .await
        .map_err(|e| match e {
            callbridge_store::StoreError::NotFound => AppError::invalid("user_id", "no such user"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Revoke a token (your own, or any in the organization as admin).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "Token id")),
    responses((status = 200, body = ApiToken)))]
async fn revoke_token(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiToken>> {
    validate::path_id("tok", &id, "token")?;
    let token = st
        .store
        .get_token(auth.org(), &id)
        .await
        .map_err(missing("token"))?;
    if token.user_id != auth.user() && auth.role() != Role::Admin {
        // Someone else's token is not theirs to see either.
        return Err(AppError::not_found("token"));
    }
    Ok(Json(
        st.store
            .revoke_token(auth.org(), &id)
            .await
            .map_err(missing("token"))?,
    ))
}
