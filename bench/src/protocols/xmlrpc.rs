//! The `xmlrpc` example: `xmlrpc::server` on the server runtime, `xmlrpc::client::Client`'s
//! `users.get` as the round trip (one HTTP POST each), beside jsonrpc's rows.

use super::{Job, Kind, Load, job};
use crate::harness::{self, Measurement, Settings};
use crate::load::{self, HttpCall, IN_FLIGHT};
use std::net::SocketAddr;
use xmlrpc::client::Client;
use xmlrpc::server::{Config, spawn};

/// The `<methodCall>` the client posts for `users.get(1)`.
pub fn wire_bytes(_: &Settings) -> usize {
    Client::document("users.get", vec![xmlrpc::dxr::Value::Integer(1)]).map_or(0, |doc| doc.len())
}

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let (addr, _server) =
            spawn(([127, 0, 0, 1], 0).into(), Config::default(), std::future::pending()).await?;
        anyhow::Ok(addr)
    });
    spawned.await?
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let client = Client::new(start(settings).await?)?;
    let round_trip = async || {
        client.get_user(1).await?;
        Ok(())
    };
    harness::latency(settings, open_loop, round_trip).await
}

/// The HTTP/1.1 load generator posting the `users.get(1)` call.
pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let document = Client::document("users.get", vec![xmlrpc::dxr::Value::Integer(1)])?;
    let call = HttpCall::post(xmlrpc::PATH, "text/xml", document, "Ada Lovelace");
    load::http1(settings, start(settings).await?, &call).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = IN_FLIGHT;
    let rate = settings.rate;
    vec![
        job("xmlrpc", "users.get", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("xmlrpc", format!("users.get @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("xmlrpc", format!("users.get, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        })
        .loaded_by(Load::Http1),
    ]
}
