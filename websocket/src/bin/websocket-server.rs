//! The chat server: a browser page at `/`, the chat socket at `/ws`, an echo socket at `/echo`.
//!
//! ```text
//! cargo run -p websocket --bin websocket-server
//! ```
//! then open <http://127.0.0.1:8080/> in two browser tabs, and in another terminal:
//! ```text
//! cargo run -p websocket --bin websocket-client -- --name ada
//! ```

use clap::Parser;
use common::cli::AddrArgs;
use std::process::ExitCode;
use websocket::server::{self, Config};

#[derive(Debug, Parser)]
#[command(about = "WebSocket chat server: page at /, chat at /ws, echo at /echo")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<8080>,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr.addr).await?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");
    tracing::info!("chat page: http://{addr}/");
    server::serve(listener, Config::default(), common::runtime::shutdown_signal()).await?;
    Ok(())
}
