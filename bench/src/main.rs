//! Every protocol of the workspace measured side by side, with the examples' own server and
//! client code, against the floor of a raw TCP ping-pong measured in the same run.
//!
//! ```text
//! cargo run --release -p bench                 # the full run (a few minutes)
//! cargo run --release -p bench -- --quick      # under a minute; what CI runs
//! cargo run --release -p bench -- --only tcp,udp --duration 10 --payload 256
//! ```
//!
//! Prints a table (latency, throughput, CPU per operation and which side was busy), wrk's
//! numbers beside the bench's own, the memory of idle connections, and a verdict per target
//! from interleaved repetitions; writes `report.md`, `latency.svg` and `throughput.svg` to
//! `target/bench/`. How each number is made: see `harness.rs` and bench/README.md.

mod chart;
mod cpu;
mod harness;
mod idle;
mod load;
mod protocols;
mod report;
mod targets;
mod wrk;

use anyhow::Context;
use clap::Parser;
use harness::Settings;
use indicatif::{ProgressBar, ProgressStyle};
use protocols::Job;
use report::Row;
use std::path::PathBuf;
use std::time::Duration;
use targets::{TARGETS, Target, Verdict};

/// Measure every example protocol side by side.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// A short run (under a minute) that checks the benchmark works; numbers are rough.
    #[arg(long)]
    quick: bool,
    /// Measure only these protocols (comma-separated); the floor is always measured.
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(protocols::names()))]
    only: Vec<String>,
    /// Seconds of measurement per scenario (after the warm-up).
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
    /// Application payload per request, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64)]
    payload: usize,
    /// Requests per second in the fixed-rate (open-loop) latency runs: a load every example
    /// sustains on a small machine, so the run shows latency under load, not a queue growing.
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// Concurrent clients in the throughput runs.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Interleaved repetitions of each target's two scenarios (default 3; --quick: 1).
    #[arg(long, value_name = "N")]
    repetitions: Option<usize>,
    /// Where to write the report and charts (default: target/bench/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Internal: measure one protocol's idle connections in this process (idle.rs).
    #[arg(long, hide = true, value_name = "PROTOCOL")]
    idle: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Two runtimes with one thread each: servers on one, clients on the other, so that on a
    // two-core machine each side has a core, as two processes would.
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(cpu::SERVER_THREAD)
        .enable_all()
        .build()?;
    // The clients' runtime runs on this very thread: `block_on` of a current-thread runtime
    // drives the client futures and every task they spawn (such as a client library's
    // connection tasks) here, so the client side really is one thread.
    let clients = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = clients.block_on(run(args, servers.handle().clone()));
    // Servers run until here; dropping their runtime stops them.
    servers.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn run(args: Args, server: tokio::runtime::Handle) -> anyhow::Result<()> {
    let (warmup, default_duration) = if args.quick { (0.05, 0.25) } else { (1.0, 5.0) };
    let settings = Settings {
        warmup: Duration::from_secs_f64(warmup),
        duration: Duration::from_secs_f64(args.duration.unwrap_or(default_duration)),
        payload: args.payload,
        rate: args.rate,
        connections: args.connections.max(1),
        server,
    };
    if let Some(protocol) = &args.idle {
        return idle::measure_one(&settings, protocol).await;
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for meaningful numbers");
    }

    let jobs = protocols::jobs(&settings, &args.only);
    let repetitions = args.repetitions.unwrap_or(if args.quick { 1 } else { 3 });
    // The targets' repetitions are shorter than the table's scenarios: there are many of them.
    let verdict_settings = Settings {
        warmup: settings.warmup.min(Duration::from_millis(500)),
        duration: settings.duration.min(Duration::from_secs(2)),
        ..settings.clone()
    };
    let progress = ProgressBar::new((jobs.len() + 2 * repetitions * TARGETS.len()) as u64)
        .with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
                .expect("a valid progress template"),
        );

    let mut rows: Vec<Row> = Vec::new();
    for job in &jobs {
        progress.set_message(format!("{} {}", job.protocol, job.scenario));
        let mut row = run_job(job, &settings).await?;
        row.vs_floor = rows
            .iter()
            .find(|floor| {
                floor.reference
                    && floor.kind == row.kind.floor_kind()
                    && (floor.transport == row.transport || !row.kind.is_latency())
            })
            .and_then(|floor| Some(row.headline()? / floor.headline()?));
        rows.push(row);
        progress.inc(1);
    }
    progress.set_message("wrk");
    let cross_checks = wrk::cross_check(&settings, &rows).await?;
    progress.set_message(format!("{} idle connections per server", idle::IDLE_CONNECTIONS));
    let idle_costs = idle::measure_all(&args.only)?;
    let mut verdicts = Vec::new();
    for target in TARGETS {
        progress.set_message(format!("target: {}", target.label));
        verdicts.push(verdict(target, &jobs, &verdict_settings, repetitions).await?);
        progress.inc(2 * repetitions as u64);
    }
    progress.finish_and_clear();

    println!("{}", report::table(&rows));
    match &cross_checks {
        Some(checks) => checks.iter().for_each(|check| println!("{}", check.line())),
        None => println!("wrk is not installed: no cross-check (Debian: apt-get install wrk)"),
    }
    println!("\n{}", report::idle_table(&idle_costs));
    println!("Targets, {repetitions} interleaved repetition(s) each:");
    for verdict in &verdicts {
        println!("{}", verdict.line());
    }

    let out = match args.out {
        Some(out) => out,
        None => default_out_dir()?,
    };
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let described = format!(
        "warm-up {:?}, {:?} per scenario, {} B payload, fixed rate {}/s, {} connections, \
         {repetitions} repetition(s) of {:?} per target{}",
        settings.warmup,
        settings.duration,
        settings.payload,
        settings.rate,
        settings.connections,
        verdict_settings.duration,
        if args.quick { " (--quick)" } else { "" }
    );
    let report = report::Report {
        rows: &rows,
        cross_checks: cross_checks.as_deref(),
        idle: &idle_costs,
        verdicts: &verdicts,
        machine: &machine(),
        settings: &described,
    };
    std::fs::write(out.join("report.md"), report.markdown())?;
    std::fs::write(out.join("latency.svg"), chart::latency(&rows))?;
    std::fs::write(out.join("throughput.svg"), chart::throughput(&rows))?;
    println!("\nreport: {}", out.join("report.md").display());
    Ok(())
}

