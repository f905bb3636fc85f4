//! The floors: the fastest a round trip of the same payload can go over loopback here, with
//! no runtime, no framing beyond a fixed length, one OS thread per side. Measured twice per
//! transport, because on a virtual machine the two differ several times over:
//!
//! - **busy-poll**: non-blocking sockets, both sides spinning on `WouldBlock`. What loopback
//!   itself costs: the reference every latency ratio is taken against.
//! - **blocking**: each side sleeps in `read` until the bytes arrive. What a thread that
//!   sleeps between messages pays on top, mostly the wake-up of an idle CPU.
//!
//! A protocol row below its transport's busy-poll floor is a bug of the bench (main.rs says so).

use super::{Job, Kind, job};
use crate::harness::{Measurement, Settings, histogram, latency_origin};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How a side waits for its peer's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Block,
    Spin,
}

/// Runs `op` once when blocking (a `WouldBlock` then is the read timeout: an error); when
/// spinning, until it stops saying `WouldBlock`.
fn retry<T>(wait: Wait, mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match op() {
            Err(error) if wait == Wait::Spin && error.kind() == ErrorKind::WouldBlock => {
                std::hint::spin_loop();
            }
            done => return done,
        }
    }
}

/// Fills `buf` from a stream, blocking or spinning; `Ok(false)` when the peer hung up.
fn read_full(stream: &mut TcpStream, wait: Wait, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match retry(wait, || stream.read(&mut buf[filled..]))? {
            0 => return Ok(false),
            n => filled += n,
        }
    }
    Ok(true)
}

fn write_full(stream: &mut TcpStream, wait: Wait, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = retry(wait, || stream.write(buf))?;
        buf = &buf[n..];
    }
    Ok(())
}

fn tcp_configure(stream: &TcpStream, wait: Wait) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_nonblocking(wait == Wait::Spin)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))
}

/// A TCP echo server for `connections` connections, one thread each, echoing
/// `payload`-sized chunks until the client hangs up.
fn tcp_echo(payload: usize, connections: usize, wait: Wait) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for mut stream in listener.incoming().take(connections).flatten() {
            thread::spawn(move || -> io::Result<()> {
                tcp_configure(&stream, wait)?;
                let mut buf = vec![0u8; payload];
                while read_full(&mut stream, wait, &mut buf)? {
                    write_full(&mut stream, wait, &buf)?;
                }
                Ok(())
            });
        }
    });
    Ok(addr)
}

fn tcp_client(addr: SocketAddr, wait: Wait) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    tcp_configure(&stream, wait)?;
    Ok(stream)
}

/// One TCP round trip of `out`, answered into `back`.
fn tcp_round_trip(
    stream: &mut TcpStream,
    wait: Wait,
    out: &[u8],
    back: &mut [u8],
) -> io::Result<()> {
    write_full(stream, wait, out)?;
    if read_full(stream, wait, back)? { Ok(()) } else { Err(ErrorKind::UnexpectedEof.into()) }
}

/// A UDP echo thread that stops once `done` is set.
fn udp_echo(payload: usize, wait: Wait, done: Arc<AtomicBool>) -> io::Result<SocketAddr> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let addr = socket.local_addr()?;
    socket.set_nonblocking(wait == Wait::Spin)?;
    socket.set_read_timeout(Some(Duration::from_millis(50)))?;
    thread::spawn(move || {
        let mut buf = vec![0u8; payload.max(1)];
        while !done.load(Ordering::Relaxed) {
            match socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let _ = retry(wait, || socket.send_to(&buf[..n], from));
                }
                // Spinning: nothing yet. Blocking: the read timeout, to look at `done` again.
                Err(error) if error.kind() == ErrorKind::WouldBlock => std::hint::spin_loop(),
                Err(_) => return,
            }
        }
    });
    Ok(addr)
}

