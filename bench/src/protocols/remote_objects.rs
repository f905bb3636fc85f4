//! The `remote-objects` example: the naming service and the object server on the server
//! runtime; the client looks `example.users` up once, then the round trip is the tarpc
//! proxy's `get_user(1)` (one JSON frame each way on an open TCP connection).

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use common::UserStore;
use remote_objects::names::{self, Registrations, Registry};
use remote_objects::server::Config;
use remote_objects::{
    CancellationToken, DirectoryClient, DirectoryRequest, USERS, client, objects,
};
use std::net::{Ipv4Addr, SocketAddr};

pub fn wire_bytes(_: &Settings) -> usize {
    remote_objects::transport::request_frame_bytes(DirectoryRequest::GetUser { id: 1 })
}

/// Starts the naming service and the objects, registered; returns the naming service's
/// address. They run until the benchmark process ends.
pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let stop = CancellationToken::new();
        let listener = common::runtime::bind(super::LOOPBACK)?;
        let names_addr = listener.local_addr()?;
        let registry = Registry::new(names::Config::default());
        tokio::spawn(names::serve(listener, registry, Config::default(), std::future::pending()));
        let ip = Ipv4Addr::LOCALHOST.into();
        let objects =
            objects::spawn(ip, UserStore::with_sample_users(), Config::default(), stop).await?;
        let registrations = Registrations::register(names_addr, objects.registrations()).await?;
        tokio::spawn(registrations.keep(std::future::pending()));
        anyhow::Ok(names_addr)
    });
    spawned.await?
}

async fn connect(names_addr: SocketAddr) -> anyhow::Result<DirectoryClient> {
    let names = client::names(names_addr).await?;
    client::directory(&names, USERS).await
}

async fn get_user(users: &DirectoryClient) -> anyhow::Result<()> {
    users.get_user(client::context(), 1).await??;
    Ok(())
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let users = connect(start(settings).await?).await?;
    harness::latency(settings, open_loop, async || get_user(&users).await).await
}

pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let names_addr = start(settings).await?;
    let mut clients = Vec::with_capacity(settings.connections);
    for _ in 0..settings.connections {
        clients.push(connect(names_addr).await?);
    }
    harness::throughput(settings, clients, async |users| get_user(users).await).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    vec![
        job("remote-objects", "get_user", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("remote-objects", format!("get_user @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("remote-objects", format!("get_user, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        }),
    ]
}