/// Runs one scenario: its row, without the comparison with its floor.
async fn run_job(job: &Job, settings: &Settings) -> anyhow::Result<Row> {
    let measurement =
        (job.run)(settings).await.with_context(|| format!("{} {}", job.protocol, job.scenario))?;
    // Through a broker the server is another process: its CPU is not ours to read.
    let cpu = harness::window_cpu().await.filter(|_| job.via == protocols::Via::Direct);
    Ok(Row {
        protocol: job.protocol,
        scenario: job.scenario.clone(),
        kind: job.kind,
        via: job.via,
        transport: job.transport,
        reference: job.reference,
        load: job.load,
        wire_bytes: (job.wire_bytes)(settings),
        measurement,
        vs_floor: None,
        cpu,
    })
}

/// A target's two scenarios in turn, `repetitions` times.
async fn verdict(
    target: &Target,
    jobs: &[Job],
    settings: &Settings,
    repetitions: usize,
) -> anyhow::Result<Verdict> {
    let mut verdict = Verdict { target: *target, ratios: Vec::new(), skipped: None };
    let (Some(a), Some(b)) = (target.a.find(jobs), target.b.find(jobs)) else {
        return Ok(verdict);
    };
    for _ in 0..repetitions {
        let (a, b) = (run_job(a, settings).await?, run_job(b, settings).await?);
        if let Some(why) = [&a, &b].iter().find_map(|row| row.skipped()) {
            verdict.skipped = Some(why.to_owned());
            break;
        }
        verdict.ratios.extend(targets::ratio(&a, &b));
    }
    Ok(verdict)
}

/// `target/bench/`, found from this executable's own path (`target/<profile>/bench`).
fn default_out_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let target =
        exe.parent().and_then(|profile| profile.parent()).context("no target directory")?;
    Ok(target.join("bench"))
}

/// CPU model, core count and OS, for the report.
fn machine() -> String {
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_owned()))
        .unwrap_or_else(|| std::env::consts::OS.into());
    let kernel = read("/proc/sys/kernel/osrelease");
    format!("{cpu}, {cores} cores, {os}, Linux {}", kernel.trim())
}
