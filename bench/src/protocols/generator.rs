//! The load generators' own ceilings: each generator of `load.rs` (and gRPC's in `grpc.rs`)
//! against a server that does next to nothing, on the same server runtime. A protocol's
//! throughput row well below its generator's ceiling is limited by the server, not by the load.

use super::{Job, Kind, Load, job};
use crate::harness::{Measurement, Settings};
use crate::load::{self, HttpCall, IN_FLIGHT};
use tokio::net::TcpListener;

/// The JSON of user 1, as the REST example answers it.
pub const USER_1: &str = r#"{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}"#;

/// Connections of the TCP line generator (each with `IN_FLIGHT / TCP_CONNECTIONS` lines in flight).
pub const TCP_CONNECTIONS: usize = 4;

async fn listen_on_server(
    settings: &Settings,
    serve: fn(TcpListener) -> futures_util::future::BoxFuture<'static, ()>,
) -> anyhow::Result<std::net::SocketAddr> {
    let spawned = settings.server.spawn(async move {
        let listener = common::runtime::bind(super::LOOPBACK)?;
        let addr = listener.local_addr()?;
        tokio::spawn(serve(listener));
        anyhow::Ok(addr)
    });
    spawned.await?
}

async fn http_ceiling(settings: &Settings) -> anyhow::Result<Measurement> {
    let addr = listen_on_server(settings, |l| Box::pin(load::canned_http(l, USER_1))).await?;
    load::http1(settings, addr, &HttpCall::get("/users/1", "Ada Lovelace")).await
}

async fn tcp_ceiling(settings: &Settings) -> anyhow::Result<Measurement> {
    let addr = listen_on_server(settings, |l| Box::pin(load::plain_echo(l))).await?;
    let line = format!("ECHO {}", settings.payload_text());
    load::tcp_lines(settings, addr, TCP_CONNECTIONS, &line, &line).await
}

/// This module's rows: one ceiling per generator.
pub fn jobs(_: &Settings) -> Vec<Job> {
    use Kind::{Pipelined, Throughput};
    let http = format!("HTTP/1.1 GET → canned 200 OK, {IN_FLIGHT} connections");
    let tcp = format!(
        "TCP lines → plain echo, {TCP_CONNECTIONS} connections × {}",
        IN_FLIGHT / TCP_CONNECTIONS
    );
    let grpc = format!("gRPC unary → trivial service, {IN_FLIGHT} streams");
    vec![
        job("generator", http, Throughput, super::rest::wire_bytes, |s| Box::pin(http_ceiling(s)))
            .loaded_by(Load::Http1),
        job("generator", tcp, Pipelined, super::tcp::wire_bytes, |s| Box::pin(tcp_ceiling(s)))
            .loaded_by(Load::TcpLines),
        job("generator", grpc, Pipelined, super::grpc::wire_bytes, |s| {
            Box::pin(super::grpc::generator_ceiling(s))
        })
        .loaded_by(Load::GrpcUnary),
    ]
}
