//! The HTTP server: a hyper connection loop, like the `jsonrpc` and `rest` servers, because the
//! limits that protect a server from slow or greedy clients live at that level.
//!
//! Per connection: HTTP/1.1 with a header deadline. Per request: a deadline for the whole
//! request, a body-size limit (413), the [`guard`](crate::guard) (DOCTYPE, depth, well-formed),
//! then dxr decodes the `<methodCall>` and [`Handlers`] answer it. Across connections: at most
//! `max_connections` at a time; further clients wait in the operating system's accept queue.

use crate::guard;
pub use crate::methods::Handlers;
use crate::{PATH, codes};
use common::UserStore;
use dxr::{Fault, FaultResponse, MethodCall, MethodResponse};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Every bound the server enforces. [`Config::default`] is what `xmlrpc-server` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body, in bytes; larger gets `413 Payload Too Large` unread.
    pub max_body_bytes: usize,
    /// Most XML elements open at once; deeper gets a fault (see [`guard::MAX_DEPTH`]).
    pub max_depth: usize,
    /// Most connections served at once; more wait in the accept queue.
    pub max_connections: usize,
    /// Time a client has to send the request line and headers (and, between requests on a
    /// kept-alive connection, to start the next one); then the connection is closed.
    pub header_timeout: Duration,
    /// Time a client has to send the body and get the answer; then `408 Request Timeout`.
    pub request_timeout: Duration,
    /// Time connections get to finish their current request when the server shuts down.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_depth: guard::MAX_DEPTH,
            max_connections: 256,
            header_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Serves XML-RPC at `POST /RPC2` on `listener` until `shutdown` completes, then lets open
/// requests finish (up to [`Config::shutdown_grace`]) and returns.
pub async fn serve(
    listener: TcpListener,
    handlers: Handlers,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .max_buf_size(64 * 1024);
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let graceful = GracefulShutdown::new();
    let shared = Arc::new((handlers, config.clone()));
    tokio::pin!(shutdown);

    loop {
        // Take a slot before accepting: at the limit, new clients queue in the kernel.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed, so this branch is never taken.
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // E.g. out of file descriptors: wait a moment instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let shared = shared.clone();
        let service = service_fn(move |request| {
            let shared = shared.clone();
            async move {
                let (handlers, config) = &*shared;
                Ok::<_, Infallible>(answer(request, handlers, config).await)
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(slot);
        });
    }

    drop(listener);
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
    Ok(())
}

/// A convenience for the tour and the benchmark: binds `addr`, then serves the sample users
/// on it in a background task until `shutdown` completes.
pub async fn spawn(
    addr: SocketAddr,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = common::runtime::bind(addr)?;
    let local = listener.local_addr()?;
    let handlers = Handlers::new(UserStore::with_sample_users());
    Ok((local, tokio::spawn(serve(listener, handlers, config, shutdown))))
}

type Reply = Response<Full<Bytes>>;

/// Answers one HTTP request within the request deadline.
async fn answer(request: Request<Incoming>, handlers: &Handlers, config: &Config) -> Reply {
    if request.uri().path() != PATH {
        return plain(StatusCode::NOT_FOUND, "XML-RPC is at POST /RPC2\n");
    }
    if request.method() != Method::POST {
        let mut reply = plain(StatusCode::METHOD_NOT_ALLOWED, "XML-RPC calls are POST requests\n");
        reply.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
        return reply;
    }
    let deadline = config.request_timeout;
    match tokio::time::timeout(deadline, read_and_call(request, handlers, config)).await {
        Ok(reply) => reply,
        Err(_) => {
            tracing::debug!(?deadline, "request not complete in time");
            plain(StatusCode::REQUEST_TIMEOUT, "request not complete in time\n")
        }
    }
}

/// Reads the whole body (at most `max_body_bytes`), checks it, decodes it and calls the method.
async fn read_and_call(request: Request<Incoming>, handlers: &Handlers, config: &Config) -> Reply {
    let body = request.into_body();
    let too_large = || plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n");
    if body.size_hint().lower() > config.max_body_bytes as u64 {
        return too_large(); // Content-Length says so: don't read it at all
    }
    let bytes = match Limited::new(body, config.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => return too_large(),
        Err(error) => {
            // The client went away mid-body or sent broken chunking; hyper closes the connection.
            tracing::debug!(%error, "could not read the request body");
            return plain(StatusCode::BAD_REQUEST, "could not read the request body\n");
        }
    };
    let result = decode(&bytes, config.max_depth).and_then(|call| {
        tracing::debug!(method = %call.name, "call");
        handlers.call(&call.name, &call.params)
    });
    let document = match result {
        Ok(value) => MethodResponse { value }.to_xml(),
        Err(fault) => FaultResponse { fault }.to_xml(),
    };
    match document {
        Ok(document) => xml(format!("<?xml version=\"1.0\"?>\n{document}\n")),
        Err(error) => {
            // Only a value dxr cannot write (none of ours) gets here.
            tracing::warn!(%error, "could not encode the response");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "could not encode the response\n")
        }
    }
}

/// The body as a `<methodCall>`, or the fault that says why not. The fault never quotes the
/// body back (dxr's own error message would).
fn decode(body: &[u8], max_depth: usize) -> Result<MethodCall<'_>, Fault> {
    let text = guard::check(body, max_depth).map_err(|refused| {
        tracing::debug!(%refused, "document refused");
        refused.to_fault()
    })?;
    MethodCall::from_xml(text).map_err(|_| {
        Fault::new(codes::INVALID_XMLRPC, "not an XML-RPC <methodCall> document".to_owned())
    })
}

fn xml(document: String) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(document)));
    reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    reply
}

fn plain(status: StatusCode, text: &'static str) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *reply.status_mut() = status;
    reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    reply
}
