//! Shared state handed to every handler.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::extract::Request;
use callbridge_store::Store;
use callbridge_store::secrets::MasterKey;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::ratelimit::RateLimiter;

/// Whether the server takes new work. Set once start-up is complete, cleared when shutdown
/// begins so that load balancers stop sending calls while existing ones drain.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn set_ready(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Request-size and rate limits of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON body, in bytes.
    pub json_body: usize,
    /// Largest upload (CSV, PDF, WAV, HTML), in bytes.
    pub upload_body: usize,
    /// Requests per minute per token; 0 disables.
    pub rate_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_body: 1024 * 1024,
            upload_body: 50 * 1024 * 1024,
            rate_per_minute: 1200,
        }
    }
}

/// The body limit in force for a request (set next to axum's `DefaultBodyLimit`), so a 413
/// can say what it is.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

pub(crate) fn body_limit_of(req: &Request) -> usize {
    req.extensions()
        .get::<BodyLimit>()
        .map_or(Limits::default().json_body, |b| b.0)
}

/// Everything handlers need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub metrics: PrometheusHandle,
    pub readiness: Readiness,
    pub started: Instant,
    pub version: &'static str,
    pub store: Store,
    pub master_key: MasterKey,
    /// Where recordings and other files live.
    pub data_dir: PathBuf,
    pub limits: Limits,
    pub rate_limiter: Arc<RateLimiter>,
}

impl AppState {
    /// State with the given parts and the rate limiter built from `limits`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        metrics: PrometheusHandle,
        readiness: Readiness,
        version: &'static str,
        store: Store,
        master_key: MasterKey,
        data_dir: PathBuf,
        limits: Limits,
    ) -> Self {
        AppState {
            metrics,
            readiness,
            started: Instant::now(),
            version,
            store,
            master_key,
            data_dir,
            limits,
            rate_limiter: Arc::new(RateLimiter::new(limits.rate_per_minute)),
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("ready", &self.readiness.is_ready())
            .field("version", &self.version)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}
