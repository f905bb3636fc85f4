//! The results: a table on stdout, a Markdown report and SVG charts under `target/bench/`.

use crate::cpu;
use crate::harness::Measurement;
use crate::idle::{IDLE_CONNECTIONS, IdleCost};
use crate::protocols::{Kind, Load, Transport, Via};
use crate::targets::Verdict;
use crate::wrk::CrossCheck;
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
    /// The load generator behind a throughput row.
    pub load: Option<Load>,
    pub wire_bytes: usize,
    pub measurement: Measurement,
    /// This result relative to its reference floor (same kind, same transport): latency ÷
    /// floor latency, or throughput ÷ floor throughput.
    pub vs_floor: Option<f64>,
    /// CPU time each side spent during a throughput row's measured window, where the bench's
    /// own threads are the server and the client.
    pub cpu: Option<cpu::Spent>,
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

    /// Why the scenario could not run, if it could not.
    pub fn skipped(&self) -> Option<&str> {
        match &self.measurement {
            Measurement::Skipped(why) => Some(why),
            Measurement::Latency(_) | Measurement::Throughput { .. } => None,
        }
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

impl Row {
    /// The server's CPU time per operation (user + system, all of its threads).
    pub fn server_cpu_per_op(&self) -> Option<Duration> {
        let Measurement::Throughput { operations, .. } = self.measurement else { return None };
        (operations > 0).then(|| {
            self.cpu.map(|cpu| cpu.server / u32::try_from(operations).unwrap_or(u32::MAX))
        })?
    }

    /// How busy each side was during the window: CPU time ÷ wall time (1.0 = one full core).
    pub fn busy(&self) -> Option<(f64, f64)> {
        let Measurement::Throughput { elapsed, .. } = self.measurement else { return None };
        let cpu = self.cpu?;
        let wall = elapsed.as_secs_f64();
        Some((cpu.server.as_secs_f64() / wall, cpu.client.as_secs_f64() / wall))
    }
}

fn cells(row: &Row) -> [String; COLUMNS] {
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
        row.server_cpu_per_op().map_or("-".into(), |d| format!("{:.1}µs", d.as_secs_f64() * 1e6)),
        row.busy().map_or("-".into(), |(server, client)| {
            format!("{:.0}% / {:.0}%", server * 100.0, client * 100.0)
        }),
        match row.vs_floor {
            None => "-".into(),
            Some(ratio) if row.below_floor() => format!("{ratio:.2}× BELOW FLOOR"),
            Some(ratio) => format!("{ratio:.2}×"),
        },
    ]
}

/// A throughput row whose client side was this busy (CPU time ÷ wall time) may be limited by
/// its client rather than by its server.
pub const CLIENT_SATURATED: f64 = 0.9;

