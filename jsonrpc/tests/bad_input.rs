//! Malformed, oversize and slow input: each gets the answer the README promises, and the
//! server keeps serving afterwards.

mod support;

use jsonrpc::server::Config;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{TestServer, WAIT, exchange, read_response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Small limits, so each one is quick to reach.
fn small_limits() -> Config {
    Config {
        max_body_bytes: 1024,
        max_batch_len: 3,
        max_connections: 2,
        header_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(500),
        shutdown_grace: Duration::from_secs(1),
    }
}

fn error_code_and_id(answer: &str) -> (Value, Value) {
    let answer: Value = serde_json::from_str(answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    (answer["error"]["code"].clone(), answer["id"].clone())
}

/// Waits until the server closes `stream`, and returns what it sent before closing.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut received)).await.unwrap().unwrap();
    received
}

#[tokio::test]
async fn oversize_body_is_refused_with_413() {
    let server = TestServer::with_limits(small_limits()).await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","method":"sum","params":[{}],"id":1}}"#,
        "1,".repeat(600) + "1"
    );
    let (status, answer) = server.post(&big).await;
    assert_eq!(status, 413);
    assert_eq!(error_code_and_id(&answer), (json!(-32007), Value::Null));

    // The same without Content-Length (chunked): cut off once the limit is crossed.
    let chunk = "x".repeat(2000);
    let request = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let (status, answer) = exchange(server.addr, request.as_bytes()).await;
    assert_eq!(status, 413);
    assert_eq!(error_code_and_id(&answer), (json!(-32007), Value::Null));
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn too_long_batch_gets_one_error() {
    let server = TestServer::with_limits(small_limits()).await;
    let call = r#"{"jsonrpc":"2.0","method":"get_data","id":1}"#;
    let answer = server.post_json(&format!("[{call},{call},{call},{call}]")).await;
    assert_eq!(
        (answer["error"]["code"].clone(), answer["id"].clone()),
        (json!(-32010), Value::Null)
    );
    // At the limit it is fine.
    let answer = server.post_json(&format!("[{call},{call},{call}]")).await;
    assert_eq!(answer.as_array().unwrap().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn not_json_and_not_post_are_refused() {
    let server = TestServer::with_limits(small_limits()).await;
    for body in ["", "hello", "{", "\u{0}\u{1}"] {
        let (status, answer) = server.post(body).await;
        assert!(status == 200 || status == 400, "{body:?}: {status}");
        assert_eq!(error_code_and_id(&answer), (json!(-32700), Value::Null), "{body:?}");
    }
    let get = format!("GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
    assert_eq!(exchange(server.addr, get.as_bytes()).await.0, 405);
    let text = "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\
                Connection: close\r\n\r\n{}";
    assert_eq!(exchange(server.addr, text.as_bytes()).await.0, 415);
    let garbage = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n";
    assert_eq!(exchange(server.addr, garbage).await.0, 400);
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let server = TestServer::start().await; // 1 MiB bodies
    let depth = 200_000;
    let params = "[".repeat(depth) + &"]".repeat(depth);
    for body in [
        params.clone(),
        format!(r#"{{"jsonrpc":"2.0","method":"sum","params":{params},"id":1}}"#),
        format!(
            r#"{{"jsonrpc":"2.0","method":"subtract","params":{{"minuend":{params}}},"id":1}}"#
        ),
    ] {
        let (_, answer) = server.post(&body).await;
        let answer: Value = serde_json::from_str(&answer).unwrap();
        // The bare array is a batch of one invalid element, answered with a batch.
        let error = if answer.is_array() { &answer[0]["error"] } else { &answer["error"] };
        let code = error["code"].as_i64().unwrap_or_else(|| panic!("{answer}"));
        assert!([-32700, -32600, -32602].contains(&code), "{answer}");
    }
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn a_body_dripped_one_byte_at_a_time_is_cut_off_with_408() {
    let server = TestServer::with_limits(small_limits()).await;
    let body = r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    // The whole body would take over 3 s; the request deadline is 0.5 s.
    let drip = tokio::spawn(async move {
        for byte in body.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                break; // the server has hung up
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    // Read until the server closes (or resets) the connection.
    while let Ok(Ok(n @ 1..)) = tokio::time::timeout(WAIT, reader.read(&mut buffer)).await {
        received.extend_from_slice(&buffer[..n]);
    }
    assert_eq!(support::parse_response(&received).0, 408);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    drip.abort();
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn headers_that_never_end_are_cut_off() {
    let server = TestServer::with_limits(small_limits()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"POST / HTTP/1.1\r\nHost: t\r\n").await.unwrap();
    let started = Instant::now();
    // One more header byte every 50 ms, forever: the header deadline (0.3 s) still applies.
    let drip = async {
        loop {
            if stream.write_all(b"X").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut probe = [0u8; 1];
            if let Ok(Ok(0)) =
                tokio::time::timeout(Duration::from_millis(1), stream.peek(&mut probe)).await
            {
                return; // closed by the server
            }
        }
    };
    tokio::time::timeout(WAIT, drip).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed() {
    let server = TestServer::with_limits(small_limits()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    assert!(read_until_closed(&mut stream).await.is_empty());
    assert!(started.elapsed() < Duration::from_secs(3));
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_vanishing_mid_body_costs_nothing() {
    let server = TestServer::with_limits(small_limits()).await;
    for _ in 0..5 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"")
            .await
            .unwrap();
        drop(stream);
    }
    // With max_connections = 2, this only works if the vanished connections were released.
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_limit_wait_for_a_free_slot() {
    let limits = Config { header_timeout: Duration::from_secs(30), ..small_limits() };
    let server = TestServer::with_limits(limits).await;
    // Two idle connections take both slots.
    let first = TcpStream::connect(server.addr).await.unwrap();
    let _second = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let call = r#"{"jsonrpc":"2.0","method":"get_data","id":1}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{call}",
        call.len()
    );
    let mut third = TcpStream::connect(server.addr).await.unwrap(); // queued by the kernel
    third.write_all(request.as_bytes()).await.unwrap();
    let mut byte = [0u8; 1];
    let waited = tokio::time::timeout(Duration::from_millis(300), third.peek(&mut byte)).await;
    assert!(waited.is_err(), "the third connection was served while both slots were taken");

    drop(first); // frees a slot
    let (status, answer) = read_response(&mut third).await;
    assert_eq!(
        (status, answer.as_str()),
        (200, r#"{"jsonrpc":"2.0","id":1,"result":["hello",5]}"#)
    );
    server.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_nothing_when_idle_and_stops_accepting() {
    let server = TestServer::with_limits(small_limits()).await;
    let addr = server.addr;
    server.assert_serving().await;
    server.stop().await;
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
}

#[tokio::test]
async fn oversize_headers_are_refused_with_431() {
    let server = TestServer::with_limits(small_limits()).await;
    let huge = format!("POST / HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n", "a".repeat(600_000));
    let many: String = (0..200).map(|n| format!("X-{n}: 1\r\n")).collect();
    let many = format!("POST / HTTP/1.1\r\nHost: t\r\n{many}\r\n");
    for request in [huge, many] {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        // The server may answer and close before it has read everything we send.
        let _ = stream.write_all(request.as_bytes()).await;
        let mut head = [0u8; 12];
        tokio::time::timeout(WAIT, stream.read_exact(&mut head)).await.unwrap().unwrap();
        assert_eq!(&head, b"HTTP/1.1 431");
    }
    server.assert_serving().await;
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    let limits = Config { request_timeout: Duration::from_secs(5), ..small_limits() };
    let server = TestServer::with_limits(limits).await;
    let addr = server.addr;
    let body = r#"{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}"#;
    let (first, rest) = body.split_at(20);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(format!("{head}{first}").as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let stopping = tokio::spawn(server.stop()); // checks that `serve` returns Ok
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(rest.as_bytes()).await.unwrap();
    let (status, answer) = read_response(&mut stream).await;
    assert_eq!((status, answer.as_str()), (200, r#"{"jsonrpc":"2.0","id":1,"result":19}"#));
    tokio::time::timeout(WAIT, stopping).await.unwrap().unwrap();
}
