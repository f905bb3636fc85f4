//! The `ice` example: `ice::server` on the server runtime, `DirectoryPrx::get_user(1)` as the
//! round trip (one Ice request message out, one reply back, on one connection).

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use ice::client::DirectoryPrx;
use ice::directory::{Call, OBJECT_NAME};
use ice::message::{Identity, Message};
use ice::server::{self, Config};
use std::net::SocketAddr;

/// `getUser(1)`'s request message, header included: 46 bytes.
pub fn wire_bytes(_: &Settings) -> usize {
    let request = Call::GetUser { id: 1 }.request(1, &Identity::new(OBJECT_NAME));
    Message::Request(request).to_bytes().len()
}

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let (addr, _server) =
            server::spawn("127.0.0.1:0".parse()?, Config::default(), std::future::pending())
                .await?;
        anyhow::Ok(addr)
    });
    spawned.await?
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let mut directory = DirectoryPrx::connect(start(settings).await?).await?;
    let round_trip = async || {
        directory.get_user(1).await?;
        Ok(())
    };
    harness::latency(settings, open_loop, round_trip).await
}

pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let addr = start(settings).await?;
    let mut clients = Vec::new();
    for _ in 0..settings.connections {
        clients.push(DirectoryPrx::connect(addr).await?);
    }
    harness::throughput(settings, clients, async |directory: &mut DirectoryPrx| {
        directory.get_user(1).await?;
        Ok(())
    })
    .await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    vec![
        job("ice", "getUser", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("ice", format!("getUser @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("ice", format!("getUser, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        }),
    ]
}
