//! Abusive and broken input: every one gets an error answer, and the server keeps serving.

mod support;

use futures_util::{SinkExt, StreamExt};
use graphql::client::GraphqlClient;
use graphql::schema::{Backend, Limits};
use graphql::server::Config;
use serde_json::{Value, json};
use std::time::Duration;
use support::{TestServer, WAIT, post_json, query};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The first error message of a GraphQL answer.
fn first_error(answer: &Value) -> &str {
    answer["errors"][0]["message"].as_str().unwrap_or_else(|| panic!("no error in {answer}"))
}

/// The server still answers a normal query.
async fn still_serves(server: &TestServer) {
    let client = GraphqlClient::new(server.addr).unwrap();
    assert_eq!(client.user(1).await.unwrap().unwrap().name, "Ada Lovelace");
}

#[tokio::test]
async fn a_query_nested_100_levels_deep_gets_an_error() {
    let server = TestServer::start().await;
    // Only introspection nests this deep: `ofType` returns a type, which has `ofType`, ...
    let deep = format!(
        "{{ __type(name: \"User\") {{ {}name{} }} }}",
        "ofType { ".repeat(100),
        " }".repeat(100)
    );
    let (status, answer) = query(&server.url(), &deep).await;
    assert_eq!(status, 200);
    assert!(answer["data"].is_null(), "{answer}");
    let message = first_error(&answer);
    // The parser's own recursion limit stops it first; the depth limit would stop it next.
    assert!(message.contains("recursion limit exceeded"), "{message}");
    let twenty = format!(
        "{{ __type(name: \"User\") {{ {}name{} }} }}",
        "ofType { ".repeat(20),
        " }".repeat(20)
    );
    let (_, answer) = query(&server.url(), &twenty).await;
    assert_eq!(first_error(&answer), "Query is nested too deep.", "{answer}");
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn deeply_nested_brackets_stop_the_parser_not_the_server() {
    let server = TestServer::start().await;
    let brackets =
        format!("{{ users(limit: {}1{}) {{ name }} }}", "[".repeat(5000), "]".repeat(5000));
    let (_, answer) = query(&server.url(), &brackets).await;
    assert!(answer["data"].is_null(), "{answer}");
    first_error(&answer);
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn a_one_mebibyte_query_gets_an_error() {
    let server = TestServer::start().await;
    let huge = format!("{{ {} }}", "__typename ".repeat(100_000));
    assert!(huge.len() > 1024 * 1024);
    let (status, answer) = query(&server.url(), &huge).await;
    assert_eq!(status, 413);
    assert_eq!(first_error(&answer), "the request body is larger than allowed");
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn alias_and_field_floods_stay_bounded_by_complexity() {
    let server = TestServer::start().await;
    let aliases: String =
        (0..500).map(|i| format!("a{i}: users(limit: 100) {{ name }} ")).collect();
    let (_, answer) = query(&server.url(), &format!("{{ {aliases} }}")).await;
    assert!(answer["data"].is_null(), "{answer}");
    assert!(first_error(&answer).contains("too complex"), "{answer}");

    // The same field many times is merged into one: the answer stays one field.
    let fields = format!("{{ {} }}", "__typename ".repeat(5000));
    let (_, answer) = query(&server.url(), &fields).await;
    assert_eq!(answer, json!({"data": {"__typename": "Query"}}));

    // A big page counts as its size times its fields, so large pages cost their due.
    let page = "users(limit: 100) { id name email orders { id total items { sku quantity unitPriceCents } } }";
    let (_, answer) = query(&server.url(), &format!("{{ a: {page} b: {page} c: {page} }}")).await;
    assert!(first_error(&answer).contains("too complex"), "{answer}");
    let (_, answer) = query(&server.url(), "{ users(limit: 1000) { id } }").await;
    assert!(answer["data"].is_null(), "{answer}");
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_graphql_errors() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for (content_type, body) in [
        ("application/json", "{\"query\": "),
        ("application/json", "[1, 2"),
        ("application/json", "{\"variables\": {}}"),
        ("application/json", "{\"query\": 5}"),
        ("text/plain", "{ __typename }"),
    ] {
        let response = http
            .post(server.url())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        assert!(answer["errors"].is_array(), "{body}: {status} {answer}");
    }
    let (status, answer) =
        post_json(&server.url(), &json!({"query": "{ user(id: 1) { name } "})).await;
    assert_eq!(status, 200);
    assert!(first_error(&answer).contains("expected"), "{answer}");
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let get = |query: &str| {
        http.get(reqwest::Url::parse_with_params(&server.url(), [("query", query)]).unwrap()).send()
    };
    let answer: Value = get("{ user(id: 2) { name } }").await.unwrap().json().await.unwrap();
    assert_eq!(answer["data"]["user"]["name"], "Alan Turing");

    let response =
        get("mutation { createUser(input: {name: \"X\", email: \"x@example.com\"}) { id } }")
            .await
            .unwrap();
    assert_eq!(response.status(), 405, "{:?}", response.text().await);
    assert_eq!(response.headers()["allow"], "POST");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(first_error(&answer), "mutations need POST");
    assert_eq!(server.backend.users.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let server = TestServer::start().await;
    let (_, answer) = query(&server.url(), "{ __schema { queryType { name } } }").await;
    assert_eq!(answer["data"]["__schema"]["queryType"]["name"], "Query");
    server.stop().await;

    let limits = Limits { introspection: false, ..Limits::default() };
    let server = TestServer::with(Backend::sample(), Config { limits, ..Config::default() }).await;
    // async-graphql answers as if the field resolved to null, without an error.
    let (_, answer) = query(&server.url(), "{ __schema { queryType { name } } }").await;
    assert_eq!(answer, json!({"data": {"__schema": null}}));
    let (_, answer) = query(&server.url(), "{ __type(name: \"User\") { name } }").await;
    assert_eq!(answer, json!({"data": {"__type": null}}));
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_dripping_its_headers_is_cut_off() {
    let config = Config { header_read_timeout: Duration::from_millis(300), ..Config::default() };
    let server = TestServer::with(Backend::sample(), config).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(WAIT, stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the server closes the connection");
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn websocket_garbage_closes_that_session_only() {
    let server = TestServer::start().await;
    let mut request = server.ws_url().into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket.send(Message::text("this is not JSON")).await.unwrap();
    let closing = tokio::time::timeout(WAIT, async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame;
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(closing.map(|frame| u16::from(frame.code)), Some(1002));

    // Subscribing before `connection_init` is refused too.
    let mut request = server.ws_url().into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { userCreated { id } }"}});
    socket.send(Message::text(subscribe.to_string())).await.unwrap();
    let message = tokio::time::timeout(WAIT, socket.next()).await.unwrap();
    assert!(matches!(message, Some(Ok(Message::Close(Some(_))))), "{message:?}");
    still_serves(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn subscribers_are_capped_and_sessions_end_on_shutdown() {
    let config = Config { max_subscribers: 1, ..Config::default() };
    let server = TestServer::with(Backend::sample(), config).await;
    let client = GraphqlClient::new(server.addr).unwrap();
    let mut first = client.subscribe_user_created().await.unwrap();
    let second = client.subscribe_user_created().await;
    assert!(second.is_err(), "a second subscriber is refused");
    server.wait_for_subscribers(1).await;

    server.stop().await;
    let end = tokio::time::timeout(WAIT, first.next()).await.expect("the session ends");
    assert!(!matches!(end, Ok(Some(_))), "{end:?}");
}
