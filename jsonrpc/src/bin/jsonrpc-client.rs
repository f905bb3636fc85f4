//! `jsonrpc-client`: calls `jsonrpc-server` through the typed client that jsonrpsee generates
//! from the `Api` trait. Without a command it runs a short tour: a call, named parameters, a
//! notification, a batch and an error response.
//!
//! ```text
//! cargo run -p jsonrpc --bin jsonrpc-server
//! # in another terminal:
//! cargo run -p jsonrpc --bin jsonrpc-client
//! cargo run -p jsonrpc --bin jsonrpc-client -- get 2
//! cargo run -p jsonrpc --bin jsonrpc-client -- create "Barbara Liskov" barbara@example.com
//! cargo run -p jsonrpc --bin jsonrpc-client -- list --limit 2
//! cargo run -p jsonrpc --bin jsonrpc-client -- sum 1 2 4
//! ```

use clap::{Parser, Subcommand};
use common::cli::AddrArgs;
use jsonrpc::{ApiClient, DEFAULT_PORT, client};
use std::process::ExitCode;

#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A call, named parameters, a notification, a batch and an error (the default).
    Demo,
    /// `users.get`: one user by id.
    Get { id: u64 },
    /// `users.create`: store a new user.
    Create { name: String, email: String },
    /// `users.list`: users in id order.
    List {
        #[arg(long)]
        offset: Option<usize>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// `sum`: add any number of integers.
    Sum {
        #[arg(allow_negative_numbers = true)]
        numbers: Vec<i64>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let url = format!("http://{}", args.addr.addr);
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A JSON-RPC error answer: show its code, message and data as the server sent them.
            match err.downcast_ref::<jsonrpsee::core::ClientError>() {
                Some(jsonrpsee::core::ClientError::Call(answer)) => eprintln!(
                    "error {}: {}{}",
                    answer.code(),
                    answer.message(),
                    answer.data().map(|data| format!(" {data}")).unwrap_or_default()
                ),
                // No answer at all: refused, reset, or silent past the timeout.
                Some(
                    jsonrpsee::core::ClientError::Transport(_)
                    | jsonrpsee::core::ClientError::RequestTimeout,
                ) => {
                    let start = "cargo run -p jsonrpc --bin jsonrpc-server";
                    common::exit::print_error(
                        common::exit::unreachable(url, err.as_ref(), start).as_ref(),
                    );
                }
                _ => common::exit::print_error(err.as_ref()),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let rpc = client::connect(args.addr.addr)?;
    match args.command.unwrap_or(Command::Demo) {
        Command::Demo => {
            for line in client::demo(&rpc).await? {
                println!("{line}");
            }
        }
        Command::Get { id } => println!("{}", serde_json::to_string(&rpc.get_user(id).await?)?),
        Command::Create { name, email } => {
            println!("{}", serde_json::to_string(&rpc.create_user(name, email).await?)?);
        }
        Command::List { offset, limit } => {
            for user in rpc.list_users(offset, limit).await? {
                println!("{}", serde_json::to_string(&user)?);
            }
        }
        Command::Sum { numbers } => println!("{}", client::sum(&rpc, &numbers).await?),
    }
    Ok(())
}
