//! The two SVG charts, written by hand: one labelled bar per row with its value at the bar's
//! end, on a log scale (the rows span four decades, and on a linear axis the brokers' ms would
//! squash the µs that matter), grouped so that only comparable rows stand side by side, with
//! the floors drawn as reference lines instead of bars.

use crate::protocols::{Kind, Via};
use crate::report::Row;
use std::fmt::Write as _;

/// One bar: its label, the headline value, and for latency the p99 whisker.
struct Bar {
    label: String,
    value: f64,
    whisker: Option<f64>,
    text: String,
}

/// A titled group of bars, sorted.
struct Group {
    title: &'static str,
    bars: Vec<Bar>,
}

/// A vertical reference line across every group.
struct Line {
    label: String,
    value: f64,
}

/// p50 bars with p99 whiskers, direct and brokered apart, the floors as lines.
pub fn latency(rows: &[Row]) -> String {
    let bar = |row: &Row| {
        let (p50, p99) = (row.p(0.5)?.as_nanos() as f64, row.p(0.99)?.as_nanos() as f64);
        Some(Bar {
            label: label(row),
            value: p50,
            whisker: Some(p99),
            text: format!("{} (p99 {})", duration(p50), duration(p99)),
        })
    };
    let groups = [
        ("request/response over loopback", Via::Direct),
        ("through a broker (publish to delivery)", Via::Broker),
    ]
    .map(|(title, via)| Group {
        title,
        bars: sorted(rows.iter().filter(|r| is(r, Kind::Sequential, via)).filter_map(bar)),
    });
    let lines = rows
        .iter()
        .filter(|r| r.protocol == "floor" && r.kind == Kind::Sequential)
        .filter_map(reference_line)
        .collect();
    let title = "Sequential round trip: p50 bar, p99 whisker (log scale, lower is better)";
    render(title, &groups, lines, duration)
}

/// Operations per second: request/response, pipelined or streaming, brokered; the floor's
/// throughput and the load generators' ceilings as lines.
pub fn throughput(rows: &[Row]) -> String {
    let bar = |row: &Row| {
        let value = row.headline()?;
        Some(Bar { label: label(row), value, whisker: None, text: rate(value) })
    };
    let brokered = |r: &&Row| r.via == Via::Broker && !r.kind.is_latency();
    let groups = [
        Group {
            title: "request/response, one in flight per connection",
            bars: sorted(
                rows.iter().filter(|r| is(r, Kind::Throughput, Via::Direct)).filter_map(bar),
            ),
        },
        Group {
            title: "pipelined or streaming",
            bars: sorted(
                rows.iter().filter(|r| is(r, Kind::Pipelined, Via::Direct)).filter_map(bar),
            ),
        },
        Group {
            title: "through a broker",
            bars: sorted(rows.iter().filter(brokered).filter_map(bar)),
        },
    ];
    let lines = rows
        .iter()
        .filter(|r| {
            (r.protocol == "floor" && r.kind == Kind::Throughput) || r.protocol == "generator"
        })
        .filter_map(reference_line)
        .collect();
    render("Throughput, operations/s (log scale, higher is better)", &groups, lines, rate)
}

/// A row drawn as a bar: not a floor, not a load generator's ceiling.
fn is(row: &Row, kind: Kind, via: Via) -> bool {
    !matches!(row.protocol, "floor" | "generator") && row.kind == kind && row.via == via
}

/// A floor or a generator's ceiling, as a dashed line named under the axis.
fn reference_line(row: &Row) -> Option<Line> {
    let what = if row.protocol == "generator" { "load generator ceiling" } else { "floor" };
    Some(Line { label: format!("{what}: {}", row.scenario), value: row.headline()? })
}

fn label(row: &Row) -> String {
    format!("{} {}", row.protocol, row.scenario)
}

fn sorted(bars: impl Iterator<Item = Bar>) -> Vec<Bar> {
    let mut bars: Vec<Bar> = bars.collect();
    bars.sort_by(|a, b| a.value.total_cmp(&b.value));
    bars
}

/// `850 ns`, `17.2 µs`, `172 µs`, `1.3 ms`, `2.50 s`, from nanoseconds.
pub fn duration(nanos: f64) -> String {
    let (value, unit) = match nanos {
        n if n < 1e3 => (n, "ns"),
        n if n < 1e6 => (n / 1e3, "µs"),
        n if n < 1e9 => (n / 1e6, "ms"),
        n => (n / 1e9, "s"),
    };
    format!("{} {unit}", three_digits(value))
}

/// `443/s`, `44.5k/s`, `289k/s`, `1.2M/s`.
pub fn rate(per_second: f64) -> String {
    let (value, unit) = match per_second {
        r if r < 1e3 => return format!("{r:.0}/s"),
        r if r < 1e6 => (r / 1e3, "k"),
        r => (r / 1e6, "M"),
    };
    format!("{}{unit}/s", three_digits(value))
}

