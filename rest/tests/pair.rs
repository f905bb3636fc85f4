//! The client library against the server library over a real socket on 127.0.0.1:0.

mod support;

use common::NewUser;
use rest::client::{ClientError, RestClient};
use rest::server::{self, Config};
use rest::{ErrorCode, Pagination};
use std::collections::BTreeSet;
use support::{TestServer, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn new_user(name: &str, email: &str) -> NewUser {
    NewUser { name: name.into(), email: email.into() }
}

#[tokio::test]
async fn create_get_list_update_delete_round_trip() {
    let server = TestServer::start(Config::default()).await;
    let client = RestClient::new(server.addr).unwrap();

    let ada = client.get_user(1).await.unwrap();
    assert_eq!(ada.name, "Ada Lovelace");

    let created = client.create_user(&new_user("Barbara Liskov", "barbara@example.com")).await;
    let created = created.unwrap();
    assert_eq!(created.user.id, 4);
    assert_eq!(created.location, "/users/4");
    assert_eq!(client.get_user(4).await.unwrap(), created.user);

    let page = client.list_users(Pagination { offset: 2, limit: 10 }).await.unwrap();
    assert_eq!(page.users.iter().map(|u| u.id).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(page.total, 4);

    let renamed = client.update_user(4, &new_user("B. Liskov", "barbara@example.com")).await;
    assert_eq!(renamed.unwrap().name, "B. Liskov");

    client.delete_user(4).await.unwrap();
    assert_eq!(server.store.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn api_errors_reach_the_client_with_status_and_body() {
    let server = TestServer::start(Config::default()).await;
    let client = RestClient::new(server.addr).unwrap();

    let expect_api_error =
        |result: Result<_, ClientError>, status: u16, code: ErrorCode| match result {
            Err(ClientError::Api { status: got, body }) => {
                assert_eq!(got.as_u16(), status);
                assert_eq!(body.error, code);
            }
            other => panic!("expected {status}, got {other:?}"),
        };
    expect_api_error(client.get_user(999).await.map(drop), 404, ErrorCode::NotFound);
    expect_api_error(client.delete_user(999).await, 404, ErrorCode::NotFound);
    let duplicate = client.create_user(&new_user("Ada again", "ada@example.com")).await;
    expect_api_error(duplicate.map(drop), 409, ErrorCode::DuplicateEmail);
    let invalid = client.update_user(1, &new_user("", "ada@example.com")).await;
    expect_api_error(invalid.map(drop), 422, ErrorCode::InvalidUser);
    let too_many = client.list_users(Pagination { offset: 0, limit: 1000 }).await;
    expect_api_error(too_many.map(drop), 400, ErrorCode::MalformedRequest);

    assert_eq!(server.store.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn concurrent_creates_all_land_with_distinct_ids() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stopped.await;
    };
    let any_port = "127.0.0.1:0".parse().unwrap();
    let (addr, serving) = server::spawn(any_port, Config::default(), shutdown).await.unwrap();
    let client = RestClient::new(addr).unwrap();
    let creates = (0..50).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            client.create_user(&new_user(&format!("User {i}"), &format!("u{i}@example.com"))).await
        })
    });
    let mut ids = BTreeSet::new();
    for create in creates {
        ids.insert(create.await.unwrap().unwrap().user.id);
    }
    assert_eq!(ids, (4..54).collect());
    let page = client.list_users(Pagination { offset: 0, limit: 100 }).await.unwrap();
    assert_eq!(page.total, 53);
    stop.send(()).unwrap();
    tokio::time::timeout(WAIT, serving).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    // Bind then drop: nothing listens on this port any more.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let client = RestClient::new(addr).unwrap();
    assert!(matches!(client.get_user(1).await, Err(ClientError::Http(_))));
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_then_stops_listening() {
    let server = TestServer::start(Config::default()).await;
    let addr = server.addr;
    let store = server.store.clone();

    // Headers and half the body are in; the rest comes after shutdown has begun.
    let body = br#"{"name":"Late Comer","email":"late@example.com"}"#;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /users HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let serving = server.begin_stop();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(!serving.is_finished(), "serve must wait for the request in flight");
    stream.write_all(&body[10..]).await.unwrap();

    let mut response = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut response)).await.unwrap().unwrap();
    assert!(response.starts_with("HTTP/1.1 201 Created"), "{response}");
    assert!(response.contains("connection: close"), "{response}");
    tokio::time::timeout(WAIT, serving).await.unwrap().unwrap().unwrap();
    assert_eq!(store.get(4).unwrap().name, "Late Comer");
    assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed");
}

/// A fake server that answers every connection with `response`, then closes.
async fn fake_server(response: Vec<u8>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request).await;
                let _ = stream.write_all(&response).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn answers_that_are_not_this_api_are_unexpected_not_a_crash() {
    let not_json =
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello".to_vec();
    let client = RestClient::new(fake_server(not_json).await).unwrap();
    let outcome = tokio::time::timeout(WAIT, client.get_user(1)).await.unwrap();
    assert!(matches!(outcome, Err(ClientError::Unexpected { .. })), "{outcome:?}");

    // A body far beyond any real answer is refused, announced or not.
    let huge = rest::client::MAX_RESPONSE_BYTES + 1;
    let mut announced = format!("HTTP/1.1 200 OK\r\ncontent-length: {huge}\r\n\r\n").into_bytes();
    announced.resize(announced.len() + huge, b'a');
    let mut chunked = b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n", 65536).as_bytes());
        chunked.resize(chunked.len() + 65536, b'a');
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    for response in [announced, chunked] {
        let client = RestClient::new(fake_server(response).await).unwrap();
        match tokio::time::timeout(WAIT, client.get_user(1)).await.unwrap() {
            Err(ClientError::Unexpected { detail, .. }) => {
                assert!(detail.contains("larger than"), "{detail}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
