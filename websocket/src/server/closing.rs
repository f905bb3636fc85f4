//! Ending a WebSocket properly: which close code a read error deserves, and the close
//! handshake itself (send a Close frame, then wait for the peer's Close before dropping TCP).

use super::upgrade::Socket;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::{Error, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The close code and reason for a failed read, or `None` when the connection is already gone
/// (nothing could be sent anyway).
pub(crate) fn close_for(error: &Error) -> Option<(CloseCode, &'static str)> {
    match error {
        Error::Capacity(_) => Some((CloseCode::Size, "message too big")),
        Error::Utf8(_) => Some((CloseCode::Invalid, "text frame is not valid UTF-8")),
        // The TCP connection ended without a Close frame: the peer vanished.
        Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        Error::Protocol(_) => Some((CloseCode::Protocol, "protocol error")),
        _ => None,
    }
}

/// Sends a Close frame and waits (bounded by `patience`) for the peer's Close in reply,
/// discarding whatever data frames were still in flight.
pub(crate) async fn close(
    ws: &mut Socket,
    code: CloseCode,
    reason: &'static str,
    patience: Duration,
) {
    let handshake = async {
        let frame = CloseFrame { code, reason: reason.into() };
        if ws.send(Message::Close(Some(frame))).await.is_err() {
            return;
        }
        // The stream ends once the peer's Close has arrived. If it ends first (after a read
        // error, such as the rest of an oversize frame), the peer's bytes are still unread.
        let mut peer_closed = false;
        while let Some(Ok(message)) = ws.next().await {
            peer_closed |= message.is_close();
        }
        if !peer_closed {
            discard_unread(ws).await;
        }
    };
    if tokio::time::timeout(patience, handshake).await.is_err() {
        tracing::debug!("peer did not complete the close handshake in time");
    }
}

/// The most a closing connection reads and throws away, and for how long at most.
const DISCARD_BYTES: u64 = 64 * 1024;
const DISCARD_TIME: Duration = Duration::from_millis(500);

/// Reads and discards what the peer is still sending, up to [`DISCARD_BYTES`], its end of
/// stream or [`DISCARD_TIME`]: closing a socket with unread input makes the OS reset the
/// connection, and a reset can destroy the Close frame before the peer reads it.
async fn discard_unread(ws: &mut Socket) {
    let mut rest = ws.get_mut().take(DISCARD_BYTES);
    let _ = tokio::time::timeout(DISCARD_TIME, tokio::io::copy(&mut rest, &mut tokio::io::sink()))
        .await;
}

/// After the peer's Close: tungstenite has queued the Close in reply; reading on sends it
/// and then ends the stream.
pub(crate) async fn answer_close(ws: &mut Socket, patience: Duration) {
    let drain = async { while let Some(Ok(_)) = ws.next().await {} };
    let _ = tokio::time::timeout(patience, drain).await;
}
