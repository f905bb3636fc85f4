//! What one protocol's step produced: its transcript and how it ended.

use crate::protocols::Protocol;
use std::time::Duration;

/// The lines a step records as it goes: what it sent, what came back.
#[derive(Debug, Default)]
pub struct Transcript {
    pub lines: Vec<String>,
    echo: bool,
}

impl Transcript {
    /// A line sent by the client (`→`).
    pub fn sent(&mut self, line: impl AsRef<str>) {
        self.push(format!("  → {}", line.as_ref()));
    }

    /// A line that came back (`←`).
    pub fn received(&mut self, line: impl AsRef<str>) {
        self.push(format!("  ← {}", line.as_ref()));
    }

    /// A remark about the step.
    pub fn note(&mut self, line: impl AsRef<str>) {
        self.push(format!("    {}", line.as_ref()));
    }

    fn push(&mut self, line: String) {
        if self.echo {
            println!("{line}");
        }
        self.lines.push(line);
    }
}

/// The measurements a successful step reports.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// One request/response round trip on an open connection (the median of several).
    pub round_trip: Duration,
    /// The size of that request's payload on the wire, in bytes.
    pub payload_bytes: usize,
}

/// How a step ended.
#[derive(Debug)]
pub enum Verdict {
    Ok(Measured),
    /// Could not run here (e.g. no broker); says how to make it run.
    Skipped(String),
    Failed(String),
}

#[derive(Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    pub transcript: Transcript,
}

impl Outcome {
    /// Runs one protocol's step within `limit`, printing its transcript as it goes if `echo`.
    pub async fn run(protocol: Protocol, limit: Duration, echo: bool) -> Self {
        let mut transcript = Transcript { echo, ..Transcript::default() };
        let verdict = match tokio::time::timeout(limit, (protocol.run)(&mut transcript)).await {
            Ok(Ok(Step::Done(measured))) => Verdict::Ok(measured),
            Ok(Ok(Step::Skipped(why))) => Verdict::Skipped(why),
            Ok(Err(error)) => Verdict::Failed(format!("{error:#}")),
            Err(_) => Verdict::Failed(format!("did not finish within {}s", limit.as_secs())),
        };
        match &verdict {
            Verdict::Ok(_) => {}
            Verdict::Skipped(why) => transcript.note(format!("skipped: {why}")),
            Verdict::Failed(why) => transcript.note(format!("FAILED: {why}")),
        }
        Self { verdict, transcript }
    }

    pub fn failed(&self) -> bool {
        matches!(self.verdict, Verdict::Failed(_))
    }
}

/// What a protocol's step returns when it did not fail.
#[derive(Debug)]
pub enum Step {
    Done(Measured),
    Skipped(String),
}

/// How many times each step repeats its timed round trip; the table shows the median, so one
/// scheduling hiccup does not become the number. (Real measurements are the `bench` crate's.)
pub const TIMED_ROUND_TRIPS: usize = 5;

/// Times [`TIMED_ROUND_TRIPS`] calls of `round_trip` and returns the median.
pub async fn median_round_trip<T, E>(
    mut round_trip: impl AsyncFnMut() -> Result<T, E>,
) -> Result<Duration, E> {
    let mut times = Vec::with_capacity(TIMED_ROUND_TRIPS);
    for _ in 0..TIMED_ROUND_TRIPS {
        let started = std::time::Instant::now();
        round_trip().await?;
        times.push(started.elapsed());
    }
    times.sort_unstable();
    Ok(times[times.len() / 2])
}
