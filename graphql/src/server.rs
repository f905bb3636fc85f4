//! Routes and the accept loop.
//!
//! - `POST /graphql` and `GET /graphql`: GraphQL over HTTP (`application/json`, and
//!   `application/graphql-response+json` for clients that ask for it), by async-graphql-axum;
//! - `GET /graphql/ws`: subscriptions over WebSocket, in `graphql-transport-ws` or the legacy
//!   `graphql-ws`, whichever the client names in `Sec-WebSocket-Protocol`;
//! - `GET /`: GraphiQL, a browser IDE for the schema.
//!
//! The accept loop is the one of the `rest` crate: `axum::serve` never times out a client that
//! sends its request headers one byte at a time, so every connection goes through hyper's own
//! HTTP/1.1 builder, with a header timeout, a cap on connections, and a graceful shutdown.
//! WebSocket sessions leave hyper once upgraded, so they have a cap of their own and end when
//! the server shuts down.

use crate::schema::{self, Backend, Limits, UsersSchema};
use crate::{HTTP_PATH, WS_PATH};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_axum::{GraphQL, GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, Request, State, WebSocketUpgrade};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, get_service};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::{debug, info, warn};

/// The limits that keep one client from hurting the others.
#[derive(Debug, Clone)]
pub struct Config {
    /// What one operation may ask for (depth, complexity, introspection).
    pub limits: Limits,
    /// How long the `User.orders` loader collects user ids before one lookup for all.
    pub batch_delay: Duration,
    /// Largest accepted request body; a larger one gets 413 with a GraphQL error.
    pub body_limit: usize,
    /// Largest WebSocket message a subscriber may send.
    pub ws_message_limit: usize,
    /// Time from the end of the request headers until the response; then 408.
    pub request_timeout: Duration,
    /// Time a connection may take to send a complete request head (also how long an idle
    /// keep-alive connection stays open); then the connection is closed.
    pub header_read_timeout: Duration,
    /// HTTP connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// WebSocket sessions open at once; a further upgrade gets 503.
    pub max_subscribers: usize,
    /// How long shutdown waits for in-flight requests before it gives up on them.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            batch_delay: schema::DEFAULT_BATCH_DELAY,
            body_limit: 64 * 1024,
            ws_message_limit: 64 * 1024,
            request_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(5),
            max_connections: 1024,
            max_subscribers: 256,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
struct Subscriptions {
    schema: UsersSchema,
    slots: Arc<Semaphore>,
    message_limit: usize,
    stop: CancellationToken,
    tasks: TaskTracker,
}

/// The whole HTTP application. Sessions on `/graphql/ws` end when `stop` is cancelled, and
/// are counted in `tasks` until they have.
pub fn router(
    schema: UsersSchema,
    config: &Config,
    stop: CancellationToken,
    tasks: TaskTracker,
) -> Router {
    let subscriptions = Subscriptions {
        schema: schema.clone(),
        slots: Arc::new(Semaphore::new(config.max_subscribers)),
        message_limit: config.ws_message_limit,
        stop,
        tasks,
    };
    let graphql = GraphQL::new(schema);
    Router::new()
        .route("/", get(graphiql))
        .route(
            HTTP_PATH,
            get_service(graphql.clone())
                .route_layer(middleware::from_fn(no_mutations_over_get))
                .post_service(graphql)
                .route_layer(middleware::from_fn(media_types)),
        )
        .route(WS_PATH, get(subscribe).with_state(subscriptions))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(middleware::map_response(graphql_error_bodies))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    config.request_timeout,
                ))
                // Refuses a too-large `Content-Length` before reading the body, and stops
                // reading a chunked body at the limit.
                .layer(RequestBodyLimitLayer::new(config.body_limit))
                .layer(DefaultBodyLimit::disable()),
        )
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint(HTTP_PATH).subscription_endpoint(WS_PATH).finish())
}

/// Upgrades to a WebSocket and runs the GraphQL protocol the client asked for on it.
async fn subscribe(
    State(subscriptions): State<Subscriptions>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Ok(slot) = subscriptions.slots.clone().try_acquire_owned() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "too many subscribers").into_response();
    };
    let Subscriptions { schema, message_limit, stop, tasks, .. } = subscriptions;
    let running = tasks.token();
    upgrade
        .max_message_size(message_limit)
        .max_frame_size(message_limit)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            tokio::select! {
                () = GraphQLWebSocket::new(socket, schema, protocol).serve() => {}
                () = stop.cancelled() => debug!("server shutting down: subscription session closed"),
            }
            drop((slot, running));
        })
        .into_response()
}

/// `GET` must not change anything (caches and prefetching browsers repeat GETs at will), so
/// a mutation sent with `GET` gets 405 and `Allow: POST`, as GraphQL over HTTP requires.
async fn no_mutations_over_get(request: Request, next: Next) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Params {
        query: String,
        operation_name: Option<String>,
    }
    let Ok(Query(params)) = Query::<Params>::try_from_uri(request.uri()) else {
        return next.run(request).await;
    };
    let Ok(document) = async_graphql::parser::parse_query(&params.query) else {
        return next.run(request).await;
    };
    let is_mutation = match (&document.operations, params.operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => operation.node.ty == OperationType::Mutation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get(name)
            .is_some_and(|operation| operation.node.ty == OperationType::Mutation),
        // Several operations and no name: GraphQL itself refuses that, with its own error.
        (DocumentOperations::Multiple(_), None) => false,
    };
    if !is_mutation {
        return next.run(request).await;
    }
    let body = serde_json::json!({ "errors": [{ "message": "mutations need POST" }] });
    (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")], axum::Json(body)).into_response()
}

