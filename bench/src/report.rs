//! The results: a table on stdout, a Markdown report and SVG charts under `target/bench/`.

use crate::harness::Measurement;
use crate::protocols::{Kind, Transport, Via};
use crate::targets::Check;
use std::fmt::Write as _;
use std::time::Duration;

/// One finished job.
#[derive(Debug)]
pub struct Row {
    pub protocol: &'static str,
    pub scenario: String,
    pub kind: Kind,
    pub via: Via,
    pub transport: Transport,
    /// A floor that the rows of its kind and transport are compared with.
    pub reference: bool,
    pub wire_bytes: usize,
    pub measurement: Measurement,
    /// This result relative to its reference floor (same kind, same transport): latency ÷
    /// floor latency, or throughput ÷ floor throughput.
    pub vs_floor: Option<f64>,
}

impl Row {
    pub fn p(&self, quantile: f64) -> Option<Duration> {
        match &self.measurement {
            Measurement::Latency(h) => Some(Duration::from_nanos(h.value_at_quantile(quantile))),
            Measurement::Throughput { .. } | Measurement::Skipped(_) => None,
        }
    }

    /// A latency row that beat its reference floor.
    pub fn below_floor(&self) -> bool {
        self.protocol != "floor" && self.kind.is_latency() && self.vs_floor.is_some_and(|r| r < 1.0)
    }

    /// The number the row is compared on: p50 in ns, or operations per second; `None` when
    /// the scenario was skipped.
    pub fn headline(&self) -> Option<f64> {
        match &self.measurement {
            Measurement::Latency(h) => Some(h.value_at_quantile(0.5) as f64),
            Measurement::Throughput { .. } => self.measurement.per_second(),
            Measurement::Skipped(_) => None,
        }
    }
}

fn cells(row: &Row) -> [String; 8] {
    let skipped = matches!(row.measurement, Measurement::Skipped(_));
    let time =
        |q| row.p(q).map_or(if skipped { "skipped" } else { "-" }.into(), |d| format!("{d:.1?}"));
    [
        row.protocol.into(),
        row.scenario.clone(),
        format!("{} B", row.wire_bytes),
        time(0.5),
        time(0.99),
        time(0.999),
        row.measurement.per_second().map_or("-".into(), |r| format!("{r:.0}")),
        match row.vs_floor {
            None => "-".into(),
            Some(ratio) if row.below_floor() => format!("{ratio:.2}× BELOW FLOOR"),
            Some(ratio) => format!("{ratio:.2}×"),
        },
    ]
}

/// Rows faster than their floor: each one is a bug of the bench, not a result.
pub fn below_floor(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter(|row| row.below_floor())
        .map(|row| {
            format!(
                "BENCH BUG: {} {} is faster than its floor ({:.2}×): a floor must be the fastest \
                 round trip of its transport, so this floor or this row measures something else",
                row.protocol,
                row.scenario,
                row.vs_floor.unwrap_or_default()
            )
        })
        .collect()
}

const HEADERS: [&str; 8] =
    ["protocol", "scenario", "request", "p50", "p99", "p99.9*", "ops/s", "vs floor"];

pub fn table(rows: &[Row]) -> String {
    let all: Vec<[String; 8]> =
        std::iter::once(HEADERS.map(String::from)).chain(rows.iter().map(cells)).collect();
    let widths: Vec<usize> =
        (0..8).map(|c| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &all {
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c < 2 {
                let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
            } else {
                let _ = write!(out, "{}{cell}  ", " ".repeat(pad));
            }
        }
        out = out.trim_end().to_owned() + "\n";
    }
    for row in rows {
        if let Measurement::Skipped(why) = &row.measurement {
            out += &format!("{} {} skipped: {why}\n", row.protocol, row.scenario);
        }
    }
    for bug in below_floor(rows) {
        out += &format!("{bug}\n");
    }
    out + "* p99.9 is noisy on a shared machine. vs floor: latency ÷ the busy-poll floor of the \
           same transport and kind, or throughput ÷ the floor's throughput.\n"
}

pub fn markdown(rows: &[Row], checks: &[Check], machine: &str, settings: &str) -> String {
    let mut out = String::from("# Benchmark report\n\n");
    let _ = writeln!(out, "Machine: {machine}  \nSettings: {settings}\n");
    let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(HEADERS.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", cells(row).join(" | "));
    }
    let _ = writeln!(out, "\n*p99.9 is noisy on a shared machine.\n");
    for bug in below_floor(rows) {
        let _ = writeln!(out, "**{bug}**\n");
    }
    let _ = writeln!(out, "## Targets\n");
    let _ = writeln!(out, "| target | measured | met |\n| --- | --- | --- |");
    for check in checks {
        let _ = writeln!(out, "| {} | {} | {} |", check.target, check.measured, check.verdict());
    }
    out + "\n![p50 latency](latency.svg)\n\n![throughput](throughput.svg)\n"
}
