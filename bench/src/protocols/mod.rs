//! Every scenario the benchmark runs, one module per example crate plus the floor.
//!
//! Adding a protocol is its module here and one entry in [`ALL`]: the module's
//! `jobs(settings)` lists its scenarios.

mod amqp;
mod floor;
mod graphql;
mod grpc;
mod ice;
mod jsonrpc;
mod kafka;
mod mqtt;
mod pyro;
mod remote_objects;
mod rest;
mod soap;
mod tcp;
mod udp;
mod websocket;
mod xmlrpc;

use crate::harness::{Measurement, Settings};
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
    pub run: Run,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.protocol, self.scenario)
    }
}

/// Every protocol's scenarios, floor first (the others are compared with it).
pub const ALL: &[(&str, Jobs)] = &[
    ("floor", floor::jobs),
    ("udp", udp::jobs),
    ("tcp", tcp::jobs),
    ("jsonrpc", jsonrpc::jobs),
    ("xmlrpc", xmlrpc::jobs),
    ("rest", rest::jobs),
    ("soap", soap::jobs),
    ("websocket", websocket::jobs),
    ("graphql", graphql::jobs),
    ("grpc", grpc::jobs),
    ("ice", ice::jobs),
    ("pyro", pyro::jobs),
    ("remote-objects", remote_objects::jobs),
    ("amqp", amqp::jobs),
    ("kafka", kafka::jobs),
    ("mqtt", mqtt::jobs),
];

/// The protocols `--only` accepts (the floor is always measured).
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|(name, _)| *name).filter(|name| *name != "floor").collect()
}

/// A protocol module's list of scenarios.
type Jobs = fn(&Settings) -> Vec<Job>;

type Run = for<'a> fn(&'a Settings) -> LocalBoxFuture<'a, anyhow::Result<Measurement>>;

/// A scenario: which protocol, what it does, how it is compared, and how to run it.
pub fn job(
    protocol: &'static str,
    scenario: impl Into<String>,
    kind: Kind,
    wire_bytes: fn(&Settings) -> usize,
    run: Run,
) -> Job {
    Job { protocol, scenario: scenario.into(), kind, wire_bytes, run }
}

/// The selected protocols' jobs, floor first.
pub fn jobs(settings: &Settings, only: &[String]) -> Vec<Job> {
    ALL.iter()
        .filter(|(name, _)| *name == "floor" || only.is_empty() || only.iter().any(|o| o == name))
        .flat_map(|(_, jobs)| jobs(settings))
        .collect()
}
