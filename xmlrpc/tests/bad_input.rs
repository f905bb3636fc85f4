//! Hostile and broken input: every case is an answer (a fault or an HTTP error), never a
//! panic, an expansion, a file read or a hung connection.

mod support;

use std::time::Duration;
use support::{TestServer, WAIT, call, exchange};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use xmlrpc::client::{Client, Error};
use xmlrpc::codes;
use xmlrpc::server::Config;

/// The classic "billion laughs": ten levels of entities, each ten copies of the one below.
/// Expanded, `&lol9;` is 10^9 "lol"s, about 3 GB.
const BILLION_LAUGHS: &str = include_str!("peers/billion_laughs.xml");

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}

#[tokio::test]
async fn billion_laughs_is_a_fault_and_nothing_is_expanded() {
    let server = TestServer::start().await;
    let before = resident_bytes();
    let (status, reply) = server.post(BILLION_LAUGHS.as_bytes()).await;
    let after = resident_bytes();
    assert_eq!(status, 200);
    assert!(reply.contains("<i4>-32600</i4>") && reply.contains("DOCTYPE"), "{reply}");
    assert!(!reply.contains("lollol"), "nothing expanded into the answer");
    assert!(reply.len() < 1024, "a short fault, not an expansion: {} bytes", reply.len());
    // 3 GB if expanded; the process must not have grown by more than noise.
    assert!(after.saturating_sub(before) < 64 * 1024 * 1024, "grew from {before} to {after} bytes");
    // The server still answers.
    assert_eq!(server.client().get_user(1).await.unwrap().id, 1);
    server.stop().await;
}

#[tokio::test]
async fn external_entities_are_never_read() {
    let server = TestServer::start().await;
    let document = "<?xml version=\"1.0\"?>\n<!DOCTYPE methodCall [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>\n\
        <methodCall><methodName>validator1.countTheEntities</methodName><params><param><value>&secret;</value></param></params></methodCall>";
    let (status, reply) = server.post(document.as_bytes()).await;
    assert_eq!(status, 200);
    assert!(reply.contains("<i4>-32600</i4>"), "{reply}");
    assert!(!reply.contains("root:"), "{reply}");
    // Without a DOCTYPE an entity is simply undefined: a fault too.
    let undefined = call("validator1.countTheEntities", &["&secret;"]);
    assert_eq!(server.fault_code(&undefined).await, codes::INVALID_XMLRPC);
    server.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let config = Config { max_body_bytes: 1024, ..Config::default() };
    let server = TestServer::with_config(config).await;
    let big = call("validator1.countTheEntities", &[&"x".repeat(2000)]);
    assert_eq!(server.post(big.as_bytes()).await.0, 413);
    // Chunked, so no Content-Length announces it: counted while it is read.
    let request = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    assert_eq!(exchange(server.addr, request.as_bytes()).await.0, 413);
    server.stop().await;
}

#[tokio::test]
async fn deep_nesting_is_refused_before_decoding() {
    let server = TestServer::start().await;
    let deep = format!(
        "{}1{}",
        "<array><data><value>".repeat(10_000),
        "</value></data></array>".repeat(10_000)
    );
    assert_eq!(
        server.fault_code(&call("validator1.echoStructTest", &[&deep])).await,
        codes::INVALID_XMLRPC
    );
    // validator1's own nesting passes (nestedStructTest needs 16 levels of elements).
    let day = "<struct><member><name>moe</name><value><i4>1</i4></value></member>\
        <member><name>larry</name><value><i4>2</i4></value></member>\
        <member><name>curly</name><value><i4>3</i4></value></member></struct>";
    let nested = ["01", "04", "2000"].iter().fold(day.to_owned(), |inner, key| {
        format!("<struct><member><name>{key}</name><value>{inner}</value></member></struct>")
    });
    let (_, reply) = server.post(call("validator1.nestedStructTest", &[&nested]).as_bytes()).await;
    assert!(reply.contains("<i4>6</i4>"), "{reply}");
    server.stop().await;
}

