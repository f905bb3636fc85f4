//! The client side, on tokio-tungstenite: [`ChatClient`] for programs (tests, the tour, the
//! benchmark) and [`run_terminal`], the line-based chat behind `websocket-client`.

use crate::{ClientMessage, ErrorCode, ServerEvent, Welcome};
use futures_util::{SinkExt, StreamExt};
use std::future::Future;
use std::net::SocketAddr;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Largest frame the client accepts: a welcome carries up to 50 history lines.
const MAX_INCOMING_BYTES: usize = 1024 * 1024;

/// A client-side WebSocket over plain TCP (`ws://`).
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The chat socket's URL for a server address, e.g. `ws://127.0.0.1:8080/ws`.
pub fn chat_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/ws")
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    WebSocket(#[from] tungstenite::Error),
    #[error("refused: {message}")]
    Refused { code: ErrorCode, message: String },
    #[error("the server closed the connection: {}", describe_close(.0.as_ref()))]
    Closed(Option<CloseFrame>),
    #[error("unexpected frame from the server: {0}")]
    Unexpected(String),
}

/// What arrives on a chat connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Event(ServerEvent),
    /// The close handshake finished; the frame is the server's (code and reason), if any.
    Closed(Option<CloseFrame>),
}

/// One chat connection.
#[derive(Debug)]
pub struct ChatClient {
    ws: Socket,
}

impl ChatClient {
    /// Opens the WebSocket (the HTTP upgrade) without joining yet.
    pub async fn connect(url: &str) -> Result<Self, ClientError> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_INCOMING_BYTES))
            .max_frame_size(Some(MAX_INCOMING_BYTES));
        let (ws, _response) =
            tokio_tungstenite::connect_async_with_config(url, Some(config), false).await?;
        Ok(Self { ws })
    }

    /// Connects and joins as `name`, returning the room as the welcome describes it.
    pub async fn join(url: &str, name: &str) -> Result<(Self, Welcome), ClientError> {
        let mut client = Self::connect(url).await?;
        client.send(&ClientMessage::Join { name: name.into() }).await?;
        match client.next().await? {
            Incoming::Event(ServerEvent::Welcome(welcome)) => Ok((client, welcome)),
            Incoming::Event(ServerEvent::Error { code, message }) => {
                Err(ClientError::Refused { code, message })
            }
            Incoming::Event(other) => Err(ClientError::Unexpected(format!("{other:?}"))),
            Incoming::Closed(frame) => Err(ClientError::Closed(frame)),
        }
    }

    pub async fn say(&mut self, text: &str) -> Result<(), ClientError> {
        self.send(&ClientMessage::Say { text: text.into() }).await
    }

    /// Sends any envelope (used by `say` and `join`).
    pub async fn send(&mut self, message: &ClientMessage) -> Result<(), ClientError> {
        // Cannot fail: the envelopes are plain structs of strings.
        let json = serde_json::to_string(message).expect("envelopes always serialize");
        Ok(self.ws.send(Message::text(json)).await?)
    }

    /// The next event, or the end of the connection. Cancel-safe, so it can sit in a
    /// `select!` next to other work. Pings are answered by tungstenite while reading.
    pub async fn next(&mut self) -> Result<Incoming, ClientError> {
        let mut close_frame = None;
        while let Some(message) = self.ws.next().await {
            match message? {
                Message::Text(text) => {
                    return serde_json::from_str(&text)
                        .map(Incoming::Event)
                        .map_err(|err| ClientError::Unexpected(format!("{err}: {text}")));
                }
                Message::Close(frame) => close_frame = frame,
                Message::Binary(_) => return Err(ClientError::Unexpected("binary".into())),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
        Ok(Incoming::Closed(close_frame))
    }

    /// Starts the close handshake (1000, normal). Keep calling [`next`](Self::next) to
    /// receive what was already in flight, until [`Incoming::Closed`].
    pub async fn start_close(&mut self) -> Result<(), ClientError> {
        let frame = CloseFrame { code: CloseCode::Normal, reason: "bye".into() };
        Ok(self.ws.send(Message::Close(Some(frame))).await?)
    }

    /// Closes properly and waits for the server's answer, dropping unread events.
    pub async fn close(mut self) -> Result<(), ClientError> {
        self.start_close().await?;
        while let Incoming::Event(_) = self.next().await? {}
        Ok(())
    }

    /// The raw socket, for sending frames the chat protocol does not (tests use it).
    pub fn socket(&mut self) -> &mut Socket {
        &mut self.ws
    }
}

/// One event as the terminal shows it, e.g. `[ada] hello` or `* alan left (quit)`.
pub fn describe(event: &ServerEvent) -> String {
    match event {
        ServerEvent::Welcome(welcome) => {
            let mut text =
                format!("* joined as {}; here: {}", welcome.name, welcome.members.join(", "));
            for line in &welcome.history {
                text.push_str(&format!("\n[{}] {}", line.from, line.text));
            }
            text
        }
        ServerEvent::Message(line) => format!("[{}] {}", line.from, line.text),
        ServerEvent::Joined { name } => format!("* {name} joined"),
        ServerEvent::Left { name, reason } => format!("* {name} left ({reason})"),
        ServerEvent::Error { message, .. } => format!("! {message}"),
    }
}

/// A close frame as text, e.g. `1001 (server shutting down)`.
pub fn describe_close(frame: Option<&CloseFrame>) -> String {
    match frame {
        Some(frame) if frame.reason.is_empty() => format!("{}", u16::from(frame.code)),
        Some(frame) => format!("{} ({})", u16::from(frame.code), frame.reason),
        None => "no close frame".into(),
    }
}

/// The terminal chat: joins as `name`, sends each line from `lines` (blank ones skipped),
/// writes every event to `out`, and closes properly when `lines` ends (EOF) or `shutdown`
/// completes (Ctrl-C).
pub async fn run_terminal(
    addr: SocketAddr,
    name: &str,
    mut lines: mpsc::Receiver<String>,
    out: &mut (impl AsyncWrite + Unpin),
    shutdown: impl Future<Output = ()>,
) -> Result<(), ClientError> {
    let (mut client, welcome) = ChatClient::join(&chat_url(addr), name).await?;
    print(out, &describe(&ServerEvent::Welcome(welcome))).await;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => client.say(&line).await?,
                None => break,
            },
            incoming = client.next() => match incoming? {
                Incoming::Event(event) => print(out, &describe(&event)).await,
                // The server ended the chat: a normal end when it is going away (1001, e.g.
                // shutting down) or done (1000); anything else is an error worth a status.
                Incoming::Closed(Some(frame))
                    if matches!(frame.code, CloseCode::Normal | CloseCode::Away) =>
                {
                    let text = describe_close(Some(&frame));
                    print(out, &format!("* the server closed the chat: {text}")).await;
                    return Ok(());
                }
                Incoming::Closed(frame) => return Err(ClientError::Closed(frame)),
            },
            () = &mut shutdown => break,
        }
    }
    client.start_close().await?;
    while let Incoming::Event(event) = client.next().await? {
        print(out, &describe(&event)).await;
    }
    Ok(())
}

async fn print(out: &mut (impl AsyncWrite + Unpin), text: &str) {
    // Output is best effort: a closed stdout must not stop the chat from closing properly.
    let _ = out.write_all(format!("{text}\n").as_bytes()).await;
    let _ = out.flush().await;
}