/// Round trips of one transport and waiting style, measured on a thread of their own.
fn measure(
    settings: &Settings,
    open_loop: bool,
    mut round_trip: impl FnMut() -> io::Result<()>,
) -> anyhow::Result<Measurement> {
    let warm_until = Instant::now() + settings.warmup;
    while Instant::now() < warm_until {
        round_trip()?;
    }
    let mut recorded = histogram();
    let start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / settings.rate.max(1) as f64);
    let mut scheduled = start;
    let mut previous_done = start;
    while scheduled < start + settings.duration {
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
        round_trip()?;
        let origin = latency_origin(previous_done, scheduled, sent);
        recorded.saturating_record(origin.elapsed().as_nanos().max(1) as u64);
        previous_done = Instant::now();
        scheduled += interval;
    }
    Ok(Measurement::Latency(recorded))
}

async fn tcp_latency(
    settings: &Settings,
    wait: Wait,
    open_loop: bool,
) -> anyhow::Result<Measurement> {
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || {
        let payload = settings.payload.max(1);
        let mut stream = tcp_client(tcp_echo(payload, 1, wait)?, wait)?;
        let (out, mut back) = (vec![b'x'; payload], vec![0u8; payload]);
        measure(&settings, open_loop, || tcp_round_trip(&mut stream, wait, &out, &mut back))
    })
    .await?
}

async fn udp_latency(
    settings: &Settings,
    wait: Wait,
    open_loop: bool,
) -> anyhow::Result<Measurement> {
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || {
        let payload = settings.payload.max(1);
        let done = Arc::new(AtomicBool::new(false));
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.connect(udp_echo(payload, wait, done.clone())?)?;
        socket.set_nonblocking(wait == Wait::Spin)?;
        socket.set_read_timeout(Some(Duration::from_secs(2)))?;
        let (out, mut back) = (vec![b'x'; payload], vec![0u8; payload]);
        let measured = measure(&settings, open_loop, || {
            retry(wait, || socket.send(&out))?;
            retry(wait, || socket.recv(&mut back)).map(drop)
        });
        done.store(true, Ordering::Relaxed);
        measured
    })
    .await?
}

/// `settings.connections` blocking clients at once, each on its own thread.
pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let (payload, connections) = (settings.payload.max(1), settings.connections);
    let addr = tcp_echo(payload, connections, Wait::Block)?;
    let measure_from = Instant::now() + settings.warmup;
    let stop_at = measure_from + settings.duration;
    let clients: Vec<_> = (0..connections)
        .map(|_| {
            thread::spawn(move || -> anyhow::Result<u64> {
                let mut stream = tcp_client(addr, Wait::Block)?;
                let (out, mut back) = (vec![b'x'; payload], vec![0u8; payload]);
                let mut done = 0;
                loop {
                    let now = Instant::now();
                    if now >= stop_at {
                        return Ok(done);
                    }
                    tcp_round_trip(&mut stream, Wait::Block, &out, &mut back)?;
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

/// The floors, in the order the report lists them; the busy-poll ones are the references.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    let payload = |s: &Settings| s.payload;
    vec![
        job("floor", "TCP ping-pong, busy-poll", Sequential, payload, |s| {
            Box::pin(tcp_latency(s, Wait::Spin, false))
        })
        .reference(),
        job("floor", "TCP ping-pong, blocking", Sequential, payload, |s| {
            Box::pin(tcp_latency(s, Wait::Block, false))
        }),
        job("floor", "UDP ping-pong, busy-poll", Sequential, payload, |s| {
            Box::pin(udp_latency(s, Wait::Spin, false))
        })
        .over_udp()
        .reference(),
        job("floor", "UDP ping-pong, blocking", Sequential, payload, |s| {
            Box::pin(udp_latency(s, Wait::Block, false))
        })
        .over_udp(),
        job("floor", format!("TCP ping-pong, busy-poll @{rate}/s"), FixedRate, payload, |s| {
            Box::pin(tcp_latency(s, Wait::Spin, true))
        })
        .reference(),
        job("floor", format!("UDP ping-pong, busy-poll @{rate}/s"), FixedRate, payload, |s| {
            Box::pin(udp_latency(s, Wait::Spin, true))
        })
        .over_udp()
        .reference(),
        job(
            "floor",
            format!("TCP ping-pong, blocking, {n} connections"),
            Throughput,
            payload,
            |s| Box::pin(throughput(s)),
        )
        .reference(),
    ]
}
