//! The `/api/v1` routes, one module per resource.

pub mod analyses;
pub mod calls;
pub mod campaigns;
pub mod dnc;
pub mod knowledge;
pub mod numbers;
pub mod orgs;
pub mod personas;
pub mod provider_keys;
pub mod recordings;
pub mod routing;
pub mod scenarios;
pub mod scripts;
pub mod settings;
pub mod tokens;
pub mod transcripts;
pub mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every `/api/v1` route with its OpenAPI description (paths relative to `/api/v1`).
pub fn api_v1() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(analyses::router())
        .merge(calls::router())
        .merge(campaigns::router())
        .merge(dnc::router())
        .merge(knowledge::router())
        .merge(numbers::router())
        .merge(orgs::router())
        .merge(personas::router())
        .merge(provider_keys::router())
        .merge(recordings::router())
        .merge(routing::router())
        .merge(scenarios::router())
        .merge(scripts::router())
        .merge(settings::router())
        .merge(tokens::router())
        .merge(transcripts::router())
        .merge(users::router())
}
