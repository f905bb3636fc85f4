//! Clients that misbehave: the server answers or closes with a reason, and keeps serving
//! everyone else.

use std::net::SocketAddr;
use std::time::Duration;
use tcp::client::Client;
use tcp::server::{self, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

fn quick_config() -> Config {
    Config { idle_timeout: Duration::from_millis(300), ..Config::default() }
}

async fn start(config: Config) -> SocketAddr {
    let (addr, _server) =
        server::spawn("127.0.0.1:0".parse().unwrap(), config, std::future::pending())
            .await
            .unwrap();
    addr
}

/// Everything the server sends until it closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    timeout(LIMIT, stream.read_to_end(&mut all)).await.expect("server closed in time").unwrap();
    String::from_utf8(all).unwrap()
}

async fn still_serves(addr: SocketAddr) {
    let mut client = timeout(LIMIT, Client::connect(addr)).await.unwrap().unwrap();
    timeout(LIMIT, client.ping()).await.unwrap().expect("the server still answers PING");
}

#[tokio::test]
async fn an_oversize_line_gets_an_error_and_the_connection_closes() {
    let addr = start(Config::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let huge = vec![b'A'; 64 * 1024];
    // The server stops reading at the limit, so part of this write may never be read.
    let _ = stream.write_all(&huge).await;
    let answer = read_to_close(&mut stream).await;
    assert_eq!(answer, "ERR line too long (limit 1024 bytes), closing\r\n");
    still_serves(addr).await;
}

#[tokio::test]
async fn half_a_line_then_silence_is_cut_off_by_the_idle_timeout() {
    let addr = start(quick_config()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"ECHO never finish").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("ERR idle timeout"), "{answer:?}");
    still_serves(addr).await;
}

#[tokio::test]
async fn a_line_dripped_byte_by_byte_cannot_outlast_the_timeout() {
    let addr = start(quick_config()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let drip = async {
        for byte in b"ECHO slowly but surely".iter().cycle() {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    timeout(LIMIT, drip).await.expect("the server hung up on the dripping client");
    still_serves(addr).await;
}

#[tokio::test]
async fn invalid_utf8_gets_an_error_and_the_connection_stays_usable() {
    let addr = start(Config::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"ECHO \xff\xfe\r\nPING\r\nQUIT\r\n").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert_eq!(answer, "ERR request is not valid UTF-8\r\nPONG\r\nBYE\r\n");
}

#[tokio::test]
async fn garbage_and_unknown_commands_are_answered_not_fatal() {
    let addr = start(Config::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"\x00\x01\x02\nGET -1\n\nQUIT\n").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert_eq!(
        answer,
        "ERR unknown command \0\u{1}\u{2} (try HELP)\r\nERR not a user id: -1\r\n\
         ERR empty line (try HELP)\r\nBYE\r\n"
    );
}

#[tokio::test]
async fn clients_that_vanish_mid_request_do_not_disturb_the_server() {
    let addr = start(Config::default()).await;
    for _ in 0..50 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"CREATE someone@exa").await.unwrap();
        drop(stream);
    }
    // Another vanishes with requests in flight and replies unread.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&b"PING\n".repeat(1000)).await.unwrap();
    drop(stream);
    still_serves(addr).await;
}

#[tokio::test]
async fn a_client_that_never_reads_its_replies_is_dropped() {
    let addr = start(quick_config()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // Keep sending requests and never read: once the socket buffers fill up, the
    // server's write times out and it closes, instead of buffering replies forever.
    let flood = async {
        let burst = b"ECHO ".iter().chain([b'x'; 1000].iter()).chain(b"\n").copied();
        let burst: Vec<u8> = burst.collect::<Vec<_>>().repeat(64);
        while stream.write_all(&burst).await.is_ok() {}
    };
    timeout(Duration::from_secs(30), flood).await.expect("the server closed the flooding client");
    still_serves(addr).await;
}

#[tokio::test]
async fn connections_over_the_limit_are_told_the_server_is_busy() {
    let addr = start(Config { max_connections: 2, ..Config::default() }).await;
    let mut first = Client::connect(addr).await.unwrap();
    let mut second = Client::connect(addr).await.unwrap();
    first.ping().await.unwrap();
    second.ping().await.unwrap();

    let mut third = TcpStream::connect(addr).await.unwrap();
    assert_eq!(read_to_close(&mut third).await, "ERR server busy, try again later\r\n");

    first.quit().await.unwrap();
    // The slot is freed once the server has finished with the first connection.
    let retry = async {
        loop {
            let mut client = Client::connect(addr).await.unwrap();
            if client.ping().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    timeout(LIMIT, retry).await.expect("a freed slot serves a new client");
}

#[tokio::test]
async fn shutdown_says_goodbye_to_idle_clients_and_returns() {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse().unwrap(), Config::default(), async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let mut busy = Client::connect(addr).await.unwrap();
    busy.ping().await.unwrap();

    stop.send(()).unwrap();
    assert_eq!(read_to_close(&mut idle).await, "BYE server shutting down\r\n");
    timeout(LIMIT, server).await.expect("serve returned").unwrap().unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed");
}
