//! `/api/v1/users`: the organization's users. Admins manage them; anyone may read themselves.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::users::{NewUser, Role, User, UserPatch};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(UserPage, User);

/// A new user of the caller's organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// A partial update: absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(me))
        .routes(routes!(get_user, update_user, delete_user))
}

/// List the organization's users (admin).
#[utoipa::path(get, path = "/users", tag = "users", params(PageQuery),
    responses((status = 200, body = UserPage)))]
async fn list_users(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<UserPage>> {
    auth.require(Role::Admin)?;
    Ok(Json(
        st.store.list_users(auth.org(), &(&q).into()).await?.into(),
    ))
}

/// Create a user (admin).
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = User)))]
async fn create_user(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    auth.require(Role::Admin)?;
    let new = NewUser {
        email: validate::email("email", &body.email)?,
        name: validate::text("name", &body.name, 200)?,
        role: body.role,
        platform_admin: false,
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_user(auth.org(), &new).await?),
    ))
}

/// The caller's own user.
#[utoipa::path(get, path = "/users/me", tag = "users", responses((status = 200, body = User)))]
async fn me(State(st): State<AppState>, auth: Auth) -> ApiResult<Json<User>> {
    Ok(Json(
        st.store
            .get_user(auth.org(), auth.user())
            .await
            .map_err(missing("user"))?,
    ))
}

/// Get a user (admin, or the user themself).
#[utoipa::path(get, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = User)))]
async fn get_user(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    validate::path_id("usr", &id, "user")?;
    if id != auth.user() {
        auth.require(Role::Admin)?;
    }
    Ok(Json(
        st.store
            .get_user(auth.org(), &id)
            .await
            .map_err(missing("user"))?,
    ))
}

/// Update a user's name, role or disabled flag (admin). The last enabled admin cannot be
/// demoted or disabled.
#[utoipa::path(patch, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    request_body = UpdateUser,
    responses((status = 200, body = User)))]
async fn update_user(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    auth.require(Role::Admin)?;
    validate::path_id("usr", &id, "user")?;
    let current = st
        .store
        .get_user(auth.org(), &id)
        .await
        .map_err(missing("user"))?;
    let patch = UserPatch {
        name: body
            .name
            .map(|n| validate::text("name", &n, 200))
            .transpose()?,
        role: body.role,
        disabled: body.disabled,
    };
    let loses_admin = current.role == Role::Admin
        && !current.disabled
        && (patch.role.is_some_and(|r| r != Role::Admin) || patch.disabled == Some(true));
    if loses_admin && st.store.count_admins(auth.org()).await? <= 1 {
        return Err(AppError::conflict(
            "the organization's last admin cannot be demoted or disabled",
        ));
    }
    Ok(Json(
        st.store
            .update_user(auth.org(), &id, &patch)
            .await
            .map_err(missing("user"))?,
    ))
}

/// Delete a user and their tokens (admin). Their calls stay, without a user.
#[utoipa::path(delete, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_user(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Admin)?;
    validate::path_id("usr", &id, "user")?;
    if id == auth.user() {
        return Err(AppError::conflict("you cannot delete yourself"));
    }
    let user = st
        .store
        .get_user(auth.org(), &id)
        .await
        .map_err(missing("user"))?;
    if user.role == Role::Admin && !user.disabled && st.store.count_admins(auth.org()).await? <= 1 {
        return Err(AppError::conflict(
            "the organization's last admin cannot be deleted",
        ));
    }
    st.store
        .delete_user(auth.org(), &id)
        .await
        .map_err(missing("user"))?;
    Ok(StatusCode::NO_CONTENT)
}
