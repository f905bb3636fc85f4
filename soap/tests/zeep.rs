//! The independent peer: Python's zeep, pointed at nothing but the served WSDL URL, builds
//! its client from the contract, calls every operation and gets our faults as
//! `zeep.exceptions.Fault` with our code, message and detail.

mod support;

use soap::server::Config;
use std::process::Command;
use support::{TestServer, WAIT};

fn python() -> String {
    std::env::var("PYTHON_PEERS").unwrap_or_else(|_| {
        panic!(
            "set PYTHON_PEERS to a python with zeep 4.3 \
             (python3 -m venv .venv && .venv/bin/pip install 'zeep>=4.3,<5')"
        )
    })
}

#[tokio::test]
#[ignore = "needs zeep: PYTHON_PEERS names a python with zeep 4.3 installed"]
async fn zeep_calls_every_operation_from_the_wsdl_alone() {
    let server = TestServer::start(Config::default()).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/zeep_client.py");
    let mut command = Command::new(python());
    command.arg(script).arg(server.url("/soap?wsdl"));
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = tokio::time::timeout(WAIT * 3, run).await.unwrap().unwrap().expect("python runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "zeep client failed:\n{stderr}");
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        printed,
        "GetUser(1) -> #1 Ada Lovelace <ada@example.com>\n\
         CreateUser -> #4 Barbara Liskov <barbara@example.com>\n\
         ListUsers(offset=1, limit=3) -> Alan Turing, Grace Hopper, Barbara Liskov (total 4)\n\
         GetUser(42) -> Fault soap:Client: user 42 not found [UserNotFound: id=42]\n\
         CreateUser(again) -> Fault soap:Client: a user with email barbara@example.com already \
         exists [EmailTaken: email=barbara@example.com]\n\
         CreateUser(bad email) -> Fault soap:Client: invalid email: must look like \
         name@example.com [InvalidField: field=email, reason=must look like name@example.com]\n\
         ListUsers(limit=500) -> Fault soap:Client: invalid limit: must be between 1 and 100 \
         [InvalidField: field=limit, reason=must be between 1 and 100]\n"
    );
    assert_eq!(server.store.len(), 4);
    server.stop().await;
}
