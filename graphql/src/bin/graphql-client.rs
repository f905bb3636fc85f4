//! The GraphQL client: sends operations to `graphql-server` and prints what comes back.
//! Without a command it runs a query with variables, a nested query, a mutation, the same
//! mutation again (a GraphQL error), and follows `userCreated` for the user it creates.
//!
//! ```text
//! cargo run -p graphql --bin graphql-server
//! ```
//! in another terminal:
//! ```text
//! cargo run -p graphql --bin graphql-client
//! cargo run -p graphql --bin graphql-client -- user 2
//! cargo run -p graphql --bin graphql-client -- create "Barbara Liskov" barbara@example.com
//! cargo run -p graphql --bin graphql-client -- watch --count 2
//! ```

use clap::{Parser, Subcommand};
use common::NewUser;
use common::cli::AddrArgs;
use graphql::DEFAULT_PORT;
use graphql::client::{ClientError, Direction, GraphqlClient, Subscription};
use serde::Serialize;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(about = "Sends GraphQL operations and prints what comes back")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// query { user(id) { id name email } }
    User { id: u64 },
    /// query { users(limit) { name orders { total } } }
    Users {
        #[arg(long, default_value_t = graphql::DEFAULT_PAGE_LIMIT)]
        limit: usize,
    },
    /// mutation { createUser(input) { id name email } }
    Create { name: String, email: String },
    /// subscription { userCreated { id name email } }, printing every WebSocket message
    Watch {
        /// Stop after this many events.
        #[arg(long, default_value_t = 1)]
        count: usize,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    run(Args::parse()).await.unwrap_or_else(common::exit::failure)
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let client = GraphqlClient::new(args.addr.addr)?;
    let answered = match args.command {
        None => demo(&client).await,
        Some(command) => call(&client, command).await,
    };
    // No answer at all (refused, reset, timed out) is the one error that ends the client.
    let ok = answered.map_err(|error| {
        common::exit::unreachable(client.url(), &error, "cargo run -p graphql --bin graphql-server")
    })?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Every kind of operation once. Succeeds if the server answered each as expected (a second
/// run creates a user with a new email, so it succeeds too).
async fn demo(client: &GraphqlClient) -> Result<bool, ClientError> {
    let mut ok = call(client, Command::User { id: 1 }).await?;
    ok &= call(client, Command::Users { limit: 3 }).await?;
    let subscribed = match client.subscribe_user_created().await {
        Ok(mut subscription) => subscription.settle().await.map(|()| subscription),
        Err(error) => Err(error),
    };
    let mut subscription = match subscribed {
        Ok(subscription) => Some(subscription),
        Err(error) => {
            print_outcome::<()>("subscribe", Err(error))?;
            None
        }
    };
    let count = client
        .user_count()
        .await
        .or_else(|error| if error.is_no_answer() { Err(error) } else { Ok(0) })?;
    let new = NewUser {
        name: "Barbara Liskov".into(),
        email: format!("barbara{}@example.com", count + 1),
    };
    ok &= print_outcome("createUser", client.create_user(&new).await)?;
    // The same email again: refused with a GraphQL error, which is the expected answer.
    ok &= !print_outcome("createUser (same email)", client.create_user(&new).await)?;
    if let Some(mut subscription) = subscription.take() {
        let event = tokio::time::timeout(Duration::from_secs(5), subscription.next()).await;
        let event = event.unwrap_or(Err(ClientError::Timeout(Duration::from_secs(5))));
        ok &= print_outcome("userCreated", event)?;
        let _ = subscription.close().await;
    } else {
        ok = false;
    }
    Ok(ok)
}

/// Runs one operation and prints it: `Ok(false)` if the server answered with an error, `Err`
/// if it did not answer.
async fn call(client: &GraphqlClient, command: Command) -> Result<bool, ClientError> {
    match command {
        Command::User { id } => print_outcome(&format!("user(id: {id})"), client.user(id).await),
        Command::Users { limit } => {
            print_outcome(&format!("users(limit: {limit})"), client.users_with_orders(limit).await)
        }
        Command::Create { name, email } => {
            print_outcome("createUser", client.create_user(&NewUser { name, email }).await)
        }
        Command::Watch { count } => match client.subscribe_user_created().await {
            Ok(subscription) => Ok(watch(subscription, count).await),
            Err(error) => print_outcome::<()>("subscribe", Err(error)),
        },
    }
}

/// Prints every WebSocket message of the subscription until `count` events arrived.
async fn watch(mut subscription: Subscription, count: usize) -> bool {
    let mut seen = 0;
    let mut ok = true;
    print_transcript(&mut subscription);
    while seen < count {
        match subscription.next().await {
            Ok(Some(_)) => seen += 1,
            Ok(None) => {
                println!("the server ended the subscription");
                ok = false;
                break;
            }
            Err(error) => {
                println!("subscription failed: {error}");
                ok = false;
                break;
            }
        }
        print_transcript(&mut subscription);
    }
    let _ = subscription.close().await;
    ok
}

fn print_transcript(subscription: &mut Subscription) {
    for (direction, message) in subscription.take_transcript() {
        let arrow = if direction == Direction::Sent { ">" } else { "<" };
        println!("{arrow} {message}");
    }
}

/// Prints `OPERATION -> ok` and the data on the next line, or the errors; returns whether it
/// succeeded, or the error if there was no answer to print.
fn print_outcome<T: Serialize>(
    operation: &str,
    outcome: Result<T, ClientError>,
) -> Result<bool, ClientError> {
    match outcome {
        Ok(data) => {
            println!("{operation} -> ok");
            println!("{}", serde_json::to_string(&data).unwrap_or_default());
            Ok(true)
        }
        Err(ClientError::Graphql(errors)) => {
            println!("{operation} -> GraphQL error");
            println!("{}", serde_json::to_string(&errors).unwrap_or_default());
            Ok(false)
        }
        Err(error) if error.is_no_answer() => Err(error),
        Err(error) => {
            println!("{operation} -> failed: {error}");
            Ok(false)
        }
    }
}
