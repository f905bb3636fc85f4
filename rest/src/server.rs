//! The accept loop. `axum::serve` would do for a demo, but it never times out a client that
//! sends its request headers one byte at a time, so each such client holds a connection and a
//! task forever. Serving every connection through hyper's own HTTP/1.1 builder lets us set
//! `header_read_timeout`, cap the number of connections and shut down gracefully.

use crate::api;
use axum::http::HeaderValue;
use common::UserStore;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// The limits that keep one client from hurting the others.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest accepted request body; a larger one gets 413.
    pub body_limit: usize,
    /// Time from the end of the request headers until the response; then 408.
    pub request_timeout: Duration,
    /// Time a connection may take to send a complete request head (also how long an idle
    /// keep-alive connection stays open); then the connection is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests before it gives up on them.
    pub shutdown_grace: Duration,
    /// Origins whose pages may call this API from a browser (CORS). Empty: same origin only.
    pub allowed_origins: Vec<HeaderValue>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            body_limit: 16 * 1024,
            request_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(5),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
            allowed_origins: Vec::new(),
        }
    }
}

/// Serves the API, page and document on `listener` until `shutdown` completes, then lets
/// requests in flight finish (up to `config.shutdown_grace`) and returns.
pub async fn serve(
    listener: TcpListener,
    store: UserStore,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = api::router(store, &config);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        // A larger request head gets 431 (hyper's default lets it grow to ~400 KiB).
        .max_header_size(32 * 1024)
        // Answer clients that close their sending side after the request (`nc -N`, some
        // scripts) instead of dropping the request as hyper does by default.
        .half_close(true);
    let connection_slots = Arc::new(Semaphore::new(config.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);

    loop {
        let slot = tokio::select! {
            slot = connection_slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed, so this branch is never taken.
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Typically out of file descriptors: wait for some to be freed.
                    warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                debug!(%peer, "connection closed: {err}");
            }
            drop(slot);
        });
    }

    drop(listener);
    info!("shutting down: finishing {} open connection(s)", graceful.count());
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown()).await.is_err() {
        warn!("shutdown grace period over; no longer waiting for the remaining connections");
    }
    Ok(())
}

/// A convenience for the tour and the benchmark: binds `addr`, then serves the sample users
/// on it in a background task until `shutdown` completes.
pub async fn spawn(
    addr: SocketAddr,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = common::runtime::bind(addr)?;
    let local = listener.local_addr()?;
    let server = serve(listener, UserStore::with_sample_users(), config, shutdown);
    Ok((local, tokio::spawn(server)))
}
