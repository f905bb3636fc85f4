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

pub fn checks(rows: &[Row]) -> Vec<Check> {
    vec![latency_vs_floor(rows, "udp", "UDP", 1.0), latency_vs_floor(rows, "tcp", "TCP", 1.5)]
}
