//! The .proto is the contract: a Python client generated from it with grpcio-tools works
//! against this server unchanged, status codes, BadRequest details, deadline and cancel too.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{TestServer, within};

fn python() -> String {
    std::env::var("GRPC_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("python runs");
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

#[tokio::test]
#[ignore = "needs Python with grpcio-tools and grpcio-status (pip install grpcio-tools \
            grpcio-status); GRPC_PYTHON names the interpreter, default python3"]
async fn a_python_client_generated_from_the_proto_works_unchanged() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("grpc-python-client");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();

    // Exactly the README's commands: generate from the .proto, run the script.
    let proto_dir = crate_dir.join("proto");
    run(Command::new(python())
        .args(["-m", "grpc_tools.protoc", "-I"])
        .arg(&proto_dir)
        .arg(format!("--python_out={}", out.display()))
        .arg(format!("--grpc_python_out={}", out.display()))
        .arg(proto_dir.join("users.proto")));

    let server = TestServer::start().await;
    let mut script = Command::new(python());
    script
        .arg(crate_dir.join("python/users_client.py"))
        .arg(server.addr.to_string())
        .env("PYTHONPATH", &out);
    let output = within(tokio::task::spawn_blocking(move || run(&mut script))).await.unwrap();

    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        printed,
        "GetUser(1) -> #1 Ada Lovelace <ada@example.com>\n\
         GetUser(99) -> NOT_FOUND: user 99 not found\n\
         CreateUser(bad email) -> INVALID_ARGUMENT: invalid email: must look like \
         name@example.com [BadRequest field: email]\n\
         ListUsers(limit=3) -> Ada Lovelace, Alan Turing, Grace Hopper\n\
         ImportUsers(2 users) -> created 2\n\
         LookupUsers -> 2: Alan Turing\n\
         LookupUsers -> 42: not found\n\
         ImportUsers(dawdling, 300 ms deadline) -> DEADLINE_EXCEEDED\n\
         LookupUsers -> Grace Hopper, then cancel()\n  the call ended with CANCELLED\n"
    );
    assert_eq!(server.store.len(), 6, "two imported, one dawdling user before its deadline");
    server.await_cancelled_calls(1).await; // the server noticed the Python client's cancel
    server.stop().await;
}
