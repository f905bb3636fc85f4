//! An object server: hosts `example.users` (the user directory) and `example.counter` (a
//! counter whose state lives here), each on a free port, and keeps both registered with the
//! naming service.
//!
//! ```text
//! cargo run -p remote-objects --bin remote-objects-names
//! ```
//! In a second terminal: `cargo run -p remote-objects --bin remote-objects-server`, and in a
//! third: `cargo run -p remote-objects --bin remote-objects-client -- get 1`.
//!
//! Ctrl-C unregisters the names and exits; a crash (`kill -9`) leaves them to expire.

use clap::Parser;
use common::UserStore;
use common::runtime::{init_tracing, shutdown_signal};
use remote_objects::{names, objects};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// Serve the remote objects `example.users` and `example.counter`.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The naming service to register with.
    #[arg(long, value_name = "HOST:PORT", default_value_t = SocketAddr::from((Ipv4Addr::LOCALHOST, remote_objects::DEFAULT_PORT)))]
    names: SocketAddr,
    /// The address the objects listen on, each on a free port.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    ip: IpAddr,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let stop = CancellationToken::new();
    let config = remote_objects::server::Config::default();
    let objects =
        objects::spawn(args.ip, UserStore::with_sample_users(), config, stop.clone()).await?;
    for object in objects.registrations() {
        println!("serving {} ({}) on {}", object.name, object.interface, object.addr);
    }

    let registrations = names::Registrations::register(args.names, objects.registrations())
        .await
        .map_err(|error| {
            error.context(format!("cannot register with the naming service at {}", args.names))
        });
    let registrations = match registrations {
        Ok(registrations) => registrations,
        Err(error) => {
            stop.cancel();
            return Err(error);
        }
    };
    println!("registered with the naming service at {}", args.names);

    registrations.keep(shutdown_signal()).await;
    stop.cancel();
    objects.join().await
}
