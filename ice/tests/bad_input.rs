//! Peers that misbehave, on either side: the server closes that connection (saying
//! close-connection when the peer speaks Ice) and keeps serving everyone else; the client
//! gives a clear error instead of hanging.

use ice::client::{ClientError, Config, DirectoryPrx};
use ice::encoding::{Encapsulation, Version};
use ice::message::{Identity, Message, OperationMode, Reply, ReplyBody, Request};
use ice::server::{self, Config as ServerConfig};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

async fn start(config: ServerConfig) -> SocketAddr {
    let addr = "127.0.0.1:0".parse().unwrap();
    let (addr, _server) = server::spawn(addr, config, std::future::pending()).await.unwrap();
    addr
}

fn validate() -> Vec<u8> {
    Message::ValidateConnection.to_bytes()
}

fn close() -> Vec<u8> {
    Message::CloseConnection.to_bytes()
}

/// Everything the server sends until it closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    timeout(LIMIT, stream.read_to_end(&mut all)).await.expect("server closed in time").unwrap();
    all
}

async fn still_serves(addr: SocketAddr) {
    let mut directory = timeout(LIMIT, DirectoryPrx::connect(addr)).await.unwrap().unwrap();
    timeout(LIMIT, directory.ice_ping()).await.unwrap().expect("the server still answers");
}

/// Sends one request on a raw connection and returns the reply.
async fn raw_call(stream: &mut TcpStream, request: Request) -> Reply {
    stream.write_all(&Message::Request(request).to_bytes()).await.unwrap();
    let mut header = [0; 14];
    timeout(LIMIT, stream.read_exact(&mut header)).await.unwrap().unwrap();
    let size = i32::from_le_bytes(header[10..14].try_into().unwrap()) as usize;
    let mut message = header.to_vec();
    message.resize(size, 0);
    stream.read_exact(&mut message[14..]).await.unwrap();
    match Message::from_bytes(&message).unwrap() {
        Message::Reply(reply) => reply,
        other => panic!("expected a reply, got {other:?}"),
    }
}

async fn connected(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut first = [0; 14];
    stream.read_exact(&mut first).await.unwrap();
    assert_eq!(first.to_vec(), validate(), "the server speaks first");
    stream
}

fn get_user(mode: OperationMode, params: Encapsulation) -> Request {
    Request {
        request_id: 7,
        identity: Identity::new("users"),
        facet: None,
        operation: "getUser".into(),
        mode,
        context: vec![("trace".into(), "on".into())],
        params,
    }
}

#[tokio::test]
async fn a_peer_that_is_not_ice_is_disconnected_without_harm() {
    let addr = start(ServerConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, validate(), "no reply to garbage, just close");
    still_serves(addr).await;
}

#[tokio::test]
async fn a_header_announcing_too_much_gets_close_connection() {
    let addr = start(ServerConfig { max_message: 1024, ..ServerConfig::default() }).await;
    let mut stream = connected(addr).await;
    let mut header = Message::ValidateConnection.to_bytes();
    header[8] = 0; // a request...
    header[10..14].copy_from_slice(&(1024 * 1024 * 1024i32).to_le_bytes()); // ...of 1 GiB
    stream.write_all(&header).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, close());
    still_serves(addr).await;
}

#[tokio::test]
async fn a_malformed_request_body_closes_that_connection() {
    let addr = start(ServerConfig::default()).await;
    for body in [
        &[][..],                                               // no body at all
        &[1, 0, 0, 0, 5, b'u', b's'],                          // a string cut short
        &[1, 0, 0, 0, 0, 0, 0, 0, 9],                          // operation mode 9... and nothing
        &[1, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 127], // a context of 2^31-1 pairs
    ] {
        let mut stream = connected(addr).await;
        let mut message = Message::ValidateConnection.to_bytes();
        message[8] = 0;
        message.extend_from_slice(body);
        let size = message.len() as i32;
        message[10..14].copy_from_slice(&size.to_le_bytes());
        stream.write_all(&message).await.unwrap();
        assert_eq!(read_to_close(&mut stream).await, b"", "body {body:?}");
    }
    still_serves(addr).await;
}

#[tokio::test]
async fn bad_parameters_are_answered_and_the_connection_lives_on() {
    let addr = start(ServerConfig::default()).await;
    let mut stream = connected(addr).await;

    let old = Encapsulation { encoding: Version { major: 1, minor: 0 }, data: vec![1, 0, 0, 0] };
    let reply = raw_call(&mut stream, get_user(OperationMode::Idempotent, old)).await;
    let ReplyBody::UnknownLocalException(text) = reply.body else { panic!("{reply:?}") };
    assert!(text.contains("unsupported encoding 1.0"), "{text}");

    let short = Encapsulation::build(|w| {
        w.byte(1);
    });
    let reply = raw_call(&mut stream, get_user(OperationMode::Idempotent, short)).await;
    assert_eq!(reply.body.status(), 5, "{reply:?}");

    // `getUser` is idempotent in the contract; a client whose Slice says otherwise is wrong.
    let params = Encapsulation::build(|w| {
        w.int(1);
    });
    let reply = raw_call(&mut stream, get_user(OperationMode::Normal, params.clone())).await;
    let ReplyBody::UnknownLocalException(text) = reply.body else { panic!("{reply:?}") };
    assert!(text.contains("unexpected operation mode"), "{text}");

    let reply = raw_call(&mut stream, get_user(OperationMode::Idempotent, params)).await;
    assert_eq!((reply.request_id, reply.body.status()), (7, 0), "and then it works");
}

