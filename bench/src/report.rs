//! The results: a table on stdout, a Markdown report and SVG charts under `target/bench/`.

use crate::harness::Measurement;
use crate::protocols::Kind;
use crate::targets::Check;
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// One finished job.
#[derive(Debug)]
pub struct Row {
    pub protocol: &'static str,
    pub scenario: String,
    pub kind: Kind,
    pub wire_bytes: usize,
    pub measurement: Measurement,
    /// This result relative to the floor's result of the same kind: latency ÷ floor latency,
    /// or throughput ÷ floor throughput.
    pub vs_floor: Option<f64>,
}

impl Row {
    pub fn p(&self, quantile: f64) -> Option<Duration> {
        match &self.measurement {
            Measurement::Latency(h) => Some(Duration::from_nanos(h.value_at_quantile(quantile))),
            Measurement::Throughput { .. } | Measurement::Skipped(_) => None,
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
        row.vs_floor.map_or("-".into(), |r| format!("{r:.2}×")),
    ]
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
    out + "* p99.9 is noisy on a shared machine. vs floor: latency ÷ floor latency, or \
           throughput ÷ floor throughput, against the floor row of the same kind.\n"
}

pub fn markdown(rows: &[Row], checks: &[Check], machine: &str, settings: &str) -> String {
    let mut out = String::from("# Benchmark report\n\n");
    let _ = writeln!(out, "Machine: {machine}  \nSettings: {settings}\n");
    let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(HEADERS.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", cells(row).join(" | "));
    }
    let _ = writeln!(out, "\n*p99.9 is noisy on a shared machine.\n\n## Targets\n");
    let _ = writeln!(out, "| target | measured | met |\n| --- | --- | --- |");
    for check in checks {
        let _ = writeln!(out, "| {} | {} | {} |", check.target, check.measured, check.verdict());
    }
    out + "\n![p50 latency](latency.svg)\n\n![throughput](throughput.svg)\n"
}

/// Horizontal bars, one per row of `kind`: p50 latency in µs, or operations per second.
pub fn chart(rows: &[Row], latency: bool, path: &Path) -> anyhow::Result<()> {
    let picked: Vec<&Row> = rows
        .iter()
        .filter(|r| if latency { r.kind == Kind::Sequential } else { r.kind == Kind::Throughput })
        .collect();
    let labels: Vec<String> =
        picked.iter().map(|r| format!("{} {}", r.protocol, r.scenario)).collect();
    let values: Vec<f64> = picked
        .iter()
        .map(|r| r.headline().map_or(0.0, |v| if latency { v / 1000.0 } else { v }))
        .collect();
    let max = values.iter().copied().fold(1.0, f64::max) * 1.1;
    let height = 80 + 34 * picked.len().max(1) as u32;

    let root = SVGBackend::new(path, (900, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let caption = if latency {
        "Sequential round trip, p50 (µs, lower is better)"
    } else {
        "Throughput (operations/s, higher is better)"
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(300)
        .build_cartesian_2d(0f64..max, (0..picked.len()).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    chart.draw_series(values.iter().enumerate().map(|(i, v)| {
        let color = if picked[i].protocol == "floor" {
            RGBColor(150, 150, 150)
        } else {
            RGBColor(66, 110, 180)
        };
        Rectangle::new(
            [(0.0, SegmentValue::Exact(i)), (*v, SegmentValue::Exact(i + 1))],
            color.filled(),
        )
    }))?;
    root.present()?;
    Ok(())
}