/// Throughput rows whose client side was near a full core: there the client (the load
/// generator, or an example's client) may be what limits the row, and the server may sustain
/// more than the row says. The generators' own ceiling rows are left out: they measure exactly
/// that.
pub fn client_bound(rows: &[Row]) -> Vec<String> {
    let ceiling =
        |load| rows.iter().find(|r| r.protocol == "generator" && r.load == Some(load))?.headline();
    rows.iter()
        .filter(|row| row.protocol != "generator")
        .filter_map(|row| Some((row, row.busy()?)))
        .filter(|(_, (_, client))| *client >= CLIENT_SATURATED)
        .map(|(row, (server, client))| {
            let of_ceiling = row
                .load
                .and_then(|load| Some(row.headline()? / ceiling(load)?))
                .map_or(String::new(), |share| format!(", {share:.2}× of its ceiling"));
            format!(
                "CLIENT-BOUND: {} {}: the client side was {:.0}% busy (server {:.0}%{of_ceiling}); \
                 the server may sustain more than this row says",
                row.protocol,
                row.scenario,
                client * 100.0,
                server * 100.0
            )
        })
        .collect()
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

const COLUMNS: usize = 10;
const HEADERS: [&str; COLUMNS] = [
    "protocol",
    "scenario",
    "request",
    "p50",
    "p99",
    "p99.9*",
    "ops/s",
    "srv CPU/op",
    "busy s/c",
    "vs floor",
];

pub fn table(rows: &[Row]) -> String {
    let all: Vec<[String; COLUMNS]> =
        std::iter::once(HEADERS.map(String::from)).chain(rows.iter().map(cells)).collect();
    let widths: Vec<usize> =
        (0..COLUMNS).map(|c| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
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
    for note in client_bound(rows) {
        out += &format!("{note}\n");
    }
    out + "* p99.9 is noisy on a shared machine. srv CPU/op: the server's CPU time (user + \
           system) per operation; busy s/c: CPU time ÷ wall time of the server and of the \
           client (100% = one core), which says which side limits a throughput row. vs floor: \
           latency ÷ the busy-poll floor of the same transport and kind, or throughput ÷ the \
           floor's throughput.\n"
}

/// Idle connections: what each server holds per connection.
pub fn idle_table(costs: &[IdleCost]) -> String {
    let mut out = format!(
        "Server memory per idle connection ({IDLE_CONNECTIONS} held, resident-size growth):\n"
    );
    for cost in costs {
        let _ = writeln!(
            out,
            "  {:<10} {:>8}  (each sent {})",
            cost.protocol,
            bytes(cost.bytes_per_connection),
            cost.sent
        );
    }
    out
}

fn bytes(value: f64) -> String {
    if value >= 1024.0 { format!("{:.1} KiB", value / 1024.0) } else { format!("{value:.0} B") }
}

/// Everything one run found, for `report.md`.
pub struct Report<'a> {
    pub rows: &'a [Row],
    pub cross_checks: Option<&'a [CrossCheck]>,
    pub idle: &'a [IdleCost],
    pub verdicts: &'a [Verdict],
    pub machine: &'a str,
    pub settings: &'a str,
}

impl Report<'_> {
    pub fn markdown(&self) -> String {
        let mut out = String::from("# Benchmark report\n\n");
        let _ = writeln!(out, "Machine: {}  \nSettings: {}\n", self.machine, self.settings);
        let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
        let _ = writeln!(out, "|{}", " --- |".repeat(HEADERS.len()));
        for row in self.rows {
            let _ = writeln!(out, "| {} |", cells(row).join(" | "));
        }
        let _ = writeln!(
            out,
            "\n*p99.9 is noisy on a shared machine. srv CPU/op: the server's CPU time per \
             operation; busy s/c: server and client CPU time ÷ wall time (100% = one core).\n"
        );
        for bug in below_floor(self.rows) {
            let _ = writeln!(out, "**{bug}**\n");
        }
        for note in client_bound(self.rows) {
            let _ = writeln!(out, "**{note}**\n");
        }
        let _ = writeln!(out, "## Cross-check with wrk\n");
        match self.cross_checks {
            Some(checks) => {
                let _ = writeln!(out, "```text");
                for check in checks {
                    let _ = writeln!(out, "{}", check.line());
                }
                let _ = writeln!(out, "```\n");
            }
            None => out += "wrk was not installed.\n\n",
        }
        let _ = writeln!(out, "## Idle connections\n\n```text\n{}```\n", idle_table(self.idle));
        let _ = writeln!(out, "## Targets\n");
        let _ = writeln!(out, "| target | A ÷ B per repetition | verdict |\n| --- | --- | --- |");
        for verdict in self.verdicts {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                verdict.target.text(),
                verdict.measured(),
                verdict.word()
            );
        }
        out + "\n![p50 latency](latency.svg)\n\n![throughput](throughput.svg)\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(protocol: &'static str, scenario: &str, per_second: u64, client_ms: u64) -> Row {
        Row {
            protocol,
            scenario: scenario.into(),
            kind: Kind::Throughput,
            via: Via::Direct,
            transport: Transport::Tcp,
            reference: false,
            load: Some(Load::Http1),
            wire_bytes: 60,
            measurement: Measurement::Throughput {
                operations: per_second,
                elapsed: Duration::from_secs(1),
            },
            vs_floor: None,
            cpu: Some(cpu::Spent {
                server: Duration::from_millis(900),
                client: Duration::from_millis(client_ms),
            }),
        }
    }

    #[test]
    fn a_row_with_a_saturated_client_is_called_out() {
        let rows = [
            row("generator", "HTTP/1.1 → canned", 100_000, 950),
            row("rest", "bare hyper", 85_000, 930),
            row("rest", "GET /users/1", 50_000, 600),
        ];
        let notes = client_bound(&rows);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains(
                "rest bare hyper: the client side was 93% busy (server 90%, 0.85× of its ceiling)"
            ),
            "{notes:?}"
        );
    }

    #[test]
    fn cpu_columns_read_per_operation_and_per_side() {
        let row = row("rest", "GET /users/1", 50_000, 500);
        assert_eq!(row.server_cpu_per_op(), Some(Duration::from_nanos(18_000)));
        assert_eq!(row.busy(), Some((0.9, 0.5)));
        let cells = cells(&row);
        assert_eq!(cells[7], "18.0µs");
        assert_eq!(cells[8], "90% / 50%");
    }
}
