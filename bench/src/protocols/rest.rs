//! The `rest` example: `rest::server` on the server runtime, `RestClient::get_user` as the round
//! trip (`GET /users/1`). Throughput comes from the HTTP/1.1 load generator, against the example
//! and against a bare hyper server answering the same request with the same JSON, so the table
//! shows what axum and the example's layers cost.

use super::generator::USER_1;
use super::{Job, Kind, Load, job};
use crate::harness::{self, Measurement, Settings};
use crate::load::{self, HttpCall, IN_FLIGHT};
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rest::client::RestClient;
use rest::server::{self, Config};
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// What reqwest sends for `GET /users/1`.
pub fn wire_bytes(_: &Settings) -> usize {
    "GET /users/1 HTTP/1.1\r\naccept: */*\r\nhost: 127.0.0.1:3000\r\n\r\n".len()
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
    let client = RestClient::new(start(settings).await?)?;
    let round_trip = async || {
        client.get_user(1).await?;
        Ok(())
    };
    if open_loop {
        harness::open_loop(settings, round_trip).await
    } else {
        harness::closed_loop(settings, round_trip).await
    }
}

/// What the load generator asks: `GET /users/1`, answered with user 1.
fn get_user_1() -> HttpCall {
    HttpCall::get("/users/1", "Ada Lovelace")
}

pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    load::http1(settings, start(settings).await?, &get_user_1()).await
}

/// The same load against hyper alone: every request gets user 1 as `application/json`.
pub async fn bare_hyper_throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    load::http1(settings, start_bare_hyper(settings).await?, &get_user_1()).await
}

/// A hyper server with no router and no layers, on the server runtime.
pub async fn start_bare_hyper(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let listener = common::runtime::bind(super::LOOPBACK)?;
        let addr = listener.local_addr()?;
        tokio::spawn(bare_hyper(listener));
        anyhow::Ok(addr)
    });
    spawned.await?
}

async fn bare_hyper(listener: TcpListener) {
    let user = Bytes::from_static(USER_1.as_bytes());
    while let Ok((stream, _)) = listener.accept().await {
        let user = user.clone();
        let service = service_fn(move |_: Request<hyper::body::Incoming>| {
            let response = Response::builder()
                .header("content-type", "application/json")
                .body(Full::new(user.clone()));
            async move { response }
        });
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let io = TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
        });
    }
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = IN_FLIGHT;
    let rate = settings.rate;
    vec![
        job("rest", "GET /users/1", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("rest", format!("GET /users/1 @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("rest", format!("GET /users/1, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        })
        .loaded_by(Load::Http1),
        job(
            "rest",
            format!("bare hyper, same request, {n} connections"),
            Throughput,
            wire_bytes,
            |s| Box::pin(bare_hyper_throughput(s)),
        )
        .loaded_by(Load::Http1),
    ]
}
