//! `GET /healthz` (the process is alive) and `GET /readyz` (it takes new calls).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::AppState;

#[derive(Debug, Serialize)]
pub(crate) struct Health {
    status: &'static str,
    version: &'static str,
    uptime_seconds: u64,
}

/// Liveness: answers 200 as long as the HTTP server runs, even while draining.
pub(crate) async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        version: state.version,
        uptime_seconds: state.started.elapsed().as_secs(),
    })
}

/// Readiness: 200 once start-up finished, 503 before that and during shutdown.
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let ready = state.readiness.is_ready();
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: if ready { "ready" } else { "not_ready" },
        version: state.version,
        uptime_seconds: state.started.elapsed().as_secs(),
    };
    (code, Json(body))
}