#[tokio::test]
async fn half_a_message_then_silence_is_cut_off() {
    let config =
        ServerConfig { idle_timeout: Duration::from_millis(300), ..ServerConfig::default() };
    let addr = start(config).await;
    let mut stream = connected(addr).await;
    stream.write_all(&b"IceP\x01\x00\x01\x00\x00\x00\x40\x00\x00\x00\x01"[..]).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, close());
    // An idle connection is closed the same way, as ZeroC's connection management does.
    let mut idle = connected(addr).await;
    assert_eq!(read_to_close(&mut idle).await, close());
    still_serves(addr).await;
}

#[tokio::test]
async fn connections_over_the_limit_get_close_connection() {
    let addr = start(ServerConfig { max_connections: 1, ..ServerConfig::default() }).await;
    let mut first = DirectoryPrx::connect(addr).await.unwrap();
    first.ice_ping().await.unwrap();
    let refused = DirectoryPrx::connect(addr).await.unwrap_err();
    assert!(matches!(refused, ClientError::Closed), "{refused:?}");
    first.close().await.unwrap();
    let retry = async {
        loop {
            if let Ok(mut directory) = DirectoryPrx::connect(addr).await
                && directory.ice_ping().await.is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    timeout(LIMIT, retry).await.expect("a freed slot serves a new client");
}

#[tokio::test]
async fn shutdown_sends_close_connection_and_returns() {
    let (stop, stopped) = oneshot::channel::<()>();
    let addr = "127.0.0.1:0".parse().unwrap();
    let (addr, server) = server::spawn(addr, ServerConfig::default(), async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let mut idle = connected(addr).await;
    let mut busy = DirectoryPrx::connect(addr).await.unwrap();
    busy.get_user(1).await.unwrap();

    stop.send(()).unwrap();
    assert_eq!(read_to_close(&mut idle).await, close());
    assert!(matches!(busy.get_user(1).await, Err(ClientError::Closed)));
    timeout(LIMIT, server).await.expect("serve returned").unwrap().unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed");
}

fn quick() -> Config {
    Config {
        connect_timeout: Duration::from_millis(300),
        call_timeout: Duration::from_millis(300),
        ..Config::default()
    }
}

async fn connect(addr: SocketAddr) -> Result<DirectoryPrx, ClientError> {
    timeout(LIMIT, DirectoryPrx::connect_with(addr, Identity::new("users"), quick()))
        .await
        .expect("the client gives up on its own")
}

/// A listener that runs `peer` on its first connection.
async fn fake_server<F>(peer: impl FnOnce(TcpStream) -> F + Send + 'static) -> SocketAddr
where
    F: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        peer(stream).await;
    });
    addr
}

#[tokio::test]
async fn the_client_says_clearly_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let error = connect(SocketAddr::from(([127, 0, 0, 1], port))).await.unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }), "{error:?}");
    assert!(error.to_string().starts_with("cannot reach 127.0.0.1:"), "{error}");
}

#[tokio::test]
async fn the_client_recognises_a_peer_that_is_not_ice() {
    let http = fake_server(|mut stream| async move {
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        tokio::time::sleep(LIMIT).await;
    })
    .await;
    let error = connect(http).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("is not an Ice server: not an Ice peer: the stream starts with \"HTTP\""),
        "{error}"
    );

    // A peer that accepts and says nothing (an Ice client expects the server to speak first).
    let silent = fake_server(|stream| async move {
        tokio::time::sleep(LIMIT).await;
        drop(stream);
    })
    .await;
    let error = connect(silent).await.unwrap_err();
    assert!(error.to_string().contains("no validate-connection message within"), "{error}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_the_call_out() {
    let mute = fake_server(|mut stream| async move {
        let _ = stream.write_all(&Message::ValidateConnection.to_bytes()).await;
        let _ = tokio::io::copy(&mut stream, &mut tokio::io::sink()).await;
    })
    .await;
    let mut directory = connect(mute).await.unwrap();
    let error = timeout(LIMIT, directory.get_user(1)).await.unwrap().unwrap_err();
    assert!(matches!(error, ClientError::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn a_reply_announcing_too_much_is_refused() {
    let huge = fake_server(|mut stream| async move {
        let _ = stream.write_all(&Message::ValidateConnection.to_bytes()).await;
        let mut header = Message::CloseConnection.to_bytes();
        header[8] = 2;
        header[10..14].copy_from_slice(&i32::MAX.to_le_bytes());
        let mut request = [0; 64];
        let _ = stream.read(&mut request).await;
        let _ = stream.write_all(&header).await;
        tokio::time::sleep(LIMIT).await;
    })
    .await;
    let mut directory = connect(huge).await.unwrap();
    let error = timeout(LIMIT, directory.get_user(1)).await.unwrap().unwrap_err();
    assert!(error.to_string().contains("the limit is 1048576"), "{error}");
}

#[tokio::test]
async fn a_batch_request_is_refused_with_close_connection() {
    let addr = start(ServerConfig::default()).await;
    let mut stream = connected(addr).await;
    stream.write_all(&Message::BatchRequest.to_bytes()).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, close(), "batches are not supported");
    still_serves(addr).await;
}
