//! The cross-check with a standard tool: when `wrk` is on PATH, it loads `rest` and bare hyper
//! exactly as the HTTP/1.1 generator does (one thread, [`IN_FLIGHT`] connections, `GET
//! /users/1`), and the two tools' numbers are printed side by side. They should agree within
//! 20 %; if they do not, one of the two is measuring itself.

use crate::harness::Settings;
use crate::load::IN_FLIGHT;
use crate::protocols::rest;
use crate::report::Row;
use std::net::SocketAddr;
use std::process::Command;

/// How far apart the two tools may be.
pub const AGREE_WITHIN: f64 = 0.2;

/// One server loaded by both tools.
#[derive(Debug)]
pub struct CrossCheck {
    pub server: &'static str,
    pub wrk: f64,
    pub bench: Option<f64>,
}

impl CrossCheck {
    /// bench ÷ wrk - 1, e.g. -0.05 when the bench measured 5 % less.
    pub fn apart(&self) -> Option<f64> {
        Some(self.bench? / self.wrk - 1.0)
    }

    pub fn line(&self) -> String {
        let bench = self.bench.map_or("not measured".into(), |b| format!("{b:.0}/s"));
        let verdict = match self.apart() {
            Some(apart) if apart.abs() <= AGREE_WITHIN => format!("agree ({:+.0}%)", apart * 100.0),
            Some(apart) => format!("DISAGREE ({:+.0}%)", apart * 100.0),
            None => "-".into(),
        };
        format!(
            "wrk -t1 -c{IN_FLIGHT} {:<18} {:>8.0}/s   bench {bench:>10}   {verdict}",
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
        let wrk = tokio::task::spawn_blocking(move || run_wrk(addr, seconds)).await??;
        checks.push(CrossCheck { server, wrk, bench });
    }
    Ok(Some(checks))
}

/// `wrk -t1 -c64 -d<seconds>s http://addr/users/1`: requests per second.
fn run_wrk(addr: SocketAddr, seconds: u64) -> anyhow::Result<f64> {
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
    parse(&text)
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
        let check = |bench| CrossCheck { server: "rest", wrk: 40_000.0, bench: Some(bench) };
        assert!(check(36_000.0).line().contains("agree (-10%)"));
        assert!(check(50_000.0).line().contains("DISAGREE (+25%)"));
    }
}
