//! Logging (tracing) and the Prometheus recorder, installed once at start-up.

use anyhow::Context;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Installs the global tracing subscriber: human text by default, one JSON object per line
/// when `CALLBRIDGE_LOG_FORMAT=json`. Logs go to stdout.
pub fn init_logging(cfg: &Config) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&cfg.log_filter)
        .with_context(|| format!("invalid log filter `{}`", cfg.log_filter))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match cfg.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("cannot install the log subscriber: {e}"))
}

/// Installs the global metrics recorder and returns the handle `/metrics` renders from.
pub fn init_metrics() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets(&[
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ])
        .context("histogram buckets")?
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    metrics::gauge!("callbridge_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Ok(handle)
}
