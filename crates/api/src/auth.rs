//! Bearer-token authentication and role checks.
//!
//! `Authorization: Bearer <token>` -> the token's [`Principal`]. A missing, malformed,
//! unknown, revoked or expired token is 401; a valid token over its rate is 429; a role too
//! low for the operation is 403. Objects of other organizations are never 403 but 404
//! (handlers always query within `principal.org_id`).

use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use callbridge_store::tokens::Principal;
use callbridge_store::users::Role;

use crate::error::{ApiResult, AppError};
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| AppError::unauthorized("missing Authorization: Bearer <token>"))?;
        let value = header
            .to_str()
            .map_err(|_| AppError::unauthorized("malformed Authorization header"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(|| AppError::unauthorized("expected Authorization: Bearer <token>"))?;
        let principal = state
            .store
            .authenticate(token)
            .await?
            .ok_or_else(|| AppError::unauthorized("unknown, revoked or expired token"))?;
        state
            .rate_limiter
            .check(&principal.token_id, Instant::now())
            .map_err(AppError::rate_limited)?;
        Ok(Auth(principal))
    }
}

impl Auth {
    pub fn org(&self) -> &str {
        &self.0.org_id
    }

    pub fn user(&self) -> &str {
        &self.0.user_id
    }

    pub fn role(&self) -> Role {
        self.0.role
    }

    /// 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.0.role >= role {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "this needs the {} role; your token has {}",
                role.as_str(),
                self.0.role.as_str()
            )))
        }
    }

    /// 403 unless the caller is a platform admin (manages organizations).
    pub fn require_platform_admin(&self) -> ApiResult<()> {
        if self.0.platform_admin {
            Ok(())
        } else {
            Err(AppError::forbidden("this needs a platform administrator"))
        }
    }
}
