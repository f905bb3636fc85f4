//! Process plumbing shared by every binary: logging and the shutdown signal.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Logs to stderr (stdout stays for the program's own output), at `info` unless `RUST_LOG`
/// says otherwise, e.g. `RUST_LOG=debug` or `RUST_LOG=tcp=trace`; colours only on a terminal.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Completes on Ctrl-C, or on SIGTERM (what `kill`, systemd and Docker send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
