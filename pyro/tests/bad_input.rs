//! What the daemon does with bytes that are not a well-behaved Pyro5 JSON client, and what
//! the client does with a peer that is not a Pyro5 daemon. Nothing panics; only the
//! offending connection closes.

use pyro::client::{Error, UsersProxy};
use pyro::message::{self, Message, MessageType, flags};
use pyro::server::{self, Config};
use pyro::uri::Uri;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);

async fn daemon(config: Config) -> (SocketAddr, oneshot::Sender<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, _server) = server::spawn("127.0.0.1:0".parse().unwrap(), config, async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    (addr, stop)
}

/// A raw connection, after a JSON handshake for the users object.
async fn connected(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let hello = json!({"handshake": "hello", "object": pyro::USERS_NAME});
    let reply =
        exchange(&mut stream, Message::new(MessageType::Connect, 0, hello.to_string().into()))
            .await;
    assert_eq!(reply.unwrap().kind, MessageType::ConnectOk);
    stream
}

async fn exchange(
    stream: &mut TcpStream,
    message: Message,
) -> Result<Message, message::ProtocolError> {
    stream.write_all(&message.encode()).await?;
    timeout(WAIT, message::read_message(stream, pyro::MAX_MESSAGE))
        .await
        .expect("a reply or a close")
}

/// Reads until the daemon closes; panics if it does not within the wait.
async fn closed(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    let read = timeout(WAIT, stream.read_to_end(&mut rest)).await.expect("the daemon closes");
    assert!(read.is_err() || rest.is_empty(), "no reply, just the close: {rest:?}");
}

async fn still_serves(addr: SocketAddr) {
    let uri =
        Uri::Pyro { object: pyro::USERS_NAME.into(), host: "127.0.0.1".into(), port: addr.port() };
    let mut users = UsersProxy::locate(&uri, WAIT).await.unwrap();
    assert_eq!(users.get_user(3).await.unwrap().name, "Grace Hopper");
}

fn invoke(seq: u16, call: Value) -> Message {
    Message::new(MessageType::Invoke, seq, call.to_string().into())
}

fn exception_of(reply: &Message) -> (String, String) {
    assert!(reply.has_flag(flags::EXCEPTION), "an exception reply");
    let value: Value = serde_json::from_slice(&reply.data).unwrap();
    (value["__class__"].as_str().unwrap().into(), value["args"][0].as_str().unwrap().into())
}

#[tokio::test]
async fn garbage_closes_that_connection_only() {
    let (addr, _stop) = daemon(Config::default()).await;
    let mut http = TcpStream::connect(addr).await.unwrap();
    http.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n-----------------").await.unwrap();
    closed(&mut http).await;
    still_serves(addr).await;
}

#[tokio::test]
async fn a_wrong_magic_or_an_unknown_message_type_closes_the_connection() {
    let (addr, _stop) = daemon(Config::default()).await;
    let mut bytes = invoke(1, json!({})).encode();
    bytes[38] = 0;
    let mut stream = connected(addr).await;
    stream.write_all(&bytes).await.unwrap();
    closed(&mut stream).await;

    let mut bytes = invoke(1, json!({})).encode();
    bytes[6] = 42;
    let mut stream = connected(addr).await;
    stream.write_all(&bytes).await.unwrap();
    closed(&mut stream).await;
    still_serves(addr).await;
}

#[tokio::test]
async fn an_oversize_announcement_is_refused_before_it_is_read() {
    let (addr, _stop) = daemon(Config { max_message: 1024, ..Config::default() }).await;
    let mut stream = connected(addr).await;
    let mut header = invoke(1, json!({})).encode();
    header[12..16].copy_from_slice(&(64 * 1024 * 1024u32).to_be_bytes());
    stream.write_all(&header[..message::HEADER_SIZE]).await.unwrap();
    closed(&mut stream).await;
    still_serves(addr).await;
}

