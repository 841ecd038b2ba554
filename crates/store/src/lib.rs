//! callbridge's state (Layer 1 adapter: the database is its one I/O concern).
//!
//! One schema, two backends: SQLite (the default, a WAL-mode file in the data directory) and
//! PostgreSQL (for several nodes). Both run through sqlx's `Any` driver with the same SQL
//! (`$n` placeholders, integer milliseconds for time, 0/1 integers for booleans, text ids);
//! the few dialect differences (full-text search) branch on [`Backend`]. Migrations are
//! embedded per dialect and run at connect.
//!
//! Every query of an organization's object filters on its `org_id`: asking for another
//! organization's object gives [`StoreError::NotFound`], exactly like a missing one.

mod conn;
mod error;
pub mod id;
mod page;
mod row;

pub mod analyses;
pub mod calls;
pub mod campaigns;
pub mod consent;
pub mod dnc;
pub mod knowledge;
pub mod leads;
pub mod numbers;
pub mod orgs;
pub mod personas;
pub mod recordings;
pub mod retention;
pub mod routing;
pub mod scenarios;
pub mod scripts;
pub mod secrets;
pub mod settings;
pub mod tokens;
pub mod transcripts;
pub mod users;

use std::sync::Arc;

pub use conn::{Backend, Clock, Store};
pub use error::{StoreError, StoreResult};
pub use page::{Page, PageRequest};

/// Shared clock type: milliseconds since the Unix epoch.
pub type NowFn = Arc<dyn Fn() -> i64 + Send + Sync>;
