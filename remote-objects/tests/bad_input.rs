//! Raw bytes at the naming service: garbage, oversize frames, valid JSON of the wrong shape,
//! too many connections. Each bad peer is disconnected; everyone else carries on.

use remote_objects::client;
use remote_objects::names::{self, Registry};
use remote_objects::server::Config;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

async fn start_names(config: Config) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let registry = Registry::new(names::Config::default());
    tokio::spawn(names::serve(listener, registry, config, std::future::pending()));
    addr
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut bytes = (body.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(body);
    bytes
}

/// Sends `bytes` and expects the server to close the connection without answering.
async fn expect_disconnect(addr: SocketAddr, bytes: &[u8]) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut buffer = [0u8; 64];
    let read = timeout(Duration::from_secs(5), stream.read(&mut buffer)).await;
    match read.expect("the server closed the connection in time") {
        Ok(0) => {}
        // A reset is as good as a close: the server dropped the socket with input unread.
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("expected a closed connection, got {other:?}"),
    }
}

/// A well-behaved client on its own connection, opened before the bad peers arrive.
async fn lookup_works(names: &remote_objects::NamesClient) {
    let listed = names.list(client::context(), String::new()).await;
    assert_eq!(listed.unwrap(), vec![]);
}

#[tokio::test]
async fn garbage_and_oversize_frames_disconnect_only_their_sender() {
    let addr = start_names(Config::default()).await;
    let names = client::names(addr).await.unwrap();
    lookup_works(&names).await;

    expect_disconnect(addr, &frame(b"this is not json")).await;
    expect_disconnect(addr, &frame(br#"{"Request":{"id":"one"}}"#)).await;
    expect_disconnect(
        addr,
        &frame(br#"{"Request":{"context":{},"id":1,"message":{"Launch":{}}}}"#),
    )
    .await;
    // Announces 2 GiB: refused on the length prefix alone, nothing is buffered.
    expect_disconnect(addr, &0x8000_0000u32.to_be_bytes()).await;
    // One byte over the limit, with the bytes actually sent.
    let oversize = vec![b' '; remote_objects::MAX_FRAME + 1];
    expect_disconnect(addr, &frame(&oversize)).await;

    lookup_works(&names).await;
    lookup_works(&client::names(addr).await.unwrap()).await;
}

#[tokio::test]
async fn a_frame_at_the_limit_is_still_read() {
    let addr = start_names(Config::default()).await;
    // A lookup of a name far over the 128-byte limit, padded to exactly MAX_FRAME bytes.
    let head = br#"{"Request":{"context":{"deadline":{"secs":5,"nanos":0},"trace_context":{"trace_id":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"span_id":0,"sampling_decision":"Unsampled"}},"id":7,"message":{"Lookup":{"name":""#;
    let tail = br#""}}}}"#;
    let mut body = head.to_vec();
    body.resize(remote_objects::MAX_FRAME - tail.len(), b'x');
    body.extend_from_slice(tail);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&frame(&body)).await.unwrap();
    let mut length = [0u8; 4];
    timeout(Duration::from_secs(5), stream.read_exact(&mut length)).await.unwrap().unwrap();
    let mut answer = vec![0u8; u32::from_be_bytes(length) as usize];
    stream.read_exact(&mut answer).await.unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["request_id"], 7);
    assert!(answer["message"]["Ok"]["Lookup"]["Err"]["NotFound"].is_string(), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed_at_once() {
    let addr = start_names(Config { max_connections: 2, ..Config::default() }).await;
    let first = client::names(addr).await.unwrap();
    let second = client::names(addr).await.unwrap();
    lookup_works(&first).await;
    lookup_works(&second).await;

    expect_disconnect(addr, &[]).await;

    drop(first);
    // The slot frees once the server notices the close.
    let mut third_worked = false;
    for _ in 0..50 {
        let third = client::names(addr).await.unwrap();
        if third.list(client::context(), String::new()).await.is_ok() {
            third_worked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(third_worked, "a freed slot is reused");
    lookup_works(&second).await;
}
