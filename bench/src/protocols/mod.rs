//! Every scenario the benchmark runs, one module per example crate plus the floor.

mod amqp;
mod floor;
mod grpc;
mod jsonrpc;
mod rest;
mod tcp;
mod udp;
mod websocket;

use crate::harness::{Measurement, Settings};
use ::amqp::producer::ConfirmMode;
use futures_util::future::LocalBoxFuture;

/// What a scenario measures; results are compared with the floor's scenario of the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One client, one request at a time (closed loop).
    Sequential,
    /// One client, requests scheduled at a fixed rate (open loop).
    FixedRate,
    /// Several clients (or a pipeline) at once: operations per second.
    Throughput,
}

/// One named measurement.
pub struct Job {
    pub protocol: &'static str,
    pub scenario: String,
    pub kind: Kind,
    /// Bytes of one request on the wire (application payload plus the protocol's framing).
    pub wire_bytes: fn(&Settings) -> usize,
    pub run: for<'a> fn(&'a Settings) -> LocalBoxFuture<'a, anyhow::Result<Measurement>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.protocol, self.scenario)
    }
}

/// The protocols `--only` accepts.
pub const PROTOCOLS: &[&str] = &["udp", "tcp", "jsonrpc", "rest", "websocket", "grpc", "amqp"];

type Run = for<'a> fn(&'a Settings) -> LocalBoxFuture<'a, anyhow::Result<Measurement>>;

fn job(
    protocol: &'static str,
    scenario: impl Into<String>,
    kind: Kind,
    wire_bytes: fn(&Settings) -> usize,
    run: Run,
) -> Job {
    Job { protocol, scenario: scenario.into(), kind, wire_bytes, run }
}

/// Every job, floor first (the others are compared with it).
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    let payload = |s: &Settings| s.payload;
    vec![
        job("floor", "raw TCP ping-pong", Sequential, payload, |s| {
            Box::pin(floor::latency(s, false))
        }),
        job("floor", format!("raw TCP ping-pong @{rate}/s"), FixedRate, payload, |s| {
            Box::pin(floor::latency(s, true))
        }),
        job("floor", format!("raw TCP ping-pong, {n} connections"), Throughput, payload, |s| {
            Box::pin(floor::throughput(s))
        }),
        job("udp", "reading echo", Sequential, udp::wire_bytes, |s| {
            Box::pin(udp::latency(s, false))
        }),
        job("udp", format!("reading echo @{rate}/s"), FixedRate, udp::wire_bytes, |s| {
            Box::pin(udp::latency(s, true))
        }),
        job("tcp", "ECHO line", Sequential, tcp::wire_bytes, |s| Box::pin(tcp::latency(s, false))),
        job("tcp", format!("ECHO line @{rate}/s"), FixedRate, tcp::wire_bytes, |s| {
            Box::pin(tcp::latency(s, true))
        }),
        job("tcp", format!("ECHO line, {n} connections"), Throughput, tcp::wire_bytes, |s| {
            Box::pin(tcp::throughput(s))
        }),
        job("jsonrpc", "users.get", Sequential, jsonrpc::wire_bytes, |s| {
            Box::pin(jsonrpc::latency(s, false))
        }),
        job("jsonrpc", format!("users.get @{rate}/s"), FixedRate, jsonrpc::wire_bytes, |s| {
            Box::pin(jsonrpc::latency(s, true))
        }),
        job(
            "jsonrpc",
            format!("users.get, {n} connections"),
            Throughput,
            jsonrpc::wire_bytes,
            |s| Box::pin(jsonrpc::throughput(s)),
        ),
        job("rest", "GET /users/1", Sequential, rest::wire_bytes, |s| {
            Box::pin(rest::latency(s, false))
        }),
        job("rest", format!("GET /users/1 @{rate}/s"), FixedRate, rest::wire_bytes, |s| {
            Box::pin(rest::latency(s, true))
        }),
        job("rest", format!("GET /users/1, {n} connections"), Throughput, rest::wire_bytes, |s| {
            Box::pin(rest::throughput(s))
        }),
        job(
            "rest",
            format!("bare hyper, same request, {n} connections"),
            Throughput,
            rest::wire_bytes,
            |s| Box::pin(rest::bare_hyper_throughput(s)),
        ),
        job("websocket", "say → own broadcast", Sequential, websocket::wire_bytes, |s| {
            Box::pin(websocket::latency(s, false))
        }),
        job("websocket", format!("say @{rate}/s"), FixedRate, websocket::wire_bytes, |s| {
            Box::pin(websocket::latency(s, true))
        }),
        job("websocket", "say, pipelined (64 in flight)", Throughput, websocket::wire_bytes, |s| {
            Box::pin(websocket::pipelined(s))
        }),
        job("grpc", "unary GetUser", Sequential, grpc::wire_bytes, |s| {
            Box::pin(grpc::unary_latency(s, false))
        }),
        job("grpc", format!("unary GetUser @{rate}/s"), FixedRate, grpc::wire_bytes, |s| {
            Box::pin(grpc::unary_latency(s, true))
        }),
        job("grpc", format!("unary GetUser, {n} connections"), Throughput, grpc::wire_bytes, |s| {
            Box::pin(grpc::unary_throughput(s))
        }),
        job("grpc", "streaming LookupUsers, 1 call", Throughput, grpc::wire_bytes, |s| {
            Box::pin(grpc::streaming_throughput(s))
        }),
        job("amqp", "order, publish → consume", Sequential, amqp::wire_bytes, |s| {
            Box::pin(amqp::latency(s))
        }),
        job("amqp", "publish, no confirms", Throughput, amqp::wire_bytes, |s| {
            Box::pin(amqp::publish(s, None))
        }),
        job("amqp", "publish, pipelined confirms", Throughput, amqp::wire_bytes, |s| {
            Box::pin(amqp::publish(s, Some(ConfirmMode::default())))
        }),
        job("amqp", "publish, confirm each", Throughput, amqp::wire_bytes, |s| {
            Box::pin(amqp::publish(s, Some(ConfirmMode::OneByOne)))
        }),
        job("amqp", "producer → consumer", Throughput, amqp::wire_bytes, |s| {
            Box::pin(amqp::end_to_end(s))
        }),
    ]
}
