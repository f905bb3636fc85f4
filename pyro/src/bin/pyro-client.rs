//! Calls a users object over Pyro5's protocol, found through a Pyro5 name server: the one
//! `pyro-server` serves, or a Python one (`pyro/tests/peers/users_server.py`).
//!
//! ```text
//! cargo run -p pyro --bin pyro-client -- get 1
//! cargo run -p pyro --bin pyro-client -- create "Barbara Liskov" barbara@example.com
//! cargo run -p pyro --bin pyro-client -- list
//! cargo run -p pyro --bin pyro-client -- --uri PYRO:example.users@127.0.0.1:51234 get 2
//! ```
//! Without a command it runs a short demo: list, get 1, get a missing user.

use clap::{Parser, Subcommand};
use pyro::client::{Error, UsersProxy};
use pyro::uri::Uri;
use std::net::SocketAddr;
use std::time::Duration;

/// Call a Pyro5 users object from Rust.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The Pyro5 name server that knows the object.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9090", env = "PYRO_NS")]
    ns: SocketAddr,
    /// The name to look up.
    #[arg(long, default_value = pyro::USERS_NAME)]
    name: String,
    /// A URI to use instead of the name server lookup (PYRO: or PYRONAME:).
    #[arg(long)]
    uri: Option<Uri>,
    /// Give up on the connection or a reply after this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    timeout_ms: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// get_user(id)
    Get { id: u64 },
    /// create_user(name, email)
    Create { name: String, email: String },
    /// list_users()
    List,
    /// Pyro5's PING message: is the daemon there?
    Ping,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error @ Error::Connect { .. }) => {
            let start = "`python3 -m Pyro5.nameserver`, then `cargo run -p pyro --bin pyro-server`";
            eprintln!(
                "error: {}; start the name server and the server: {start}",
                common::exit::one_line(&error)
            );
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            common::exit::print_error(&error);
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Error> {
    let uri = args.uri.unwrap_or_else(|| Uri::PyroName {
        name: args.name.clone(),
        host: args.ns.ip().to_string(),
        port: Some(args.ns.port()),
    });
    let mut users = UsersProxy::locate(&uri, Duration::from_millis(args.timeout_ms)).await?;
    match args.command {
        Some(Command::Get { id }) => print_user(&users.get_user(id).await?),
        Some(Command::Create { name, email }) => {
            print_user(&users.create_user(&name, &email).await?)
        }
        Some(Command::List) => {
            for user in users.list_users().await? {
                print_user(&user);
            }
        }
        Some(Command::Ping) => {
            users.ping().await?;
            println!("pong");
        }
        None => {
            println!("list_users()");
            for user in users.list_users().await? {
                print_user(&user);
            }
            println!("get_user(1)");
            print_user(&users.get_user(1).await?);
            println!("get_user(99)");
            match users.get_user(99).await {
                Err(Error::Remote(exception)) => println!("raised {exception}"),
                other => println!("unexpected: {other:?}"),
            }
        }
    }
    Ok(())
}

/// One user per line, as the JSON object Pyro5 carried.
fn print_user(user: &common::User) {
    // A `User` of strings and an integer always serializes.
    println!("{}", serde_json::to_string(user).expect("a user serializes"));
}
