//! One accept loop for every service here (the naming service, each object, the client's
//! callback listener): it bounds connections, bounds requests per connection, and stops
//! cleanly.
//!
//! tarpc itself does not accept connections; it takes a transport per connection. So this is
//! the part a real tarpc server has to write: accept, wrap the stream in frames, run a
//! [`BaseChannel`] on it with a limit on concurrent requests, and spawn each request.

use crate::transport;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tarpc::server::{BaseChannel, Channel, Serve};
use tarpc::{ClientMessage, RequestName, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

/// A server's limits. `Default` gives the values the binaries use.
#[derive(Debug, Clone)]
pub struct Config {
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
    /// Requests one connection may have in flight; more are answered with a server error.
    pub max_requests_per_connection: usize,
    /// The longest frame accepted, in bytes.
    pub max_frame: usize,
    /// On shutdown, how long open connections get to finish.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_connections: 256,
            max_requests_per_connection: 64,
            max_frame: crate::MAX_FRAME,
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

/// Accepts connections on `listener` until `shutdown` completes and runs
/// `handle(stream, peer, &config)` for each, in its own task; then stops accepting, closes the
/// open connections (waiting at most `shutdown_grace`) and returns.
///
/// `handle` is normally `|stream, peer, config| server::connection(stream, Object.serve(),
/// config)`: written at the call site, where the service's type is known, so the compiler can
/// check that its futures may move between threads.
pub async fn serve<H, Fut>(
    listener: TcpListener,
    config: Config,
    handle: H,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    H: Fn(TcpStream, SocketAddr, &Config) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let config = Arc::new(config);
    let connections = TaskTracker::new();
    let stopping = CancellationToken::new();
    let slots = Arc::new(Semaphore::new(config.max_connections));
    tokio::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            debug!(%peer, "refused: too many connections");
            drop(stream);
            continue;
        };
        let connection = handle(stream, peer, &config);
        let stopping = stopping.clone();
        connections.spawn(async move {
            debug!(%peer, "connected");
            tokio::select! {
                () = connection => debug!(%peer, "disconnected"),
                () = stopping.cancelled() => debug!(%peer, "closed: shutting down"),
            }
            drop(slot);
        });
    }

    info!(open = connections.len(), "shutting down: no new connections");
    stopping.cancel();
    connections.close();
    if tokio::time::timeout(config.shutdown_grace, connections.wait()).await.is_err() {
        warn!(open = connections.len(), "grace period over; dropping the remaining connections");
    }
    Ok(())
}

/// Binds `addr`, then runs [`serve`] in a task; returns the bound address and the task.
pub async fn spawn<H, Fut>(
    addr: SocketAddr,
    config: Config,
    handle: H,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<io::Result<()>>)>
where
    H: Fn(TcpStream, SocketAddr, &Config) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = common::runtime::bind(addr)?;
    let addr = listener.local_addr()?;
    Ok((addr, tokio::spawn(serve(listener, config, handle, shutdown))))
}

/// Serves `service` on one connection until the peer leaves or sends something that is not a
/// frame of valid JSON: tarpc's channel ends on the first transport error, which drops only
/// this connection.
pub fn connection<S>(
    stream: TcpStream,
    service: S,
    config: &Config,
) -> impl Future<Output = ()> + use<S>
where
    S: Serve + Clone,
    S::Req: RequestName + for<'de> Deserialize<'de>,
    S::Resp: Serialize,
{
    let transport =
        transport::wrap::<ClientMessage<S::Req>, Response<S::Resp>>(stream, config.max_frame);
    // tarpc aborts a request when its deadline passes or the client cancels it, and the limit
    // answers requests beyond it with a server error. The requests of one connection run
    // concurrently inside its task.
    BaseChannel::with_defaults(transport)
        .max_concurrent_requests(config.max_requests_per_connection)
        .execute(service)
        .for_each_concurrent(None, |request| request)
}
