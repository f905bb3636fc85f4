//! The client side, with nothing GraphQL-specific but JSON: queries and mutations are `POST`s
//! of `{"query", "variables"}` with reqwest, and a subscription speaks `graphql-transport-ws`
//! over tokio-tungstenite, message by message, so the protocol can be read here.
//!
//! Each operation names exactly the fields it wants; the types below are that shape.

use common::NewUser;
use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Largest response body or WebSocket message the client reads.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// How long the client waits for an answer (an HTTP response, `connection_ack`).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The subscription protocol this client speaks (the current one; `graphql-ws` is older).
pub const WS_PROTOCOL: &str = "graphql-transport-ws";

/// One entry of a GraphQL response's `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphqlError {
    pub message: String,
    /// Where in `data` the failed field would have been, e.g. `["createUser"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
}

impl GraphqlError {
    /// `extensions.code`, e.g. `ALREADY_EXISTS`, if the server gave one.
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.get("code")?.as_str()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with GraphQL errors (and no usable data).
    #[error("GraphQL error: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Graphql(Vec<GraphqlError>),
    /// An HTTP status without a GraphQL response in the body.
    #[error("HTTP {status}: {body}")]
    Status { status: reqwest::StatusCode, body: String },
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("WebSocket: {0}")]
    WebSocket(#[from] tungstenite::Error),
    /// The answer is not what the operation asked for, or breaks the protocol.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

impl ClientError {
    /// The server did not answer at all: refused, reset, or silent past the timeout.
    pub fn is_no_answer(&self) -> bool {
        match self {
            ClientError::Http(error) => error.is_connect() || error.is_timeout(),
            ClientError::WebSocket(tungstenite::Error::Io(_)) | ClientError::Timeout(_) => true,
            _ => false,
        }
    }
}

/// A user as the operations below select it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    #[serde(deserialize_with = "id_from_string")]
    pub id: u64,
    pub name: String,
    pub email: String,
}

/// A user with the totals of their orders, as [`GraphqlClient::users_with_orders`] asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserWithOrders {
    pub name: String,
    pub orders: Vec<OrderTotal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotal {
    /// In cents.
    pub total: u64,
}

/// GraphQL `ID`s are strings on the wire; ours hold numbers.
fn id_from_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let id = String::deserialize(deserializer)?;
    id.parse().map_err(|_| serde::de::Error::custom(format!("id {id:?} is not a number")))
}

pub const USER_QUERY: &str = "query User($id: ID!) { user(id: $id) { id name email } }";
pub const USERS_WITH_ORDERS_QUERY: &str =
    "query Users($limit: Int!) { users(limit: $limit) { name orders { total } } }";
pub const CREATE_USER_MUTATION: &str = "mutation CreateUser($input: NewUserInput!) { \
     createUser(input: $input) { id name email } }";
pub const USER_CREATED_SUBSCRIPTION: &str = "subscription { userCreated { id name email } }";

/// Queries and mutations over HTTP, subscriptions over WebSocket, to one server.
#[derive(Debug, Clone)]
pub struct GraphqlClient {
    http: reqwest::Client,
    endpoint: String,
    ws_endpoint: String,
}

impl GraphqlClient {
    pub fn new(addr: SocketAddr) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        Ok(Self {
            http,
            endpoint: format!("http://{addr}{}", crate::HTTP_PATH),
            ws_endpoint: format!("ws://{addr}{}", crate::WS_PATH),
        })
    }

    /// The HTTP endpoint, e.g. `http://127.0.0.1:4000/graphql`.
    pub fn url(&self) -> &str {
        &self.endpoint
    }

    /// Runs any operation and decodes its `data` as `T`. A response with `errors` is an
    /// error, even if it also carries partial `data`.
    pub async fn execute<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T, ClientError> {
        let mut response = self
            .http
            .post(&self.endpoint)
            .header("accept", "application/graphql-response+json, application/json")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(ClientError::Unexpected("response body too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        let Ok(answer) = serde_json::from_slice::<Answer>(&body) else {
            let body = String::from_utf8_lossy(&body).into_owned();
            return Err(ClientError::Status { status, body });
        };
        answer.into_data()
    }

    /// The user with this id, `None` if there is none.
    pub async fn user(&self, id: u64) -> Result<Option<User>, ClientError> {
        #[derive(Deserialize)]
        struct Data {
            user: Option<User>,
        }
        let data: Data = self.execute(USER_QUERY, json!({ "id": id.to_string() })).await?;
        Ok(data.user)
    }

    /// The first `limit` users and the totals of their orders: nested data, one request.
    pub async fn users_with_orders(
        &self,
        limit: usize,
    ) -> Result<Vec<UserWithOrders>, ClientError> {
        #[derive(Deserialize)]
        struct Data {
            users: Vec<UserWithOrders>,
        }
        let data: Data = self.execute(USERS_WITH_ORDERS_QUERY, json!({ "limit": limit })).await?;
        Ok(data.users)
    }

    /// How many users the server holds.
    pub async fn user_count(&self) -> Result<usize, ClientError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            user_count: usize,
        }
        let data: Data = self.execute("{ userCount }", json!({})).await?;
        Ok(data.user_count)
    }

    pub async fn create_user(&self, new: &NewUser) -> Result<User, ClientError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            create_user: User,
        }
        let data: Data = self.execute(CREATE_USER_MUTATION, json!({ "input": new })).await?;
        Ok(data.create_user)
    }

    /// Opens a WebSocket and subscribes to `userCreated`.
    pub async fn subscribe_user_created(&self) -> Result<Subscription, ClientError> {
        Subscription::start(&self.ws_endpoint, USER_CREATED_SUBSCRIPTION).await
    }
}

