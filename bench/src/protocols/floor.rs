//! The floor: the fastest a round trip of the same payload can go over loopback TCP here.
//! Blocking `std::net` sockets with `TCP_NODELAY`, one OS thread per side, no async runtime,
//! no framing beyond a fixed length. Every other result is shown as a ratio to this.

use super::{Job, Kind, job};
use crate::harness::{Measurement, Settings, histogram, latency_origin};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Starts a blocking echo server that serves `connections` connections, one thread each,
/// echoing `payload`-sized chunks until the client hangs up.
fn echo_server(payload: usize, connections: usize) -> anyhow::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().take(connections).flatten() {
            thread::spawn(move || echo(stream, payload));
        }
    });
    Ok(addr)
}

fn echo(mut stream: TcpStream, payload: usize) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; payload];
    while stream.read_exact(&mut buf).is_ok() && stream.write_all(&buf).is_ok() {}
}

fn connect(addr: std::net::SocketAddr) -> anyhow::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(stream)
}

fn round_trip(stream: &mut TcpStream, out: &[u8], back: &mut [u8]) -> anyhow::Result<()> {
    stream.write_all(out)?;
    stream.read_exact(back)?;
    Ok(())
}

/// Sequential round trips, or scheduled at a fixed rate when `open_loop`.
pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let (payload, warmup, duration, rate) =
        (settings.payload.max(1), settings.warmup, settings.duration, settings.rate.max(1));
    tokio::task::spawn_blocking(move || {
        let mut stream = connect(echo_server(payload, 1)?)?;
        let (out, mut back) = (vec![b'x'; payload], vec![0u8; payload]);
        let warm_until = Instant::now() + warmup;
        while Instant::now() < warm_until {
            round_trip(&mut stream, &out, &mut back)?;
        }
        let mut recorded = histogram();
        let start = Instant::now();
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let mut scheduled = start;
        let mut previous_done = start;
        while scheduled < start + duration {
            if open_loop {
                // Sleep most of the way, then spin: a sleeping thread wakes tens of µs late.
                let early = scheduled.checked_sub(Duration::from_micros(200)).unwrap_or(scheduled);
                thread::sleep(early.saturating_duration_since(Instant::now()));
                while Instant::now() < scheduled {
                    std::hint::spin_loop();
                }
            } else {
                scheduled = Instant::now();
            }
            let sent = Instant::now();
            round_trip(&mut stream, &out, &mut back)?;
            let origin = latency_origin(previous_done, scheduled, sent);
            recorded.saturating_record(origin.elapsed().as_nanos().max(1) as u64);
            previous_done = Instant::now();
            scheduled += interval;
        }
        Ok(Measurement::Latency(recorded))
    })
    .await?
}

/// `settings.connections` blocking clients at once, each on its own thread.
pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let (payload, connections) = (settings.payload.max(1), settings.connections);
    let addr = echo_server(payload, connections)?;
    let measure_from = Instant::now() + settings.warmup;
    let stop_at = measure_from + settings.duration;
    let clients: Vec<_> = (0..connections)
        .map(|_| {
            thread::spawn(move || -> anyhow::Result<u64> {
                let mut stream = connect(addr)?;
                let (out, mut back) = (vec![b'x'; payload], vec![0u8; payload]);
                let mut done = 0;
                loop {
                    let now = Instant::now();
                    if now >= stop_at {
                        return Ok(done);
                    }
                    round_trip(&mut stream, &out, &mut back)?;
                    done += u64::from(now >= measure_from);
                }
            })
        })
        .collect();
    let duration = settings.duration;
    let operations = tokio::task::spawn_blocking(move || {
        clients.into_iter().try_fold(0u64, |total, client| {
            let done = client.join().map_err(|_| anyhow::anyhow!("a floor client panicked"))??;
            anyhow::Ok(total + done)
        })
    })
    .await??;
    Ok(Measurement::Throughput { operations, elapsed: duration })
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    let payload = |s: &Settings| s.payload;
    vec![
        job("floor", "raw TCP ping-pong", Sequential, payload, |s| Box::pin(latency(s, false))),
        job("floor", format!("raw TCP ping-pong @{rate}/s"), FixedRate, payload, |s| {
            Box::pin(latency(s, true))
        }),
        job("floor", format!("raw TCP ping-pong, {n} connections"), Throughput, payload, |s| {
            Box::pin(throughput(s))
        }),
    ]
}
