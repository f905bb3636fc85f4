//! `graphql::client` against `graphql::server`, in-process on 127.0.0.1:0.

mod support;

use common::{NewUser, OrderItem, UserStore};
use futures_util::{SinkExt, StreamExt};
use graphql::client::{ClientError, GraphqlClient};
use graphql::orders::OrderStore;
use graphql::schema::Backend;
use graphql::server::Config;
use serde_json::{Value, json};
use std::time::Duration;
use support::{TestServer, WAIT, query};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn new_user(name: &str, email: &str) -> NewUser {
    NewUser { name: name.into(), email: email.into() }
}

#[tokio::test]
async fn queries_with_variables_nested_data_and_a_mutation() {
    let server = TestServer::start().await;
    let client = GraphqlClient::new(server.addr).unwrap();

    let ada = client.user(1).await.unwrap().unwrap();
    assert_eq!(
        (ada.id, ada.name.as_str(), ada.email.as_str()),
        (1, "Ada Lovelace", "ada@example.com")
    );
    assert_eq!(client.user(999).await.unwrap(), None);

    // One request, nested data: every user's order totals.
    let users = client.users_with_orders(3).await.unwrap();
    let totals: Vec<(&str, Vec<u64>)> = users
        .iter()
        .map(|u| (u.name.as_str(), u.orders.iter().map(|o| o.total).collect()))
        .collect();
    assert_eq!(
        totals,
        [
            ("Ada Lovelace", vec![1260, 9900]),
            ("Alan Turing", vec![990]),
            ("Grace Hopper", vec![5059])
        ]
    );

    let barbara =
        client.create_user(&new_user("Barbara Liskov", "barbara@example.com")).await.unwrap();
    assert_eq!(barbara.id, 4);
    assert_eq!(client.user(4).await.unwrap(), Some(barbara));
    assert_eq!(client.user_count().await.unwrap(), 4);
    server.stop().await;
}

