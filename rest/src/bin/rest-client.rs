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
    let args = Args::parse();
    let client = match RestClient::new(args.addr.addr) {
        Ok(client) => client,
        Err(err) => {
            eprintln!("cannot build the HTTP client: {err}");
            return ExitCode::FAILURE;
        }
    };
    let ok = match args.command {
        None => demo(&client).await,
        Some(command) => run(&client, command).await,
    };
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The get-user and create-user calls, then the error path. Succeeds if the server answered
/// (a second run gets 409 for the duplicate email: also an answer).
async fn demo(client: &RestClient) -> bool {
    let got = run(client, Command::Get { id: 1 }).await;
    let name = "Barbara Liskov".to_owned();
    run(client, Command::Create { name, email: "barbara@example.com".to_owned() }).await;
    run(client, Command::Get { id: 999 }).await;
    got
}

/// Runs one call and prints it; false if the server answered with an error or not at all.
async fn run(client: &RestClient, command: Command) -> bool {
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
                true
            }
            Err(err) => print_outcome::<()>(&format!("DELETE /users/{id}"), "", Err(err)),
        },
    }
}

/// Prints `REQUEST -> STATUS` and the JSON body on the next line; returns whether it succeeded.
fn print_outcome<T: Serialize>(
    request: &str,
    success_status: &str,
    outcome: Result<T, ClientError>,
) -> bool {
    match outcome {
        Ok(body) => {
            println!("{request} -> {success_status}");
            println!("{}", serde_json::to_string(&body).unwrap_or_default());
            true
        }
        Err(ClientError::Api { status, body }) => {
            println!("{request} -> {status}");
            println!("{}", serde_json::to_string(&body).unwrap_or_default());
            false
        }
        Err(err) => {
            println!("{request} -> failed: {err}");
            false
        }
    }
}
