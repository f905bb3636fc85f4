//! Serves the `Directory` of `slice/users.ice` as the Ice object `users`, speaking ZeroC's Ice
//! protocol 1.0 with encoding 1.1, so ZeroC's own runtimes can call it.
//!
//! ```text
//! cargo run -p ice --bin ice-server
//! ```
//! In another terminal: `cargo run -p ice --bin ice-client`, or ZeroC's Python runtime:
//! `/usr/bin/python3 ice/tests/peers/directory_client.py 127.0.0.1 10000`. The proxy in
//! Ice's own notation is `users:tcp -h 127.0.0.1 -p 10000`.
//!
//! Ctrl-C stops accepting, lets open connections finish their request, sends each of them
//! close-connection, and exits.

use clap::Parser;
use common::UserStore;
use common::cli::AddrArgs;
use common::runtime::{init_tracing, shutdown_signal};
use ice::server::{self, Config};
use std::process::ExitCode;
use std::time::Duration;

/// Serve the Users::Directory Ice object `users`.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<{ ice::DEFAULT_PORT }>,
    /// Close a connection that sends no message for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    idle_timeout: u64,
    /// Refuse messages larger than this many bytes (the header included).
    #[arg(long, value_name = "BYTES", default_value_t = ice::MAX_MESSAGE)]
    max_message: usize,
    /// Serve at most this many connections at once.
    #[arg(long, default_value_t = 1024)]
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

    let config = Config {
        idle_timeout: Duration::from_secs(args.idle_timeout),
        max_message: args.max_message,
        max_connections: args.max_connections,
        ..Config::default()
    };
    server::serve(listener, UserStore::with_sample_users(), config, shutdown_signal()).await?;
    Ok(())
}
