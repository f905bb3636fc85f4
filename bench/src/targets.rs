//! The targets this workspace sets for its examples (bench/README.md), checked against a run.

use crate::protocols::Kind;
use crate::report::Row;

/// One target and what this run measured for it.
#[derive(Debug)]
pub struct Check {
    pub target: String,
    pub measured: String,
    /// `None` when this run did not measure it (e.g. `--only`).
    pub met: Option<bool>,
}

impl Check {
    pub fn verdict(&self) -> &'static str {
        match self.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "not measured",
        }
    }
}

fn sequential<'a>(rows: &'a [Row], protocol: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.protocol == protocol && r.kind == Kind::Sequential)
}

/// "p50 of `protocol` ≤ `limit` × the floor's p50".
fn latency_vs_floor(rows: &[Row], protocol: &str, label: &str, limit: f64) -> Check {
    let ratio = sequential(rows, protocol).and_then(|r| r.vs_floor);
    Check {
        target: format!("{label} sequential p50 ≤ {limit}× floor"),
        measured: ratio.map_or("-".into(), |r| format!("{r:.2}×")),
        met: ratio.map(|r| r <= limit),
    }
}

/// "throughput of row `a` ≥ `limit` × throughput of row `b`" (rows found by protocol and a
/// word of their scenario).
fn throughput_ratio(
    rows: &[Row],
    a: (&str, &str),
    b: (&str, &str),
    label: &str,
    limit: f64,
) -> Check {
    let find = |(protocol, word): (&str, &str)| {
        rows.iter()
            .find(|r| r.protocol == protocol && !r.kind.is_latency() && r.scenario.contains(word))
    };
    let ratio = find(a).zip(find(b)).and_then(|(a, b)| Some(a.headline()? / b.headline()?));
    Check {
        target: format!("{label} throughput ≥ {limit}× {} {}", b.0, b.1),
        measured: ratio.map_or("-".into(), |r| format!("{r:.2}×")),
        met: ratio.map(|r| r >= limit),
    }
}

pub fn checks(rows: &[Row]) -> Vec<Check> {
    vec![
        latency_vs_floor(rows, "udp", "UDP", 1.0),
        latency_vs_floor(rows, "tcp", "TCP", 1.5),
        latency_vs_floor(rows, "websocket", "WebSocket", 2.0),
        latency_vs_floor(rows, "jsonrpc", "JSON-RPC", 5.0),
        latency_vs_floor(rows, "rest", "REST", 5.0),
        throughput_ratio(rows, ("rest", "GET"), ("rest", "bare hyper"), "REST", 0.9),
        latency_vs_floor(rows, "grpc", "gRPC unary", 6.0),
        throughput_ratio(rows, ("grpc", "streaming"), ("grpc", "unary"), "gRPC streaming", 2.0),
        throughput_ratio(
            rows,
            ("amqp", "pipelined confirms"),
            ("amqp", "no confirms"),
            "AMQP persistent publish, pipelined confirms,",
            0.6,
        ),
    ]
}
