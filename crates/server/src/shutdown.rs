//! Turns SIGTERM / SIGINT into the cancellation of the server's root token.

use tokio_util::sync::CancellationToken;

/// Waits for the first SIGTERM or SIGINT, then cancels `root`. A second signal during the
/// drain is left to the default handler only after the first one, so an operator's double
/// Ctrl-C still stops a stuck drain.
pub async fn cancel_on_signal(root: CancellationToken) {
    let name = wait_for_signal().await;
    tracing::info!(signal = name, "shutdown requested");
    root.cancel();
}

#[cfg(unix)]
async fn wait_for_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        }
        _ => {
            // Without signal handlers the only way out is Ctrl-C via tokio's portable API.
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "ctrl-c"
}
