//! The server: `UserService` over the shared [`UserStore`], plus the standard health
//! (`grpc.health.v1`) and reflection (`grpc.reflection.v1` and `v1alpha`) services, all on one
//! port. Only `UserService` sits behind the bearer token: health checks and reflection stay
//! open, as load balancers and tools expect.

use crate::auth::RequireBearer;
use crate::connections::{self, Limits as ConnectionLimits};
use crate::pb::user_service_server::{UserService, UserServiceServer};
use crate::pb::{
    self, CreateUserRequest, GetUserRequest, ImportUsersResponse, ListUsersRequest,
    LookupUsersResponse,
};
use crate::{MAX_MESSAGE_BYTES, deadline, status};
use common::UserStore;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use streaming::{CallLimits, ResponseStream, Responses, Stop};
use tokio::net::TcpListener;
use tokio::time::sleep;
use tokio_util::sync::CancellationToken;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic::{Request, Response, Status, Streaming, metadata::MetadataMap};
use tracing::{debug, info, warn};

mod streaming;

/// The longest a unary or client-streaming call may run when the client sets no deadline.
pub const MAX_CALL_TIME: Duration = Duration::from_secs(60);
/// How long shutdown waits for calls in flight before closing anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Streams allowed at once on one connection.
pub const MAX_STREAMS_PER_CONNECTION: u32 = 128;
/// Users read from the store at a time while streaming, so its lock is held only briefly.
const PAGE_SIZE: usize = 64;

/// What the server serves and how.
#[derive(Debug)]
pub struct Config {
    pub store: UserStore,
    /// The bearer token every `UserService` call must carry; `None` turns the check off.
    pub token: Option<String>,
    /// What the server noticed; keep a clone of the `Arc` to read it while it runs.
    pub stats: Arc<Stats>,
    /// Holds back every `GetUser` answer and the start of every `ListUsers` stream this long:
    /// a slow server on demand, to watch a client's deadline expire. Zero (the default) in
    /// anything but a demo.
    pub delay: Duration,
    /// Connection cap, handshake and idle timeouts.
    pub limits: ConnectionLimits,
}

impl Config {
    /// Serves `store` with auth off.
    pub fn new(store: UserStore) -> Self {
        Self {
            store,
            token: None,
            stats: Arc::default(),
            delay: Duration::ZERO,
            limits: ConnectionLimits::default(),
        }
    }
}

/// Counters of what peers did to the server.
#[derive(Debug, Default)]
pub struct Stats {
    cancelled_calls: AtomicU64,
}

impl Stats {
    /// Response streams (ListUsers, LookupUsers) the client cancelled before their end.
    pub fn cancelled_calls(&self) -> u64 {
        self.cancelled_calls.load(Ordering::Relaxed)
    }

    fn count_cancelled_call(&self) {
        self.cancelled_calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// Serves until `shutdown` completes, then stops accepting, reports NOT_SERVING, ends open
/// streams with UNAVAILABLE and waits (at most [`SHUTDOWN_GRACE`]) for calls in flight.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let stopping = CancellationToken::new();
    let api = UserApi {
        store: config.store,
        stats: config.stats,
        stopping: stopping.clone(),
        delay: config.delay,
    };

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<UserServiceServer<UserApi>>().await;

    // Reflection in both versions: v1 for current tools, v1alpha for older grpcurl and clients.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    // Fails only if the compiled-in descriptors were broken: a bug, reported as any other error.
    let reflection_v1 = reflection().build_v1().map_err(std::io::Error::other)?;
    let reflection_v1alpha = reflection().build_v1alpha().map_err(std::io::Error::other)?;

    let auth = RequireBearer::new(config.token);
    info!(auth = if auth.is_enabled() { "bearer token required" } else { "off" }, "UserService");
    let users = UserServiceServer::new(api)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let users = InterceptedService::new(users, auth);

    let signal = {
        let stopping = stopping.clone();
        async move {
            shutdown.await;
            info!("shutting down: finishing calls in flight");
            health.set_not_serving::<UserServiceServer<UserApi>>().await;
            stopping.cancel();
        }
    };
    // No new connections once shutdown begins; at most `max_connections` at once.
    let incoming = connections::incoming(listener, config.limits, stopping.clone());
    let server = Server::builder()
        .timeout(MAX_CALL_TIME)
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
        // No keepalive pings: a client's ping answer would keep an idle connection alive
        // forever. A peer that vanished sends nothing, so the idle timeout closes it too.
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(users)
        .serve_with_incoming_shutdown(incoming, signal);

    tokio::select! {
        served = server => served.map_err(std::io::Error::other)?,
        () = async { stopping.cancelled().await; sleep(SHUTDOWN_GRACE).await } => {
            warn!("calls still open {SHUTDOWN_GRACE:?} after shutdown began; closing anyway");
        }
    }
    Ok(())
}

/// The `UserService` handlers. Cloning is cheap: everything inside is shared.
#[derive(Debug, Clone)]
struct UserApi {
    store: UserStore,
    stats: Arc<Stats>,
    stopping: CancellationToken,
    delay: Duration,
}

impl UserApi {
    /// The configured delay (`--delay-ms`), standing in for slow work. Not even a zero sleep
    /// when there is none: tokio rounds every timer up to its next millisecond tick, so
    /// `sleep(Duration::ZERO)` costs up to 1 ms per call (the bench saw 1.3 ms unary p50).
    async fn work(&self) {
        if !self.delay.is_zero() {
            sleep(self.delay).await;
        }
    }
}

#[tonic::async_trait]
impl UserService for UserApi {
    async fn get_user(
        &self,
        request: Request<GetUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let id = request.into_inner().id;
        // tonic drops this handler at the client's deadline, so a delay past it ends here.
        self.work().await;
        let user = self.store.get(id).map_err(|error| status::from_user_error(&error))?;
        Ok(Response::new(user.into()))
    }

