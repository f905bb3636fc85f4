//! The cross-check with a standard tool: when `wrk` is on PATH, it loads `rest` and bare hyper
//! exactly as the HTTP/1.1 generator does (one thread, [`IN_FLIGHT`] connections, `GET
//! /users/1`), and the two tools' numbers are printed side by side. They should agree within
//! 20 %; if they do not, one of the two is measuring itself. wrk's own CPU time is read too
//! (from this process's account of its reaped children): a wrk thread near 100 % busy is at its
//! own ceiling, and then the higher number is the truer one.

use crate::harness::Settings;
use crate::load::IN_FLIGHT;
use crate::protocols::rest;
use crate::report::Row;
use std::net::SocketAddr;
use std::process::Command;

/// How far apart the two tools may be.
pub const AGREE_WITHIN: f64 = 0.2;

/// wrk's thread this busy (CPU time ÷ wall time) is at its own ceiling.
pub const WRK_SATURATED: f64 = 0.9;

/// One server loaded by both tools.
#[derive(Debug)]
pub struct CrossCheck {
    pub server: &'static str,
    pub wrk: f64,
    /// wrk's CPU time ÷ wall time (1.0 = one core), where the OS tells.
    pub wrk_busy: Option<f64>,
    pub bench: Option<f64>,
}

impl CrossCheck {
    /// bench ÷ wrk - 1, e.g. -0.05 when the bench measured 5 % less.
    pub fn apart(&self) -> Option<f64> {
        Some(self.bench? / self.wrk - 1.0)
    }

    pub fn line(&self) -> String {
        let bench = self.bench.map_or("not measured".into(), |b| format!("{b:.0}/s"));
        let saturated = self.wrk_busy.is_some_and(|busy| busy >= WRK_SATURATED);
        let verdict = match self.apart() {
            Some(apart) if apart.abs() <= AGREE_WITHIN => format!("agree ({:+.0}%)", apart * 100.0),
            Some(apart) if apart > 0.0 && saturated => {
                format!("wrk at its own ceiling ({:+.0}%)", apart * 100.0)
            }
            Some(apart) => format!("DISAGREE ({:+.0}%)", apart * 100.0),
            None => "-".into(),
        };
        let busy = self.wrk_busy.map_or("-".into(), |busy| format!("{:.0}%", busy * 100.0));
        format!(
            "wrk -t1 -c{IN_FLIGHT} {:<18} {:>8.0}/s (wrk {busy:>4} busy)   bench {bench:>10}   {verdict}",
            self.server, self.wrk
        )
    }
}

/// Runs wrk against a fresh `rest` server and a fresh bare hyper server, for as long as one
/// scenario; `None` when wrk is not installed. `rows` gives the bench's own numbers.
pub async fn cross_check(
    settings: &Settings,
    rows: &[Row],
) -> anyhow::Result<Option<Vec<CrossCheck>>> {
    if Command::new("wrk").arg("--version").output().is_err() {
        return Ok(None);
    }
    let bench = |word: &str| {
        rows.iter()
            .find(|r| r.protocol == "rest" && r.scenario.contains(word) && !r.kind.is_latency())
            .and_then(|r| r.headline())
    };
    let servers = [
        ("rest", rest::start(settings).await?, bench("GET /users/1,")),
        ("bare hyper", rest::start_bare_hyper(settings).await?, bench("bare hyper")),
    ];
    let mut checks = Vec::new();
    for (server, addr, bench) in servers {
        let seconds = settings.duration.as_secs_f64().ceil().max(1.0) as u64;
        // wrk is another process: run it off the clients' thread, which then sits idle.
        let (wrk, wrk_busy) = tokio::task::spawn_blocking(move || run_wrk(addr, seconds)).await??;
        checks.push(CrossCheck { server, wrk, wrk_busy, bench });
    }
    Ok(Some(checks))
}

