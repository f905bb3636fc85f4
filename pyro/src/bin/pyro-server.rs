//! A Pyro5 daemon written in Rust: serves the users object (`get_user`, `create_user`,
//! `list_users`) and registers it in a Pyro5 name server as `example.users`, so Python code
//! calls it through an ordinary `Pyro5.api.Proxy("PYRONAME:example.users")`.
//!
//! ```text
//! python3 -m Pyro5.nameserver                  # the name server, 127.0.0.1:9090
//! cargo run -p pyro --bin pyro-server
//! ```
//! In another terminal: `cargo run -p pyro --bin pyro-client -- get 1`, or from Python with
//! `PYRO_SERIALIZER=json` (this daemon speaks Pyro5's JSON serializer only).
//!
//! Ctrl-C stops accepting, lets open calls finish, removes the name, and exits.

use anyhow::Context;
use clap::Parser;
use common::UserStore;
use common::runtime::{init_tracing, shutdown_signal};
use pyro::client::{DEFAULT_TIMEOUT, NameServer};
use pyro::server::{self, Config, Daemon};
use pyro::uri::Uri;
use pyro::users::Users;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use tracing::warn;

/// Serve Rust objects to Pyro5 clients.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Where the daemon listens; port 0 picks a free one, as Pyro5 daemons usually do.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The Pyro5 name server to register with.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9090", env = "PYRO_NS")]
    ns: SocketAddr,
    /// Serve without registering (clients then need the printed PYRO: URI).
    #[arg(long)]
    no_ns: bool,
    /// The name (and object id) of the users object.
    #[arg(long, default_value = pyro::USERS_NAME)]
    name: String,
    /// Close a connection that sends nothing for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    idle_timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr).await?;
    let local = listener.local_addr()?;
    let uri =
        Uri::Pyro { object: args.name.clone(), host: local.ip().to_string(), port: local.port() };
    println!("listening on {local}");
    println!("object {uri}");

    let mut names = None;
    if !args.no_ns {
        let ns = args.ns;
        let mut name_server = NameServer::connect(&ns.ip().to_string(), ns.port(), DEFAULT_TIMEOUT)
            .await
            .map_err(|error| {
                anyhow::anyhow!(
                    "no Pyro5 name server at {ns}: {}; start one with `python3 -m Pyro5.nameserver`, or pass --no-ns",
                    common::exit::one_line(&error)
                )
            })?;
        name_server.register(&args.name, &uri).await.context("cannot register")?;
        println!("registered {} in the name server at {ns}", args.name);
        names = Some(name_server);
    }

    let daemon = Daemon::new().with(args.name.clone(), Users::new(UserStore::with_sample_users()));
    let config =
        Config { idle_timeout: Duration::from_secs(args.idle_timeout), ..Config::default() };
    server::serve(listener, daemon, config, shutdown_signal()).await?;

    if let Some(mut name_server) = names {
        // The name server's connection may have timed out meanwhile; a fresh one is cheap.
        let removed = match name_server.remove(&args.name).await {
            Ok(removed) => Ok(removed),
            Err(_) => match NameServer::connect(
                &args.ns.ip().to_string(),
                args.ns.port(),
                DEFAULT_TIMEOUT,
            )
            .await
            {
                Ok(mut fresh) => fresh.remove(&args.name).await,
                Err(error) => Err(error),
            },
        };
        match removed {
            Ok(_) => println!("removed {} from the name server", args.name),
            Err(error) => warn!(%error, "could not remove the name from the name server"),
        }
    }
    Ok(())
}
