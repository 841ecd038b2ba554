//! The store's one error type. Callers map it to HTTP: `NotFound` -> 404, `Conflict` -> 409,
//! `Invalid` -> 422, `Db` -> 500 (logged, never shown).

/// What went wrong in a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist in the caller's organization (or at all: the two are
    /// deliberately indistinguishable).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule would be broken; the message names it.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Input the database layer refuses (e.g. a bad cursor); the message names the field.
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Stored data that does not decode (a bug or manual tampering).
    #[error("corrupt row in {table}: {message}")]
    Corrupt {
        table: &'static str,
        message: String,
    },
    /// Encryption or decryption of a secret failed.
    #[error("secret: {0}")]
    Secret(String),
    /// The database itself failed.
    #[error("database: {0}")]
    Db(#[source] sqlx::Error),
    /// Migrations failed at start-up.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Db(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
