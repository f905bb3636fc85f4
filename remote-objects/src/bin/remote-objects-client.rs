//! Looks objects up by name in the naming service and calls them as if they were local,
//! printing what it does. Every call has a deadline; a failed call prints one line and exits
//! with status 1.
//!
//! ```text
//! cargo run -p remote-objects --bin remote-objects-names
//! cargo run -p remote-objects --bin remote-objects-server        # in a second terminal
//! ```
//! Then in a third terminal, for example:
//! `cargo run -p remote-objects --bin remote-objects-client -- get 1`,
//! `... -- names`, `... -- count 5`, `... -- import 20`, `... -- slow 1 3000 --deadline-ms 500`.

use clap::{Parser, Subcommand};
use common::NewUser;
use remote_objects::client::{self, deadline};
use remote_objects::{COUNTER, USERS};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

/// Call the remote objects `example.users` and `example.counter` through the naming service.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The naming service to look the objects up in.
    #[arg(long, global = true, value_name = "HOST:PORT", default_value_t = SocketAddr::from((Ipv4Addr::LOCALHOST, remote_objects::DEFAULT_PORT)))]
    names: SocketAddr,
    /// The deadline of each call.
    #[arg(long, global = true, value_name = "MILLISECONDS", default_value_t = 5000)]
    deadline_ms: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the names registered with the naming service.
    Names,
    /// Look a name up.
    Lookup { name: String },
    /// Get a user by id from `example.users`.
    Get { id: u64 },
    /// Create a user in `example.users`.
    Create { email: String, name: String },
    /// List users of `example.users`.
    Users,
    /// Add to `example.counter` and print its new value (shared by every client).
    Count {
        #[arg(default_value_t = 1)]
        by: u64,
    },
    /// Import `count` generated users; the server reports progress to a callback served here.
    Import { count: u64 },
    /// Get a user after the server has worked on it for `delay_ms`: try it with a shorter
    /// `--deadline-ms`.
    Slow { id: u64, delay_ms: u64 },
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs only when asked for (`RUST_LOG=debug`): tarpc logs every failed call at ERROR, and
    // this client reports a failure itself, in one line.
    if std::env::var_os("RUST_LOG").is_some() {
        common::runtime::init_tracing();
    }
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let names = client::names(args.names).await?;
    let call = || deadline(Duration::from_millis(args.deadline_ms));
    match args.command {
        Command::Names => {
            let entries = names.list(call(), String::new()).await?;
            if entries.is_empty() {
                println!("no names registered");
            }
            for entry in entries {
                println!(
                    "{} -> {} ({}, lease {} ms left)",
                    entry.name, entry.addr, entry.interface, entry.expires_in_ms
                );
            }
        }
        Command::Lookup { name } => {
            let addr = client::lookup(&names, &name).await?;
            println!("{name} -> {addr}");
        }
        Command::Get { id } => {
            let users = client::directory(&names, USERS).await?;
            let user = users.get_user(call(), id).await??;
            println!("user {}: {} <{}>", user.id, user.name, user.email);
        }
        Command::Create { email, name } => {
            let users = client::directory(&names, USERS).await?;
            let user = users.create_user(call(), NewUser { name, email }).await??;
            println!("created user {}: {} <{}>", user.id, user.name, user.email);
        }
        Command::Users => {
            let users = client::directory(&names, USERS).await?;
            for user in users.list_users(call(), 0, remote_objects::MAX_PAGE as u64).await? {
                println!("user {}: {} <{}>", user.id, user.name, user.email);
            }
        }
        Command::Count { by } => {
            let counter = client::counter(&names, COUNTER).await?;
            println!("counter = {}", counter.increment(call(), by).await?);
        }
        Command::Import { count } => import(&names, count, call()).await?,
        Command::Slow { id, delay_ms } => {
            let users = client::directory(&names, USERS).await?;
            println!(
                "calling slow_get({id}, {delay_ms} ms) with a {} ms deadline",
                args.deadline_ms
            );
            let user = users
                .slow_get(call(), id, delay_ms)
                .await
                .map_err(|error| anyhow::Error::from(error).context("slow_get failed"))??;
            println!("user {}: {} <{}>", user.id, user.name, user.email);
        }
    }
    Ok(())
}

/// Serves a progress callback, passes its address along, and prints the updates as they come.
async fn import(
    names: &remote_objects::NamesClient,
    count: u64,
    context: tarpc::context::Context,
) -> anyhow::Result<()> {
    let users = client::directory(names, USERS).await?;
    let mut callback = client::listen_for_progress(Ipv4Addr::LOCALHOST.into()).await?;
    println!("progress callback listening on {}", callback.addr);
    let batch: Vec<NewUser> = (1..=count)
        .map(|n| NewUser {
            name: format!("Imported {n}"),
            email: format!("imported{n}@example.com"),
        })
        .collect();
    let call = users.import_users(context, batch, Some(callback.addr));
    tokio::pin!(call);
    let report = loop {
        tokio::select! {
            report = &mut call => break report??,
            Some((done, total)) = callback.updates.recv() => println!("progress: {done}/{total}"),
        }
    };
    // Each update was answered before the server went on, so the last ones are queued here.
    while let Ok((done, total)) = callback.updates.try_recv() {
        println!("progress: {done}/{total}");
    }
    println!(
        "imported {} users, rejected {} ({} callbacks)",
        report.created.len(),
        report.rejected.len(),
        callback.calls()
    );
    for (index, error) in report.rejected.iter().take(3) {
        println!("  entry {index}: {error}");
    }
    Ok(())
}
