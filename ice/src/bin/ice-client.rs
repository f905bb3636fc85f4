//! Calls a `Users::Directory` Ice object through the typed proxy `DirectoryPrx`: against
//! `ice-server`, or any Ice server implementing `slice/users.ice` (ZeroC's included).
//!
//! First start a server: `cargo run -p ice --bin ice-server`. In another terminal:
//! ```text
//! cargo run -p ice --bin ice-client                 (the demo: get 1, create, get a missing id)
//! cargo run -p ice --bin ice-client -- get 2
//! cargo run -p ice --bin ice-client -- create "Barbara Liskov" barbara@example.com
//! cargo run -p ice --bin ice-client -- list
//! ```
//! A command exits with status 1 when the operation raises a user exception, and with 2 (and
//! a message on stderr) when the call itself fails: nothing listening, not an Ice server,
//! a timeout.

use clap::{Parser, Subcommand};
use common::cli::AddrArgs;
use common::runtime::init_tracing;
use ice::client::{ClientError, Config, DirectoryPrx};
use ice::directory::User;
use ice::message::Identity;
use std::process::ExitCode;
use std::time::Duration;

/// Call the Users::Directory Ice object.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<{ ice::DEFAULT_PORT }>,
    /// The object's identity.
    #[arg(long, default_value = ice::directory::OBJECT_NAME)]
    identity: String,
    /// Give up on a connection or a call after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    timeout: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// getUser(id)
    Get { id: i32 },
    /// createUser(name, email)
    Create { name: String, email: String },
    /// listUsers()
    List,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let args = Args::parse();
    let limit = Duration::from_secs(args.timeout);
    let config = Config { connect_timeout: limit, call_timeout: limit, ..Config::default() };
    match run(&args, config).await {
        Ok(code) => code,
        Err(error) => {
            common::exit::print_error(&error);
            ExitCode::from(2)
        }
    }
}

async fn run(args: &Args, config: Config) -> Result<ExitCode, ClientError> {
    let identity = Identity::new(args.identity.clone());
    let mut directory = DirectoryPrx::connect_with(args.addr.addr, identity, config).await?;
    let code = match &args.command {
        None => demo(&mut directory).await?,
        Some(Command::Get { id }) => outcome(directory.get_user(*id).await)?,
        Some(Command::Create { name, email }) => outcome(directory.create_user(name, email).await)?,
        Some(Command::List) => {
            for user in directory.list_users().await? {
                println!("{user}");
            }
            ExitCode::SUCCESS
        }
    };
    directory.close().await?;
    Ok(code)
}

/// The demo sequence: checkedCast, get 1, create, get a missing id, list.
async fn demo(directory: &mut DirectoryPrx) -> Result<ExitCode, ClientError> {
    let is_directory = directory.checked_cast().await?;
    println!("checkedCast: ice_isA(\"{}\") = {is_directory}", ice::directory::TYPE_ID);
    println!("getUser(1) = {}", directory.get_user(1).await?);
    match directory.create_user("Barbara Liskov", "barbara@example.com").await {
        Ok(user) => println!("createUser(\"Barbara Liskov\", \"barbara@example.com\") = {user}"),
        Err(ClientError::User(exception)) => {
            println!("createUser(\"Barbara Liskov\", \"barbara@example.com\") raised {exception}")
        }
        Err(error) => return Err(error),
    }
    match directory.get_user(99).await {
        Ok(user) => println!("getUser(99) = {user}"),
        Err(ClientError::User(exception)) => println!("getUser(99) raised {exception}"),
        Err(error) => return Err(error),
    }
    let users = directory.list_users().await?;
    let ids: Vec<String> = users.iter().map(|user| user.id.to_string()).collect();
    println!("listUsers() = {} users: {}", users.len(), ids.join(", "));
    Ok(ExitCode::SUCCESS)
}

/// Prints the user, or the user exception (exit status 1); other errors go up.
fn outcome(result: Result<User, ClientError>) -> Result<ExitCode, ClientError> {
    match result {
        Ok(user) => {
            println!("{user}");
            Ok(ExitCode::SUCCESS)
        }
        Err(ClientError::User(exception)) => {
            println!("raised {exception}");
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error),
    }
}
