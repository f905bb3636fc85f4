//! Test helpers: a server on 127.0.0.1:0 in this process, and a raw HTTP/1.1 client that
//! sends exactly the bytes it is given, so tests see what crosses the socket.
#![allow(dead_code)] // each test file uses a different part

use common::UserStore;
use jsonrpc::server::{Config, Handlers, serve};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub addr: SocketAddr,
    pub handlers: Handlers,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with_limits(Config::default()).await
    }

    pub async fn with_limits(limits: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handlers = Handlers::new(UserStore::with_sample_users());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(serve(listener, handlers.clone(), limits, shutdown));
        Self { addr, handlers, stop: Some(stop), task }
    }

    /// Stops the server and checks that `serve` returned `Ok`.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(WAIT, &mut self.task).await.unwrap().unwrap().unwrap();
    }

    /// POSTs `body` as JSON and returns the status code and the body.
    pub async fn post(&self, body: &str) -> (u16, String) {
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        exchange(self.addr, request.as_bytes()).await
    }

    /// POSTs `body` and parses the answer as JSON.
    pub async fn post_json(&self, body: &str) -> Value {
        let (status, answer) = self.post(body).await;
        assert_eq!(status, 200, "answer: {answer}");
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"))
    }

    /// Checks that the server still answers a plain call.
    pub async fn assert_serving(&self) {
        let answer = self
            .post_json(r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":7}"#)
            .await;
        assert_eq!(answer["result"], 19);
    }
}

/// Sends raw bytes on a fresh connection, reads until the server closes it, and splits the
/// answer into status code and body.
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_response(&mut stream).await
}

/// Reads one response until EOF (the requests here say `Connection: close`).
pub async fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut raw)).await.unwrap().unwrap();
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head: {text:?}"));
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap();
    (status, body.to_owned())
}
