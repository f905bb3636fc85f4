//! The real binaries: a server, two terminal clients chatting through it (one leaves on EOF),
//! then SIGTERM, which closes the remaining client properly.

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const WAIT: Duration = Duration::from_secs(20);

fn spawn(program: &str, args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, stdout)
}

async fn line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(WAIT, lines.next_line()).await.expect("timed out").unwrap().expect("eof")
}

#[tokio::test]
async fn server_and_two_terminal_clients() {
    let server_bin = env!("CARGO_BIN_EXE_websocket-server");
    let client_bin = env!("CARGO_BIN_EXE_websocket-client");
    let (mut server, mut server_out) = spawn(server_bin, &["--addr", "127.0.0.1:0"]);
    let listening = line(&mut server_out).await;
    let addr = listening.strip_prefix("listening on ").expect("a listening line").to_owned();

    // Bob stays connected (stdin open) and watches.
    let (mut bob, mut bob_out) = spawn(client_bin, &["--addr", &addr, "--name", "bob"]);
    assert_eq!(line(&mut bob_out).await, "* joined as bob; here: bob");

    // Ada says two things, then her stdin ends: she closes and exits.
    let (mut ada, mut ada_out) = spawn(client_bin, &["--addr", &addr, "--name", "ada"]);
    let mut ada_in = ada.stdin.take().unwrap();
    ada_in.write_all(b"hello bob\n\nbye\n").await.unwrap();
    drop(ada_in);
    assert_eq!(line(&mut ada_out).await, "* joined as ada; here: ada, bob");
    let status = tokio::time::timeout(WAIT, ada.wait()).await.unwrap().unwrap();
    assert!(status.success(), "ada exited with {status}");

    assert_eq!(line(&mut bob_out).await, "* ada joined");
    assert_eq!(line(&mut bob_out).await, "[ada] hello bob");
    assert_eq!(line(&mut bob_out).await, "[ada] bye");
    assert_eq!(line(&mut bob_out).await, "* ada left (quit)");

    // A taken name is refused with a clear error and a failure status.
    let taken = Command::new(client_bin)
        .args(["--addr", &addr, "--name", "bob"])
        .stdin(Stdio::null())
        .output();
    let taken = tokio::time::timeout(WAIT, taken).await.unwrap().unwrap();
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("is taken"));

    // SIGTERM: the server closes bob's socket with 1001, and both exit cleanly.
    let pid = server.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(WAIT, server.wait()).await.unwrap().unwrap();
    assert!(status.success(), "server exited with {status}");
    assert_eq!(
        line(&mut bob_out).await,
        "* the server closed the chat: 1001 (server shutting down)"
    );
    let status = tokio::time::timeout(WAIT, bob.wait()).await.unwrap().unwrap();
    assert!(status.success(), "bob exited with {status}");
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_websocket-client"))
            .args(["--addr", &closed, "--name", "ada"]),
        &format!("cannot reach ws://{closed}"),
    );
    assert!(line.contains("cargo run -p websocket --bin websocket-server"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_websocket-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
