//! The targets this workspace sets for its examples (bench/README.md, "Targets"), each a ratio
//! of two scenarios, and how a verdict on one is reached: the two scenarios run in turn, A B A
//! B A B, so that whatever else the machine does falls on both alike, and the verdict is
//!
//! - **met** when every repetition meets the target,
//! - **missed** when none does,
//! - **inconclusive** otherwise: the difference is within what the machine varies by.

use crate::protocols::Job;
use crate::report::Row;

/// A scenario, found by its protocol and a piece of its name.
#[derive(Debug, Clone, Copy)]
pub struct Pick {
    pub protocol: &'static str,
    pub scenario: &'static str,
}

impl Pick {
    fn matches(&self, protocol: &str, scenario: &str) -> bool {
        protocol == self.protocol && scenario.contains(self.scenario)
    }

    pub fn find<'a>(&self, jobs: &'a [Job]) -> Option<&'a Job> {
        jobs.iter().find(|job| self.matches(job.protocol, &job.scenario))
    }
}

/// How A ÷ B must come out.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// Latency: A's p50 at most this many times B's.
    AtMost(f64),
    /// Throughput: A at least this many times B.
    AtLeast(f64),
}

impl Limit {
    fn met_by(self, ratio: f64) -> bool {
        match self {
            Limit::AtMost(limit) => ratio <= limit,
            Limit::AtLeast(limit) => ratio >= limit,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub label: &'static str,
    pub a: Pick,
    pub b: Pick,
    pub limit: Limit,
}

impl Target {
    pub fn text(&self) -> String {
        let of = |pick: Pick| format!("{} {}", pick.protocol, pick.scenario);
        match self.limit {
            Limit::AtMost(limit) => format!("{}: p50 ≤ {limit}× {}", self.label, of(self.b)),
            Limit::AtLeast(limit) => format!("{}: ≥ {limit}× {}", self.label, of(self.b)),
        }
    }
}

const fn pick(protocol: &'static str, scenario: &'static str) -> Pick {
    Pick { protocol, scenario }
}

const TCP_FLOOR: Pick = pick("floor", "TCP ping-pong, busy-poll");
const UDP_FLOOR: Pick = pick("floor", "UDP ping-pong, busy-poll");

const fn latency(label: &'static str, a: Pick, floor: Pick, limit: f64) -> Target {
    Target { label, a, b: floor, limit: Limit::AtMost(limit) }
}

const fn throughput(label: &'static str, a: Pick, b: Pick, limit: f64) -> Target {
    Target { label, a, b, limit: Limit::AtLeast(limit) }
}

/// Every target, with the reasoning behind each limit in bench/README.md.
pub const TARGETS: &[Target] = &[
    latency("UDP", pick("udp", "reading echo"), UDP_FLOOR, 15.0),
    latency("TCP", pick("tcp", "ECHO line"), TCP_FLOOR, 12.0),
    latency("WebSocket", pick("websocket", "say → own broadcast"), TCP_FLOOR, 14.0),
    latency("JSON-RPC", pick("jsonrpc", "users.get"), TCP_FLOOR, 17.0),
    latency("REST", pick("rest", "GET /users/1"), TCP_FLOOR, 17.0),
    latency("gRPC unary", pick("grpc", "unary GetUser"), TCP_FLOOR, 20.0),
    throughput("REST throughput", pick("rest", "GET /users/1,"), pick("rest", "bare hyper"), 0.55),
    throughput(
        "gRPC streaming throughput",
        pick("grpc", "streaming"),
        pick("grpc", "unary GetUser,"),
        10.0,
    ),
    throughput(
        "AMQP pipelined confirms",
        pick("amqp", "pipelined confirms"),
        pick("amqp", "no confirms"),
        0.6,
    ),
];

/// What the repetitions of one target showed.
#[derive(Debug)]
pub struct Verdict {
    pub target: Target,
    /// A ÷ B of each repetition; empty when the run did not include both scenarios.
    pub ratios: Vec<f64>,
    /// Why there are no ratios, if a scenario could not run (no broker, say).
    pub skipped: Option<String>,
}

impl Verdict {
    pub fn word(&self) -> &'static str {
        let met = self.ratios.iter().filter(|r| self.target.limit.met_by(**r)).count();
        match (self.ratios.len(), met) {
            (0, _) => "not measured",
            (n, met) if met == n => "met",
            (_, 0) => "missed",
            _ => "inconclusive",
        }
    }

    pub fn measured(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("skipped: {why}");
        }
        let ratios: Vec<String> = self.ratios.iter().map(|r| format!("{r:.2}×")).collect();
        if ratios.is_empty() { "-".into() } else { ratios.join(", ") }
    }

    pub fn line(&self) -> String {
        format!("{:<13} {} (measured {})", self.word(), self.target.text(), self.measured())
    }
}

/// A ÷ B of two finished rows of one repetition: p50 for latency, operations/s otherwise.
pub fn ratio(a: &Row, b: &Row) -> Option<f64> {
    Some(a.headline()? / b.headline()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(limit: Limit, ratios: &[f64]) -> &'static str {
        let target = Target { label: "x", a: TCP_FLOOR, b: TCP_FLOOR, limit };
        Verdict { target, ratios: ratios.to_vec(), skipped: None }.word()
    }

    #[test]
    fn every_repetition_must_agree() {
        assert_eq!(verdict(Limit::AtMost(2.0), &[1.5, 1.9, 1.2]), "met");
        assert_eq!(verdict(Limit::AtMost(2.0), &[2.5, 3.0, 2.1]), "missed");
        assert_eq!(verdict(Limit::AtMost(2.0), &[1.5, 2.1, 1.9]), "inconclusive");
        assert_eq!(verdict(Limit::AtLeast(0.9), &[1.0, 0.95, 0.91]), "met");
        assert_eq!(verdict(Limit::AtLeast(0.9), &[0.5]), "missed");
        assert_eq!(verdict(Limit::AtLeast(0.9), &[]), "not measured");
    }

    #[test]
    fn every_target_names_scenarios_that_exist() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let settings = crate::harness::Settings {
            warmup: std::time::Duration::ZERO,
            duration: std::time::Duration::ZERO,
            payload: 64,
            rate: 500,
            connections: 4,
            server: runtime.handle().clone(),
        };
        let jobs = crate::protocols::jobs(&settings, &[]);
        for target in TARGETS {
            for pick in [target.a, target.b] {
                assert!(pick.find(&jobs).is_some(), "{}: no scenario {pick:?}", target.label);
            }
        }
    }
}
