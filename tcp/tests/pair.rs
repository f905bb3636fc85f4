//! The client library against the server library, over a real socket.

use common::NewUser;
use std::time::Duration;
use tcp::client::{Client, ClientError};
use tcp::protocol::Response;
use tcp::server::{self, Config};
use tokio::sync::oneshot;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn every_command_round_trips() {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse().unwrap(), Config::default(), async {
        let _ = stopped.await;
    })
    .await
    .unwrap();

    timeout(LIMIT, async {
        let mut client = Client::connect(addr).await.unwrap();
        client.ping().await.unwrap();
        assert_eq!(client.echo("hello, world").await.unwrap(), "hello, world");
        assert_eq!(client.echo("").await.unwrap(), "");

        let ada = client.get_user(1).await.unwrap();
        assert_eq!((ada.name.as_str(), ada.email.as_str()), ("Ada Lovelace", "ada@example.com"));

        let new = NewUser { name: "Barbara Liskov".into(), email: "barbara@example.com".into() };
        let created = client.create_user(new).await.unwrap();
        assert_eq!(created.id, 4);
        assert_eq!(client.get_user(4).await.unwrap(), created);

        match client.get_user(99).await {
            Err(ClientError::Server(reason)) => assert_eq!(reason, "user 99 not found"),
            other => panic!("expected ERR, got {other:?}"),
        }
        let help = client.request_line("help").await.unwrap();
        assert!(help.starts_with("HELP PING"), "{help}");
        client.quit().await.unwrap();
    })
    .await
    .expect("the pair test finished in time");

    stop.send(()).unwrap();
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn created_users_are_visible_to_other_connections() {
    let (addr, _server) =
        server::spawn("127.0.0.1:0".parse().unwrap(), Config::default(), std::future::pending())
            .await
            .unwrap();
    timeout(LIMIT, async {
        let mut writer = Client::connect(addr).await.unwrap();
        let mut reader = Client::connect(addr).await.unwrap();
        let new = NewUser { name: "Edsger Dijkstra".into(), email: "edsger@example.com".into() };
        let created = writer.create_user(new.clone()).await.unwrap();
        assert_eq!(reader.get_user(created.id).await.unwrap(), created);
        match reader.create_user(new).await {
            Err(ClientError::Server(reason)) => assert!(reason.contains("already exists")),
            other => panic!("expected a duplicate error, got {other:?}"),
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn typed_requests_reject_multi_line_input_before_sending() {
    let (addr, _server) =
        server::spawn("127.0.0.1:0".parse().unwrap(), Config::default(), std::future::pending())
            .await
            .unwrap();
    let mut client = timeout(LIMIT, Client::connect(addr)).await.unwrap().unwrap();
    let smuggled = timeout(LIMIT, client.echo("one\nQUIT")).await.unwrap();
    assert!(matches!(smuggled, Err(ClientError::Protocol(_))), "{smuggled:?}");
    // The connection is untouched: nothing was sent.
    let reply = timeout(LIMIT, client.request(&tcp::protocol::Request::Ping)).await.unwrap();
    assert_eq!(reply.unwrap(), Response::Pong);
}
