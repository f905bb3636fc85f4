//! `jsonrpc-server`: JSON-RPC 2.0 over HTTP. Every call is an HTTP `POST /` with a JSON body.
//!
//! ```text
//! cargo run -p jsonrpc --bin jsonrpc-server
//! # in another terminal:
//! cargo run -p jsonrpc --bin jsonrpc-client
//! # or by hand:
//! curl -s http://127.0.0.1:7880 -H 'content-type: application/json' \
//!      -d '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}'
//! ```

use clap::Parser;
use common::UserStore;
use common::cli::AddrArgs;
use jsonrpc::DEFAULT_PORT;
use jsonrpc::server::{Config, Handlers, serve};
use std::process::ExitCode;

/// Serves the users API and the JSON-RPC specification's example methods over HTTP.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr.addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let handlers = Handlers::new(UserStore::with_sample_users());
    serve(listener, handlers, Config::default(), common::runtime::shutdown_signal()).await?;
    Ok(())
}
