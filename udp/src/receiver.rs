//! The receiving side: read datagrams, account for every one, optionally echo readings back.

use crate::report::Report;
use crate::tracker::Arrival;
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::{self, MissedTickBehavior};
use tracing::{debug, info, warn};

/// The largest possible UDP payload. Reading into a buffer this size means an oversize
/// datagram is measured and refused, never silently truncated into something that parses.
const RECV_BUFFER: usize = 65_536;

/// How the receiver behaves.
#[derive(Debug, Clone, Default)]
pub struct ReceiverOptions {
    /// Send every valid reading back to where it came from (for round-trip measurements).
    pub echo: bool,
    /// Log the report this often; `None` only at the end.
    pub report_every: Option<Duration>,
}

/// Receives until `shutdown` completes, then returns the final report.
///
/// Nothing a peer sends ends this loop: invalid datagrams are counted and logged, and
/// socket errors (such as an ICMP "port unreachable" for an echo to a vanished sender) are
/// logged and skipped.
pub async fn run(
    socket: &UdpSocket,
    options: ReceiverOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<Report> {
    let mut report = Report::default();
    let mut buf = vec![0u8; RECV_BUFFER];
    let mut ticker = time::interval(options.report_every.unwrap_or(Duration::MAX / 4));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker.tick().await; // the first tick is immediate; skip it
    tokio::pin!(shutdown);

    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticker.tick() => info!("report so far:\n{report}"),
            received = socket.recv_from(&mut buf) => {
                let (len, from) = match received {
                    Ok(received) => received,
                    Err(error) => {
                        warn!(%error, "receive failed; carrying on");
                        continue;
                    }
                };
                let datagram = &buf[..len];
                let Some(stats) = report.sender(from) else {
                    debug!(%from, "sender table full; datagram only counted");
                    continue;
                };
                match crate::decode(datagram) {
                    Ok(reading) => {
                        let arrival = stats.sequence.record(reading.seq);
                        info!(
                            %from, sensor = %reading.sensor, seq = reading.seq,
                            value = reading.value, unit = %reading.unit,
                            "reading{}", arrival_note(arrival)
                        );
                        if stats.sensor != reading.sensor {
                            stats.sensor = reading.sensor;
                        }
                        if options.echo
                            && let Err(error) = socket.send_to(datagram, from).await
                        {
                            warn!(%from, %error, "echo failed");
                        }
                    }
                    Err(error) => {
                        stats.invalid += 1;
                        warn!(%from, len, %error, "invalid datagram ignored");
                    }
                }
            }
        }
    }
    Ok(report)
}

/// A convenience for the tour and the benchmark: binds `addr`, then receives on it in a
/// background task until `shutdown` completes; the task returns the final report.
pub async fn spawn(
    addr: std::net::SocketAddr,
    options: ReceiverOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<(std::net::SocketAddr, tokio::task::JoinHandle<io::Result<Report>>)> {
    let socket = UdpSocket::bind(addr).await?;
    let local = socket.local_addr()?;
    Ok((local, tokio::spawn(async move { run(&socket, options, shutdown).await })))
}

fn arrival_note(arrival: Arrival) -> &'static str {
    match arrival {
        Arrival::InOrder => "",
        Arrival::Late => " (out of order)",
        Arrival::Duplicate => " (duplicate)",
        Arrival::TooOld => " (out of order, too old to check for duplicates)",
    }
}
