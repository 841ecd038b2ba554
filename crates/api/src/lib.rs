//! callbridge's HTTP surface (Layer 2).
//!
//! One axum [`Router`] built from an [`AppState`]. Today it serves liveness, readiness and
//! Prometheus metrics; later issues add the admin REST API, Twilio webhooks and WebRTC
//! signaling here. Handlers never panic: failures become HTTP errors.

pub mod auth;
pub mod error;
pub mod extract;
pub mod files;
mod health;
mod http_metrics;
mod metrics_route;
pub mod openapi;
pub mod pagination;
pub mod ratelimit;
pub mod routes;
mod state;
pub mod textextract;
pub mod validate;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use utoipa_axum::router::OpenApiRouter;

pub use error::{ApiResult, AppError};
pub use state::{AppState, BodyLimit, Limits, Readiness};

/// The full HTTP router of the server, and the OpenAPI document it serves.
pub fn router(state: AppState) -> Router {
    let (api, mut doc) = OpenApiRouter::with_openapi(openapi::base())
        .nest("/api/v1", routes::api_v1())
        .split_for_parts();
    openapi::add_error_responses(&mut doc);
    let doc_json: Arc<String> = Arc::new(doc.to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot serialize the OpenAPI document");
        "{}".to_owned()
    }));
    let json_limit = state.limits.json_body;
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics_route::metrics))
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc_json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        doc.as_str().to_owned(),
                    )
                }
            }),
        )
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(json_limit))
        .layer(Extension(BodyLimit(json_limit)))
        .layer(axum::middleware::from_fn(http_metrics::track))
        .with_state(state)
}

async fn not_found() -> impl IntoResponse {
    AppError::not_found("route")
}

async fn method_not_allowed() -> impl IntoResponse {
    AppError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this method is not allowed on this path",
    )
}
