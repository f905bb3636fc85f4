//! What an idle connection costs a server: the growth of resident memory (`VmRSS`, from the
//! OS's accounting) while [`IDLE_CONNECTIONS`] connections are opened and left idle.
//!
//! Each protocol is measured in a fresh process of its own (`bench --idle <protocol>`, which
//! the main run starts): inside one long-lived process, memory freed by an earlier scenario is
//! still resident and would be reused without showing. The client side holds plain blocking
//! sockets, which cost no user-space memory, so the growth is the server's. Kernel socket
//! buffers are not in it.

use crate::harness::Settings;
use crate::protocols::{self, Idle};
use anyhow::Context;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

/// Connections held at once: as many as a small server should hold without thinking, and
/// under every example's connection cap (1024).
pub const IDLE_CONNECTIONS: usize = 1000;

/// Time for the server to accept and read everything before memory is read again.
const SETTLE: Duration = Duration::from_millis(500);

/// One protocol's cost per idle connection.
#[derive(Debug)]
pub struct IdleCost {
    pub protocol: &'static str,
    /// What each idle connection sent before falling silent.
    pub sent: &'static str,
    pub bytes_per_connection: f64,
}

/// Measures every selected protocol, each in a child process.
pub fn measure_all(only: &[String]) -> anyhow::Result<Vec<IdleCost>> {
    let exe = std::env::current_exe()?;
    let mut costs = Vec::new();
    for idle in protocols::IDLE
        .iter()
        .filter(|idle| only.is_empty() || only.iter().any(|o| o == idle.protocol))
    {
        let output = std::process::Command::new(&exe).args(["--idle", idle.protocol]).output()?;
        let text = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(
            output.status.success(),
            "bench --idle {}: {}",
            idle.protocol,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        let bytes_per_connection = text
            .trim()
            .parse()
            .with_context(|| format!("bench --idle {} printed {text:?}", idle.protocol))?;
        costs.push(IdleCost { protocol: idle.protocol, sent: idle.sent, bytes_per_connection });
    }
    Ok(costs)
}

/// In the child: start `protocol`'s server, hold the idle connections, print the growth per
/// connection in bytes.
pub async fn measure_one(settings: &Settings, protocol: &str) -> anyhow::Result<()> {
    let idle = protocols::IDLE
        .iter()
        .find(|idle| idle.protocol == protocol)
        .with_context(|| format!("no idle-connection measurement for {protocol}"))?;
    let cost = cost(settings, idle).await?;
    println!("{cost:.0}");
    Ok(())
}

async fn cost(settings: &Settings, idle: &Idle) -> anyhow::Result<f64> {
    let addr = (idle.start)(settings).await?;
    tokio::time::sleep(SETTLE).await;
    let before = resident_bytes()?;
    let hello = idle.hello;
    let held = tokio::task::spawn_blocking(move || {
        (0..IDLE_CONNECTIONS)
            .map(|_| {
                let mut stream = TcpStream::connect(addr)?;
                stream.write_all(hello)?;
                Ok(stream)
            })
            .collect::<std::io::Result<Vec<_>>>()
    })
    .await??;
    tokio::time::sleep(SETTLE).await;
    let after = resident_bytes()?;
    drop(held);
    Ok(after.saturating_sub(before) as f64 / IDLE_CONNECTIONS as f64)
}

/// This process's resident memory, from `/proc/self/status`.
fn resident_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("no /proc (not Linux?)")?;
    parse_vm_rss(&status).context("no VmRSS in /proc/self/status")
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tbench\nVmPeak:\t  123 kB\nVmRSS:\t   20480 kB\nRssAnon:\t 1 kB\n";
        assert_eq!(parse_vm_rss(status), Some(20480 * 1024));
        assert_eq!(parse_vm_rss("Name:\tbench\n"), None);
    }

    #[test]
    fn this_process_has_a_resident_size() {
        assert!(resident_bytes().unwrap() > 1024 * 1024);
    }
}
