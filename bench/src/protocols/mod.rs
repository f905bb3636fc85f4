//! Every scenario the benchmark runs, one module per example crate plus the floor.

mod floor;
mod tcp;
mod udp;

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
    pub run: for<'a> fn(&'a Settings) -> LocalBoxFuture<'a, anyhow::Result<Measurement>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.protocol, self.scenario)
    }
}

/// The protocols `--only` accepts.
pub const PROTOCOLS: &[&str] = &["udp", "tcp"];

/// Every job, floor first (the others are compared with it).
pub fn jobs(settings: &Settings) -> Vec<Job> {
    let n = settings.connections;
    let rate = settings.rate;
    vec![
        Job {
            protocol: "floor",
            scenario: "raw TCP ping-pong".into(),
            kind: Kind::Sequential,
            wire_bytes: |s| s.payload,
            run: |s| Box::pin(floor::latency(s, false)),
        },
        Job {
            protocol: "floor",
            scenario: format!("raw TCP ping-pong @{rate}/s"),
            kind: Kind::FixedRate,
            wire_bytes: |s| s.payload,
            run: |s| Box::pin(floor::latency(s, true)),
        },
        Job {
            protocol: "floor",
            scenario: format!("raw TCP ping-pong, {n} connections"),
            kind: Kind::Throughput,
            wire_bytes: |s| s.payload,
            run: |s| Box::pin(floor::throughput(s)),
        },
        Job {
            protocol: "udp",
            scenario: "reading echo".into(),
            kind: Kind::Sequential,
            wire_bytes: udp::wire_bytes,
            run: |s| Box::pin(udp::latency(s, false)),
        },
        Job {
            protocol: "udp",
            scenario: format!("reading echo @{rate}/s"),
            kind: Kind::FixedRate,
            wire_bytes: udp::wire_bytes,
            run: |s| Box::pin(udp::latency(s, true)),
        },
        Job {
            protocol: "tcp",
            scenario: "ECHO line".into(),
            kind: Kind::Sequential,
            wire_bytes: tcp::wire_bytes,
            run: |s| Box::pin(tcp::latency(s, false)),
        },
        Job {
            protocol: "tcp",
            scenario: format!("ECHO line @{rate}/s"),
            kind: Kind::FixedRate,
            wire_bytes: tcp::wire_bytes,
            run: |s| Box::pin(tcp::latency(s, true)),
        },
        Job {
            protocol: "tcp",
            scenario: format!("ECHO line, {n} connections"),
            kind: Kind::Throughput,
            wire_bytes: tcp::wire_bytes,
            run: |s| Box::pin(tcp::throughput(s)),
        },
    ]
}
