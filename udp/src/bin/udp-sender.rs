//! Sends numbered telemetry readings over UDP, one JSON reading per datagram, at a steady
//! rate; with `--echo`, waits for each to come back and reports round-trip time and loss.
//!
//! First start the receiver:
//! ```text
//! cargo run -p udp --bin udp-receiver -- --echo
//! ```
//! In another terminal:
//! ```text
//! cargo run -p udp --bin udp-sender -- --count 20 --rate 10
//! cargo run -p udp --bin udp-sender -- --echo --count 100 --rate 50
//! ```

use anyhow::Context;
use clap::Parser;
use common::cli::AddrArgs;
use common::runtime::init_tracing;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;
use tokio::net::UdpSocket;
use udp::sender::{self, SenderOptions};

/// Send JSON telemetry readings over UDP.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<{ udp::DEFAULT_PORT }>,
    /// How many readings to send.
    #[arg(long, default_value_t = 10)]
    count: u64,
    /// Readings per second (0: as fast as possible).
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// The sensor name carried in every reading.
    #[arg(long, default_value = "greenhouse-1")]
    sensor: String,
    /// Expect every reading back from a receiver started with --echo; report round trips.
    #[arg(long)]
    echo: bool,
    /// In echo mode, how long to wait for the last echoes after the last send.
    #[arg(long, value_name = "MILLISECONDS", default_value_t = 1000)]
    echo_timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let target = args.addr.addr;
    // Any local port, on the address family of the target.
    let local: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await.context("cannot bind a local UDP socket")?;
    socket.connect(target).await.with_context(|| format!("cannot address {target}"))?;

    println!(
        "sending {} readings from {} to {target} at {}",
        args.count,
        socket.local_addr()?,
        if args.rate > 0.0 { format!("{}/s", args.rate) } else { "full speed".into() }
    );
    let options = SenderOptions {
        sensor: args.sensor,
        count: args.count,
        rate: args.rate,
        echo_timeout: args.echo.then(|| Duration::from_millis(args.echo_timeout)),
    };
    let report = sender::run(&socket, &options).await?;
    println!("{report}");
    Ok(())
}
