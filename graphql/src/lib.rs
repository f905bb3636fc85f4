//! GraphQL over HTTP and WebSocket: the users of [`common::UserStore`] and their orders, as one
//! typed schema served by async-graphql on axum, used by a reqwest + tungstenite client.
//!
//! - [`orders`]: the order store, counted, so the N+1 problem can be seen in tests;
//! - [`schema`]: the GraphQL schema (queries, the mutation, the subscription), the DataLoader
//!   that batches `User.orders`, and the limits against abusive queries;
//! - [`server`]: routes (`/graphql`, `/graphql/ws`, GraphiQL at `/`) and the accept loop with
//!   the limits a real service needs;
//! - [`client`]: queries, mutations and a `graphql-transport-ws` subscription, by hand.
//!
//! `schema.graphql`, next to `Cargo.toml`, is the schema in SDL; a test keeps it current.

pub mod client;
pub mod orders;
pub mod schema;
pub mod server;

/// The port `graphql-server` listens on and `graphql-client` connects to unless `--addr` says
/// otherwise.
pub const DEFAULT_PORT: u16 = 4000;

/// The path of queries and mutations (`POST` and `GET`).
pub const HTTP_PATH: &str = "/graphql";
/// The path of subscriptions (WebSocket, `graphql-transport-ws` or the legacy `graphql-ws`).
pub const WS_PATH: &str = "/graphql/ws";

/// Page size of `users` when the query names none.
pub const DEFAULT_PAGE_LIMIT: usize = 20;
/// Largest page a query may ask for, so one request cannot make the server copy every user.
pub const MAX_PAGE_LIMIT: usize = 100;
