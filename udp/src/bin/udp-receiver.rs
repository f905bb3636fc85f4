//! Receives telemetry readings over UDP and reports, per sender, what UDP does not
//! guarantee: readings lost, duplicated, or delivered out of order.
//!
//! ```text
//! cargo run -p udp --bin udp-receiver
//! ```
//! In another terminal: `cargo run -p udp --bin udp-sender -- --count 20`
//!
//! With `--echo`, every valid reading is sent back to its sender, so that
//! `udp-sender --echo` can measure round-trip time and loss:
//! `cargo run -p udp --bin udp-receiver -- --echo` and
//! `cargo run -p udp --bin udp-sender -- --echo --count 100 --rate 50`.
//!
//! Ctrl-C stops it and prints the final report.

use clap::Parser;
use common::cli::AddrArgs;
use common::runtime::{init_tracing, shutdown_signal};
use std::process::ExitCode;
use std::time::Duration;
use tokio::net::UdpSocket;
use udp::receiver::{self, ReceiverOptions};

/// Receive JSON telemetry readings over UDP and account for every datagram.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<{ udp::DEFAULT_PORT }>,
    /// Send every valid reading back to its sender.
    #[arg(long)]
    echo: bool,
    /// Log the report every this many seconds (0: only at exit).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    report_every: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let addr = args.addr.addr;
    let socket = UdpSocket::bind(addr)
        .await
        .map_err(|error| common::runtime::cannot_listen(addr, &error))?;
    println!("listening on {}", socket.local_addr()?);

    let options = ReceiverOptions {
        echo: args.echo,
        report_every: (args.report_every > 0).then(|| Duration::from_secs(args.report_every)),
    };
    let report = receiver::run(&socket, options, shutdown_signal()).await?;
    println!("{report}");
    Ok(())
}
