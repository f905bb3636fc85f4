//! Process plumbing shared by every binary: logging, the listening socket, the shutdown signal.

use std::io::IsTerminal;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpSocket};
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

/// Connections the kernel completes and queues for a listener before the server accepts
/// them: as many as every example's server holds at once (1024). `TcpListener::bind` queues
/// 128, the standard library's number; a burst of more connects than that, faster than the
/// server accepts, has the kernel drop the excess SYNs, and each such client waits a second
/// for its SYN to be sent again (measured here: 1000 connects at once took 5-8 s, not 0.1 s).
pub const BACKLOG: u32 = 1024;

/// `TcpListener::bind` with a [`BACKLOG`] of 1024 instead of 128.
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    // As `TcpListener::bind` does: a restarted server can bind while old connections linger.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Binds a server's listening socket ([`bind`]). The error says what to do, in the words
/// every server uses: `cannot listen on 127.0.0.1:3000: Address already in use (os error
/// 98); stop what uses it or pick another address with --addr`.
pub async fn listen(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    bind(addr).map_err(|error| cannot_listen(addr, &error))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;
    use std::time::Duration;

    /// Connects `count` clients to a listener that accepts none of them. Each connect either
    /// completes at once (the kernel queued it) or times out (the kernel dropped its SYN).
    fn connect_unaccepted(listener: &TcpListener, count: usize) -> std::io::Result<Vec<TcpStream>> {
        let addr = listener.local_addr()?;
        (0..count).map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(500))).collect()
    }

    #[tokio::test]
    async fn a_burst_of_connections_beyond_128_is_queued_not_dropped() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let held = connect_unaccepted(&listener, 600).expect("every connect queued");
        assert_eq!(held.len(), 600);
    }

    #[tokio::test]
    async fn tokios_own_bind_drops_such_a_burst() {
        // What `bind` is for: the default backlog of 128 turns connect 130 or so into a wait
        // for the SYN to be sent again (1 s), past the 500 ms the test allows.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let error = connect_unaccepted(&listener, 600).expect_err("a connect beyond 128 waits");
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_taken_address_says_what_to_do() {
        let taken = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = taken.local_addr().unwrap();
        let error = listen(addr).await.expect_err("the address is taken").to_string();
        assert!(error.starts_with(&format!("cannot listen on {addr}: ")), "{error}");
        assert!(error.ends_with("pick another address with --addr"), "{error}");
    }
}
