//! The `graphql` example: `graphql::server` on the server runtime, `GraphqlClient::user` as the
//! round trip (`POST /graphql` with `query User($id: ID!) { user(id: $id) { id name email } }`),
//! measured like `rest`'s `GET /users/1`, so the two rows show what the GraphQL layer costs.

use super::{Job, Kind, Load, job};
use crate::harness::{self, Measurement, Settings};
use crate::load::{self, HttpCall, IN_FLIGHT};
use graphql::client::{GraphqlClient, USER_QUERY};
use graphql::server::{self, Config};
use std::net::SocketAddr;

/// What reqwest sends for one `user(id: 1)` query: the request head and the JSON body.
pub fn wire_bytes(_: &Settings) -> usize {
    let body = format!("{{\"query\":\"{USER_QUERY}\",\"variables\":{{\"id\":\"1\"}}}}");
    let head = format!(
        "POST /graphql HTTP/1.1\r\naccept: application/graphql-response+json, application/json\r\n\
         content-type: application/json\r\nhost: 127.0.0.1:4000\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    head.len() + body.len()
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
    let client = GraphqlClient::new(start(settings).await?)?;
    let round_trip = async || {
        client.user(1).await?;
        Ok(())
    };
    if open_loop {
        harness::open_loop(settings, round_trip).await
    } else {
        harness::closed_loop(settings, round_trip).await
    }
}

/// The HTTP/1.1 load generator posting the `user(id: 1)` query.
pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let body = format!("{{\"query\":\"{USER_QUERY}\",\"variables\":{{\"id\":\"1\"}}}}");
    let call = HttpCall::post(graphql::HTTP_PATH, "application/json", body, "Ada Lovelace")
        .with_header("accept", "application/graphql-response+json, application/json");
    load::http1(settings, start(settings).await?, &call).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = IN_FLIGHT;
    let rate = settings.rate;
    vec![
        job("graphql", "query user(id: 1)", Sequential, wire_bytes, |s| {
            Box::pin(latency(s, false))
        }),
        job("graphql", format!("query user(id: 1) @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job(
            "graphql",
            format!("query user(id: 1), {n} connections"),
            Throughput,
            wire_bytes,
            |s| Box::pin(throughput(s)),
        )
        .loaded_by(Load::Http1),
    ]
}
