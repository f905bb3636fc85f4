//! Test helpers: a server on 127.0.0.1:0 in this process, and a raw HTTP/1.1 client that
//! sends exactly the bytes it is given, so tests see what crosses the socket.
#![allow(dead_code)] // each test file uses a different part

use common::UserStore;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use xmlrpc::server::{Config, Handlers, serve};

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handlers = Handlers::new(UserStore::with_sample_users());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(serve(listener, handlers, config, shutdown));
        Self { addr, stop: Some(stop), task }
    }

    pub fn url(&self) -> String {
        format!("http://{}/RPC2", self.addr)
    }

    pub fn client(&self) -> xmlrpc::client::Client {
        xmlrpc::client::Client::new(self.addr).unwrap()
    }

    /// Stops the server and checks that `serve` returned `Ok`.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(WAIT, &mut self.task).await.unwrap().unwrap().unwrap();
    }

    /// POSTs `body` to /RPC2 and returns the status code and the body.
    pub async fn post(&self, body: &[u8]) -> (u16, String) {
        let head = format!(
            "POST /RPC2 HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        exchange(self.addr, &request).await
    }

    /// POSTs `body` and returns the fault code of the answer (panics if it is no fault).
    pub async fn fault_code(&self, body: &str) -> i32 {
        let (status, reply) = self.post(body.as_bytes()).await;
        assert_eq!(status, 200, "{reply}");
        match xmlrpc::client::parse_response(reply.as_bytes()) {
            Err(xmlrpc::client::Error::Fault(fault)) => fault.code(),
            other => panic!("expected a fault, got {other:?}"),
        }
    }
}

/// Sends `request` as is, reads until the server closes, returns the status and the body.
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut reply)).await.unwrap().unwrap();
    parse_reply(&String::from_utf8_lossy(&reply))
}

pub fn parse_reply(reply: &str) -> (u16, String) {
    let status = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

/// A `<methodCall>` with the given parameters, written by hand.
pub fn call(method: &str, params: &[&str]) -> String {
    let params: String =
        params.iter().map(|p| format!("<param><value>{p}</value></param>")).collect();
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName>\
         <params>{params}</params></methodCall>"
    )
}
