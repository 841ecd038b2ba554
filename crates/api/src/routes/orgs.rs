//! `/api/v1/organizations`: tenants. Platform administrators only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use callbridge_store::orgs::Organization;
use callbridge_store::users::{NewUser, Role, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Auth;
use crate::error::{ApiResult, AppError, missing};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::PageQuery;
use crate::state::AppState;
use crate::validate;

crate::page_type!(OrganizationPage, Organization);

/// A new organization and its first administrator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// Display name (1-200 characters).
    pub name: String,
    /// The organization's first admin user.
    pub admin_email: String,
    pub admin_name: String,
}

/// The created organization, its admin, and the admin's first token (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedOrganization {
    pub organization: Organization,
    pub admin: User,
    /// The admin's API token. It is not stored in clear and cannot be shown again.
    pub admin_token: String,
}

/// A rename.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    pub name: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(get_org, update_org, delete_org))
}

/// List organizations.
#[utoipa::path(get, path = "/organizations", tag = "organizations", params(PageQuery),
    responses((status = 200, body = OrganizationPage)))]
async fn list_orgs(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<OrganizationPage>> {
    auth.require_platform_admin()?;
    Ok(Json(st.store.list_orgs(&(&q).into()).await?.into()))
}

/// Create an organization with its first admin user and token.
#[utoipa::path(post, path = "/organizations", tag = "organizations",
    request_body = CreateOrganization,
    responses((status = 201, body = CreatedOrganization)))]
async fn create_org(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateOrganization>,
) -> ApiResult<(StatusCode, Json<CreatedOrganization>)> {
    auth.require_platform_admin()?;
    let name = validate::text("name", &body.name, 200)?;
    let email = validate::email("admin_email", &body.admin_email)?;
    let admin_name = validate::text("admin_name", &body.admin_name, 200)?;
    let org = st.store.create_org(&name).await?;
    let admin = st
        .store
        .create_user(
            &org.id,
            &NewUser {
                email,
                name: admin_name,
                role: Role::Admin,
                platform_admin: false,
            },
        )
        .await?;
    let (_, secret) = st
        .store
        .create_token(&org.id, &admin.id, "initial admin token", None)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedOrganization {
            organization: org,
            admin,
            admin_token: secret,
        }),
    ))
}

/// Get an organization.
#[utoipa::path(get, path = "/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "Organization id")),
    responses((status = 200, body = Organization)))]
async fn get_org(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Organization>> {
    auth.require_platform_admin()?;
    validate::path_id("org", &id, "organization")?;
    Ok(Json(
        st.store
            .get_org(&id)
            .await
            .map_err(missing("organization"))?,
    ))
}

/// Rename an organization.
#[utoipa::path(patch, path = "/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "Organization id")),
    request_body = UpdateOrganization,
    responses((status = 200, body = Organization)))]
async fn update_org(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOrganization>,
) -> ApiResult<Json<Organization>> {
    auth.require_platform_admin()?;
    validate::path_id("org", &id, "organization")?;
    let name = validate::text("name", &body.name, 200)?;
    Ok(Json(
        st.store
            .rename_org(&id, &name)
            .await
            .map_err(missing("organization"))?,
    ))
}

/// Delete an organization and everything it owns (calls, transcripts, recordings).
#[utoipa::path(delete, path = "/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "Organization id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_org(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require_platform_admin()?;
    validate::path_id("org", &id, "organization")?;
    if id == auth.org() {
        return Err(AppError::conflict(
            "you cannot delete your own organization",
        ));
    }
    let paths = st
        .store
        .delete_org(&id)
        .await
        .map_err(missing("organization"))?;
    crate::files::remove_recordings(&st.data_dir, &paths).await;
    Ok(StatusCode::NO_CONTENT)
}
