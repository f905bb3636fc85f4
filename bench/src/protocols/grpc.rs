//! The `grpc` example: `grpc::server` on the server runtime; `UserClient::get_user` as the
//! unary round trip, and `UserClient::lookup_users` for streaming (one call, ids streamed in,
//! users streamed back). Unary throughput comes from a load generator on tonic's generated
//! client, measured against a trivial tonic service too (its ceiling).

use super::{Job, Kind, Load, job};
use crate::harness::{self, Measurement, Settings, Window};
use crate::load::IN_FLIGHT;
use common::UserStore;
use futures_util::StreamExt;
use grpc::client::UserClient;
use grpc::pb::user_service_client::UserServiceClient;
use grpc::pb::user_service_server::{UserService, UserServiceServer};
use grpc::pb::{
    CreateUserRequest, GetUserRequest, ImportUsersResponse, ListUsersRequest, LookupUsersResponse,
    User,
};
use grpc::server::{Config, serve};
use std::net::SocketAddr;
use tokio::time::Instant;
use tonic::transport::{Endpoint, Server};
use tonic::{Request, Response, Status, Streaming};

/// `GetUserRequest { id: 1 }`: the 5-byte gRPC prefix plus 2 bytes of protobuf.
pub fn wire_bytes(_: &Settings) -> usize {
    7
}

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let listener = common::runtime::bind(super::LOOPBACK)?;
        let addr = listener.local_addr()?;
        let config = Config::new(UserStore::with_sample_users());
        tokio::spawn(serve(listener, config, std::future::pending()));
        anyhow::Ok(addr)
    });
    spawned.await?
}

pub async fn unary_latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let mut client = UserClient::connect(start(settings).await?, None).await?;
    let round_trip = async || {
        client.get_user(1).await?;
        Ok(())
    };
    harness::latency(settings, open_loop, round_trip).await
}

/// The load generator: [`IN_FLIGHT`] unary `GetUser` calls at once on one HTTP/2 connection,
/// each caller a clone of tonic's generated client (the clones share the connection, each
/// call is a stream of its own). Every answer must be user 1.
async fn unary_load(settings: &Settings, addr: SocketAddr) -> anyhow::Result<Measurement> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))?.connect().await?;
    let client = UserServiceClient::new(channel);
    let window = Window::start(settings);
    let callers = (0..IN_FLIGHT).map(|_| {
        let mut client = client.clone();
        async move {
            let mut done = 0u64;
            while let Some(counted) = window.counts(Instant::now()) {
                let user = client.get_user(GetUserRequest { id: 1 }).await?.into_inner();
                anyhow::ensure!(user.name == "Ada Lovelace", "expected user 1, got {user:?}");
                done += u64::from(counted);
            }
            anyhow::Ok(done)
        }
    });
    let counts = futures_util::future::try_join_all(callers).await?;
    Ok(Measurement::Throughput { operations: counts.iter().sum(), elapsed: settings.duration })
}

pub async fn unary_throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    unary_load(settings, start(settings).await?).await
}

/// The generator against [`Trivial`], a bare tonic server: its ceiling.
pub async fn generator_ceiling(settings: &Settings) -> anyhow::Result<Measurement> {
    let spawned = settings.server.spawn(async {
        let listener = common::runtime::bind(super::LOOPBACK)?;
        let addr = listener.local_addr()?;
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        let router = Server::builder().add_service(UserServiceServer::new(Trivial));
        tokio::spawn(router.serve_with_incoming(incoming));
        anyhow::Ok(addr)
    });
    unary_load(settings, spawned.await??).await
}

/// `GetUser` answered with a constant user and nothing else: no store, no limits, no auth.
struct Trivial;

type Unimplemented<T> = futures_util::stream::BoxStream<'static, Result<T, Status>>;

#[tonic::async_trait]
impl UserService for Trivial {
    async fn get_user(&self, _: Request<GetUserRequest>) -> Result<Response<User>, Status> {
        let user = User { id: 1, name: "Ada Lovelace".into(), email: "ada@example.com".into() };
        Ok(Response::new(user))
    }

    async fn create_user(&self, _: Request<CreateUserRequest>) -> Result<Response<User>, Status> {
        Err(Status::unimplemented("not in the bench"))
    }

    type ListUsersStream = Unimplemented<User>;

    async fn list_users(
        &self,
        _: Request<ListUsersRequest>,
    ) -> Result<Response<Self::ListUsersStream>, Status> {
        Err(Status::unimplemented("not in the bench"))
    }

    async fn import_users(
        &self,
        _: Request<Streaming<CreateUserRequest>>,
    ) -> Result<Response<ImportUsersResponse>, Status> {
        Err(Status::unimplemented("not in the bench"))
    }

    type LookupUsersStream = Unimplemented<LookupUsersResponse>;

    async fn lookup_users(
        &self,
        _: Request<Streaming<GetUserRequest>>,
    ) -> Result<Response<Self::LookupUsersStream>, Status> {
        Err(Status::unimplemented("not in the bench"))
    }
}

/// One bidirectional call: ids flow in as fast as HTTP/2 flow control allows, users flow back;
/// the answers received during the measured window are counted.
pub async fn streaming_throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let mut client = UserClient::connect(start(settings).await?, None).await?;
    let ids = futures_util::stream::repeat(1u64);
    let mut answers = client.lookup_users(ids).await?;
    let window = Window::start(settings);
    let mut operations = 0u64;
    while let Some(answer) = answers.next().await {
        let (_, user) = answer?;
        anyhow::ensure!(user.is_some(), "user 1 exists");
        let Some(counted) = window.counts(Instant::now()) else { break };
        operations += u64::from(counted);
    }
    // Dropping the response stream cancels the call.
    Ok(Measurement::Throughput { operations, elapsed: settings.duration })
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Pipelined, Sequential};
    let rate = settings.rate;
    vec![
        job("grpc", "unary GetUser", Sequential, wire_bytes, |s| Box::pin(unary_latency(s, false))),
        job("grpc", format!("unary GetUser @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(unary_latency(s, true))
        }),
        job("grpc", format!("unary GetUser, {IN_FLIGHT} streams"), Pipelined, wire_bytes, |s| {
            Box::pin(unary_throughput(s))
        })
        .loaded_by(Load::GrpcUnary),
        job("grpc", "streaming LookupUsers, 1 call", Pipelined, wire_bytes, |s| {
            Box::pin(streaming_throughput(s))
        }),
    ]
}
