//! GraphQL in one file: a schema with one query, served by async-graphql on axum, and one
//! request to it with reqwest, printing the answer:
//!
//! ```text
//! cargo run -p graphql --example minimal
//! {"data":{"user":{"name":"Ada Lovelace"}}}
//! ```
//!
//! The server binds a free port and runs in the background; the full crate adds mutations,
//! subscriptions, a DataLoader, limits and a hardened accept loop (`src/server.rs`).

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};
use async_graphql_axum::GraphQL;
use axum::Router;
use axum::routing::post_service;

/// What a client may ask for about a user; it picks the fields.
#[derive(SimpleObject)]
struct User {
    id: ID,
    name: String,
    email: String,
}

struct Query;

#[Object]
impl Query {
    /// The user with this id, or null.
    async fn user(&self, id: ID) -> Option<User> {
        (id.as_str() == "1").then(|| User {
            id,
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
    let app = Router::new().route("/graphql", post_service(GraphQL::new(schema)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The client names the fields it wants: here only the name.
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .json(&serde_json::json!({ "query": "{ user(id: 1) { name } }" }))
        .send()
        .await?
        .text()
        .await?;
    println!("{answer}");
    Ok(())
}
