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
    run(Args::parse()).await.unwrap_or_else(common::exit::failure)
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let client = SoapClient::new(args.addr.addr)?;
    let answered = match args.command {
        None => demo(&client).await,
        Some(command) => call(&client, command).await,
    };
    // No answer at all (refused, reset, timed out) is the one error that ends the client.
    let ok = answered.map_err(|error| {
        common::exit::unreachable(client.endpoint(), &error, "cargo run -p soap --bin soap-server")
    })?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// GetUser, CreateUser, then the fault path. Succeeds if the server answered (a second run
/// gets a fault for the duplicate email: also an answer).
async fn demo(client: &SoapClient) -> Result<bool, ClientError> {
    let got = call(client, Command::Get { id: 1 }).await?;
    let name = "Barbara Liskov".to_owned();
    call(client, Command::Create { name, email: "barbara@example.com".to_owned() }).await?;
    call(client, Command::Get { id: 999 }).await?;
    Ok(got)
}

/// Runs one call and prints it: `Ok(false)` if the server answered with a fault, `Err` if it
/// did not answer.
async fn call(client: &SoapClient, command: Command) -> Result<bool, ClientError> {
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
                    Ok(true)
                }
                Err(error) => print_users(&call, Err(error)),
            }
        }
    }
}

/// Prints the users or the fault; the error if there was no answer to print.
fn print_users(call: &str, outcome: Result<Vec<User>, ClientError>) -> Result<bool, ClientError> {
    match outcome {
        Ok(users) => {
            println!("{call} ->");
            users.iter().for_each(print_user);
            Ok(true)
        }
        Err(ClientError::Fault(fault)) => {
            println!("{call} -> fault {}: {}", fault.code, fault.message);
            if let Some(detail) = fault.detail {
                println!("  detail: {detail:?}");
            }
            Ok(false)
        }
        Err(error @ ClientError::Unexpected { .. }) => {
            println!("{call} -> {error}");
            Ok(false)
        }
        Err(error) => Err(error),
    }
}

fn print_user(user: &User) {
    println!("  #{} {} <{}>", user.id, user.name, user.email);
}
