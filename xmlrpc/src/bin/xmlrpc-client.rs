//! `xmlrpc-client`: calls `xmlrpc-server` (or any XML-RPC server at `--addr`). Without a
//! command it runs a short tour: a call, a struct parameter, introspection, a multicall and a
//! fault.
//!
//! ```text
//! cargo run -p xmlrpc --bin xmlrpc-server
//! # in another terminal:
//! cargo run -p xmlrpc --bin xmlrpc-client
//! cargo run -p xmlrpc --bin xmlrpc-client -- get 2
//! cargo run -p xmlrpc --bin xmlrpc-client -- create "Barbara Liskov" barbara@example.com
//! cargo run -p xmlrpc --bin xmlrpc-client -- list --limit 2
//! cargo run -p xmlrpc --bin xmlrpc-client -- methods
//! ```

use clap::{Parser, Subcommand};
use common::cli::AddrArgs;
use std::process::ExitCode;
use xmlrpc::client::{Client, Error};
use xmlrpc::{DEFAULT_PORT, display, user_to_value};

#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A call, a struct parameter, introspection, a multicall and a fault (the default).
    Demo,
    /// `users.get`: one user by id.
    Get { id: u64 },
    /// `users.create`: store a new user.
    Create { name: String, email: String },
    /// `users.list`: users in id order.
    List {
        #[arg(long)]
        offset: Option<i32>,
        #[arg(long)]
        limit: Option<i32>,
    },
    /// `system.listMethods`: every method the server offers.
    Methods,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let url = format!("http://{}{}", args.addr.addr, xmlrpc::PATH);
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A fault answer: show its code and string as the server sent them.
            match err.downcast_ref::<Error>() {
                Some(Error::Fault(fault)) => {
                    eprintln!("fault {}: {}", fault.code(), fault.string())
                }
                // No answer at all: refused, reset, or silent past the timeout.
                Some(Error::Http(_)) => {
                    let start = "cargo run -p xmlrpc --bin xmlrpc-server";
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
    let client = Client::new(args.addr.addr)?;
    match args.command.unwrap_or(Command::Demo) {
        Command::Demo => {
            for line in xmlrpc::client::demo(&client).await? {
                println!("{line}");
            }
        }
        Command::Get { id } => println!("{}", display(&user_to_value(&client.get_user(id).await?))),
        Command::Create { name, email } => {
            println!("{}", display(&user_to_value(&client.create_user(&name, &email).await?)));
        }
        Command::List { offset, limit } => {
            for user in client.list_users(offset, limit).await? {
                println!("{}", display(&user_to_value(&user)));
            }
        }
        Command::Methods => {
            if let dxr::Value::Array(names) = client.call("system.listMethods", vec![]).await? {
                for name in names {
                    println!("{}", display(&name).trim_matches('"'));
                }
            }
        }
    }
    Ok(())
}