#[tokio::test]
async fn malformed_xml_wrong_documents_and_wrong_types_are_faults() {
    let server = TestServer::start().await;
    let cases: &[(&str, i32)] = &[
        ("<methodCall><methodName>users.get</methodName>", codes::PARSE_ERROR),
        ("<methodCall><methodName>x</wrong></methodCall>", codes::PARSE_ERROR),
        ("not xml at all <<<", codes::PARSE_ERROR),
        ("<methodResponse><params/></methodResponse>", codes::INVALID_XMLRPC),
        ("", codes::INVALID_XMLRPC),
        (&call("users.get", &["<float>1</float>"]), codes::INVALID_XMLRPC),
        (&call("users.get", &["<i4>one</i4>"]), codes::INVALID_XMLRPC),
        (&call("users.get", &["<string>one</string>"]), codes::INVALID_PARAMS),
        (&call("users.get", &["<i4>-1</i4>"]), codes::INVALID_PARAMS),
        (&call("users.get", &[]), codes::INVALID_PARAMS),
        (
            &call(
                "users.create",
                &["<struct><member><name>name</name><value><i4>1</i4></value></member></struct>"],
            ),
            codes::INVALID_PARAMS,
        ),
        (&call("validator1.manyTypesTest", &["<i4>1</i4>"; 6]), codes::INVALID_PARAMS),
        (
            &call("validator1.moderateSizeArrayCheck", &["<array><data></data></array>"]),
            codes::INVALID_PARAMS,
        ),
        (&call("no.such.method", &[]), codes::METHOD_NOT_FOUND),
        (
            "<?xml-stylesheet href='x'?><methodCall><methodName>users.get</methodName></methodCall>",
            codes::INVALID_XMLRPC,
        ),
        (
            "<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>x</methodName></methodCall>",
            codes::UNSUPPORTED_ENCODING,
        ),
    ];
    for (body, code) in cases {
        assert_eq!(server.fault_code(body).await, *code, "{body}");
    }
    let (status, reply) = server.post(b"<methodCall>\xff\xfe</methodCall>").await;
    assert_eq!(status, 200);
    assert!(reply.contains("<i4>-32701</i4>"), "{reply}");
    server.stop().await;
}

#[tokio::test]
async fn other_paths_and_methods_are_http_errors() {
    let server = TestServer::start().await;
    let get = format!("GET /RPC2 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
    assert_eq!(exchange(server.addr, get.as_bytes()).await.0, 405);
    let other = format!(
        "POST /other HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        server.addr
    );
    assert_eq!(exchange(server.addr, other.as_bytes()).await.0, 404);
    server.stop().await;
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let config = Config {
        header_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;

    // Headers that never finish: the connection is closed.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut rest)).await.unwrap().unwrap();

    // A body that never arrives: 408.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<methodCall>")
        .await
        .unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut reply)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 408"));
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_for_a_free_slot() {
    let server = TestServer::with_config(Config { max_connections: 1, ..Config::default() }).await;
    let idle = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await; // let the server accept it
    let client = server.client();
    let waiting = tokio::spawn(async move { client.get_user(1).await.map(|u| u.id) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second client must wait while the only slot is taken");
    drop(idle);
    let answered = tokio::time::timeout(WAIT, waiting).await.unwrap().unwrap();
    assert_eq!(answered.unwrap(), 1);
    server.stop().await;
}

/// A fake server that answers every request with `body`.
async fn answering(body: String) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn the_client_refuses_hostile_responses_too() {
    let laughs = Client::new(answering(BILLION_LAUGHS.to_owned()).await).unwrap();
    assert!(matches!(laughs.get_user(1).await, Err(Error::Refused(_))));
    let huge =
        Client::new(answering("x".repeat(xmlrpc::client::MAX_RESPONSE_BYTES + 1)).await).unwrap();
    assert!(matches!(huge.get_user(1).await, Err(Error::TooLarge)));
    let garbage =
        Client::new(answering("<methodResponse><nonsense/></methodResponse>".to_owned()).await)
            .unwrap();
    assert!(matches!(garbage.get_user(1).await, Err(Error::Invalid(_))));
}
