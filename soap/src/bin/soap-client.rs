//! The SOAP client: builds each envelope, POSTs it, prints the typed answer or fault.
//! Without a command it gets user 1, creates a user, then asks for a user that does not
//! exist, to show a fault.
//!
//! ```text
//! cargo run -p soap --bin soap-server
//! ```
//! in another terminal:
//! ```text
//! cargo run -p soap --bin soap-client
//! cargo run -p soap --bin soap-client -- get 2
//! cargo run -p soap --bin soap-client -- create "Barbara Liskov" barbara@example.com
//! cargo run -p soap --bin soap-client -- list --offset 1 --limit 2
//! ```

use clap::{Parser, Subcommand};
use common::cli::AddrArgs;
use common::{NewUser, User};
use soap::client::{ClientError, SoapClient};
use soap::{DEFAULT_PAGE_LIMIT, DEFAULT_PORT};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "Calls the SOAP users service and prints what comes back")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// GetUser
    Get { id: u64 },
    /// CreateUser
    Create { name: String, email: String },
    /// ListUsers
    List {
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long, default_value_t = DEFAULT_PAGE_LIMIT)]
        limit: u32,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let client = match SoapClient::new(args.addr.addr) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("cannot build the HTTP client: {error}");
            return ExitCode::FAILURE;
        }
    };
    let ok = match args.command {
        None => demo(&client).await,
        Some(command) => run(&client, command).await,
    };
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// GetUser, CreateUser, then the fault path. Succeeds if the server answered (a second run
/// gets a fault for the duplicate email: also an answer).
async fn demo(client: &SoapClient) -> bool {
    let got = run(client, Command::Get { id: 1 }).await;
    let name = "Barbara Liskov".to_owned();
    run(client, Command::Create { name, email: "barbara@example.com".to_owned() }).await;
    run(client, Command::Get { id: 999 }).await;
    got
}

/// Runs one call and prints it; false if the server answered with a fault or not at all.
async fn run(client: &SoapClient, command: Command) -> bool {
    match command {
        Command::Get { id } => {
            print_users(&format!("GetUser({id})"), client.get_user(id).await.map(|u| vec![u]))
        }
        Command::Create { name, email } => {
            let call = format!("CreateUser({name:?}, {email:?})");
            print_users(&call, client.create_user(&NewUser { name, email }).await.map(|u| vec![u]))
        }
        Command::List { offset, limit } => {
            let call = format!("ListUsers(offset {offset}, limit {limit})");
            match client.list_users(offset, limit).await {
                Ok(page) => {
                    println!("{call} -> {} of {} users", page.users.len(), page.total);
                    page.users.iter().for_each(print_user);
                    true
                }
                Err(error) => print_users(&call, Err(error)),
            }
        }
    }
}

fn print_users(call: &str, outcome: Result<Vec<User>, ClientError>) -> bool {
    match outcome {
        Ok(users) => {
            println!("{call} ->");
            users.iter().for_each(print_user);
            true
        }
        Err(ClientError::Fault(fault)) => {
            println!("{call} -> fault {}: {}", fault.code, fault.message);
            if let Some(detail) = fault.detail {
                println!("  detail: {detail:?}");
            }
            false
        }
        Err(error) => {
            println!("{call} -> failed: {error}");
            false
        }
    }
}

fn print_user(user: &User) {
    println!("  #{} {} <{}>", user.id, user.name, user.email);
}
