//! The service: `POST /soap` takes an envelope and answers one, `GET /soap?wsdl` hands out
//! the contract, `GET /users.xsd` the schema it imports.
//!
//! Every failure of a call is a SOAP fault with HTTP status 500, as SOAP 1.1 over HTTP
//! requires, so a SOAP toolkit always gets something it can turn into an exception: a wrong
//! content type, a body over the limit or too slow to arrive, malformed or hostile XML, an
//! unknown operation, a bad field, and the store's own errors.
//!
//! The accept loop is the one of `rest/src/server.rs`: `axum::serve` never times out a client
//! that sends its headers a byte at a time, so each connection is served by hyper's HTTP/1.1
//! builder with a header timeout, under a connection cap, with graceful shutdown.

use crate::message::{Fault, Request, Response, UserPage, body_of};
use crate::xml::Limits;
use crate::{PATH, XSD, wsdl_for};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::get;
use common::UserStore;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// The limits that keep one client from hurting the others.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest accepted request body, in bytes; a larger one gets a `Client` fault.
    pub body_limit: usize,
    /// Time the body may take to arrive after the request head; then a `Client` fault.
    pub body_timeout: Duration,
    /// Time a connection may take to send a complete request head (also how long an idle
    /// keep-alive connection stays open); then the connection is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests before it gives up on them.
    pub shutdown_grace: Duration,
    /// Nesting depth and element count of one envelope.
    pub xml: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            body_limit: 64 * 1024,
            body_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(5),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
            xml: Limits::default(),
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
struct Service {
    store: UserStore,
    config: Config,
    /// The address the listener is bound to, for the WSDL's `soap:address`.
    local: SocketAddr,
    /// The WSDL for `local`, computed once.
    wsdl: String,
}

/// The HTTP application. `local` is the address written into the served WSDL (when it is a
/// wildcard such as 0.0.0.0, the request's `Host` is used instead).
pub fn router(store: UserStore, config: Config, local: SocketAddr) -> Router {
    let wsdl = wsdl_for(&format!("http://{local}"));
    let service = Arc::new(Service { store, config, local, wsdl });
    Router::new()
        .route(PATH, get(contract).post(call))
        .route("/users.xsd", get(schema))
        .fallback(not_found)
        .with_state(service)
}

/// `POST /soap`: one envelope in, one envelope out.
async fn call(State(service): State<Arc<Service>>, headers: HeaderMap, body: Body) -> HttpResponse {
    match answer(&service, &headers, body).await {
        Ok(response) => xml_response(StatusCode::OK, response.to_envelope()),
        Err(fault) => {
            debug!(code = %fault.code, message = %fault.message, "fault");
            xml_response(StatusCode::INTERNAL_SERVER_ERROR, fault.to_envelope())
        }
    }
}

async fn answer(service: &Service, headers: &HeaderMap, body: Body) -> Result<Response, Fault> {
    check_content_type(headers)?;
    let bytes = read_body(&service.config, headers, body).await?;
    let request = Request::from_payload(&body_of(&bytes, service.config.xml)?)?;

    // SOAP 1.1 dispatches on the body; SOAPAction, when a client sends a non-empty one, must
    // agree with it (a proxy or firewall may have routed the request by that header).
    let action =
        headers.get("soapaction").map(|v| v.to_str().unwrap_or("?").trim().trim_matches('"'));
    let operation = request.operation();
    if let Some(action) = action.filter(|a| !a.is_empty() && *a != operation.soap_action()) {
        return Err(Fault::client(format!(
            "SOAPAction {action:?} does not match the body's {}, whose action is {:?}",
            operation.name(),
            operation.soap_action()
        )));
    }

    let store = &service.store;
    Ok(match request {
        Request::GetUser { id } => Response::GetUser(store.get(id)?),
        Request::CreateUser(new) => Response::CreateUser(store.create(new)?),
        Request::ListUsers { offset, limit } => {
            // A u32 always fits in usize on the 32- and 64-bit targets this runs on.
            let offset = usize::try_from(offset).unwrap_or(usize::MAX);
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let users = store.list(offset, limit);
            Response::ListUsers(UserPage { users, total: store.len() as u64 })
        }
    })
}

