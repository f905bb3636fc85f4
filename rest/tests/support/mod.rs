//! Helpers shared by the test files: an in-process server on 127.0.0.1:0, one-shot requests
//! to the router without a socket, and the check every error response must pass.
#![allow(dead_code)] // Each test file uses a different subset.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::UserStore;
use rest::server::{self, Config};
use rest::{ErrorBody, ErrorCode};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// Upper bound for any single wait in the tests.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server running the library's `serve` on a free port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub store: UserStore,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(config: Config) -> Self {
        Self::start_with(UserStore::with_sample_users(), config).await
    }

    pub async fn start_with(store: UserStore, config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(server::serve(listener, store.clone(), config, shutdown));
        Self { addr, store, stop, task }
    }

    /// Signals shutdown; returns the join handle so a test can decide when to await it.
    pub fn begin_stop(self) -> JoinHandle<std::io::Result<()>> {
        let _ = self.stop.send(());
        self.task
    }

    /// Signals shutdown and waits for `serve` to return cleanly.
    pub async fn stop(self) {
        let task = self.begin_stop();
        tokio::time::timeout(WAIT, task).await.unwrap().unwrap().unwrap();
    }
}

/// What came back from one request.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!("{err}: body was {:?}", String::from_utf8_lossy(&self.body))
        })
    }

    /// Asserts the status and that the body is the one JSON error body with the matching code.
    pub fn assert_error(&self, status: StatusCode, code: ErrorCode) -> ErrorBody {
        assert_eq!(self.status, status, "body: {}", String::from_utf8_lossy(&self.body));
        assert_eq!(
            self.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap()),
            Some("application/json")
        );
        let body: ErrorBody = self.json();
        assert_eq!(body.error, code);
        assert!(!body.message.is_empty());
        body
    }
}

/// Sends one request through the router, no socket involved.
pub async fn oneshot(app: &Router, request: Request<Body>) -> Reply {
    let response = tokio::time::timeout(WAIT, app.clone().oneshot(request)).await.unwrap().unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    Reply { status: parts.status, headers: parts.headers, body }
}

/// A request with an optional JSON body (sent with `Content-Type: application/json`).
pub fn request(method: &str, uri: &str, json: Option<&str>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    match json {
        Some(json) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_owned()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}
