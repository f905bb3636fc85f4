//! Every scenario the benchmark runs, one module per example crate plus the floor.
//!
//! Adding a protocol is its module here and one entry in [`ALL`]: the module's
//! `jobs(settings)` lists its scenarios, and the entry says whether it goes through a broker
//! (the charts group by that).

mod amqp;
mod floor;
mod generator;
mod graphql;
mod grpc;
mod ice;
mod jsonrpc;
mod kafka;
mod mqtt;
mod pyro;
mod remote_objects;
pub mod rest;
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
    /// Several clients at once, each one request at a time: operations per second.
    Throughput,
    /// Many requests in flight on one connection or stream: operations per second. Compared
    /// with the floor's [`Kind::Throughput`].
    Pipelined,
}

impl Kind {
    pub fn is_latency(self) -> bool {
        matches!(self, Kind::Sequential | Kind::FixedRate)
    }

    /// The floor kind this kind is compared with.
    pub fn floor_kind(self) -> Kind {
        if self == Kind::Pipelined { Kind::Throughput } else { self }
    }
}

/// How the two sides reach each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Client to server over loopback.
    Direct,
    /// Producer to broker to consumer: two hops and a third process.
    Broker,
}

/// The transport under a scenario; latency is compared with the floor of the same transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

/// One named measurement.
pub struct Job {
    pub protocol: &'static str,
    pub scenario: String,
    pub kind: Kind,
    /// Bytes of one request on the wire (application payload plus the protocol's framing).
    pub wire_bytes: fn(&Settings) -> usize,
    pub run: Run,
    pub via: Via,
    pub transport: Transport,
    /// A floor row that the other rows of its kind and transport are compared with.
    pub reference: bool,
    /// The load generator that drives this row (or, for the generator's own rows, whose
    /// ceiling this is).
    pub load: Option<Load>,
}

/// The load generators of `load.rs` and `grpc.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    Http1,
    TcpLines,
    GrpcUnary,
}

impl Job {
    /// Over UDP instead of TCP.
    pub fn over_udp(self) -> Job {
        Job { transport: Transport::Udp, ..self }
    }

    /// The floor that rows of this kind and transport are compared with.
    pub fn reference(self) -> Job {
        Job { reference: true, ..self }
    }

    /// Driven by `load` (whose ceiling it is, in the generator's own rows).
    pub fn loaded_by(self, load: Load) -> Job {
        Job { load: Some(load), ..self }
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.protocol, self.scenario)
    }
}

/// Every protocol's scenarios, floor first (the others are compared with it).
pub const ALL: &[(&str, Via, Jobs)] = &[
    ("floor", Via::Direct, floor::jobs),
    ("generator", Via::Direct, generator::jobs),
    ("udp", Via::Direct, udp::jobs),
    ("tcp", Via::Direct, tcp::jobs),
    ("jsonrpc", Via::Direct, jsonrpc::jobs),
    ("xmlrpc", Via::Direct, xmlrpc::jobs),
    ("rest", Via::Direct, rest::jobs),
    ("soap", Via::Direct, soap::jobs),
    ("websocket", Via::Direct, websocket::jobs),
    ("graphql", Via::Direct, graphql::jobs),
    ("grpc", Via::Direct, grpc::jobs),
    ("ice", Via::Direct, ice::jobs),
    ("pyro", Via::Direct, pyro::jobs),
    ("remote-objects", Via::Direct, remote_objects::jobs),
    ("amqp", Via::Broker, amqp::jobs),
    ("kafka", Via::Broker, kafka::jobs),
    ("mqtt", Via::Broker, mqtt::jobs),
];

/// Where every server of the bench listens: loopback, a port the OS picks.
pub const LOOPBACK: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// Rows that are measured whatever `--only` says: what the others are read against.
const ALWAYS: [&str; 2] = ["floor", "generator"];

/// The protocols `--only` accepts.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|(name, _, _)| *name).filter(|name| !ALWAYS.contains(name)).collect()
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
    Job {
        protocol,
        scenario: scenario.into(),
        kind,
        wire_bytes,
        run,
        via: Via::Direct,
        transport: Transport::Tcp,
        reference: false,
        load: None,
    }
}

/// The selected protocols' jobs, floors and generator ceilings first.
pub fn jobs(settings: &Settings, only: &[String]) -> Vec<Job> {
    ALL.iter()
        .filter(|(name, _, _)| {
            ALWAYS.contains(name) || only.is_empty() || only.iter().any(|o| o == name)
        })
        .flat_map(|(_, via, jobs)| jobs(settings).into_iter().map(|job| Job { via: *via, ..job }))
        .collect()
}

/// A server whose idle connections are measured (idle.rs): how to start it, and what a client
/// sends before it falls silent.
pub struct Idle {
    pub protocol: &'static str,
    pub start: Start,
    pub hello: &'static [u8],
    pub sent: &'static str,
}

type Start = for<'a> fn(&'a Settings) -> LocalBoxFuture<'a, anyhow::Result<std::net::SocketAddr>>;

/// The HTTP/2 connection preface and an empty SETTINGS frame: what opens every gRPC connection.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

const WEBSOCKET_UPGRADE: &[u8] = b"GET /ws HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\n\
    connection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n";

/// The connection-oriented servers, one line each.
pub const IDLE: &[Idle] = &[
    Idle { protocol: "tcp", start: |s| Box::pin(tcp::start(s)), hello: b"", sent: "nothing" },
    Idle {
        protocol: "jsonrpc",
        start: |s| Box::pin(jsonrpc::start(s)),
        hello: b"",
        sent: "nothing",
    },
    Idle { protocol: "xmlrpc", start: |s| Box::pin(xmlrpc::start(s)), hello: b"", sent: "nothing" },
    Idle { protocol: "rest", start: |s| Box::pin(rest::start(s)), hello: b"", sent: "nothing" },
    Idle { protocol: "soap", start: |s| Box::pin(soap::start(s)), hello: b"", sent: "nothing" },
    Idle {
        protocol: "graphql",
        start: |s| Box::pin(graphql::start(s)),
        hello: b"",
        sent: "nothing",
    },
    Idle {
        protocol: "websocket",
        start: |s| Box::pin(websocket::start(s)),
        hello: WEBSOCKET_UPGRADE,
        sent: "the upgrade to /ws",
    },
    Idle {
        protocol: "grpc",
        start: |s| Box::pin(grpc::start(s)),
        hello: HTTP2_PREFACE,
        sent: "the HTTP/2 preface",
    },
    Idle { protocol: "ice", start: |s| Box::pin(ice::start(s)), hello: b"", sent: "nothing" },
];
