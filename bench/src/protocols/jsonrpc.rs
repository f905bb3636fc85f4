//! The `jsonrpc` example: `jsonrpc::server` on the server runtime, the macro-generated
//! `users.get` call of `jsonrpc::ApiClient` as the round trip (one HTTP POST each).

use super::{Job, Kind, Load, job};
use crate::harness::{self, Measurement, Settings};
use crate::load::{self, HttpCall, IN_FLIGHT};
use common::UserStore;
use jsonrpc::ApiClient;
use jsonrpc::server::{Config, Handlers, serve};
use std::net::SocketAddr;

/// What jsonrpsee's client posts for `users.get [1]`.
const REQUEST: &str = r#"{"jsonrpc":"2.0","id":0,"method":"users.get","params":[1]}"#;

pub fn wire_bytes(_: &Settings) -> usize {
    REQUEST.len()
}

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let listener = common::runtime::bind(super::LOOPBACK)?;
        let addr = listener.local_addr()?;
        let handlers = Handlers::new(UserStore::with_sample_users());
        tokio::spawn(serve(listener, handlers, Config::default(), std::future::pending()));
        anyhow::Ok(addr)
    });
    spawned.await?
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let client = jsonrpc::client::connect(start(settings).await?)?;
    let round_trip = async || {
        client.get_user(1).await?;
        Ok(())
    };
    harness::latency(settings, open_loop, round_trip).await
}

/// The HTTP/1.1 load generator posting `users.get [1]`.
pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let call = HttpCall::post("/", "application/json", REQUEST, "Ada Lovelace");
    load::http1(settings, start(settings).await?, &call).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = IN_FLIGHT;
    let rate = settings.rate;
    vec![
        job("jsonrpc", "users.get", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("jsonrpc", format!("users.get @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("jsonrpc", format!("users.get, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        })
        .loaded_by(Load::Http1),
    ]
}
