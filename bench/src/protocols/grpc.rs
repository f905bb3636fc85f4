//! The `grpc` example: `grpc::server` on the server runtime; `UserClient::get_user` as the
//! unary round trip, and `UserClient::lookup_users` for streaming (one call, ids streamed in,
//! users streamed back).

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use common::UserStore;
use futures_util::StreamExt;
use grpc::client::UserClient;
use grpc::server::{Config, serve};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::time::Instant;

/// `GetUserRequest { id: 1 }`: the 5-byte gRPC prefix plus 2 bytes of protobuf.
pub fn wire_bytes(_: &Settings) -> usize {
    7
}

async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
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

/// Concurrent unary callers, each on its own connection.
pub async fn unary_throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let addr = start(settings).await?;
    let mut clients = Vec::new();
    for _ in 0..settings.connections {
        clients.push(UserClient::connect(addr, None).await?);
    }
    harness::throughput(settings, clients, async |client| {
        client.get_user(1).await?;
        Ok(())
    })
    .await
}

/// One bidirectional call: ids flow in as fast as HTTP/2 flow control allows, users flow back;
/// the answers received during the measured window are counted.
pub async fn streaming_throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let mut client = UserClient::connect(start(settings).await?, None).await?;
    let ids = futures_util::stream::repeat(1u64);
    let mut answers = client.lookup_users(ids).await?;
    let measure_from = Instant::now() + settings.warmup;
    let stop_at = measure_from + settings.duration;
    let mut operations = 0u64;
    while let Some(answer) = answers.next().await {
        let (_, user) = answer?;
        anyhow::ensure!(user.is_some(), "user 1 exists");
        let now = Instant::now();
        if now >= stop_at {
            break;
        }
        operations += u64::from(now >= measure_from);
    }
    // Dropping the response stream cancels the call.
    Ok(Measurement::Throughput { operations, elapsed: settings.duration })
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Pipelined, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    vec![
        job("grpc", "unary GetUser", Sequential, wire_bytes, |s| Box::pin(unary_latency(s, false))),
        job("grpc", format!("unary GetUser @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(unary_latency(s, true))
        }),
        job("grpc", format!("unary GetUser, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(unary_throughput(s))
        }),
        job("grpc", "streaming LookupUsers, 1 call", Pipelined, wire_bytes, |s| {
            Box::pin(streaming_throughput(s))
        }),
    ]
}
