//! Raw TCP clients that misbehave: they drip their headers, stall, send garbage, send too
//! much, or vanish. Each test checks the server's answer and that it still serves afterwards.

mod support;

use rest::client::RestClient;
use rest::server::Config;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::{TestServer, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SHORT: Duration = Duration::from_millis(300);

fn short_timeouts() -> Config {
    Config { header_read_timeout: SHORT, request_timeout: SHORT, ..Config::default() }
}

/// Reads until the server closes the connection; panics if it does not within [`WAIT`].
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(WAIT, read_all).await.expect("the server should close the connection");
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends `request` on a fresh connection and returns everything the server sent back.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_until_closed(&mut stream).await
}

async fn assert_still_serves(addr: SocketAddr) {
    let client = RestClient::new(addr).unwrap();
    let ada = tokio::time::timeout(WAIT, client.get_user(1)).await.unwrap().unwrap();
    assert_eq!(ada.name, "Ada Lovelace");
}

#[tokio::test]
async fn a_client_dripping_its_headers_is_cut_off() {
    let server = TestServer::start(short_timeouts()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let head = format!("GET /users HTTP/1.1\r\nhost: x\r\nx-padding: {}\r\n\r\n", "a".repeat(200));

    // One byte every 20 ms: the whole head would take 4 s, far beyond the 300 ms allowed.
    let mut cut_off = false;
    for byte in head.bytes() {
        if stream.write_all(&[byte]).await.is_err() {
            cut_off = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        if started.elapsed() > WAIT {
            break;
        }
    }
    if !cut_off {
        // Every write may land in the kernel buffer before the close is noticed; the read side
        // tells for sure.
        let answer = read_until_closed(&mut stream).await;
        assert!(!answer.contains("200 OK"), "{answer}");
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= SHORT && elapsed < WAIT, "closed after {elapsed:?}");
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let server = TestServer::start(short_timeouts()).await;
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut idle).await;
    assert!(answer.is_empty() || answer.contains("408"), "{answer}");
    assert!(started.elapsed() >= SHORT);
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = TestServer::start(short_timeouts()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET /users/1 HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let started = Instant::now();
    // The answer comes at once; then the connection idles until the server closes it.
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(!answer.contains("connection: close"), "{answer}");
    assert!(started.elapsed() >= SHORT);
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stalls_gets_408_in_json() {
    let server = TestServer::start(short_timeouts()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /users HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                content-length: 60\r\n\r\n{\"name\":";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout"), "{answer}");
    assert!(
        answer.ends_with(r#"{"error":"timeout","message":"the request did not complete in time"}"#),
        "{answer}"
    );
    assert_eq!(server.store.len(), 3);
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_without_being_stored() {
    let server = TestServer::start(Config { body_limit: 1024, ..Config::default() }).await;
    let body = format!(r#"{{"name":"{}","email":"big@example.com"}}"#, "n".repeat(100_000));
    let request = format!(
        "POST /users HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = exchange(server.addr, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413 Payload Too Large"), "{answer}");
    assert!(answer.contains(r#""error":"body_too_large""#), "{answer}");

    // A length announced far beyond the limit is refused without waiting for the bytes.
    let request = "POST /users HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                   content-length: 10000000000\r\n\r\n{";
    let answer = exchange(server.addr, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413 Payload Too Large"), "{answer}");

    assert_eq!(server.store.len(), 3);
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn garbage_instead_of_http_gets_400_and_a_closed_connection() {
    let server = TestServer::start(Config::default()).await;
    for garbage in [
        &b"HELLO THERE\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nbad header line\r\n\r\n",
        b"\x00\x01\x02\r\n\r\n",
    ] {
        let answer = exchange(server.addr, garbage).await;
        // hyper answers before any handler runs, so this one has no JSON body.
        assert!(answer.starts_with("HTTP/1.1 400 Bad Request"), "{answer:?}");
    }
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn headers_over_32_kib_get_431() {
    let server = TestServer::start(Config::default()).await;
    let head =
        |size| format!("GET /users HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n", "a".repeat(size));
    let just_below = exchange(
        server.addr,
        head(31 * 1024).replace("host: x", "host: x\r\nconnection: close").as_bytes(),
    )
    .await;
    assert!(just_below.starts_with("HTTP/1.1 200 OK"), "{just_below}");

    let request = head(33 * 1024);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // The server may close before reading everything; the answer is what matters.
    let _ = stream.write_all(request.as_bytes()).await;
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"), "{answer}");
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn a_peer_that_vanishes_mid_request_changes_nothing() {
    let server = TestServer::start(Config::default()).await;
    for cut in [10, 60, 90] {
        let request = b"POST /users HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 42\r\n\r\n{\"name\":\"Gone\",\"email\":\"gone@example.com\"}";
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(&request[..cut]).await.unwrap();
        drop(stream);
    }
    // Also a peer that sends a whole request and leaves before reading the answer.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET /users HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    drop(stream);

    assert_still_serves(server.addr).await;
    assert_eq!(server.store.len(), 3);
    server.stop().await;
}

// Two threads, so the server reads the request before the FIN arrives, as with a real client
// (hyper's default then drops the request); ten rounds, because that ordering is a race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_half_closes_still_gets_its_answer() {
    let server = TestServer::start(Config::default()).await;
    for _ in 0..10 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(b"GET /users/1 HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        stream.shutdown().await.unwrap(); // FIN: "no more requests from me"
        let answer = read_until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer:?}");
        assert!(answer.ends_with(r#""email":"ada@example.com"}"#), "{answer}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_connection_cap_makes_extra_clients_wait_not_fail() {
    let server = TestServer::start(Config { max_connections: 1, ..Config::default() }).await;
    let hog = TcpStream::connect(server.addr).await.unwrap();
    // Give the server time to accept the hog, so it holds the only slot.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let client = RestClient::new(server.addr).unwrap();
    let waiting = tokio::spawn(async move { client.get_user(1).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second client must wait for a free slot");

    drop(hog);
    let ada = tokio::time::timeout(WAIT, waiting).await.unwrap().unwrap().unwrap();
    assert_eq!(ada.id, 1);
    server.stop().await;
}
