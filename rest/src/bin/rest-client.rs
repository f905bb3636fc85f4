//! The REST client: calls the server with reqwest and prints each status and JSON body.
//! Without a command it fetches user 1, creates a user, then asks for a user that does not
//! exist, to show the error path.
//!
//! ```text
//! cargo run -p rest --bin rest-server
//! ```
//! in another terminal:
//! ```text
//! cargo run -p rest --bin rest-client
//! cargo run -p rest --bin rest-client -- get 2
//! cargo run -p rest --bin rest-client -- create "Barbara Liskov" barbara@example.com
//! ```

use clap::{Parser, Subcommand};
use common::NewUser;
use common::cli::AddrArgs;
use rest::client::{ClientError, RestClient};
use rest::{DEFAULT_PORT, Pagination};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "Calls the REST users API and prints what comes back")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// GET /users
    List {
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long, default_value_t = rest::DEFAULT_PAGE_LIMIT)]
        limit: usize,
    },
    /// GET /users/{id}
    Get { id: u64 },
    /// POST /users
    Create { name: String, email: String },
    /// PUT /users/{id}
    Update { id: u64, name: String, email: String },
    /// DELETE /users/{id}
    Delete { id: u64 },
}

#[tokio::main]
async fn main() -> ExitCode {
    run(Args::parse()).await.unwrap_or_else(common::exit::failure)
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let client = RestClient::new(args.addr.addr)?;
    let answered = match args.command {
        None => demo(&client).await,
        Some(command) => call(&client, command).await,
    };
    // No answer at all (refused, reset, timed out) is the one error that ends the client.
    let ok = answered.map_err(|error| {
        common::exit::unreachable(client.base_url(), &error, "cargo run -p rest --bin rest-server")
    })?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The get-user and create-user calls, then the error path. Succeeds if the server answered
/// (a second run gets 409 for the duplicate email: also an answer).
async fn demo(client: &RestClient) -> Result<bool, ClientError> {
    let got = call(client, Command::Get { id: 1 }).await?;
    let name = "Barbara Liskov".to_owned();
    call(client, Command::Create { name, email: "barbara@example.com".to_owned() }).await?;
    call(client, Command::Get { id: 999 }).await?;
    Ok(got)
}

/// Runs one call and prints it: `Ok(false)` if the server answered with an error, `Err` if it
/// did not answer.
async fn call(client: &RestClient, command: Command) -> Result<bool, ClientError> {
    match command {
        Command::List { offset, limit } => {
            let request = format!("GET /users?offset={offset}&limit={limit}");
            print_outcome(&request, "200 OK", client.list_users(Pagination { offset, limit }).await)
        }
        Command::Get { id } => {
            print_outcome(&format!("GET /users/{id}"), "200 OK", client.get_user(id).await)
        }
        Command::Create { name, email } => {
            let created = client.create_user(&NewUser { name, email }).await;
            let status = match &created {
                Ok(created) => format!("201 Created, Location: {}", created.location),
                Err(_) => String::new(),
            };
            print_outcome("POST /users", &status, created.map(|created| created.user))
        }
        Command::Update { id, name, email } => {
            let updated = client.update_user(id, &NewUser { name, email }).await;
            print_outcome(&format!("PUT /users/{id}"), "200 OK", updated)
        }
        Command::Delete { id } => match client.delete_user(id).await {
            Ok(()) => {
                println!("DELETE /users/{id} -> 204 No Content");
                Ok(true)
            }
            Err(error) => print_outcome::<()>(&format!("DELETE /users/{id}"), "", Err(error)),
        },
    }
}

/// Prints `REQUEST -> STATUS` and the JSON body on the next line; returns whether it
/// succeeded, or the error if there was no answer to print.
fn print_outcome<T: Serialize>(
    request: &str,
    success_status: &str,
    outcome: Result<T, ClientError>,
) -> Result<bool, ClientError> {
    match outcome {
        Ok(body) => {
            println!("{request} -> {success_status}");
            println!("{}", serde_json::to_string(&body).unwrap_or_default());
            Ok(true)
        }
        Err(ClientError::Api { status, body }) => {
            println!("{request} -> {status}");
            println!("{}", serde_json::to_string(&body).unwrap_or_default());
            Ok(false)
        }
        Err(error @ ClientError::Unexpected { .. }) => {
            println!("{request} -> {error}");
            Ok(false)
        }
        Err(error) => Err(error),
    }
}
