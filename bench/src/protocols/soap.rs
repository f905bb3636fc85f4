//! The `soap` example: `soap::server` on the server runtime, `SoapClient::get_user` as the
//! round trip (one HTTP POST of a `GetUser` envelope, a `GetUserResponse` envelope back).

use super::{Job, Kind, Load, job};
use crate::harness::{self, Measurement, Settings};
use crate::load::{self, HttpCall, IN_FLIGHT};
use soap::Request;
use soap::client::SoapClient;
use soap::server::{self, Config};
use std::net::SocketAddr;

/// The `GetUser` envelope the client posts (the HTTP head not counted, as for jsonrpc).
pub fn wire_bytes(_: &Settings) -> usize {
    Request::GetUser { id: 1 }.to_envelope().len()
}

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let addr = "127.0.0.1:0".parse()?;
        let (addr, _server) =
            server::spawn(addr, Config::default(), std::future::pending()).await?;
        anyhow::Ok(addr)
    });
    spawned.await?
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let client = SoapClient::new(start(settings).await?)?;
    let round_trip = async || {
        client.get_user(1).await?;
        Ok(())
    };
    harness::latency(settings, open_loop, round_trip).await
}

/// The HTTP/1.1 load generator posting the `GetUser` envelope.
pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let envelope = Request::GetUser { id: 1 }.to_envelope();
    let call = HttpCall::post(soap::PATH, "text/xml; charset=utf-8", envelope, "Ada Lovelace");
    load::http1(settings, start(settings).await?, &call).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = IN_FLIGHT;
    let rate = settings.rate;
    vec![
        job("soap", "GetUser", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("soap", format!("GetUser @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("soap", format!("GetUser, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        })
        .loaded_by(Load::Http1),
    ]
}
