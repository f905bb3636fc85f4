//! The objects one `remote-objects-server` hosts: the user [`Directory`] (`example.users`) and
//! the [`Counter`] (`example.counter`), each on its own port and registered under its own name.

use crate::names::Registered;
use crate::server::{self, Config};
use crate::{
    COUNTER, Counter, Directory, DirectoryError, ImportReport, MAX_DELAY, MAX_IMPORT, MAX_PAGE,
    USERS,
};
use common::{NewUser, User, UserStore};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tarpc::context::Context;
use tracing::{info, warn};

/// What the server has done with `slow_get` calls: lets tests (and the log) show that a call
/// whose deadline passed, or that its client dropped, stops running on the server too.
#[derive(Debug, Default)]
pub struct Activity {
    pub slow_started: AtomicU64,
    pub slow_finished: AtomicU64,
    /// Calls tarpc aborted mid-way: deadline passed or the client cancelled.
    pub slow_abandoned: AtomicU64,
}

/// The `Directory` object, one per connection; every connection shares the store.
#[derive(Debug, Clone)]
pub struct DirectoryServer {
    pub store: UserStore,
    pub activity: Arc<Activity>,
    /// The caller's address: a progress callback must be on the same IP.
    pub peer: SocketAddr,
}

impl Directory for DirectoryServer {
    async fn get_user(self, _: Context, id: u64) -> Result<User, DirectoryError> {
        Ok(self.store.get(id)?)
    }

    async fn create_user(self, _: Context, user: NewUser) -> Result<User, DirectoryError> {
        Ok(self.store.create(user)?)
    }

    async fn list_users(self, _: Context, offset: u64, limit: u64) -> Vec<User> {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX).min(MAX_PAGE);
        self.store.list(offset, limit)
    }

    async fn import_users(
        self,
        context: Context,
        users: Vec<NewUser>,
        progress: Option<SocketAddr>,
    ) -> Result<ImportReport, DirectoryError> {
        if users.len() > MAX_IMPORT {
            return Err(DirectoryError::TooMany(MAX_IMPORT as u64));
        }
        let progress = match progress {
            // Calling back anywhere a caller names would let it use this server to probe other
            // hosts; its own address is all a callback needs.
            Some(addr) if addr.ip() != self.peer.ip() => {
                return Err(DirectoryError::Callback(format!(
                    "{addr} is not on the caller's address {}",
                    self.peer.ip()
                )));
            }
            Some(addr) => match crate::client::progress(addr).await {
                Ok(client) => Some(client),
                Err(error) => return Err(DirectoryError::Callback(format!("{addr}: {error}"))),
            },
            None => None,
        };
        let total = users.len() as u64;
        let mut report = ImportReport { created: Vec::new(), rejected: Vec::new() };
        for (index, user) in users.into_iter().enumerate() {
            match self.store.create(user) {
                Ok(user) => report.created.push(user),
                Err(error) => report.rejected.push((index as u64, error.into())),
            }
            let done = index as u64 + 1;
            // Ten updates per import at most, and always the last one.
            if let Some(callback) = &progress
                && (done == total || done.is_multiple_of(total.div_ceil(10).max(1)))
            {
                // The callback gets the caller's context: the same deadline and trace.
                if let Err(error) = callback.update(context, done, total).await {
                    warn!(%error, "progress callback failed; importing on without it");
                }
            }
        }
        Ok(report)
    }

    async fn slow_get(self, _: Context, id: u64, delay_ms: u64) -> Result<User, DirectoryError> {
        if Duration::from_millis(delay_ms) > MAX_DELAY {
            return Err(DirectoryError::DelayTooLong(MAX_DELAY.as_millis() as u64));
        }
        self.activity.slow_started.fetch_add(1, Ordering::SeqCst);
        // If tarpc aborts this call (deadline, cancellation), the future is dropped at the
        // sleep below, and the guard records that.
        let guard = Abandoned(&self.activity);
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        std::mem::forget(guard);
        self.activity.slow_finished.fetch_add(1, Ordering::SeqCst);
        Ok(self.store.get(id)?)
    }
}

/// Counts a `slow_get` dropped before it finished.
struct Abandoned<'a>(&'a Activity);

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        self.0.slow_abandoned.fetch_add(1, Ordering::SeqCst);
        info!("slow_get abandoned: deadline passed or the client cancelled");
    }
}

/// The `Counter` object: one count for every client.
#[derive(Debug, Clone, Default)]
pub struct CounterServer(pub Arc<AtomicU64>);

impl Counter for CounterServer {
    async fn increment(self, _: Context, by: u64) -> u64 {
        let previous =
            self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| Some(n.saturating_add(by)));
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        previous.unwrap_or_default().saturating_add(by)
    }

    async fn value(self, _: Context) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    async fn reset(self, _: Context) -> u64 {
        self.0.swap(0, Ordering::SeqCst)
    }
}

/// A running object server: where each object listens, and what the directory has done.
#[derive(Debug)]
pub struct Objects {
    pub users: SocketAddr,
    pub counter: SocketAddr,
    pub activity: Arc<Activity>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Objects {
    /// Both objects under their names, for [`names::keep_registered`].
    pub fn registrations(&self) -> Vec<Registered> {
        vec![
            Registered { name: USERS.into(), addr: self.users, interface: "Directory".into() },
            Registered { name: COUNTER.into(), addr: self.counter, interface: "Counter".into() },
        ]
    }

    /// Waits until every object's listener has stopped.
    pub async fn join(self) -> anyhow::Result<()> {
        for task in self.tasks {
            task.await??;
        }
        Ok(())
    }
}

/// Starts both objects on free ports of `ip` (port 0 each), serving until `shutdown` fires.
pub async fn spawn(
    ip: std::net::IpAddr,
    store: UserStore,
    config: Config,
    shutdown: tokio_util::sync::CancellationToken,
) -> std::io::Result<Objects> {
    let activity = Arc::new(Activity::default());
    let directory_activity = Arc::clone(&activity);
    let (users, users_task) = server::spawn(
        SocketAddr::new(ip, 0),
        config.clone(),
        move |stream, peer, config| {
            let object = DirectoryServer {
                store: store.clone(),
                activity: Arc::clone(&directory_activity),
                peer,
            };
            server::connection(stream, object.serve(), config)
        },
        shutdown.clone().cancelled_owned(),
    )
    .await?;
    let count = CounterServer::default();
    let (counter, counter_task) = server::spawn(
        SocketAddr::new(ip, 0),
        config,
        move |stream, _peer, config| server::connection(stream, count.clone().serve(), config),
        shutdown.cancelled_owned(),
    )
    .await?;
    Ok(Objects { users, counter, activity, tasks: vec![users_task, counter_task] })
}