#[tokio::test]
async fn refused_mutations_are_graphql_errors_with_a_code() {
    let server = TestServer::start().await;
    let client = GraphqlClient::new(server.addr).unwrap();

    let duplicate = client.create_user(&new_user("Ada Again", "ADA@example.com")).await;
    let Err(ClientError::Graphql(errors)) = duplicate else { panic!("{duplicate:?}") };
    assert_eq!(errors[0].message, "a user with email ADA@example.com already exists");
    assert_eq!(errors[0].code(), Some("ALREADY_EXISTS"));
    assert_eq!(errors[0].path, Some(vec![json!("createUser")]));

    let invalid = client.create_user(&new_user("X", "not-an-email")).await;
    let Err(ClientError::Graphql(errors)) = invalid else { panic!("{invalid:?}") };
    assert_eq!(errors[0].code(), Some("BAD_USER_INPUT"));

    // A query that does not fit the schema is refused before anything runs.
    let (status, answer) = query(&server.url(), "{ user(id: 1) { password } }").await;
    assert_eq!(status, 200);
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(r#"Unknown field "password""#), "{message}");
    assert_eq!(server.backend.users.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn a_subscription_receives_every_created_user() {
    let server = TestServer::start().await;
    let client = GraphqlClient::new(server.addr).unwrap();
    let mut subscription = client.subscribe_user_created().await.unwrap();
    server.wait_for_subscribers(1).await;

    for (name, email) in
        [("Barbara Liskov", "barbara@example.com"), ("Ken Thompson", "ken@example.com")]
    {
        client.create_user(&new_user(name, email)).await.unwrap();
    }
    let first = tokio::time::timeout(WAIT, subscription.next()).await.unwrap().unwrap().unwrap();
    let second = tokio::time::timeout(WAIT, subscription.next()).await.unwrap().unwrap().unwrap();
    assert_eq!((first.id, first.name.as_str()), (4, "Barbara Liskov"));
    assert_eq!((second.id, second.name.as_str()), (5, "Ken Thompson"));

    // The wire protocol as it crossed: init, ack, subscribe, then `next` per event.
    let kinds: Vec<String> = subscription
        .take_transcript()
        .into_iter()
        .map(|(_, text)| {
            serde_json::from_str::<Value>(&text).unwrap()["type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(kinds, ["connection_init", "connection_ack", "subscribe", "next", "next"]);
    subscription.close().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn settle_makes_the_first_event_arrive_without_waiting_on_the_server() {
    let server = TestServer::start().await;
    let client = GraphqlClient::new(server.addr).unwrap();
    let mut subscription = client.subscribe_user_created().await.unwrap();
    subscription.settle().await.unwrap();
    assert_eq!(server.backend.events.receiver_count(), 1);
    client.create_user(&new_user("Barbara Liskov", "barbara@example.com")).await.unwrap();
    let event = tokio::time::timeout(WAIT, subscription.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(event.name, "Barbara Liskov");
    server.stop().await;
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_works_too() {
    let server = TestServer::start().await;
    let mut request = server.ws_url().into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-ws".parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-ws");

    let mut send =
        async |message: Value| socket.send(Message::text(message.to_string())).await.unwrap();
    send(json!({"type": "connection_init", "payload": {}})).await;
    send(json!({"id": "a", "type": "start", "payload": {"query": "subscription { userCreated { name } }"}}))
        .await;
    let mut next = async || loop {
        let message = tokio::time::timeout(WAIT, socket.next()).await.unwrap().unwrap().unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str::<Value>(&text).unwrap();
        }
    };
    assert_eq!(next().await["type"], "connection_ack");
    server.wait_for_subscribers(1).await;
    let client = GraphqlClient::new(server.addr).unwrap();
    client.create_user(&new_user("Barbara Liskov", "barbara@example.com")).await.unwrap();
    let data = next().await;
    assert_eq!(data["type"], "data", "{data}");
    assert_eq!(data["id"], "a");
    assert_eq!(data["payload"]["data"]["userCreated"]["name"], "Barbara Liskov");
    server.stop().await;
}

#[tokio::test]
async fn the_dataloader_fetches_the_orders_of_fifty_users_in_one_lookup() {
    let users = UserStore::new(UserStore::DEFAULT_CAPACITY);
    let orders = OrderStore::default();
    for i in 0..50 {
        let user =
            users.create(new_user(&format!("User {i}"), &format!("user{i}@example.com"))).unwrap();
        let item = OrderItem { sku: "PEN".into(), quantity: 1, unit_price_cents: 100 + i };
        orders.add(user.id, &user.name, vec![item]);
    }
    // The loader waits 1 ms for more keys by default. A busy test machine can pause the server
    // for longer than that halfway through a list, so give it a wider window here.
    let config = Config { batch_delay: Duration::from_millis(100), ..Config::default() };
    let server = TestServer::with(Backend::new(users, orders.clone()), config).await;

    let (status, answer) =
        query(&server.url(), "{ users(limit: 50) { id orders { total } } }").await;
    assert_eq!(status, 200, "{answer}");
    let listed = answer["data"]["users"].as_array().unwrap();
    assert_eq!(listed.len(), 50);
    assert_eq!(listed[49]["orders"][0]["total"], 149);
    // 50 users, their orders: one batched lookup, not 50.
    assert_eq!(orders.lookups(), 1);

    // Users without orders cost nothing more: still one lookup per response.
    let (_, answer) = query(
        &server.url(),
        "{ a: users(limit: 10) { orders { id } } b: user(id: 7) { orders { id } } }",
    )
    .await;
    assert!(answer["errors"].is_null(), "{answer}");
    assert_eq!(orders.lookups(), 2);
    server.stop().await;
}

#[tokio::test]
async fn the_checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = graphql::schema::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &sdl).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == sdl,
        "graphql/schema.graphql differs from the code; rerun with UPDATE_SCHEMA=1 to rewrite it"
    );
}
