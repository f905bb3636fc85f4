//! A server on 127.0.0.1:0 for each test, stopped when the test drops it.

#![allow(dead_code)]

use graphql::schema::Backend;
use graphql::server::{self, Config};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct TestServer {
    pub addr: SocketAddr,
    pub backend: Backend,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with(Backend::sample(), Config::default()).await
    }

    pub async fn with(backend: Backend, config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, backend.clone(), config, async {
            let _ = stopped.await;
        }));
        Self { addr, backend, stop: Some(stop), task: Some(task) }
    }

    pub fn url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/ws", self.addr)
    }

    /// Waits until `n` subscribers listen for `userCreated`.
    pub async fn wait_for_subscribers(&self, n: usize) {
        tokio::time::timeout(WAIT, async {
            while self.backend.events.receiver_count() < n {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the subscription reaches the server");
    }

    /// Stops the server and waits for `serve` to return.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(WAIT, task).await.expect("serve returns").unwrap().unwrap();
    }
}

/// POSTs `body` as JSON and returns the status and the JSON answer.
pub async fn post_json(url: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new().post(url).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Runs `query` with no variables and returns the status and the JSON answer.
pub async fn query(url: &str, query: &str) -> (u16, serde_json::Value) {
    post_json(url, &serde_json::json!({ "query": query })).await
}
