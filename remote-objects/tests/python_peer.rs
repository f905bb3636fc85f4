//! A peer nobody here wrote against tarpc: `tests/peers/tarpc_json_peer.py`, written from
//! the README's description of the frames, with Python's standard library only. It calls
//! the naming service and the directory, and serves the progress callback the Rust server
//! calls.
//!
//! Runs with the venv's python (`PYTHON_PEERS`), or `python3` from `PATH`.

use common::UserStore;
use remote_objects::names::{self, Registrations, Registry};
use remote_objects::objects;
use remote_objects::server::Config;
use std::net::Ipv4Addr;
use std::process::Command;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

fn python() -> String {
    std::env::var("PYTHON_PEERS").unwrap_or_else(|_| "python3".into())
}

#[tokio::test]
#[ignore = "needs python3 (PYTHON_PEERS or python3 on PATH)"]
async fn a_hand_written_python_peer_speaks_the_documented_frames() {
    let stop = CancellationToken::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let names_addr = listener.local_addr().unwrap();
    let registry = Registry::new(names::Config::default());
    tokio::spawn(names::serve(
        listener,
        registry,
        Config::default(),
        stop.clone().cancelled_owned(),
    ));
    let objects = objects::spawn(
        Ipv4Addr::LOCALHOST.into(),
        UserStore::with_sample_users(),
        Config::default(),
        stop.clone(),
    )
    .await
    .unwrap();
    let registrations = Registrations::register(names_addr, objects.registrations()).await.unwrap();
    tokio::spawn(registrations.keep(stop.clone().cancelled_owned()));

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/tarpc_json_peer.py");
    let mut command = Command::new(python());
    command.arg(script).arg(names_addr.to_string());
    // The script sets a 10 s timeout on each socket, so it cannot hang for long.
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || command.output()),
    )
    .await
    .expect("the Python peer finished in time")
    .unwrap()
    .unwrap_or_else(|error| panic!("cannot run {}: {error}; set PYTHON_PEERS", python()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        stdout,
        "lookup example.users: Directory\n\
         get_user 1: Ada Lovelace <ada@example.com>\n\
         get_user 424242: Err {\"NotFound\": 424242}\n\
         lookup no.such.object: Err {\"NotFound\": \"no.such.object\"}\n\
         import_users: created 3, progress (3, 3)\n"
    );
    stop.cancel();
}
