//! Shared by the test files: an in-process server on 127.0.0.1:0 and bounded waits.
#![allow(dead_code)] // each test file uses a different part

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use websocket::client::{ChatClient, Incoming, chat_url};
use websocket::server::{self, Config};
use websocket::{ServerEvent, Welcome};

/// Every single wait in the tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(server::serve(listener, config, shutdown));
        Self { addr, stop: Some(stop), task }
    }

    pub fn url(&self) -> String {
        chat_url(self.addr)
    }

    pub async fn join(&self, name: &str) -> (ChatClient, Welcome) {
        within(ChatClient::join(&self.url(), name)).await.unwrap()
    }

    /// Triggers shutdown and waits for `serve` to return.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        within(&mut self.task).await.unwrap().unwrap();
    }
}

/// Short timers so shutdown and stalled-writer paths finish fast. The heartbeat stays
/// generous: a test client that is busy elsewhere does not answer pings meanwhile.
pub fn quick_config() -> Config {
    Config {
        ping_interval: Duration::from_millis(500),
        idle_timeout: Duration::from_secs(5),
        write_timeout: Duration::from_secs(2),
        header_timeout: Duration::from_millis(500),
        ..Config::default()
    }
}

pub async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future).await.expect("timed out")
}

/// The next event; panics if the connection ends instead.
pub async fn event(client: &mut ChatClient) -> ServerEvent {
    match within(client.next()).await.unwrap() {
        Incoming::Event(event) => event,
        Incoming::Closed(frame) => panic!("closed unexpectedly: {frame:?}"),
    }
}

/// Reads until the connection closes, returning the server's close frame.
pub async fn closed(client: &mut ChatClient) -> Option<CloseFrame> {
    within(async {
        loop {
            match client.next().await {
                Ok(Incoming::Event(_)) => {}
                Ok(Incoming::Closed(frame)) => return frame,
                Err(err) => panic!("no clean close: {err}"),
            }
        }
    })
    .await
}