/// SOAP 1.1 travels as `text/xml`, in UTF-8 here (the only encoding this reader takes).
fn check_content_type(headers: &HeaderMap) -> Result<(), Fault> {
    let value = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut parts = value.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or("");
    if media_type.eq_ignore_ascii_case("application/soap+xml") {
        return Err(Fault::client(
            "Content-Type application/soap+xml is SOAP 1.2; this service speaks SOAP 1.1: text/xml",
        ));
    }
    if !media_type.eq_ignore_ascii_case("text/xml") {
        let value = if value.is_empty() { "none" } else { value };
        return Err(Fault::client(format!("Content-Type must be text/xml, not {value}")));
    }
    for parameter in parts {
        if let Some((name, charset)) = parameter.split_once('=') {
            let charset = charset.trim().trim_matches('"');
            if name.trim().eq_ignore_ascii_case("charset") && !charset.eq_ignore_ascii_case("utf-8")
            {
                return Err(Fault::client(format!(
                    "charset {charset} is not supported; use utf-8"
                )));
            }
        }
    }
    Ok(())
}

/// The whole body, at most `body_limit` bytes, within `body_timeout`.
async fn read_body(config: &Config, headers: &HeaderMap, body: Body) -> Result<Bytes, Fault> {
    let too_large =
        || Fault::client(format!("the body is larger than {} bytes", config.body_limit));
    let announced = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
    if announced.is_some_and(|length: u64| length > config.body_limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(config.body_timeout, axum::body::to_bytes(body, config.body_limit))
        .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        // `to_bytes` fails when the limit is reached, or when the connection breaks.
        Ok(Err(_)) => Err(too_large()),
        Err(_) => {
            Err(Fault::client(format!("the body did not arrive within {:?}", config.body_timeout)))
        }
    }
}

/// `GET /soap?wsdl` (any case): the contract, pointing at this server.
async fn contract(
    State(service): State<Arc<Service>>,
    uri: Uri,
    headers: HeaderMap,
) -> HttpResponse {
    if !uri.query().is_some_and(|query| query.eq_ignore_ascii_case("wsdl")) {
        return not_found().await.into_response();
    }
    if !service.local.ip().is_unspecified() {
        return xml_response(StatusCode::OK, service.wsdl.clone());
    }
    // Bound to a wildcard address: the name the client used is the best address to give.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()?.parse::<Authority>().ok());
    let base = match host {
        Some(host) => format!("http://{host}"),
        None => format!("http://{}", service.local),
    };
    xml_response(StatusCode::OK, wsdl_for(&base))
}

/// `GET /users.xsd`: the schema the WSDL imports (its `schemaLocation` is relative).
async fn schema() -> HttpResponse {
    xml_response(StatusCode::OK, XSD.to_owned())
}

async fn not_found() -> (StatusCode, &'static str) {
    let hint = "not found: POST SOAP 1.1 envelopes to /soap; the WSDL is at /soap?wsdl\n";
    (StatusCode::NOT_FOUND, hint)
}

fn xml_response(status: StatusCode, body: String) -> HttpResponse {
    let content_type = HeaderValue::from_static("text/xml; charset=utf-8");
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Serves the service on `listener` until `shutdown` completes, then lets requests in flight
/// finish (up to `config.shutdown_grace`) and returns.
pub async fn serve(
    listener: TcpListener,
    store: UserStore,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let max_connections = config.max_connections;
    let shutdown_grace = config.shutdown_grace;
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        // A larger request head gets 431 (hyper's default lets it grow to ~400 KiB).
        .max_header_size(32 * 1024)
        // Answer clients that close their sending side after the request (`nc -N`).
        .half_close(true);
    let app = router(store, config, listener.local_addr()?);
    let connection_slots = Arc::new(Semaphore::new(max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);

    loop {
        let slot = tokio::select! {
            slot = connection_slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed, so this branch is never taken.
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Typically out of file descriptors: wait for some to be freed.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                debug!(%peer, %error, "connection closed");
            }
            drop(slot);
        });
    }

    drop(listener);
    info!("shutting down: finishing {} open connection(s)", graceful.count());
    if tokio::time::timeout(shutdown_grace, graceful.shutdown()).await.is_err() {
        warn!("shutdown grace period over; no longer waiting for the remaining connections");
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
    let server = serve(listener, UserStore::with_sample_users(), config, shutdown);
    Ok((local, tokio::spawn(server)))
}