/// Three significant digits at most, no trailing zeros: 1.3, 17.2, 172.
fn three_digits(value: f64) -> String {
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

// Layout, in pixels.
const WIDTH: f64 = 1100.0;
const LABEL_WIDTH: f64 = 330.0;
const VALUE_WIDTH: f64 = 170.0;
const BAR_HEIGHT: f64 = 18.0;
const ROW_HEIGHT: f64 = 24.0;
const TITLE_HEIGHT: f64 = 30.0;
const GROUP_HEIGHT: f64 = 28.0;
const AXIS_HEIGHT: f64 = 44.0;

/// The chart; `format` writes an axis value as the bars' texts do.
fn render(title: &str, groups: &[Group], lines: Vec<Line>, format: fn(f64) -> String) -> String {
    let values = groups
        .iter()
        .flat_map(|g| &g.bars)
        .flat_map(|b| [Some(b.value), b.whisker])
        .flatten()
        .chain(lines.iter().map(|l| l.value))
        .filter(|v| *v > 0.0);
    let (min, max) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = if min <= max {
        // A decade of room below the smallest value, so that no bar is a sliver.
        (10f64.powf(min.log10().floor() - 1.0), 10f64.powf(max.log10().ceil()))
    } else {
        (1.0, 10.0)
    };
    let plot_left = LABEL_WIDTH;
    let plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let x = |v: f64| {
        plot_left + plot_width * (v.max(low).log10() - low.log10()) / (high.log10() - low.log10())
    };

    let rows: usize = groups.iter().map(|g| g.bars.len().max(1)).sum();
    let plot_top = TITLE_HEIGHT;
    let plot_bottom = plot_top + GROUP_HEIGHT * groups.len() as f64 + ROW_HEIGHT * rows as f64;
    let height = plot_bottom + AXIS_HEIGHT + 18.0 * lines.len() as f64 + 10.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">{}</text>"#,
        escape(title)
    );

    // Decade grid and axis labels.
    let mut decade = low;
    while decade <= high * 1.0001 {
        let gx = x(decade);
        let _ = writeln!(
            svg,
            r##"<line x1="{gx:.1}" y1="{plot_top}" x2="{gx:.1}" y2="{plot_bottom}" stroke="#ddd"/>"##
        );
        let tick = format(decade);
        let _ = writeln!(
            svg,
            r#"<text x="{gx:.1}" y="{}" text-anchor="middle">{}</text>"#,
            plot_bottom + 16.0,
            escape(&tick)
        );
        decade *= 10.0;
    }

    // The floors and ceilings: dashed lines across every group, under the bars' values.
    for (line, color) in lines.iter().zip(LINE_COLORS.iter().cycle()) {
        let lx = x(line.value);
        let _ = writeln!(
            svg,
            r#"<line x1="{lx:.1}" y1="{plot_top}" x2="{lx:.1}" y2="{plot_bottom}" stroke="{color}" stroke-dasharray="5,3"/>"#
        );
    }

    let mut y = plot_top;
    for group in groups {
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{}" font-weight="bold">{}</text>"#,
            y + 19.0,
            escape(group.title)
        );
        y += GROUP_HEIGHT;
        if group.bars.is_empty() {
            let _ = writeln!(
                svg,
                r##"<text x="{plot_left}" y="{}" fill="#888">(none in this run)</text>"##,
                y + 16.0
            );
            y += ROW_HEIGHT;
        }
        for bar in &group.bars {
            let top = y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
            let end = x(bar.value);
            let _ = writeln!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                plot_left - 8.0,
                y + 16.0,
                escape(&bar.label)
            );
            let _ = writeln!(
                svg,
                r##"<rect x="{plot_left}" y="{top:.1}" width="{:.1}" height="{BAR_HEIGHT}" fill="#4a6eb4"/>"##,
                (end - plot_left).max(1.0)
            );
            let mut text_x = end;
            if let Some(whisker) = bar.whisker {
                let (wx, mid) = (x(whisker), top + BAR_HEIGHT / 2.0);
                let _ = writeln!(
                    svg,
                    r##"<line x1="{end:.1}" y1="{mid:.1}" x2="{wx:.1}" y2="{mid:.1}" stroke="#222"/><line x1="{wx:.1}" y1="{:.1}" x2="{wx:.1}" y2="{:.1}" stroke="#222"/>"##,
                    top + 3.0,
                    top + BAR_HEIGHT - 3.0
                );
                text_x = text_x.max(wx);
            }
            // A white halo, so that a reference line crossing the value leaves it legible.
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}" {HALO}>{}</text>"#,
                text_x + 6.0,
                y + 16.0,
                escape(&bar.text)
            );
            y += ROW_HEIGHT;
        }
    }

    // The reference lines' names, under the axis.
    let mut legend_y = plot_bottom + AXIS_HEIGHT;
    for (line, color) in lines.iter().zip(LINE_COLORS.iter().cycle()) {
        let _ = writeln!(
            svg,
            r#"<text x="{plot_left}" y="{legend_y}" fill="{color}">- - {} = {}</text>"#,
            escape(&line.label),
            escape(&format(line.value))
        );
        legend_y += 18.0;
    }
    svg + "</svg>\n"
}

