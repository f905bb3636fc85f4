//! The HTTP server: jsonrpsee's JSON-RPC service inside a hyper connection loop this file owns,
//! because the limits that protect a server from slow or greedy clients live at that level.
//!
//! Per connection: hyper's HTTP/1.1 with a header deadline. Per request: a deadline for the
//! whole request, a body-size limit, the fixes of [`crate::conformance`], then jsonrpsee.
//! Across connections: at most `max_connections` at a time; further clients wait in the
//! operating system's accept queue until a slot frees up.

use crate::conformance::{self, RunNotifications};
pub use crate::handlers::Handlers;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use jsonrpsee::core::middleware::RpcServiceBuilder;
use jsonrpsee::server::{
    BatchRequestConfig, HttpBody, HttpResponse, ServerConfig,
    http::{is_json, response},
    stop_channel,
};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

/// Every bound the server enforces. [`Config::default`] is what `jsonrpc-server` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body, in bytes; larger gets `413` and JSON-RPC error -32007.
    pub max_body_bytes: u32,
    /// Most calls in one batch; more gets the JSON-RPC error -32010 instead of any answer.
    pub max_batch_len: u32,
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
            max_batch_len: 100,
            max_connections: 256,
            header_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Serves JSON-RPC on `listener` until `shutdown` completes, then lets open requests finish
/// (up to [`Config::shutdown_grace`]) and returns.
pub async fn serve(
    listener: TcpListener,
    handlers: Handlers,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // Fails only if two methods had the same name: a bug, reported as any other error.
    let module = handlers.into_module().map_err(std::io::Error::other)?;
    let rpc_config = ServerConfig::builder()
        .http_only()
        .max_request_body_size(config.max_body_bytes)
        .max_connections(u32::try_from(config.max_connections).unwrap_or(u32::MAX))
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch_len))
        .build();
    let (stop_handle, server_handle) = stop_channel();
    let jsonrpsee = jsonrpsee::server::Server::builder()
        .set_config(rpc_config)
        .set_rpc_middleware(RpcServiceBuilder::new().layer_fn(RunNotifications))
        .to_service_builder();

    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(config.header_timeout);
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let graceful = GracefulShutdown::new();
    let config = Arc::new(config);
    tokio::pin!(shutdown);

    loop {
        // Take a slot before accepting: at the limit, new clients queue in the kernel.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
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
        tracing::debug!(%peer, "connection opened");

        let rpc = jsonrpsee.clone().build(module.clone(), stop_handle.clone());
        let config = config.clone();
        let service = service_fn(move |request| {
            let rpc = rpc.clone();
            let config = config.clone();
            async move { Ok::<_, Infallible>(answer(request, rpc, &config).await) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(slot);
        });
    }

    // Errs only when already stopped, which is fine.
    let _ = server_handle.stop();
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
    Ok(())
}

/// Answers one HTTP request within the request deadline.
async fn answer<S>(request: Request<Incoming>, rpc: S, config: &Config) -> HttpResponse
where
    S: Service<Request<Full<Bytes>>, Response = HttpResponse>,
    S::Error: std::fmt::Display,
{
    let deadline = config.request_timeout;
    match tokio::time::timeout(deadline, read_and_call(request, rpc, config.max_body_bytes)).await {
        Ok(reply) => conformance::no_content(reply),
        Err(_) => {
            tracing::debug!(?deadline, "request not complete in time");
            let mut reply = HttpResponse::new(HttpBody::from("request not complete in time\n"));
            *reply.status_mut() = StatusCode::REQUEST_TIMEOUT;
            reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            reply
        }
    }
}

/// Reads the whole body (at most `max_body` bytes), then lets jsonrpsee answer it.
async fn read_and_call<S>(request: Request<Incoming>, rpc: S, max_body: u32) -> HttpResponse
where
    S: Service<Request<Full<Bytes>>, Response = HttpResponse>,
    S::Error: std::fmt::Display,
{
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST || !is_json(parts.headers.get(CONTENT_TYPE)) {
        // Not JSON-RPC: jsonrpsee answers 405 or 415 without looking at the body.
        return call(rpc, Request::from_parts(parts, Full::default())).await;
    }
    if body.size_hint().lower() > u64::from(max_body) {
        return response::too_large(max_body); // Content-Length says so: don't read it at all
    }
    let bytes = match Limited::new(body, max_body as usize).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return response::too_large(max_body);
        }
        Err(error) => {
            // The client went away mid-body or sent broken chunking; hyper closes the connection.
            tracing::debug!(%error, "could not read the request body");
            return response::malformed();
        }
    };
    if let Some(reply) = conformance::invalid_request(&bytes) {
        return reply;
    }
    call(rpc, Request::from_parts(parts, Full::new(bytes))).await
}

async fn call<S>(mut rpc: S, request: Request<Full<Bytes>>) -> HttpResponse
where
    S: Service<Request<Full<Bytes>>, Response = HttpResponse>,
    S::Error: std::fmt::Display,
{
    match rpc.call(request).await {
        Ok(reply) => reply,
        Err(error) => {
            tracing::warn!(%error, "jsonrpsee failed to answer");
            response::internal_error()
        }
    }
}
