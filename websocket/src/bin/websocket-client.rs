//! The terminal chat: every line you type is said to the room; everything the room says is
//! printed. End with Ctrl-D (EOF) or Ctrl-C; both close the WebSocket properly.
//!
//! ```text
//! cargo run -p websocket --bin websocket-server
//! ```
//! in another terminal:
//! ```text
//! cargo run -p websocket --bin websocket-client -- --name ada
//! ```

use clap::Parser;
use common::cli::AddrArgs;
use std::io::BufRead;
use std::process::ExitCode;
use tokio::sync::mpsc;
use websocket::client::{self, ClientError};

#[derive(Debug, Parser)]
#[command(about = "Terminal chat over WebSocket")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<8080>,
    /// Your nickname in the room (unique, at most 32 characters).
    #[arg(long)]
    name: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    // Stdin is read on a plain thread: tokio's stdin would keep the runtime from shutting
    // down after Ctrl-C until the user pressed Enter.
    let (lines, received) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.blocking_send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = tokio::io::stdout();
    let shutdown = common::runtime::shutdown_signal();
    let addr = args.addr.addr;
    client::run_terminal(addr, &args.name, received, &mut stdout, shutdown).await.map_err(|error| {
        let url = client::chat_url(addr);
        match error {
            ClientError::WebSocket(tokio_tungstenite::tungstenite::Error::Io(error)) => {
                common::exit::unreachable(
                    url,
                    &error,
                    "cargo run -p websocket --bin websocket-server",
                )
            }
            error => anyhow::Error::new(error).context(format!("chat at {url}")),
        }
    })
}
