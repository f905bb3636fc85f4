//! The chat server: plain hyper for HTTP, tokio-tungstenite for the WebSocket protocol.
//!
//! - `GET /` serves the chat page (`src/server/chat.html`);
//! - `GET /ws` upgrades to the chat socket (see [`session`]);
//! - `GET /echo` upgrades to an echo socket, the endpoint the Autobahn suite tests.
//!
//! Every connection gets its own task. Chat sessions talk to each other only through the
//! [`room::Room`], which hands each member a bounded queue: a member that cannot keep up is
//! closed with 1008 instead of slowing anybody else down.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

mod closing;
mod echo;
mod room;
mod session;
mod upgrade;

/// The chat page, compiled into the binary.
pub const CHAT_PAGE: &str = include_str!("server/chat.html");

/// Limits and timers. [`Config::default`] suits a real deployment; tests shrink the timers.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest chat frame or message, in bytes; a bigger one is closed with 1009.
    pub max_message_bytes: usize,
    /// Messages a newcomer receives in its welcome.
    pub history_len: usize,
    /// Frames waiting for one member; when full, that member is closed with 1008.
    pub queue_capacity: usize,
    /// Members at once; one more `join` is closed with 1013 (try again later).
    pub max_members: usize,
    /// Chat sockets open at once, joined or not; more get HTTP 503 before the upgrade.
    pub max_chat_connections: usize,
    /// How often the server pings each chat client.
    pub ping_interval: Duration,
    /// A client silent for this long (no pong, no message) is dropped.
    pub idle_timeout: Duration,
    /// Longest wait for one write (or the close handshake) before the peer counts as gone.
    pub write_timeout: Duration,
    /// Longest wait for a complete HTTP request head (the upgrade request, or a page request).
    pub header_timeout: Duration,
    /// Sustained messages per second one member may send, and the burst above that.
    pub messages_per_second: f64,
    pub message_burst: u32,
    /// Largest echo message: 16 MiB, the biggest the Autobahn suite sends (cases 9.x).
    pub echo_max_message_bytes: usize,
    /// Echo connections at once (each may buffer a large message); more get HTTP 503.
    pub max_echo_sessions: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_message_bytes: 16 * 1024,
            history_len: 50,
            queue_capacity: 1024,
            max_members: 1000,
            max_chat_connections: 1200,
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(50),
            write_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            messages_per_second: 10.0,
            message_burst: 30,
            echo_max_message_bytes: 16 * 1024 * 1024,
            max_echo_sessions: 16,
        }
    }
}

/// The read buffer each chat socket allocates when it opens.
const CHAT_READ_BUFFER_BYTES: usize = 4 * 1024;

impl Config {
    fn chat_socket(&self) -> WebSocketConfig {
        // tungstenite allocates its read buffer up front, 128 KiB by default: 137 KiB per idle
        // chat socket, measured by the bench. Chat messages are small, and a bigger one still
        // arrives whole (the buffer grows); with 4 KiB an idle chat socket costs about 10 KiB.
        WebSocketConfig::default()
            .read_buffer_size(CHAT_READ_BUFFER_BYTES)
            .max_message_size(Some(self.max_message_bytes))
            .max_frame_size(Some(self.max_message_bytes))
    }

    fn echo_socket(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .max_message_size(Some(self.echo_max_message_bytes))
            .max_frame_size(Some(self.echo_max_message_bytes))
    }
}

/// Serves until `shutdown` completes, then closes every WebSocket with 1001 (going away)
/// and waits up to the write timeout for the close handshakes.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = App {
        room: room::Room::new(&config),
        chat_slots: Arc::new(Semaphore::new(config.max_chat_connections)),
        echo_slots: Arc::new(Semaphore::new(config.max_echo_sessions)),
        config: Arc::new(config),
        tasks: TaskTracker::new(),
        stop: CancellationToken::new(),
    };
    let mut http = http1::Builder::new();
    // Drop clients that drip their request head byte by byte (slowloris).
    http.timer(TokioTimer::new()).header_read_timeout(app.config.header_timeout);
    tokio::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        tracing::debug!(%peer, "connection");
        let app = app.clone();
        let http = http.clone();
        app.tasks.clone().spawn(async move {
            let stop = app.stop.clone();
            let service = service_fn(move |request| {
                let response = app.route(request);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = http.serve_connection(TokioIo::new(stream), service).with_upgrades();
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stop.cancelled() => {
                    // Finish the request in progress, then close the connection.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = result {
                tracing::debug!(%peer, "http connection ended: {err}");
            }
        });
    }

    tracing::info!("shutting down");
    app.stop.cancel();
    app.tasks.close();
    if tokio::time::timeout(app.config.write_timeout, app.tasks.wait()).await.is_err() {
        tracing::warn!("some connections did not close in time");
    }
    Ok(())
}

/// What every request handler shares. Cheap to clone.
#[derive(Clone)]
struct App {
    config: Arc<Config>,
    room: room::Room,
    /// Bound the number of open sockets, and with it the server's memory.
    chat_slots: Arc<Semaphore>,
    echo_slots: Arc<Semaphore>,
    /// Every connection's task, so shutdown can wait for them to finish.
    tasks: TaskTracker,
    /// Cancelled on shutdown: HTTP connections finish their request, WebSockets close with 1001.
    stop: CancellationToken,
}

impl App {
    fn route(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        match (request.method(), request.uri().path()) {
            (&Method::GET, "/") => {
                let mut response = Response::new(Full::from(CHAT_PAGE));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
                response
            }
            (&Method::GET, "/ws") => {
                let Ok(slot) = self.chat_slots.clone().try_acquire_owned() else {
                    return plain(StatusCode::SERVICE_UNAVAILABLE, "too many connections\n");
                };
                let (room, config, stop) =
                    (self.room.clone(), self.config.clone(), self.stop.clone());
                upgrade::accept(request, self.config.chat_socket(), &self.tasks, move |ws| {
                    session::run(ws, room, config, stop, slot)
                })
            }
            (&Method::GET, "/echo") => {
                let Ok(slot) = self.echo_slots.clone().try_acquire_owned() else {
                    return plain(StatusCode::SERVICE_UNAVAILABLE, "too many echo sessions\n");
                };
                let (write_timeout, stop) = (self.config.write_timeout, self.stop.clone());
                upgrade::accept(request, self.config.echo_socket(), &self.tasks, move |ws| {
                    echo::run(ws, write_timeout, stop, slot)
                })
            }
            (_, "/" | "/ws" | "/echo") => {
                let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n");
                response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET"));
                response
            }
            _ => plain(StatusCode::NOT_FOUND, "not found: try / , /ws or /echo\n"),
        }
    }
}

/// A short plain-text HTTP answer.
fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}