/// The reference lines' colours, in turn.
const LINE_COLORS: [&str; 4] = ["#c0392b", "#e67e22", "#16a085", "#8e44ad"];

/// SVG attributes that draw a text's outline in white under its letters.
const HALO: &str = r#"paint-order="stroke" stroke="white" stroke-width="3""#;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{Measurement, histogram};
    use crate::protocols::Transport;
    use std::time::Duration;

    fn latency_row(protocol: &'static str, scenario: &str, via: Via, p50_ns: u64) -> Row {
        let mut h = histogram();
        h.record_n(p50_ns, 90).unwrap();
        h.record_n(p50_ns * 10, 10).unwrap();
        row(protocol, scenario, Kind::Sequential, via, Measurement::Latency(h))
    }

    fn throughput_row(
        protocol: &'static str,
        scenario: &str,
        kind: Kind,
        via: Via,
        ops: u64,
    ) -> Row {
        let elapsed = Duration::from_secs(1);
        row(protocol, scenario, kind, via, Measurement::Throughput { operations: ops, elapsed })
    }

    fn row(
        protocol: &'static str,
        scenario: &str,
        kind: Kind,
        via: Via,
        measurement: Measurement,
    ) -> Row {
        Row {
            protocol,
            scenario: scenario.into(),
            kind,
            via,
            transport: Transport::Tcp,
            reference: false,
            load: None,
            wire_bytes: 64,
            measurement,
            vs_floor: None,
            cpu: None,
        }
    }

    #[test]
    fn every_latency_bar_is_labelled_with_its_p50_and_p99() {
        let rows = vec![
            latency_row("floor", "TCP ping-pong, busy-poll", Via::Direct, 6_500),
            latency_row("tcp", "ECHO line", Via::Direct, 17_200),
            latency_row("rest", "GET /users/1", Via::Direct, 172_000),
            latency_row("amqp", "order, publish → consume", Via::Broker, 1_300_000),
        ];
        let svg = latency(&rows);
        for (label, p50, p99) in [
            ("tcp ECHO line", "17.2 µs", "172 µs"),
            ("rest GET /users/1", "172 µs", "1.72 ms"),
            ("amqp order, publish → consume", "1.3 ms", "13 ms"),
        ] {
            assert!(svg.contains(&format!(">{label}<")), "no label {label}");
            assert!(svg.contains(&format!(">{p50} (p99 {p99})<")), "no value for {label}: {svg}");
        }
        assert!(svg.contains("floor: TCP ping-pong, busy-poll = 6.5 µs"), "the floor is a line");
        assert!(!svg.contains(">floor TCP"), "the floor is not a bar");
        assert!(svg.contains(">through a broker (publish to delivery)<"));
    }

    #[test]
    fn every_throughput_bar_is_labelled_and_grouped() {
        let rows = vec![
            throughput_row(
                "floor",
                "TCP ping-pong, blocking, 4 connections",
                Kind::Throughput,
                Via::Direct,
                240_000,
            ),
            throughput_row(
                "rest",
                "GET /users/1, 4 connections",
                Kind::Throughput,
                Via::Direct,
                44_500,
            ),
            throughput_row(
                "grpc",
                "streaming LookupUsers, 1 call",
                Kind::Pipelined,
                Via::Direct,
                843_484,
            ),
            throughput_row(
                "kafka",
                "produce, await each report",
                Kind::Throughput,
                Via::Broker,
                159,
            ),
            throughput_row(
                "generator",
                "HTTP/1.1 GET → canned 200 OK, 64 connections",
                Kind::Throughput,
                Via::Direct,
                120_000,
            ),
        ];
        let svg = throughput(&rows);
        for (label, value) in [
            ("rest GET /users/1, 4 connections", "44.5k/s"),
            ("grpc streaming LookupUsers, 1 call", "843k/s"),
            ("kafka produce, await each report", "159/s"),
        ] {
            assert!(svg.contains(&format!(">{label}<")), "no label {label}");
            assert!(svg.contains(&format!(">{value}<")), "no value {value} for {label}");
        }
        assert!(svg.contains("floor: TCP ping-pong, blocking, 4 connections = 240k/s"));
        assert!(svg.contains(
            "load generator ceiling: HTTP/1.1 GET → canned 200 OK, 64 connections = 120k/s"
        ));
        assert!(!svg.contains(">generator HTTP"), "a ceiling is not a bar");
        let order = ["request/response", "pipelined or streaming", "through a broker"]
            .map(|title| svg.find(title).expect("every group"));
        assert!(order.is_sorted(), "groups in order");
    }

    #[test]
    fn values_read_as_a_person_writes_them() {
        assert_eq!(duration(850.0), "850 ns");
        assert_eq!(duration(6_540.0), "6.54 µs");
        assert_eq!(duration(172_000.0), "172 µs");
        assert_eq!(duration(1_300_000.0), "1.3 ms");
        assert_eq!(duration(2_500_000_000.0), "2.5 s");
        assert_eq!(rate(443.0), "443/s");
        assert_eq!(rate(44_500.0), "44.5k/s");
        assert_eq!(rate(1_200_000.0), "1.2M/s");
    }
}
