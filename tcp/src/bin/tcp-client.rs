//! Talks to `tcp-server`: runs the one command given as arguments, or, with none, reads
//! commands from stdin and prints each answer.
//!
//! First start the server: `cargo run -p tcp --bin tcp-server`. In another terminal:
//! ```text
//! cargo run -p tcp --bin tcp-client -- ECHO hello
//! cargo run -p tcp --bin tcp-client -- GET 1
//! cargo run -p tcp --bin tcp-client            (interactive: type PING, GET 2, QUIT ...)
//! ```
//! A one-shot command exits with status 1 when the server answers `ERR`.

use clap::Parser;
use common::cli::AddrArgs;
use common::runtime::init_tracing;
use std::process::ExitCode;
use tcp::client::{Client, ClientError};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Send line commands to a tcp-server.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<{ tcp::DEFAULT_PORT }>,
    /// The command to send, e.g. `PING`, `ECHO hello`, `GET 1`,
    /// `CREATE barbara@example.com Barbara Liskov`. Without one: read commands from stdin.
    command: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    run(Args::parse()).await.unwrap_or_else(common::exit::failure)
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let addr = args.addr.addr;
    let mut client = Client::connect(addr).await.map_err(|error| {
        common::exit::unreachable(addr, &error, "cargo run -p tcp --bin tcp-server")
    })?;

    if !args.command.is_empty() {
        let reply = client.request_line(&args.command.join(" ")).await?;
        println!("{reply}");
        let _ = client.quit().await;
        return Ok(if reply.starts_with("ERR") { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    }

    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = stdin.next_line().await? {
        match client.request_line(&line).await {
            Ok(reply) => {
                println!("{reply}");
                if reply.starts_with("BYE") {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            Err(ClientError::Closed) => {
                println!("(the server closed the connection)");
                return Ok(ExitCode::FAILURE);
            }
            Err(error) => return Err(error.into()),
        }
    }
    // End of input: leave politely.
    let _ = client.quit().await;
    Ok(ExitCode::SUCCESS)
}
