//! `callbridge serve`: bind, run every subsystem under one cancellation tree, drain on signal.

use std::time::{Duration, Instant};

use anyhow::Context;
use callbridge_api::{AppState, Limits, Readiness};
use callbridge_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::shutdown;

/// Runs the server until a shutdown signal, then drains within `cfg.shutdown_grace`.
pub async fn run(cfg: Config) -> anyhow::Result<()> {
    let metrics = crate::telemetry::init_metrics()?;
    let root = CancellationToken::new();
    let tracker = TaskTracker::new();
    let readiness = Readiness::default();

    std::fs::create_dir_all(&cfg.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            cfg.data_dir.display()
        )
    })?;
    let store = Store::connect(&cfg.database_url())
        .await
        .context("cannot open the database (CALLBRIDGE_DATABASE_URL)")?;
    tracing::info!(backend = ?store.backend(), "database ready");
    if let Some(token) = &cfg.admin_token {
        store
            .seed_admin(&token.0)
            .await
            .context("cannot seed the admin token (CALLBRIDGE_ADMIN_TOKEN)")?;
    }
    let master_key = crate::master_key::load(&cfg)?;

    let listener = TcpListener::bind(cfg.http_addr)
        .await
        .with_context(|| format!("cannot listen on {} (CALLBRIDGE_HTTP_ADDR)", cfg.http_addr))?;
    let local = listener.local_addr().context("listener address")?;

    let limits = Limits {
        json_body: cfg.max_json_bytes,
        upload_body: cfg.max_upload_bytes,
        rate_per_minute: cfg.api_rate_per_minute,
    };
    let state = AppState::new(
        metrics,
        readiness.clone(),
        env!("CARGO_PKG_VERSION"),
        store.clone(),
        master_key,
        cfg.data_dir.clone(),
        limits,
    );
    let app = callbridge_api::router(state);

    tokio::spawn(shutdown::cancel_on_signal(root.clone()));

    let http_token = root.child_token();
    let http = tracker.spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(http_token.cancelled_owned())
            .await
    });

    tracker.spawn(crate::retention::run(
        store.clone(),
        cfg.data_dir.clone(),
        cfg.retention_interval,
        root.child_token(),
    ));

    readiness.set_ready(true);
    // Tests and operators read the bound address from this line (the port may be 0).
    tracing::info!(http_addr = %local, version = env!("CARGO_PKG_VERSION"), "callbridge listening");

    root.cancelled().await;
    readiness.set_ready(false);
    tracker.close();
    let deadline = cfg.shutdown_grace;
    let started = Instant::now();
    if tokio::time::timeout(deadline, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = deadline.as_secs(),
            "drain deadline passed; cutting remaining work"
        );
    }
    match tokio::time::timeout(Duration::from_millis(10), http).await {
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "HTTP server ended with an error"),
        Ok(Err(e)) => tracing::error!(error = %e, "HTTP server task failed"),
        _ => {}
    }
    tracing::info!(
        drain_ms = started.elapsed().as_millis() as u64,
        "shutdown complete"
    );
    Ok(())
}
