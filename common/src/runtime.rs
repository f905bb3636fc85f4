//! Process plumbing shared by every binary: logging, the listening socket, the shutdown signal.

use std::io::IsTerminal;
use std::net::SocketAddr;
use tokio::net::TcpListener;
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

/// Binds a server's listening socket. The error says what to do, in the words every server
/// uses: `cannot listen on 127.0.0.1:3000: Address already in use (os error 98); stop what
/// uses it or pick another address with --addr`.
pub async fn listen(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|error| cannot_listen(addr, &error))
}

/// The error of [`listen`], for servers that bind something else (a UDP socket, a broker).
pub fn cannot_listen(addr: SocketAddr, error: &std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot listen on {addr}: {error}; stop what uses it or pick another address with --addr"
    )
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
