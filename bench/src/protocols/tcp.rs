//! The `tcp` example: `tcp::server` on the server runtime, `tcp::client::Client::echo` as the
//! round trip (one line out, one line back); throughput from the line generator, lines
//! pipelined.

use super::generator::TCP_CONNECTIONS;
use super::{Job, Kind, Load, job};
use crate::harness::{self, Measurement, Settings};
use crate::load::{self, IN_FLIGHT};
use std::net::SocketAddr;
use tcp::client::Client;
use tcp::server::{self, Config};

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
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

/// The line generator: `ECHO` lines pipelined over a few connections, every answer checked.
pub async fn pipelined(settings: &Settings) -> anyhow::Result<Measurement> {
    let line = format!("ECHO {}", settings.payload_text());
    load::tcp_lines(settings, start(settings).await?, TCP_CONNECTIONS, &line, &line).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Pipelined, Sequential};
    let rate = settings.rate;
    let pipelined_lines = format!(
        "ECHO lines, {TCP_CONNECTIONS} connections × {} in flight",
        IN_FLIGHT / TCP_CONNECTIONS
    );
    vec![
        job("tcp", "ECHO line", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("tcp", format!("ECHO line @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("tcp", pipelined_lines, Pipelined, wire_bytes, |s| Box::pin(pipelined(s)))
            .loaded_by(Load::TcpLines),
    ]
}
