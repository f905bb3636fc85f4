//! Hostile and broken input: entity bombs, external entities, deep nesting, oversize and
//! stalled bodies, wrong content types, malformed XML and clients that misbehave on the
//! socket. Each answer is a fault (or a closed connection) and the server keeps serving.

mod support;

use soap::FaultCode;
use soap::client::SoapClient;
use soap::server::Config;
use soap::xml::Limits;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::{TestServer, WAIT, assert_client_fault, envelope, fault_of};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SHORT: Duration = Duration::from_millis(300);

async fn assert_still_serves(addr: SocketAddr) {
    let client = SoapClient::new(addr).unwrap();
    let ada = tokio::time::timeout(WAIT, client.get_user(1)).await.unwrap().unwrap();
    assert_eq!(ada.name, "Ada Lovelace");
}

fn example(name: &str) -> String {
    let path = format!("{}/examples/requests/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test]
async fn a_billion_laughs_gets_a_fault_at_once() {
    let server = TestServer::start(Config::default()).await;
    let started = Instant::now();
    let answer = server.post_xml(example("billion-laughs.xml")).await;
    let fault = assert_client_fault(&answer, "a DOCTYPE is not allowed");
    assert_eq!(fault.detail, None);
    // Expanded, the name would be 3 GB of "lol"; refused, it costs nothing.
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(server.store.len(), 3);
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn external_entities_are_never_read() {
    let server = TestServer::start(Config::default()).await;
    let xxe = r#"<?xml version="1.0"?>
        <!DOCTYPE s:Envelope [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
        <CreateUser xmlns="urn:example:users"><name>&secret;</name><email>x@example.com</email>
        </CreateUser></s:Body></s:Envelope>"#;
    let answer = server.post_xml(xxe).await;
    assert_client_fault(&answer, "a DOCTYPE is not allowed");
    let hostname = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    assert!(hostname.trim().is_empty() || !answer.1.contains(hostname.trim()));

    // Without a DOCTYPE an entity reference is merely undefined.
    let answer = server
        .post_xml(envelope(r#"<GetUser xmlns="urn:example:users"><id>&one;</id></GetUser>"#))
        .await;
    assert_client_fault(&answer, "undefined entity &one;");
    assert_eq!(server.store.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn malformed_xml_is_a_client_fault() {
    let server = TestServer::start(Config::default()).await;
    let cases = [
        ("", "no root element"),
        ("not xml at all", "malformed XML"),
        (
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>",
            "is not closed",
        ),
        ("<a></b>", "malformed XML"),
        ("<x:Envelope/>", "not bound"),
        ("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>", "only UTF-8"),
        ("<Letter/>", "expected a soap:Envelope, got Letter"),
    ];
    for (body, expected) in cases {
        let answer = server.post_xml(body).await;
        assert_client_fault(&answer, expected);
    }
    let answer = server.post_xml(b"<a>\xff\xfe</a>".to_vec()).await;
    assert_client_fault(&answer, "not UTF-8");
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn a_soap_12_envelope_gets_version_mismatch() {
    let server = TestServer::start(Config::default()).await;
    let soap12 = r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>
        <GetUser xmlns="urn:example:users"><id>1</id></GetUser></e:Body></e:Envelope>"#;
    let fault = fault_of(&server.post_xml(soap12).await);
    assert_eq!(fault.code, FaultCode::VersionMismatch);
    // Sent as SOAP 1.2 sends it, the content type already tells.
    let answer =
        server.post(&[("content-type", "application/soap+xml; charset=utf-8")], soap12).await;
    assert_client_fault(&answer, "application/soap+xml is SOAP 1.2");
    server.stop().await;
}

#[tokio::test]
async fn a_header_that_must_be_understood_gets_must_understand() {
    let server = TestServer::start(Config::default()).await;
    let request = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
        <s:Header><w:Security xmlns:w="urn:ws-security" s:mustUnderstand="1"/></s:Header>
        <s:Body><GetUser xmlns="urn:example:users"><id>1</id></GetUser></s:Body></s:Envelope>"#;
    let fault = fault_of(&server.post_xml(request).await);
    assert_eq!(fault.code, FaultCode::MustUnderstand);
    assert_eq!(fault.message, "header {urn:ws-security}Security is not understood");
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_content_type_is_a_client_fault() {
    let server = TestServer::start(Config::default()).await;
    let body = envelope(r#"<GetUser xmlns="urn:example:users"><id>1</id></GetUser>"#);
    for content_type in ["application/json", "text/plain", "text/xmlx"] {
        let answer = server.post(&[("content-type", content_type)], body.clone()).await;
        assert_client_fault(&answer, "Content-Type must be text/xml");
    }
    let answer = server.post(&[], body.clone()).await;
    assert_client_fault(&answer, "Content-Type must be text/xml, not none");
    let answer =
        server.post(&[("content-type", "text/xml; charset=iso-8859-1")], body.clone()).await;
    assert_client_fault(&answer, "charset iso-8859-1 is not supported");
    // Media types are case-insensitive.
    let (status, _) = server.post(&[("content-type", "Text/XML; Charset=\"UTF-8\"")], body).await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn nesting_and_size_are_bounded() {
    let config = Config {
        body_limit: 4096,
        xml: Limits { max_depth: 8, max_elements: 50 },
        ..Config::default()
    };
    let server = TestServer::start(config).await;
    let deep = envelope(&format!("{}{}", "<a>".repeat(20), "</a>".repeat(20)));
    assert_client_fault(&server.post_xml(deep).await, "nested deeper than 8 levels");
    let wide = envelope(&format!("<a>{}</a>", "<b/>".repeat(100)));
    assert_client_fault(&server.post_xml(wide).await, "more than 50 elements");

    let name = "n".repeat(10_000);
    let big = envelope(&format!(
        r#"<CreateUser xmlns="urn:example:users"><name>{name}</name><email>big@example.com</email></CreateUser>"#
    ));
    assert_client_fault(&server.post_xml(big.clone()).await, "larger than 4096 bytes");
    // Chunked, without a Content-Length to refuse up front: reading stops at the limit.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /soap HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml\r\n\
                transfer-encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in big.as_bytes().chunks(1000) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 500 Internal Server Error"), "{answer}");
    assert!(answer.contains("larger than 4096 bytes"), "{answer}");
    assert_eq!(server.store.len(), 3);
    assert_still_serves(server.addr).await;
    server.stop().await;
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

#[tokio::test]
async fn a_client_dripping_its_headers_is_cut_off() {
    let server =
        TestServer::start(Config { header_read_timeout: SHORT, ..Config::default() }).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let head = format!("POST /soap HTTP/1.1\r\nhost: x\r\nx-padding: {}\r\n\r\n", "a".repeat(200));
    // One byte every 20 ms would take 5 s, far beyond the 300 ms allowed.
    for byte in head.bytes() {
        if stream.write_all(&[byte]).await.is_err() || started.elapsed() > WAIT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answer = read_until_closed(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    let elapsed = started.elapsed();
    assert!(elapsed >= SHORT && elapsed < WAIT, "closed after {elapsed:?}");
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stalls_gets_a_fault() {
    let server = TestServer::start(Config { body_timeout: SHORT, ..Config::default() }).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /soap HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml\r\n\
                content-length: 500\r\n\r\n<s:Envelope";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 500 Internal Server Error"), "{answer}");
    assert!(answer.contains("<faultcode>soap:Client</faultcode>"), "{answer}");
    assert!(answer.contains("the body did not arrive within 300ms"), "{answer}");
    assert_still_serves(server.addr).await;
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    let server = TestServer::start(Config {
        max_connections: 1,
        header_read_timeout: SHORT,
        ..Config::default()
    })
    .await;
    // The one slot is held by a silent connection until the header timeout frees it.
    let _silent = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    assert_still_serves(server.addr).await;
    assert!(started.elapsed() >= SHORT / 2, "served after {:?}", started.elapsed());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    let server = TestServer::start(Config::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let body = envelope(r#"<GetUser xmlns="urn:example:users"><id>3</id></GetUser>"#);
    let head = format!(
        "POST /soap HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    // Head sent, body not yet: the request is in flight when shutdown begins.
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = server.begin_stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(body.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("<name>Grace Hopper</name>"), "{answer}");
    tokio::time::timeout(WAIT, stopping).await.unwrap().unwrap().unwrap();
}