    async fn create_user(
        &self,
        request: Request<CreateUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let user = self
            .store
            .create(request.into_inner().into())
            .map_err(|error| status::from_user_error(&error))?;
        debug!(id = user.id, "created user");
        Ok(Response::new(user.into()))
    }

    type ListUsersStream = ResponseStream<pb::User>;

    async fn list_users(
        &self,
        request: Request<ListUsersRequest>,
    ) -> Result<Response<Self::ListUsersStream>, Status> {
        let limits = self.limits(request.metadata());
        // Before the response headers: tonic ends the call at the client's deadline.
        self.work().await;
        let ListUsersRequest { offset, limit } = request.into_inner();
        let limit = if limit == 0 { usize::MAX } else { limit as usize };
        let (mut responses, stream) = streaming::channel("ListUsers", limits, &self.stats);
        // A task of its own produces the stream, so the handler returns it at once.
        let api = self.clone();
        tokio::spawn(async move {
            let produced = api.send_users(offset as usize, limit, &mut responses).await;
            responses.end(produced).await;
        });
        Ok(Response::new(stream))
    }

    async fn import_users(
        &self,
        request: Request<Streaming<CreateUserRequest>>,
    ) -> Result<Response<ImportUsersResponse>, Status> {
        // A client that cancels midway looks like one that finished: tonic ends a cancelled
        // request stream like a complete one. The users that arrived before stay created.
        let limits = self.limits(request.metadata());
        let imported = self.import(request.into_inner(), &limits).await?;
        Ok(Response::new(imported))
    }

    type LookupUsersStream = ResponseStream<LookupUsersResponse>;

    async fn lookup_users(
        &self,
        request: Request<Streaming<GetUserRequest>>,
    ) -> Result<Response<Self::LookupUsersStream>, Status> {
        let limits = self.limits(request.metadata());
        let (mut responses, stream) =
            streaming::channel("LookupUsers", limits.clone(), &self.stats);
        let requests = request.into_inner();
        let api = self.clone();
        tokio::spawn(async move {
            let produced = api.answer_lookups(requests, &limits, &mut responses).await;
            responses.end(produced).await;
        });
        Ok(Response::new(stream))
    }
}

impl UserApi {
    fn limits(&self, metadata: &MetadataMap) -> CallLimits {
        CallLimits::new(deadline::from_metadata(metadata), self.stopping.clone())
    }

    /// Creates users as they arrive, stopping at the first refused one.
    async fn import(
        &self,
        mut requests: Streaming<CreateUserRequest>,
        limits: &CallLimits,
    ) -> Result<ImportUsersResponse, Status> {
        let mut created = 0u32;
        while let Some(new_user) = limits.next_request(&mut requests).await? {
            self.store.create(new_user.into()).map_err(|error| {
                let context = format!("user #{} ({created} created before it)", created + 1);
                status::with_context(&status::from_user_error(&error), &context)
            })?;
            created += 1;
        }
        debug!(created, "imported users");
        Ok(ImportUsersResponse { created })
    }

    /// Produces one ListUsers response stream, a page at a time.
    async fn send_users(
        &self,
        mut offset: usize,
        limit: usize,
        responses: &mut Responses<pb::User>,
    ) -> Result<(), Stop> {
        let mut sent = 0;
        while sent < limit {
            let page = self.store.list(offset, PAGE_SIZE.min(limit - sent));
            if page.is_empty() {
                break; // every user sent
            }
            offset += page.len();
            for user in page {
                responses.send(user.into()).await?;
                sent += 1;
            }
        }
        Ok(())
    }

    /// Answers one LookupUsers call: each id as it arrives, until the client stops sending.
    async fn answer_lookups(
        &self,
        mut requests: Streaming<GetUserRequest>,
        limits: &CallLimits,
        responses: &mut Responses<LookupUsersResponse>,
    ) -> Result<(), Stop> {
        while let Some(GetUserRequest { id }) = limits.next_request(&mut requests).await? {
            let user = self.store.get(id).ok().map(pb::User::from);
            responses.send(LookupUsersResponse { id, user }).await?;
        }
        Ok(())
    }
}
