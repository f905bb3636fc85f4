//! The gRPC client: one `UserService` call per run, printed one user per line. Errors print
//! their status code (`NOT_FOUND: user 99 not found`) on stderr and exit with status 1.
//!
//! First start the server: `cargo run -p grpc --bin grpc-server`, then in another terminal:
//!
//! ```text
//! cargo run -p grpc --bin grpc-client -- get 1
//! cargo run -p grpc --bin grpc-client -- create "Barbara Liskov" barbara@example.com
//! cargo run -p grpc --bin grpc-client -- list --limit 2
//! cargo run -p grpc --bin grpc-client -- import "Ken Thompson,ken@example.com" "Dennis Ritchie,dmr@example.com"
//! cargo run -p grpc --bin grpc-client -- lookup 1 2 99
//! cargo run -p grpc --bin grpc-client -- health
//! ```

use clap::{Parser, Subcommand};
use common::cli::AddrArgs;
use common::{NewUser, User};
use grpc::client::UserClient;
use std::process::ExitCode;
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::Status;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};

#[derive(Debug, Parser)]
#[command(about = "Calls the gRPC UserService")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<50051>,
    /// Bearer token to send, for a server started with --token.
    #[arg(long, env = "GRPC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The call's deadline in milliseconds; the server stops working on it after that.
    #[arg(long, default_value_t = 5000)]
    timeout_ms: u64,
    #[command(subcommand)]
    call: Call,
}

#[derive(Debug, Subcommand)]
enum Call {
    /// GetUser (unary).
    Get { id: u64 },
    /// CreateUser (unary).
    Create { name: String, email: String },
    /// ListUsers (server streaming).
    List {
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// 0 means all.
        #[arg(long, default_value_t = 0)]
        limit: u32,
    },
    /// ImportUsers (client streaming): each user as "NAME,EMAIL".
    Import {
        #[arg(required = true, value_parser = parse_new_user)]
        users: Vec<NewUser>,
    },
    /// LookupUsers (bidirectional streaming).
    Lookup {
        #[arg(required = true)]
        ids: Vec<u64>,
    },
    /// The standard health check (grpc.health.v1), for the whole server.
    Health,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match error.downcast_ref::<Status>() {
                Some(status) => eprintln!("{}", grpc::status::describe(status)),
                None => common::exit::print_error(error.as_ref()),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let timeout = Duration::from_millis(args.timeout_ms);
    let channel = grpc::client::connect(args.addr.addr).await?;
    let mut client =
        UserClient::with_channel(channel.clone(), args.token.as_deref())?.with_timeout(timeout);
    match args.call {
        Call::Get { id } => print_user(&client.get_user(id).await?),
        Call::Create { name, email } => {
            print_user(&client.create_user(NewUser { name, email }).await?)
        }
        Call::List { offset, limit } => {
            let mut users = client.list_users(offset, limit).await?;
            while let Some(user) = users.next().await {
                print_user(&user?);
            }
        }
        Call::Import { users } => {
            let created = client.import_users(tokio_stream::iter(users)).await?;
            println!("imported {created} users");
        }
        Call::Lookup { ids } => {
            let mut answers = client.lookup_users(tokio_stream::iter(ids)).await?;
            while let Some(answer) = answers.next().await {
                match answer? {
                    (_, Some(user)) => print_user(&user),
                    (id, None) => println!("#{id} not found"),
                }
            }
        }
        Call::Health => {
            // The empty service name asks about the server as a whole.
            let mut request = tonic::Request::new(HealthCheckRequest { service: String::new() });
            request.set_timeout(timeout);
            let status = HealthClient::new(channel).check(request).await?.into_inner().status();
            println!("{}", status.as_str_name());
            if status != ServingStatus::Serving {
                anyhow::bail!("server is not serving");
            }
        }
    }
    Ok(())
}

fn print_user(user: &User) {
    println!("#{} {} <{}>", user.id, user.name, user.email);
}

fn parse_new_user(text: &str) -> Result<NewUser, String> {
    let (name, email) = text.split_once(',').ok_or("expected NAME,EMAIL")?;
    Ok(NewUser { name: name.into(), email: email.into() })
}
