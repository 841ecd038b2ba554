//! Provider keys (bring-your-own vendor API keys), encrypted at rest with AES-256-GCM under a
//! master key the server loads at start-up. The plaintext is never returned by listing
//! functions, only its last four characters.
//!
//! Each ciphertext is bound to its row by the associated data `org_id|provider`, so a
//! ciphertext copied to another organization or provider fails to decrypt.

mod provider;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::Serialize;

pub use provider::{Provider, ShapeError};

use crate::row::get;
use crate::{Store, StoreError, StoreResult, id};

const T: &str = "provider_keys";

/// The 256-bit key that encrypts provider keys.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey(bytes)
    }

    /// Parses 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(s: &str) -> Result<Self, StoreError> {
        let s = s.trim();
        let bad = || StoreError::Secret("master key must be 64 hex characters (32 bytes)".into());
        if s.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hexpair = std::str::from_utf8(chunk).map_err(|_| bad())?;
            out[i] = u8::from_str_radix(hexpair, 16).map_err(|_| bad())?;
        }
        Ok(MasterKey(out))
    }

    /// A fresh random key, as 64 hex characters (for the generated key file).
    pub fn generate_hex() -> String {
        id::random_hex(32)
    }

    fn cipher(&self) -> Result<Aes256Gcm, StoreError> {
        Aes256Gcm::new_from_slice(&self.0).map_err(|e| StoreError::Secret(e.to_string()))
    }

    /// Encrypts `plaintext` with a fresh 96-bit nonce; returns (nonce, ciphertext+tag).
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> StoreResult<(Vec<u8>, Vec<u8>)> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::Secret(e.to_string()))?;
        let ct = self
            .cipher()?
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| StoreError::Secret("encryption failed".into()))?;
        Ok((nonce.to_vec(), ct))
    }

    /// Decrypts and authenticates; fails on a wrong key, tampered data or wrong `aad`.
    pub fn open(&self, nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> StoreResult<Vec<u8>> {
        if nonce.len() != 12 {
            return Err(StoreError::Secret("bad nonce length".into()));
        }
        self.cipher()?
            .decrypt(
                &Nonce::try_from(nonce)
                    .map_err(|_| StoreError::Secret("bad nonce length".into()))?,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| {
                StoreError::Secret("cannot decrypt: wrong master key or tampered data".into())
            })
    }
}

/// What listing a provider key shows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderKeyInfo {
    pub provider: Provider,
    pub last4: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn aad(org_id: &str, provider: Provider) -> Vec<u8> {
    format!("{org_id}|{}", provider.as_str()).into_bytes()
}

impl Store {
    /// Stores (or replaces) the organization's key for `provider`. The caller shape-checks it.
    pub async fn put_provider_key(
        &self,
        org_id: &str,
        provider: Provider,
        master: &MasterKey,
        key: &str,
    ) -> StoreResult<ProviderKeyInfo> {
        let (nonce, ct) = master.seal(key.as_bytes(), &aad(org_id, provider))?;
        let last4: String = key
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let now = self.now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM provider_keys WHERE org_id = $1 AND provider = $2")
            .bind(org_id)
            .bind(provider.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO provider_keys (id, org_id, provider, nonce, ciphertext, last4, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id::new_id("key", now))
        .bind(org_id)
        .bind(provider.as_str())
        .bind(nonce)
        .bind(ct)
        .bind(&last4)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ProviderKeyInfo {
            provider,
            last4,
            created_at: now,
            updated_at: now,
        })
    }

    pub async fn list_provider_keys(&self, org_id: &str) -> StoreResult<Vec<ProviderKeyInfo>> {
        let rows = sqlx::query(
            "SELECT provider, last4, created_at, updated_at FROM provider_keys \
             WHERE org_id = $1 ORDER BY provider",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let p: String = get(r, T, "provider")?;
                Ok(ProviderKeyInfo {
                    provider: Provider::parse(&p).ok_or_else(|| StoreError::Corrupt {
                        table: T,
                        message: format!("provider {p}"),
                    })?,
                    last4: get(r, T, "last4")?,
                    created_at: get(r, T, "created_at")?,
                    updated_at: get(r, T, "updated_at")?,
                })
            })
            .collect()
    }

    /// The decrypted key, for the provider clients of this organization's calls.
    pub async fn provider_key(
        &self,
        org_id: &str,
        provider: Provider,
        master: &MasterKey,
    ) -> StoreResult<Option<String>> {
        let row: Option<(Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "SELECT nonce, ciphertext FROM provider_keys WHERE org_id = $1 AND provider = $2",
        )
        .bind(org_id)
        .bind(provider.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some((nonce, ct)) = row else {
            return Ok(None);
        };
        let plain = master.open(&nonce, &ct, &aad(org_id, provider))?;
        String::from_utf8(plain)
            .map(Some)
            .map_err(|_| StoreError::Corrupt {
                table: T,
                message: "key is not UTF-8".into(),
            })
    }

    pub async fn delete_provider_key(&self, org_id: &str, provider: Provider) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM provider_keys WHERE org_id = $1 AND provider = $2")
            .bind(org_id)
            .bind(provider.as_str())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
