//! `xmlrpc-server`: XML-RPC over HTTP. Every call is an HTTP `POST /RPC2` with a `<methodCall>`
//! document as its body: the users API, introspection, `system.multicall` and validator1.
//!
//! ```text
//! cargo run -p xmlrpc --bin xmlrpc-server
//! # in another terminal:
//! cargo run -p xmlrpc --bin xmlrpc-client
//! # or with Python's standard library:
//! python3 -c 'import xmlrpc.client as x; print(x.ServerProxy("http://127.0.0.1:7881/RPC2").users.get(1))'
//! ```

use clap::Parser;
use common::UserStore;
use common::cli::AddrArgs;
use std::process::ExitCode;
use xmlrpc::DEFAULT_PORT;
use xmlrpc::server::{Config, Handlers, serve};

/// Serves the users API, introspection, system.multicall and validator1 at POST /RPC2.
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
