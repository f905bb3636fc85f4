//! REST in one file, with axum: `GET /users/{id}` answers a user as JSON or 404, and a
//! reqwest client asks for one that exists and one that does not.
//!
//! ```text
//! cargo run -p rest --example minimal
//! ```
//! The full crate adds create, update, delete and paging, validation with problem details,
//! OpenAPI, CORS, timeouts, body and connection limits and a graceful shutdown.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::{Json, Router, routing::get};
use common::{User, UserStore};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let store = UserStore::with_sample_users();
    let app = Router::new().route(
        "/users/{id}",
        get(|Path(id): Path<u64>| async move {
            store.get(id).map(Json).map_err(|error| (StatusCode::NOT_FOUND, error.to_string()))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    for id in [1, 42] {
        let response = reqwest::get(format!("http://{addr}/users/{id}")).await?;
        let status = response.status();
        if status.is_success() {
            let user: User = response.json().await?;
            println!("GET /users/{id} -> {status}: {} <{}>", user.name, user.email);
        } else {
            println!("GET /users/{id} -> {status}: {}", response.text().await?);
        }
    }
    Ok(())
}