/// `wrk -t1 -c64 -d<seconds>s http://addr/users/1`: requests per second, and how busy wrk was.
fn run_wrk(addr: SocketAddr, seconds: u64) -> anyhow::Result<(f64, Option<f64>)> {
    let (started, cpu_before) = (std::time::Instant::now(), children_cpu());
    let output = Command::new("wrk")
        .args(["-t1", &format!("-c{IN_FLIGHT}"), &format!("-d{seconds}s")])
        .arg(format!("http://{addr}/users/1"))
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `output()` has reaped wrk, so its CPU time is now in this process's children's account.
    let busy = match (cpu_before, children_cpu()) {
        (Some(before), Some(after)) => Some((after - before) / started.elapsed().as_secs_f64()),
        _ => None,
    };
    Ok((parse(&text)?, busy))
}

/// CPU seconds (user + system) of this process's reaped children, from `/proc/self/stat`.
fn children_cpu() -> Option<f64> {
    children_cpu_of(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// `cutime` and `cstime`, the 14th and 15th fields after the command name's `)`, in clock
/// ticks of 1/100 s (Linux's USER_HZ).
fn children_cpu_of(stat: &str) -> Option<f64> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index)?.parse::<u64>().ok();
    Some((ticks(13)? + ticks(14)?) as f64 / 100.0)
}

/// Requests/sec from wrk's report; an error if any answer was not 2xx or 3xx, or a socket failed.
fn parse(report: &str) -> anyhow::Result<f64> {
    for bad in ["Non-2xx or 3xx responses", "Socket errors"] {
        if let Some(line) = report.lines().find(|l| l.trim_start().starts_with(bad)) {
            anyhow::bail!("wrk saw errors: {}", line.trim());
        }
    }
    report
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk's report:\n{report}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 5s test @ http://127.0.0.1:3000/users/1
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.43ms  215.11us   5.03ms   85.00%
    Req/Sec    44.81k     1.20k   46.51k    80.00%
  222955 requests in 5.00s, 42.74MB read
Requests/sec:  44587.64
Transfer/sec:      8.55MB
";

    #[test]
    fn reads_requests_per_second() {
        assert_eq!(parse(REPORT).unwrap(), 44587.64);
    }

    #[test]
    fn refuses_a_run_with_errors() {
        let failing =
            REPORT.replace("Requests/sec", "  Non-2xx or 3xx responses: 12\nRequests/sec");
        assert!(parse(&failing).unwrap_err().to_string().contains("Non-2xx"));
        let broken = REPORT.replace(
            "Requests/sec",
            "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec",
        );
        assert!(parse(&broken).is_err());
        assert!(parse("garbage").is_err());
    }

    #[test]
    fn agreement_is_within_a_fifth() {
        let check = |bench, busy| CrossCheck {
            server: "rest",
            wrk: 40_000.0,
            wrk_busy: Some(busy),
            bench: Some(bench),
        };
        assert!(check(36_000.0, 0.5).line().contains("agree (-10%)"));
        assert!(check(50_000.0, 0.5).line().contains("DISAGREE (+25%)"));
        // wrk flat out: the higher number is the server's, not a disagreement.
        assert!(check(50_000.0, 0.97).line().contains("wrk at its own ceiling (+25%)"));
        assert!(check(50_000.0, 0.97).line().contains("(wrk  97% busy)"));
        // The bench below a saturated wrk still disagrees: the bench is the one measuring less.
        assert!(check(30_000.0, 0.97).line().contains("DISAGREE (-25%)"));
    }

    #[test]
    fn reads_the_reaped_childrens_cpu_time() {
        // pid (comm with spaces) state ppid pgrp session tty tpgid flags minflt cminflt majflt
        // cmajflt utime stime cutime cstime ...
        let stat = "42 (my bench) S 1 42 42 0 -1 4194560 10 20 0 0 7 3 250 130 20 0 1 0";
        assert_eq!(children_cpu_of(stat), Some(3.8));
        assert_eq!(children_cpu_of("garbage"), None);
        assert!(children_cpu().is_some());
    }
}
