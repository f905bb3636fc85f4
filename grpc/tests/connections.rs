//! What one client can hold: silent connections are closed, and at most `max_connections`
//! are served at once; the next client waits until a slot is free.

mod support;

use common::UserStore;
use grpc::client::UserClient;
use grpc::connections::Limits;
use grpc::server::{self, Config};
use std::net::SocketAddr;
use std::time::Duration;
use support::within;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An empty SETTINGS frame: what a client sends right after the preface.
const SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

async fn start(limits: Limits) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config { limits, ..Config::new(UserStore::with_sample_users()) };
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, config, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// Reads until the server closes the connection (EOF or reset).
async fn closed_by_server(stream: &mut TcpStream) {
    let mut buffer = [0; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {} // the server's SETTINGS, its GOAWAY
        }
    }
}

/// An HTTP/2 connection that says hello and then nothing.
async fn idle_http2(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(PREFACE).await.unwrap();
    stream.write_all(SETTINGS).await.unwrap();
    stream
}

#[tokio::test]
async fn a_connection_that_never_sends_the_preface_is_closed() {
    let limits = Limits { handshake_timeout: Duration::from_millis(200), ..Limits::default() };
    let (addr, _stop) = start(limits).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    within(closed_by_server(&mut silent)).await;
}

#[tokio::test]
async fn an_idle_connection_is_closed() {
    let limits = Limits { idle_timeout: Duration::from_millis(300), ..Limits::default() };
    let (addr, _stop) = start(limits).await;
    let mut idle = idle_http2(addr).await;
    within(closed_by_server(&mut idle)).await;
}

#[tokio::test]
async fn past_the_cap_a_client_waits_for_a_free_slot() {
    let limits = Limits { max_connections: 2, ..Limits::default() };
    let (addr, _stop) = start(limits).await;
    let held = [idle_http2(addr).await, idle_http2(addr).await];

    // The third client's TCP connect succeeds (listen backlog), but nobody serves it yet.
    let mut third = tokio::spawn(async move {
        let mut client = UserClient::connect(addr, None).await?;
        anyhow::Ok(client.get_user(1).await?.name)
    });
    let waited = tokio::time::timeout(Duration::from_millis(500), &mut third).await;
    assert!(waited.is_err(), "served past the cap: {waited:?}");

    drop(held);
    let name = within(third).await.unwrap().unwrap();
    assert_eq!(name, "Ada Lovelace");
}
