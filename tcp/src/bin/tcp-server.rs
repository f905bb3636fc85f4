//! Serves the line protocol of the `tcp` crate: PING, ECHO, GET and CREATE of users, HELP,
//! QUIT, one line per request and per response.
//!
//! ```text
//! cargo run -p tcp --bin tcp-server
//! ```
//! In another terminal: `cargo run -p tcp --bin tcp-client -- ECHO hello`, or type the
//! commands yourself: `nc 127.0.0.1 7878` (or `telnet 127.0.0.1 7878`), then `HELP`.
//!
//! Ctrl-C stops accepting, lets open connections finish their request, and exits.

use clap::Parser;
use common::UserStore;
use common::cli::AddrArgs;
use common::runtime::{init_tracing, listen, shutdown_signal};
use std::process::ExitCode;
use std::time::Duration;
use tcp::server::{self, Config};

/// Serve a line-based request/response protocol over TCP.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<{ tcp::DEFAULT_PORT }>,
    /// Close a connection that sends no complete line for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    idle_timeout: u64,
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
    let listener = listen(args.addr.addr).await?;
    println!("listening on {}", listener.local_addr()?);

    let config = Config {
        idle_timeout: Duration::from_secs(args.idle_timeout),
        max_connections: args.max_connections,
        ..Config::default()
    };
    server::serve(listener, UserStore::with_sample_users(), config, shutdown_signal()).await?;
    Ok(())
}