/// A GraphQL response: `data`, `errors`, or both.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

impl Answer {
    fn into_data<T: DeserializeOwned>(self) -> Result<T, ClientError> {
        if !self.errors.is_empty() {
            return Err(ClientError::Graphql(self.errors));
        }
        let data = self.data.ok_or_else(|| ClientError::Unexpected("no data".into()))?;
        serde_json::from_value(data).map_err(|error| ClientError::Unexpected(error.to_string()))
    }
}

/// Which way a WebSocket message went, for [`Subscription::take_transcript`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

/// One `userCreated` subscription on its own WebSocket (`graphql-transport-ws`).
#[derive(Debug)]
pub struct Subscription {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Messages read while waiting for a `pong`, for [`next`](Self::next) to return.
    pending: VecDeque<Value>,
    transcript: Vec<(Direction, String)>,
}

/// The subscription's id in `subscribe`, `next` and `complete`; one per socket here.
const SUBSCRIPTION_ID: &str = "1";

impl Subscription {
    /// Connects, waits for `connection_ack`, and sends `subscribe`.
    async fn start(url: &str, query: &str) -> Result<Self, ClientError> {
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static(WS_PROTOCOL));
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_RESPONSE_BYTES))
            .max_frame_size(Some(MAX_RESPONSE_BYTES));
        let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), false);
        let (socket, _response) = tokio::time::timeout(TIMEOUT, connecting)
            .await
            .map_err(|_| ClientError::Timeout(TIMEOUT))??;
        let mut subscription = Self { socket, pending: VecDeque::new(), transcript: Vec::new() };
        subscription.send(json!({ "type": "connection_init" })).await?;
        let ack = tokio::time::timeout(TIMEOUT, subscription.receive())
            .await
            .map_err(|_| ClientError::Timeout(TIMEOUT))??;
        match ack {
            Some(message) if message["type"] == "connection_ack" => {}
            other => {
                return Err(ClientError::Unexpected(format!(
                    "instead of connection_ack: {other:?}"
                )));
            }
        }
        let subscribe =
            json!({ "id": SUBSCRIPTION_ID, "type": "subscribe", "payload": { "query": query } });
        subscription.send(subscribe).await?;
        Ok(subscription)
    }

    /// The next new user; `None` once the server completes the subscription or closes.
    /// Cancel-safe, so it can sit in a `select!` or a timeout.
    pub async fn next(&mut self) -> Result<Option<User>, ClientError> {
        loop {
            let message = match self.pending.pop_front() {
                Some(message) => message,
                None => match self.receive().await? {
                    Some(message) => message,
                    None => return Ok(None),
                },
            };
            match message["type"].as_str() {
                Some("next") => {
                    let payload = serde_json::from_value::<Answer>(message["payload"].clone())
                        .map_err(|error| ClientError::Unexpected(error.to_string()))?;
                    #[derive(Deserialize)]
                    #[serde(rename_all = "camelCase")]
                    struct Data {
                        user_created: User,
                    }
                    return payload.into_data::<Data>().map(|data| Some(data.user_created));
                }
                Some("error") => {
                    let errors = serde_json::from_value(message["payload"].clone())
                        .map_err(|error| ClientError::Unexpected(error.to_string()))?;
                    return Err(ClientError::Graphql(errors));
                }
                Some("complete") => return Ok(None),
                Some("ping") => self.send(json!({ "type": "pong" })).await?,
                _ => {}
            }
        }
    }

    /// Two `ping`/`pong` round trips. `graphql-transport-ws` does not acknowledge `subscribe`,
    /// and the server starts the subscription's stream a moment after it reads the message;
    /// after two round trips on the same socket it has in practice always done so. Call this
    /// before causing the first event you expect to see.
    pub async fn settle(&mut self) -> Result<(), ClientError> {
        for _ in 0..2 {
            self.send(json!({ "type": "ping" })).await?;
            let deadline = tokio::time::Instant::now() + TIMEOUT;
            loop {
                let message = tokio::time::timeout_at(deadline, self.receive())
                    .await
                    .map_err(|_| ClientError::Timeout(TIMEOUT))??;
                match message {
                    Some(message) if message["type"] == "pong" => break,
                    Some(message) => self.pending.push_back(message),
                    None => return Err(ClientError::Unexpected("closed before pong".into())),
                }
            }
        }
        Ok(())
    }

    /// Ends the subscription (`complete`) and closes the socket.
    pub async fn close(mut self) -> Result<(), ClientError> {
        self.send(json!({ "id": SUBSCRIPTION_ID, "type": "complete" })).await?;
        self.socket.close(None).await?;
        Ok(())
    }

    /// The messages sent and received so far, in order, emptying the record.
    pub fn take_transcript(&mut self) -> Vec<(Direction, String)> {
        std::mem::take(&mut self.transcript)
    }

    async fn send(&mut self, message: Value) -> Result<(), ClientError> {
        let text = message.to_string();
        self.transcript.push((Direction::Sent, text.clone()));
        Ok(self.socket.send(Message::text(text)).await?)
    }

    /// The next JSON text message; `None` when the socket closes.
    async fn receive(&mut self) -> Result<Option<Value>, ClientError> {
        while let Some(message) = self.socket.next().await {
            match message? {
                Message::Text(text) => {
                    self.transcript.push((Direction::Received, text.to_string()));
                    return serde_json::from_str(&text)
                        .map(Some)
                        .map_err(|error| ClientError::Unexpected(format!("{error}: {text}")));
                }
                Message::Close(_) => return Ok(None),
                Message::Binary(_) => return Err(ClientError::Unexpected("binary message".into())),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
        Ok(None)
    }
}
