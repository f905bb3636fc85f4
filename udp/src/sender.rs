//! The sending side: emit numbered readings at a steady rate; in echo mode, match the
//! echoes to measure round-trip time and loss.

use crate::{EncodeError, Reading};
use std::fmt;
use std::io;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;
use tokio::time::{self, MissedTickBehavior};
use tracing::{debug, warn};

/// How many recent send times are kept for matching echoes. An echo that comes back after
/// this many newer readings were sent is too late to be timed and counts as lost; the
/// memory stays fixed however many readings are sent.
const ECHO_SLOTS: usize = 4096;

/// What to send.
#[derive(Debug, Clone)]
pub struct SenderOptions {
    /// The sensor name put in every reading.
    pub sensor: String,
    /// How many readings to send (sequence numbers 1..=count).
    pub count: u64,
    /// Readings per second; 0 sends as fast as the socket allows.
    pub rate: f64,
    /// Wait for each reading to be echoed back, and for how long after the last send.
    pub echo_timeout: Option<Duration>,
}

impl Default for SenderOptions {
    fn default() -> Self {
        Self { sensor: "sensor-1".into(), count: 10, rate: 10.0, echo_timeout: None }
    }
}

/// What the sender can tell about its own run.
#[derive(Debug, Clone, Default)]
pub struct SendReport {
    pub sent: u64,
    /// How often the OS reported that nothing listens at the target ("connection refused",
    /// from an ICMP port-unreachable), on a send or while waiting for echoes.
    pub refused: u64,
    pub elapsed: Duration,
    /// Round-trip times of the echoed readings, in arrival order; empty without echo.
    pub round_trips: Vec<Duration>,
    pub echo: bool,
}

impl SendReport {
    /// Readings that were sent but never came back (echo mode only).
    pub fn lost(&self) -> u64 {
        self.sent.saturating_sub(self.round_trips.len() as u64)
    }

    /// The round-trip time below which `quantile` (0.0..=1.0) of the echoes came back.
    pub fn round_trip_quantile(&self, quantile: f64) -> Option<Duration> {
        let mut sorted = self.round_trips.clone();
        sorted.sort_unstable();
        let last = sorted.len().checked_sub(1)?;
        sorted.get(((last as f64) * quantile.clamp(0.0, 1.0)).round() as usize).copied()
    }
}

impl fmt::Display for SendReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sent {} readings in {:.2?}", self.sent, self.elapsed)?;
        if self.refused > 0 {
            write!(f, " ({} refused: is a receiver running?)", self.refused)?;
        }
        if self.echo {
            let echoed = self.round_trips.len();
            write!(f, "\nechoed {echoed}/{}, lost {}", self.sent, self.lost())?;
            if let (Some(min), Some(p50), Some(p99), Some(max)) = (
                self.round_trip_quantile(0.0),
                self.round_trip_quantile(0.5),
                self.round_trip_quantile(0.99),
                self.round_trip_quantile(1.0),
            ) {
                write!(
                    f,
                    "\nround trip: min {min:.1?}, p50 {p50:.1?}, p99 {p99:.1?}, max {max:.1?}"
                )?;
            }
        }
        Ok(())
    }
}

/// Sends `options.count` readings to the peer `socket` is connected to, and in echo mode
/// times the echoes as they come back.
///
/// The socket must be `connect`ed: then the OS delivers only the peer's datagrams to it, and
/// reports a missing receiver ("connection refused", from an ICMP port-unreachable) instead
/// of dropping our datagrams without a word. Such refusals are counted, not fatal: UDP has no
/// connection to lose, and the receiver may start later.
pub async fn run(socket: &UdpSocket, options: &SenderOptions) -> io::Result<SendReport> {
    let started = Instant::now();
    let echo = options.echo_timeout.is_some();
    let mut report = SendReport { echo, ..SendReport::default() };
    let mut sent_at = vec![(0u64, None::<Instant>); ECHO_SLOTS];
    let mut pacer = Pacer::new(options.rate);
    let mut buf = vec![0u8; crate::MAX_DATAGRAM + 1];
    let mut next_seq = 1;
    let mut echo_deadline = None;

    loop {
        let all_sent = next_seq > options.count;
        let all_back = report.round_trips.len() as u64 >= report.sent;
        if all_sent && (!echo || all_back) {
            break;
        }
        if all_sent && echo_deadline.is_none() {
            echo_deadline = options.echo_timeout.map(|timeout| time::Instant::now() + timeout);
        }
        tokio::select! {
            () = pacer.wait(), if !all_sent => {
                let reading = sample_reading(&options.sensor, next_seq);
                let datagram = crate::encode(&reading).map_err(invalid_input)?;
                sent_at[slot(next_seq)] = (next_seq, Some(Instant::now()));
                match socket.send(&datagram).await {
                    Ok(_) => report.sent += 1,
                    Err(error) if is_refused(&error) => report.refused += 1,
                    Err(error) => return Err(error),
                }
                next_seq += 1;
            }
            received = socket.recv(&mut buf), if echo => match received {
                Ok(len) => match crate::decode(&buf[..len]) {
                    Ok(echoed) => match &mut sent_at[slot(echoed.seq)] {
                        // Taking the send time out means a duplicated echo is not timed twice.
                        (seq, sent) if *seq == echoed.seq => match sent.take() {
                            Some(sent) => report.round_trips.push(sent.elapsed()),
                            None => debug!(seq, "duplicate echo ignored"),
                        },
                        _ => debug!(seq = echoed.seq, "echo too late to time; ignored"),
                    },
                    Err(error) => warn!(%error, "invalid echo ignored"),
                },
                Err(error) if is_refused(&error) => report.refused += 1,
                Err(error) => return Err(error),
            },
            () = sleep_until(echo_deadline), if echo_deadline.is_some() => break,
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// A made-up but plausible greenhouse temperature: a slow wave around 21 °C.
pub fn sample_reading(sensor: &str, seq: u64) -> Reading {
    let value = 21.0 + 2.0 * (seq as f64 / 10.0).sin();
    Reading::now(sensor, seq, (value * 100.0).round() / 100.0, "°C")
}

/// Spaces the sends `1 / rate` seconds apart; no spacing at all for a rate of 0.
struct Pacer(Option<time::Interval>);

impl Pacer {
    fn new(rate: f64) -> Self {
        Self((rate.is_finite() && rate > 0.0).then(|| {
            let period = Duration::from_secs_f64(1.0 / rate).max(Duration::from_nanos(1));
            let mut interval = time::interval(period);
            // After a stall, carry on at the rate instead of sending a burst to catch up.
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        }))
    }

    async fn wait(&mut self) {
        match &mut self.0 {
            Some(interval) => {
                interval.tick().await;
            }
            None => tokio::task::yield_now().await,
        }
    }
}

async fn sleep_until(deadline: Option<time::Instant>) {
    match deadline {
        Some(deadline) => time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn slot(seq: u64) -> usize {
    (seq % ECHO_SLOTS as u64) as usize
}

fn is_refused(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::ConnectionRefused
}

fn invalid_input(error: EncodeError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error)
}
