//! `GET /metrics`: the Prometheus text exposition format (version 0.0.4).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;

pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // Gauges that are cheaper to compute on scrape than to keep updated.
    metrics::gauge!("callbridge_uptime_seconds").set(state.started.elapsed().as_secs_f64());
    metrics::gauge!("callbridge_ready").set(if state.readiness.is_ready() { 1.0 } else { 0.0 });
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
