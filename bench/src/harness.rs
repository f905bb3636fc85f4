//! How every number is made: warm-up, then a fixed duration of measured work.
//!
//! - **Sequential latency (closed loop):** one client, one request at a time, each round trip
//!   recorded in an HdrHistogram (nanoseconds, 3 significant digits).
//! - **Fixed-rate latency (open loop):** requests are *scheduled* at a fixed rate and each
//!   latency is measured from its scheduled time, not from when it was actually sent. A stall
//!   therefore shows up in every request it delayed, instead of being hidden by the client
//!   politely waiting (coordinated omission).
//! - **Throughput:** several clients, each doing sequential round trips, run concurrently for
//!   the duration; completed operations per second, and the CPU time each side spent meanwhile.

use crate::cpu;
use hdrhistogram::Histogram;
use std::sync::Mutex;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The knobs every scenario obeys.
#[derive(Debug, Clone)]
pub struct Settings {
    pub warmup: Duration,
    pub duration: Duration,
    /// Application payload per request, in bytes, where the protocol carries free data.
    pub payload: usize,
    /// Requests per second for the open-loop latency runs.
    pub rate: u64,
    /// Concurrent clients for the throughput runs.
    pub connections: usize,
    /// The runtime the servers run on, apart from the clients' runtime.
    pub server: tokio::runtime::Handle,
}

impl Settings {
    /// A payload of `self.payload` printable bytes, the same for every protocol.
    pub fn payload_text(&self) -> String {
        "x".repeat(self.payload)
    }
}

/// What one scenario measured.
#[derive(Debug)]
pub enum Measurement {
    /// Round-trip times in nanoseconds.
    Latency(Histogram<u64>),
    Throughput {
        operations: u64,
        elapsed: Duration,
    },
    /// Could not run here (no broker); says why.
    Skipped(String),
}

impl Measurement {
    pub fn per_second(&self) -> Option<f64> {
        match self {
            Self::Throughput { operations, elapsed } => {
                Some(*operations as f64 / elapsed.as_secs_f64())
            }
            Self::Latency(_) | Self::Skipped(_) => None,
        }
    }
}

pub fn histogram() -> Histogram<u64> {
    // 1 ns to 60 s, 3 significant digits: fixed memory, ample range.
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds")
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX).max(1)
}

/// Latency of `round_trip`: fixed-rate ([`open_loop`]) or sequential ([`closed_loop`]).
pub async fn latency(
    settings: &Settings,
    open_loop: bool,
    round_trip: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Measurement> {
    if open_loop {
        self::open_loop(settings, round_trip).await
    } else {
        closed_loop(settings, round_trip).await
    }
}

/// Round trips, unrecorded, for `settings.warmup`: connections, caches and allocators settle.
async fn warm_up(
    settings: &Settings,
    round_trip: &mut impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let warm_until = Instant::now() + settings.warmup;
    while Instant::now() < warm_until {
        round_trip().await?;
    }
    Ok(())
}

/// Sequential round trips: warm up, then record each one for `settings.duration`.
pub async fn closed_loop(
    settings: &Settings,
    mut round_trip: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Measurement> {
    warm_up(settings, &mut round_trip).await?;
    let mut recorded = histogram();
    let stop_at = Instant::now() + settings.duration;
    loop {
        let started = Instant::now();
        if started >= stop_at {
            break;
        }
        round_trip().await?;
        recorded.saturating_record(nanos(started.elapsed()));
    }
    Ok(Measurement::Latency(recorded))
}

/// Round trips scheduled at `settings.rate` per second, each timed from its scheduled start.
pub async fn open_loop(
    settings: &Settings,
    mut round_trip: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Measurement> {
    warm_up(settings, &mut round_trip).await?;
    let interval = Duration::from_secs_f64(1.0 / settings.rate.max(1) as f64);
    let mut recorded = histogram();
    let start = Instant::now();
    let stop_at = start + settings.duration;
    let mut scheduled = start;
    let mut previous_done = start;
    while scheduled < stop_at {
        wait_until(scheduled).await;
        let sent = Instant::now();
        round_trip().await?;
        recorded.saturating_record(nanos(latency_origin(previous_done, scheduled, sent).elapsed()));
        previous_done = Instant::now();
        scheduled += interval;
    }
    Ok(Measurement::Latency(recorded))
}

/// Waits for `deadline` precisely: tokio's timer has millisecond resolution, too coarse for
/// schedules of a few hundred microseconds, so the last millisecond is spent yielding.
async fn wait_until(deadline: Instant) {
    if let Some(early) = deadline.checked_sub(Duration::from_millis(1)) {
        tokio::time::sleep_until(early).await;
    }
    while Instant::now() < deadline {
        tokio::task::yield_now().await;
    }
}

/// Where an open-loop latency is counted from: the scheduled time when the previous request
/// was still running then (the server held this one up: coordinated omission, corrected), and
/// otherwise the moment it was really sent, so a timer that wakes late is not charged to the
/// server (tokio's timers have millisecond resolution).
pub fn latency_origin<I: PartialOrd + Copy>(previous_done: I, scheduled: I, sent: I) -> I {
    if previous_done > scheduled { scheduled } else { sent }
}

/// The measured part of a throughput run: from the end of the warm-up, for
/// `settings.duration`. Starting one also has the CPU time both sides spend inside it read at
/// its two ends, for [`window_cpu`].
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub measure_from: Instant,
    pub stop_at: Instant,
}

/// The CPU reading of the last [`Window`] started, until [`window_cpu`] takes it.
static WINDOW_CPU: Mutex<Option<JoinHandle<Option<cpu::Spent>>>> = Mutex::new(None);

impl Window {
    /// Starts the warm-up now. Must be called on the clients' runtime.
    pub fn start(settings: &Settings) -> Self {
        let measure_from = Instant::now() + settings.warmup;
        let stop_at = measure_from + settings.duration;
        let reading = tokio::spawn(async move {
            tokio::time::sleep_until(measure_from).await;
            let before = cpu::now()?;
            tokio::time::sleep_until(stop_at).await;
            Some(cpu::now()? - before)
        });
        if let Some(earlier) = WINDOW_CPU.lock().unwrap_or_else(|e| e.into_inner()).replace(reading)
        {
            earlier.abort();
        }
        Self { measure_from, stop_at }
    }

    /// Whether an operation seen at `now` is counted: `None` once the window is over.
    pub fn counts(&self, now: Instant) -> Option<bool> {
        (now < self.stop_at).then_some(now >= self.measure_from)
    }
}

/// The CPU time the server's and the clients' threads spent during the last [`Window`] of the
/// job that just ran; `None` if it used none (latency rows, brokers, threads of its own).
pub async fn window_cpu() -> Option<cpu::Spent> {
    let reading = WINDOW_CPU.lock().unwrap_or_else(|e| e.into_inner()).take()?;
    reading.await.ok().flatten()
}

/// Each client does sequential round trips, all clients at once, for the duration.
pub async fn throughput<C>(
    settings: &Settings,
    clients: Vec<C>,
    round_trip: impl AsyncFn(&mut C) -> anyhow::Result<()>,
) -> anyhow::Result<Measurement> {
    let round_trip = &round_trip;
    let window = Window::start(settings);
    let runs = clients.into_iter().map(|mut client| async move {
        let mut done = 0u64;
        while let Some(counted) = window.counts(Instant::now()) {
            round_trip(&mut client).await?;
            done += u64::from(counted);
        }
        anyhow::Ok(done)
    });
    let counts = futures_util::future::try_join_all(runs).await?;
    Ok(Measurement::Throughput { operations: counts.iter().sum(), elapsed: settings.duration })
}