#[tokio::test]
async fn a_serializer_other_than_json_is_told_why_in_json() {
    let (addr, _stop) = daemon(Config::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut connect =
        Message::new(MessageType::Connect, 0, b"# serpent utf-8 python3.2\n{}".to_vec());
    connect.serializer = 1;
    let reply = exchange(&mut stream, connect).await.unwrap();
    assert_eq!(reply.kind, MessageType::ConnectFail);
    let reason: String = serde_json::from_slice(&reply.data).unwrap();
    assert!(reason.contains("PYRO_SERIALIZER=json"), "{reason}");
    closed(&mut stream).await;
}

#[tokio::test]
async fn a_call_before_the_handshake_closes_the_connection() {
    let (addr, _stop) = daemon(Config::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&invoke(1, json!({"object": "example.users"})).encode()).await.unwrap();
    closed(&mut stream).await;
}

#[tokio::test]
async fn bad_calls_are_exceptions_and_the_connection_stays() {
    let (addr, _stop) = daemon(Config::default()).await;
    let mut stream = connected(addr).await;
    let call = |method: &str, params: Value| json!({"object": pyro::USERS_NAME, "method": method, "params": params, "kwargs": {}});

    let reply = exchange(&mut stream, Message::new(MessageType::Invoke, 1, b"{not json".to_vec()))
        .await
        .unwrap();
    assert_eq!(exception_of(&reply).0, "Pyro5.errors.SerializeError");
    assert_eq!(reply.seq, 1, "the reply carries the request's sequence number");

    let reply = exchange(&mut stream, invoke(2, call("delete_user", json!([1])))).await.unwrap();
    assert_eq!(exception_of(&reply).0, "builtins.AttributeError");

    let reply = exchange(&mut stream, invoke(3, call("get_user", json!(["one"])))).await.unwrap();
    assert_eq!(
        exception_of(&reply),
        ("builtins.TypeError".into(), "id must be int, not \"one\"".into())
    );

    let reply = exchange(&mut stream, invoke(4, call("get_user", json!([])))).await.unwrap();
    assert_eq!(exception_of(&reply).1, "get_user() missing required argument: 'id'");

    let other = json!({"object": "example.elsewhere", "method": "x", "params": [], "kwargs": {}});
    let reply = exchange(&mut stream, invoke(5, other)).await.unwrap();
    assert_eq!(exception_of(&reply), ("Pyro5.errors.DaemonError".into(), "unknown object".into()));

    let batch = invoke(6, call("get_user", json!([1]))).with_flags(flags::BATCH);
    let reply = exchange(&mut stream, batch).await.unwrap();
    assert_eq!(exception_of(&reply).0, "Pyro5.errors.ProtocolError");

    // A oneway call gets no reply; the next call's reply is the next message.
    let oneway = invoke(7, call("create_user", json!(["Oneway Owen", "owen@example.com"])));
    stream.write_all(&oneway.with_flags(flags::ONEWAY).encode()).await.unwrap();
    let reply = exchange(&mut stream, invoke(8, call("get_user", json!([4])))).await.unwrap();
    assert_eq!(reply.seq, 8);
    let owen: Value = serde_json::from_slice(&reply.data).unwrap();
    assert_eq!(owen["name"], "Oneway Owen");
}

#[tokio::test]
async fn an_idle_connection_is_closed() {
    let config = Config { idle_timeout: Duration::from_millis(200), ..Config::default() };
    let (addr, _stop) = daemon(config).await;
    let mut stream = connected(addr).await;
    closed(&mut stream).await;
}

#[tokio::test]
async fn the_client_reports_a_dead_silent_or_foreign_peer_in_one_line() {
    // Nothing listens: a free port a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let uri = |port| Uri::Pyro { object: "example.users".into(), host: "127.0.0.1".into(), port };
    let dead = UsersProxy::locate(&uri(port), WAIT).await.unwrap_err();
    assert!(matches!(dead, Error::Connect { .. }), "{dead}");

    // Accepts and says nothing.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let _hold = tokio::spawn(async move {
        let _conn = silent.accept().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let slow = UsersProxy::locate(&uri(silent_port), Duration::from_millis(300)).await.unwrap_err();
    assert!(matches!(slow, Error::Timeout { .. }), "{slow}");

    // Speaks HTTP.
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_port = http.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut conn, _) = http.accept().await.unwrap();
        let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    });
    let foreign = UsersProxy::locate(&uri(http_port), WAIT).await.unwrap_err();
    assert!(foreign.to_string().contains("not a Pyro message"), "{foreign}");
}

/// No name server, and a port already taken: one line on stderr each, naming the address and
/// what to do.
#[test]
fn no_name_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_pyro-client")).args(["--ns", &closed]),
        &format!("cannot reach {closed}"),
    );
    assert!(line.contains("python3 -m Pyro5.nameserver"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_pyro-server"))
            .args(["--addr", &taken, "--no-ns"]),
        &format!("cannot listen on {taken}: "),
    );
}
