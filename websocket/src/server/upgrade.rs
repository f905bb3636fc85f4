//! The WebSocket opening handshake (RFC 6455 section 4.2), on top of hyper.
//!
//! The client asks with an ordinary GET carrying `Upgrade: websocket` and a random
//! `Sec-WebSocket-Key`; the server answers `101 Switching Protocols` with
//! `Sec-WebSocket-Accept` = base64(SHA-1(key + fixed GUID)). From then on the TCP connection
//! carries WebSocket frames, which tokio-tungstenite reads and writes.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{
    CONNECTION, HeaderMap, HeaderName, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_VERSION, UPGRADE,
};
use hyper::upgrade::Upgraded;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::future::Future;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_util::task::TaskTracker;

/// A server-side WebSocket over an upgraded hyper connection.
pub(crate) type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// Answers the handshake and, once hyper has switched protocols, runs `session` on the socket
/// in a task tracked by `sessions`. A request that is no valid handshake gets a 4xx answer.
pub(crate) fn accept<F, Fut>(
    mut request: Request<Incoming>,
    config: WebSocketConfig,
    sessions: &TaskTracker,
    session: F,
) -> Response<Full<Bytes>>
where
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let accept_key = match check_handshake(request.headers()) {
        Ok(key) => derive_accept_key(key.as_bytes()),
        Err(refusal) => return refusal.into_response(),
    };
    let upgrading = hyper::upgrade::on(&mut request);
    sessions.spawn(async move {
        match upgrading.await {
            Ok(upgraded) => {
                let io = TokioIo::new(upgraded);
                session(WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await)
                    .await;
            }
            Err(err) => tracing::debug!("upgrade failed: {err}"),
        }
    });

    let mut response = Response::new(Full::default());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    // Cannot fail: base64 output is always a valid header value.
    headers.insert(SEC_WEBSOCKET_ACCEPT, HeaderValue::from_str(&accept_key).expect("base64"));
    response
}

/// Why a request is not a handshake this server accepts.
struct Refusal {
    status: StatusCode,
    body: &'static str,
    /// A header telling the client what would work, e.g. `Sec-WebSocket-Version: 13`.
    hint: Option<(HeaderName, &'static str)>,
}

impl Refusal {
    fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::from(self.body));
        *response.status_mut() = self.status;
        if let Some((name, value)) = self.hint {
            response.headers_mut().insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

/// The client's `Sec-WebSocket-Key`, if the request is a WebSocket handshake we speak.
fn check_handshake(headers: &HeaderMap) -> Result<&HeaderValue, Refusal> {
    if !has_token(headers, CONNECTION, "upgrade") || !has_token(headers, UPGRADE, "websocket") {
        return Err(Refusal {
            status: StatusCode::UPGRADE_REQUIRED,
            body: "this is a WebSocket endpoint: upgrade to it\n",
            hint: Some((UPGRADE, "websocket")),
        });
    }
    if headers.get(SEC_WEBSOCKET_VERSION).is_none_or(|version| version != "13") {
        return Err(Refusal {
            status: StatusCode::UPGRADE_REQUIRED,
            body: "only WebSocket version 13 is supported\n",
            hint: Some((SEC_WEBSOCKET_VERSION, "13")),
        });
    }
    headers.get(SEC_WEBSOCKET_KEY).ok_or(Refusal {
        status: StatusCode::BAD_REQUEST,
        body: "missing Sec-WebSocket-Key\n",
        hint: None,
    })
}

/// Whether a comma-separated header such as `Connection: keep-alive, Upgrade` holds `token`.
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(|item| item.trim().eq_ignore_ascii_case(token)))
}
