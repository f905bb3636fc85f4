//! `/echo`: sends every text or binary message straight back. It exists so the WebSocket layer
//! can be checked against the Autobahn test suite without the chat's own rules in the way.

use super::closing;
use super::upgrade::Socket;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

/// Echoes until the peer closes, breaks the protocol, or the server stops. `_slot` is held
/// for the session's lifetime, which bounds how many echo sessions run at once.
pub(crate) async fn run(
    mut ws: Socket,
    patience: Duration,
    stop: CancellationToken,
    _slot: OwnedSemaphorePermit,
) {
    loop {
        let incoming = tokio::select! {
            incoming = ws.next() => incoming,
            () = stop.cancelled() => {
                closing::close(&mut ws, CloseCode::Away, "server shutting down", patience).await;
                return;
            }
        };
        match incoming {
            Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                if ws.send(message).await.is_err() {
                    return;
                }
            }
            // tungstenite answers pings itself and queues the reply to a Close.
            Some(Ok(Message::Close(_))) => {
                closing::answer_close(&mut ws, patience).await;
                return;
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => {
                tracing::debug!("echo read failed: {err}");
                if let Some((code, reason)) = closing::close_for(&err) {
                    closing::close(&mut ws, code, reason, patience).await;
                }
                return;
            }
            None => return,
        }
    }
}
