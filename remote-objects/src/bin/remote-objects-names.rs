//! The naming service: servers register their objects here under names, clients look the
//! names up. Every registration is a lease that the server must renew; a server that dies
//! drops out within one lease.
//!
//! ```text
//! cargo run -p remote-objects --bin remote-objects-names
//! ```
//! In another terminal: `cargo run -p remote-objects --bin remote-objects-server`, then in a
//! third: `cargo run -p remote-objects --bin remote-objects-client -- names`.

use clap::Parser;
use common::cli::AddrArgs;
use common::runtime::{init_tracing, shutdown_signal};
use remote_objects::names::{self, Registry};
use std::process::ExitCode;
use std::time::Duration;

/// Run the naming service of the remote-objects example.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<{ remote_objects::DEFAULT_PORT }>,
    /// How long a registration lives unless the server renews it.
    #[arg(long, value_name = "MILLISECONDS", default_value_t = 10_000)]
    lease_ms: u64,
    /// Serve at most this many connections at once.
    #[arg(long, default_value_t = 256)]
    max_connections: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr.addr).await?;
    println!("listening on {}", listener.local_addr()?);

    let registry = Registry::new(names::Config {
        lease: Duration::from_millis(args.lease_ms.max(100)),
        ..names::Config::default()
    });
    let config = remote_objects::server::Config {
        max_connections: args.max_connections,
        ..Default::default()
    };
    names::serve(listener, registry, config, shutdown_signal()).await?;
    Ok(())
}