/// Largest GraphQL answer [`media_types`] reads to tell a request error from a result; request
/// errors are short, results longer than this pass untouched.
const REQUEST_ERROR_PEEK: usize = 16 * 1024;

/// What GraphQL over HTTP asks of media types, where async-graphql-axum differs:
///
/// - the answer is `application/json` unless the client accepts
///   `application/graphql-response+json` (async-graphql-axum always says the latter);
/// - with `application/graphql-response+json`, a request that never executed (it did not
///   parse, failed validation, or had bad variables) gets 400 and no `data`;
/// - a `POST` whose body is not declared `application/json` gets 415 instead of being guessed
///   at (async-graphql-axum would also take multipart uploads and `application/graphql`, which
///   this schema has no use for).
async fn media_types(request: Request, next: Next) -> Response {
    let accepts_graphql_response = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("application/graphql-response+json"));
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().starts_with("application/json"));
    if request.method() == axum::http::Method::POST && !is_json {
        let message = "Content-Type must be application/json";
        let body = serde_json::json!({ "errors": [{ "message": message }] });
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, axum::Json(body)).into_response();
    }
    let response = next.run(request).await;
    let is_graphql_answer = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/graphql-response+json"));
    if !is_graphql_answer {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let media_type = if accepts_graphql_response {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    let short = axum::body::HttpBody::size_hint(&body)
        .upper()
        .is_some_and(|length| length <= REQUEST_ERROR_PEEK as u64);
    if !(accepts_graphql_response && short && parts.status == StatusCode::OK) {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_ERROR_PEEK).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the answer could not be read").into_response();
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        // A request error: errors, no data, and no error points into data (has no `path`).
        Ok(serde_json::Value::Object(mut answer))
            if answer.get("data").is_none_or(serde_json::Value::is_null)
                && answer.get("errors").and_then(|e| e.as_array()).is_some_and(|errors| {
                    !errors.is_empty() && errors.iter().all(|error| error.get("path").is_none())
                }) =>
        {
            answer.remove("data");
            parts.status = StatusCode::BAD_REQUEST;
            parts.headers.remove(header::CONTENT_LENGTH);
            let body = serde_json::to_vec(&answer).unwrap_or_default();
            Response::from_parts(parts, axum::body::Body::from(body))
        }
        _ => Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}

/// Error answers made by the transport rather than by GraphQL (body too large, timeout, not a
/// JSON body, wrong method) get a GraphQL-shaped body too: `{"errors":[{"message":…}]}`.
async fn graphql_error_bodies<B>(response: axum::http::Response<B>) -> Response
where
    axum::http::Response<B>: IntoResponse,
{
    let response = response.into_response();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let is_json = content_type
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json") || value.contains("graphql"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let message = match status {
        StatusCode::REQUEST_TIMEOUT => "the request did not complete in time".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than allowed".to_owned(),
        _ if !text.trim().is_empty() => text.trim().to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let body = serde_json::json!({ "errors": [{ "message": message }] });
    let mut answer = (status, axum::Json(body)).into_response();
    // Keep headers such as `Allow`; the new body brings its own length and type.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    answer
}

/// Serves the schema over `backend` on `listener` until `shutdown` completes, then ends
/// subscription sessions, lets requests in flight finish (up to `config.shutdown_grace`) and
/// returns.
pub async fn serve(
    listener: TcpListener,
    backend: Backend,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    let schema = schema::build(backend, &config.limits, config.batch_delay);
    let app = router(schema, &config, stop.clone(), tasks.clone());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        // A larger request head gets 431 (hyper's default lets it grow to ~400 KiB).
        .max_header_size(32 * 1024)
        .half_close(true);
    let connection_slots = Arc::new(Semaphore::new(config.max_connections));
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
        // `with_upgrades` lets `/graphql/ws` take the connection over.
        let connection = http.serve_connection(TokioIo::new(stream), service).with_upgrades();
        let stop = stop.clone();
        tasks.spawn(async move {
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stop.cancelled() => {
                    // Finish the request in progress, then close the connection.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                debug!(%peer, %error, "connection closed");
            }
            drop(slot);
        });
    }

    drop(listener);
    info!("shutting down: finishing {} open connection(s)", tasks.len());
    stop.cancel();
    tasks.close();
    if tokio::time::timeout(config.shutdown_grace, tasks.wait()).await.is_err() {
        warn!("shutdown grace period over; no longer waiting for the remaining connections");
    }
    Ok(())
}

/// A convenience for the tour and the benchmark: binds `addr`, then serves the sample data on
/// it in a background task until `shutdown` completes.
pub async fn spawn(
    addr: SocketAddr,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = common::runtime::bind(addr)?;
    let local = listener.local_addr()?;
    let server = serve(listener, Backend::sample(), config, shutdown);
    Ok((local, tokio::spawn(server)))
}
