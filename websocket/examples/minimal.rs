//! WebSocket in one file, with tokio-tungstenite: a server that echoes every text message,
//! and a client that opens the connection (an HTTP upgrade), sends one message and reads it.
//!
//! ```text
//! cargo run -p websocket --example minimal
//! ```
//! The full crate adds a chat room with broadcast, a browser page, heartbeats, frame and
//! message limits, slow-client handling and a graceful shutdown (`src/server.rs`).

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                // The handshake: an HTTP GET with `Upgrade: websocket`, answered with 101.
                let mut socket = tokio_tungstenite::accept_async(stream).await?;
                while let Some(message) = socket.next().await {
                    if let Message::Text(text) = message? {
                        socket.send(Message::text(format!("echo: {text}"))).await?;
                    }
                }
                anyhow::Ok(())
            });
        }
    });

    let (mut socket, response) = tokio_tungstenite::connect_async(format!("ws://{addr}/")).await?;
    println!("handshake: HTTP {}", response.status());
    socket.send(Message::text("hello")).await?;
    if let Some(reply) = socket.next().await {
        println!("received: {}", reply?.into_text()?);
    }
    socket.close(None).await?;
    Ok(())
}
