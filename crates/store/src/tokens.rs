//! API tokens: the secret is shown once at creation and stored only as its SHA-256 hash.
//! Tokens are 160-bit random values, so a fast hash is enough (no password-style KDF needed).

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

use crate::row::{get, get_bool};
use crate::users::{NewUser, Role};
use crate::{Page, PageRequest, Store, StoreError, StoreResult, id};

const T: &str = "api_tokens";

/// Tokens start with this, so leaked ones are easy to recognise (secret scanners).
pub const TOKEN_PREFIX: &str = "cb_";

/// Name of the token seeded from `CALLBRIDGE_ADMIN_TOKEN`.
pub const BOOTSTRAP_TOKEN_NAME: &str = "bootstrap (CALLBRIDGE_ADMIN_TOKEN)";

/// A token's metadata (never its secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// Who is calling: the result of authenticating a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub org_id: String,
    pub user_id: String,
    pub role: Role,
    pub platform_admin: bool,
}

const COLS: &str =
    "id, org_id, user_id, name, prefix, created_at, expires_at, revoked_at, last_used_at";

fn from_row(r: &AnyRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: get(r, T, "id")?,
        org_id: get(r, T, "org_id")?,
        user_id: get(r, T, "user_id")?,
        name: get(r, T, "name")?,
        prefix: get(r, T, "prefix")?,
        created_at: get(r, T, "created_at")?,
        expires_at: get(r, T, "expires_at")?,
        revoked_at: get(r, T, "revoked_at")?,
        last_used_at: get(r, T, "last_used_at")?,
    })
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    id::hex(&Sha256::digest(secret.as_bytes()))
}

fn display_prefix(secret: &str) -> String {
    secret.chars().take(TOKEN_PREFIX.len() + 6).collect()
}

impl Store {
    /// Creates a token for a user of the organization; returns it and its secret (shown once).
    pub async fn create_token(
        &self,
        org_id: &str,
        user_id: &str,
        name: &str,
        expires_at: Option<i64>,
    ) -> StoreResult<(ApiToken, String)> {
        // The user must exist in this organization.
        self.get_user(org_id, user_id).await?;
        let secret = format!("{TOKEN_PREFIX}{}", id::random_hex(20));
        let token = self
            .insert_token(org_id, user_id, name, &secret, expires_at)
            .await?;
        Ok((token, secret))
    }

    async fn insert_token(
        &self,
        org_id: &str,
        user_id: &str,
        name: &str,
        secret: &str,
        expires_at: Option<i64>,
    ) -> StoreResult<ApiToken> {
        let now = self.now_ms();
        let token = ApiToken {
            id: id::new_id("tok", now),
            org_id: org_id.to_owned(),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            prefix: display_prefix(secret),
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        sqlx::query(
            "INSERT INTO api_tokens (id, org_id, user_id, name, token_hash, prefix, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token.id)
        .bind(org_id)
        .bind(user_id)
        .bind(name)
        .bind(hash_secret(secret))
        .bind(&token.prefix)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// Resolves a presented secret to its principal: `None` for unknown, revoked or expired
    /// tokens and for disabled users.
    pub async fn authenticate(&self, secret: &str) -> StoreResult<Option<Principal>> {
        let now = self.now_ms();
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.org_id, t.user_id, t.last_used_at, u.role, \
             u.platform_admin FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled = 0",
        )
        .bind(hash_secret(secret))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let role: String = get(&r, T, "role")?;
        let principal = Principal {
            token_id: get(&r, T, "token_id")?,
            org_id: get(&r, T, "org_id")?,
            user_id: get(&r, T, "user_id")?,
            role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                table: "users",
                message: format!("role {role}"),
            })?,
            platform_admin: get_bool(&r, T, "platform_admin")?,
        };
        // Record use at most once a minute: a write per request would serialize every reader
        // on SQLite for a timestamp nobody needs to the millisecond.
        let last: Option<i64> = get(&r, T, "last_used_at")?;
        if last.is_none_or(|l| now - l > 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&principal.token_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(principal))
    }

    /// Tokens of the organization, optionally of one user.
    pub async fn list_tokens(
        &self,
        org_id: &str,
        user_id: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<ApiToken>> {
        let limit = page.limit()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM api_tokens WHERE org_id = $1 AND id > $2 \
             AND ($3 = '' OR user_id = $3) ORDER BY id LIMIT $4"
        )))
        .bind(org_id)
        .bind(page.cursor_after("tok")?)
        .bind(user_id.unwrap_or(""))
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |t| t.id.clone()))
    }

    pub async fn get_token(&self, org_id: &str, token_id: &str) -> StoreResult<ApiToken> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM api_tokens WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(token_id)
        .fetch_one(&self.pool)
        .await?;
        from_row(&row)
    }

    /// Revokes a token (idempotent: revoking twice keeps the first time).
    pub async fn revoke_token(&self, org_id: &str, token_id: &str) -> StoreResult<ApiToken> {
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE org_id = $2 AND id = $3",
        )
        .bind(self.now_ms())
        .bind(org_id)
        .bind(token_id)
        .execute(&self.pool)
        .await?;
        self.get_token(org_id, token_id).await
    }

    /// Makes `secret` (from `CALLBRIDGE_ADMIN_TOKEN`) a valid admin token: on first start it
    /// creates the default organization and a platform admin; later it rotates the bootstrap
    /// token's hash to the current secret, so changing the variable revokes the old value.
    pub async fn seed_admin(&self, secret: &str) -> StoreResult<Principal> {
        let existing: Option<(String, String)> = sqlx::query_as(
            "SELECT t.id, t.org_id FROM api_tokens t WHERE t.name = $1 ORDER BY t.id LIMIT 1",
        )
        .bind(BOOTSTRAP_TOKEN_NAME)
        .fetch_optional(&self.pool)
        .await?;
        match existing {
            Some((token_id, _)) => {
                sqlx::query(
                    "UPDATE api_tokens SET token_hash = $1, prefix = $2, revoked_at = NULL \
                     WHERE id = $3",
                )
                .bind(hash_secret(secret))
                .bind(display_prefix(secret))
                .bind(&token_id)
                .execute(&self.pool)
                .await?;
            }
            None => {
                let org = self.create_org("Default").await?;
                let admin = self
                    .create_user(
                        &org.id,
                        &NewUser {
                            email: "admin@localhost".to_owned(),
                            name: "Administrator".to_owned(),
                            role: Role::Admin,
                            platform_admin: true,
                        },
                    )
                    .await?;
                self.insert_token(&org.id, &admin.id, BOOTSTRAP_TOKEN_NAME, secret, None)
                    .await?;
            }
        }
        self.authenticate(secret).await?.ok_or(StoreError::Invalid {
            field: "CALLBRIDGE_ADMIN_TOKEN",
            message: "the bootstrap admin is disabled".to_owned(),
        })
    }
}
