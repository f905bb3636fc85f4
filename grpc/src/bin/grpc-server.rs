//! The gRPC server: `UserService` (unary, server-streaming, client-streaming and
//! bidirectional calls), health and reflection, on one port.
//!
//! ```text
//! cargo run -p grpc --bin grpc-server
//! ```
//! In another terminal: `cargo run -p grpc --bin grpc-client -- get 1`
//!
//! `--token SECRET` (or `GRPC_TOKEN=SECRET`) makes every `UserService` call require
//! `authorization: Bearer SECRET`; without it, auth is off.

use clap::Parser;
use common::UserStore;
use common::cli::AddrArgs;
use grpc::server::{self, Config};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "gRPC UserService server with health and reflection")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<50051>,
    /// Require this bearer token on every UserService call (health and reflection stay open).
    #[arg(long, env = "GRPC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Hold back every GetUser answer and ListUsers stream this many milliseconds: a slow
    /// server on demand, to watch a client's deadline (`grpc-client --timeout-ms`) expire.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr.addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let config = Config {
        token: args.token,
        delay: std::time::Duration::from_millis(args.delay_ms),
        ..Config::new(UserStore::with_sample_users())
    };
    server::serve(listener, config, common::runtime::shutdown_signal()).await?;
    Ok(())
}
