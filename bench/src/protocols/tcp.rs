//! The `tcp` example: `tcp::server` on the server runtime, `tcp::client::Client::echo` as the
//! round trip (one line out, one line back).

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use std::net::SocketAddr;
use tcp::client::Client;
use tcp::server::{self, Config};

async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let (addr, _server) =
            server::spawn("127.0.0.1:0".parse()?, Config::default(), std::future::pending())
                .await?;
        anyhow::Ok(addr)
    });
    spawned.await?
}

/// `ECHO <payload>\r\n`: the request's size on the wire.
pub fn wire_bytes(settings: &Settings) -> usize {
    "ECHO ".len() + settings.payload + 2
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let mut client = Client::connect(start(settings).await?).await?;
    let text = settings.payload_text();
    let round_trip = async || {
        client.echo(&text).await?;
        Ok(())
    };
    harness::latency(settings, open_loop, round_trip).await
}

pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let addr = start(settings).await?;
    let mut clients = Vec::new();
    for _ in 0..settings.connections {
        clients.push(Client::connect(addr).await?);
    }
    let text = settings.payload_text();
    harness::throughput(settings, clients, async |client: &mut Client| {
        client.echo(&text).await?;
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
        job("tcp", "ECHO line", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("tcp", format!("ECHO line @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("tcp", format!("ECHO line, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        }),
    ]
}
