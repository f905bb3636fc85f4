//! What every test file shares: a server on 127.0.0.1:0 running the library in-process, and a
//! bound on every wait so a broken build fails instead of hanging.

#![allow(dead_code)] // each test file uses a different part of this

use common::{NewUser, UserStore};
use grpc::client::UserClient;
use grpc::server::{self, Config, Stats};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The longest any single step of a test may take.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Fails the test if `future` takes longer than [`PATIENCE`].
pub async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(PATIENCE, future).await.expect("timed out")
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    pub store: UserStore,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    /// The sample users, auth off.
    pub async fn start() -> Self {
        Self::with(UserStore::with_sample_users(), None).await
    }

    pub async fn with(store: UserStore, token: Option<&str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stats = Arc::new(Stats::default());
        let config = Config {
            token: token.map(String::from),
            stats: stats.clone(),
            ..Config::new(store.clone())
        };
        let (stop, stopped) = oneshot::channel();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(server::serve(listener, config, shutdown));
        Self { addr, stats, store, stop, task }
    }

    pub async fn client(&self) -> UserClient {
        within(UserClient::connect(self.addr, None)).await.unwrap()
    }

    pub async fn channel(&self) -> tonic::transport::Channel {
        let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{}", self.addr));
        within(endpoint.unwrap().connect()).await.unwrap()
    }

    /// Asks the server to shut down and checks that it does, cleanly.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        within(self.task).await.unwrap().unwrap();
    }

    /// Waits until the server has counted `n` cancelled calls.
    pub async fn await_cancelled_calls(&self, n: u64) {
        within(async {
            while self.stats.cancelled_calls() < n {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert_eq!(self.stats.cancelled_calls(), n);
    }

    /// Proves the server still answers normally.
    pub async fn assert_still_serves(&self) {
        let user = within(self.client().await.get_user(1)).await.unwrap();
        assert_eq!(user, self.store.get(1).unwrap());
    }
}

pub fn new_user(name: &str, email: &str) -> NewUser {
    NewUser { name: name.into(), email: email.into() }
}

/// A store with `n` users, ids 1..=n.
pub fn store_with(n: usize) -> UserStore {
    let store = UserStore::new(n);
    for i in 1..=n {
        store.create(new_user(&format!("User {i}"), &format!("user{i}@example.com"))).unwrap();
    }
    store
}

/// How many [`big_store`] users are far more than the transport buffers between server and
/// a [`small_window_client`]: the server can only send them as fast as the client reads.
pub const BIG_STORE_USERS: usize = 2_000;

/// A store of [`BIG_STORE_USERS`] users with long names and emails (about 330 bytes each on
/// the wire, some 650 KB in all).
pub fn big_store() -> UserStore {
    let store = UserStore::new(BIG_STORE_USERS);
    let padding = "x".repeat(230);
    for i in 1..=BIG_STORE_USERS {
        let name = format!("{i:0>64}");
        store.create(new_user(&name, &format!("user{i}.{padding}@example.com"))).unwrap();
    }
    store
}

impl TestServer {
    /// A client whose HTTP/2 receive windows are small (16 KiB), so the server's flow control
    /// kicks in after a few dozen users instead of after megabytes.
    pub async fn small_window_client(&self) -> UserClient {
        let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .initial_stream_window_size(16 * 1024)
            .initial_connection_window_size(16 * 1024);
        let channel = within(endpoint.connect()).await.unwrap();
        UserClient::with_channel(channel, None).unwrap()
    }
}
