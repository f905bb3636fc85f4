//! The client side: find an object by name, connect a proxy to it, and call it as if it were
//! local, with a deadline on every call. Also the client's own callback listener.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let names = remote_objects::client::names("127.0.0.1:7883".parse()?).await?;
//! let users = remote_objects::client::directory(&names, remote_objects::USERS).await?;
//! let ada = users.get_user(remote_objects::client::context(), 1).await??;
//! # Ok(()) }
//! ```
//!
//! The two `?` are the two ways a remote call fails: the outer one is tarpc's `RpcError`
//! (deadline passed, connection lost), the inner one the object's own error enum.

use crate::server::{self, Config};
use crate::{CounterClient, DirectoryClient, NamesClient, NamesError, Progress, transport};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tarpc::client;
use tarpc::context::{self, Context};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The deadline [`context`] gives a call: short, because every call here is quick; a call
/// that takes longer fails with `RpcError::DeadlineExceeded` and the server stops on it.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// A call context with the [`DEFAULT_DEADLINE`].
pub fn context() -> Context {
    deadline(DEFAULT_DEADLINE)
}

/// A call context whose deadline is `after` from now (tarpc's default would be 10 s).
pub fn deadline(after: Duration) -> Context {
    let mut context = context::current();
    context.deadline = Instant::now() + after;
    context
}

/// A proxy for the naming service at `addr`.
pub async fn names(addr: SocketAddr) -> anyhow::Result<NamesClient> {
    let transport = transport::connect(addr).await.map_err(|error| {
        let start = "cargo run -p remote-objects --bin remote-objects-names";
        common::exit::unreachable(format!("the naming service at {addr}"), &error, start)
    })?;
    Ok(NamesClient::new(client::Config::default(), transport).spawn())
}

/// Looks `name` up; fails cleanly (`no object is registered as ...`) if nobody serves it.
pub async fn lookup(names: &NamesClient, name: &str) -> anyhow::Result<SocketAddr> {
    match names.lookup(context(), name.to_owned()).await? {
        Ok(entry) => Ok(entry.addr),
        Err(error @ NamesError::NotFound(_)) => Err(error.into()),
        Err(error) => Err(anyhow::Error::from(error).context(format!("lookup of {name:?}"))),
    }
}

/// Looks `name` up and connects a [`Directory`](crate::Directory) proxy to it.
pub async fn directory(names: &NamesClient, name: &str) -> anyhow::Result<DirectoryClient> {
    connect_directory(lookup(names, name).await?).await
}

/// Connects a [`Directory`](crate::Directory) proxy to a known address.
pub async fn connect_directory(addr: SocketAddr) -> anyhow::Result<DirectoryClient> {
    let transport =
        transport::connect(addr).await.with_context(|| format!("cannot reach {addr}"))?;
    Ok(DirectoryClient::new(client::Config::default(), transport).spawn())
}

/// Looks `name` up and connects a [`Counter`](crate::Counter) proxy to it.
pub async fn counter(names: &NamesClient, name: &str) -> anyhow::Result<CounterClient> {
    let addr = lookup(names, name).await?;
    let transport =
        transport::connect(addr).await.with_context(|| format!("cannot reach {addr}"))?;
    Ok(CounterClient::new(client::Config::default(), transport).spawn())
}

/// A proxy for a client's [`Progress`] callback at `addr` (what the server uses).
pub async fn progress(addr: SocketAddr) -> std::io::Result<crate::ProgressClient> {
    let transport = transport::connect(addr).await?;
    Ok(crate::ProgressClient::new(client::Config::default(), transport).spawn())
}

/// The client's callback object: it passes each `(done, total)` the server reports on.
#[derive(Debug, Clone)]
pub struct ProgressListener {
    updates: mpsc::Sender<(u64, u64)>,
    calls: Arc<AtomicU64>,
}

/// Updates queued for the reader of [`Callback::updates`]; beyond that they are dropped, so
/// a server that floods the callback cannot make the client buffer without limit.
pub const MAX_QUEUED_UPDATES: usize = 64;

impl Progress for ProgressListener {
    async fn update(self, _: Context, done: u64, total: u64) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _ = self.updates.try_send((done, total));
    }
}

/// A running callback listener: its address (pass it to `import_users`) and what it heard.
#[derive(Debug)]
pub struct Callback {
    pub addr: SocketAddr,
    /// Every update in the order it arrived: `(done, total)`.
    pub updates: mpsc::Receiver<(u64, u64)>,
    calls: Arc<AtomicU64>,
    stop: CancellationToken,
}

impl Callback {
    /// How many updates the server has sent.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Serves a [`Progress`] callback on a free port of `ip` until the returned [`Callback`] is
/// dropped. The server can reach it only if `ip` is an address the server can connect to.
pub async fn listen_for_progress(ip: std::net::IpAddr) -> std::io::Result<Callback> {
    let (sender, updates) = mpsc::channel(MAX_QUEUED_UPDATES);
    let listener = ProgressListener { updates: sender, calls: Arc::default() };
    let calls = Arc::clone(&listener.calls);
    let stop = CancellationToken::new();
    let config = Config { max_connections: 4, ..Config::default() };
    let (addr, _task) = server::spawn(
        SocketAddr::new(ip, 0),
        config,
        move |stream, _peer, config| server::connection(stream, listener.clone().serve(), config),
        stop.clone().cancelled_owned(),
    )
    .await?;
    Ok(Callback { addr, updates, calls, stop })
}
