//! The retention job: every `retention_interval` (and once at start-up) it deletes the
//! transcripts and recordings past their organization's retention period
//! ([`Store::apply_retention`]) and then the recording files the store names. A failed pass
//! is logged and retried at the next tick; the job stops when its token is cancelled.

use std::path::PathBuf;
use std::time::Duration;

use callbridge_store::Store;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

/// Runs passes until `cancel` fires.
pub async fn run(store: Store, data_dir: PathBuf, every: Duration, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(every);
    // A pass that overran (a big backlog) is not followed by a burst of catch-up passes.
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => pass(&store, &data_dir).await,
        }
    }
    tracing::debug!("retention job stopped");
}

/// One pass: rows first (in the database's transactions), then files. A crash in between
/// leaves orphan files, never rows pointing at missing files.
async fn pass(store: &Store, data_dir: &std::path::Path) {
    match store.apply_retention(store.now_ms()).await {
        Ok(report) => {
            callbridge_api::files::remove_recordings(data_dir, &report.recordings).await;
            if report.segments_deleted > 0 || !report.recordings.is_empty() {
                tracing::info!(
                    segments_deleted = report.segments_deleted,
                    recordings_deleted = report.recordings.len(),
                    "retention pass removed expired transcripts and recordings"
                );
            } else {
                tracing::debug!("retention pass: nothing expired");
            }
        }
        Err(e) => tracing::warn!(error = %e, "retention pass failed; retrying at the next tick"),
    }
}
