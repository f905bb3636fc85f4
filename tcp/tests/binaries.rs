//! The real binaries, run as a user would: start `tcp-server`, talk to it with `tcp-client`
//! (one-shot and interactive), then stop the server with SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Starts `tcp-server` on a free port and returns it with the address it printed.
fn start_server() -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_tcp-server"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tcp-server");
    let stdout = server.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(10)).expect("tcp-server printed its address");
    let addr = line.trim().strip_prefix("listening on ").expect("a listening line").to_owned();
    (server, addr)
}

fn client(addr: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tcp-client"))
        .args(["--addr", addr])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tcp-client");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    wait_with_timeout(child)
}

fn wait_with_timeout(child: Child) -> Output {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(20)).expect("process finished in time").unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn client_and_server_binaries_talk_and_the_server_stops_on_sigterm() {
    let (server, addr) = start_server();

    let echo = client(&addr, &["ECHO", "hello"], "");
    assert!(echo.status.success());
    assert_eq!(stdout(&echo), "ECHO hello\n");

    let missing = client(&addr, &["GET", "42"], "");
    assert_eq!(missing.status.code(), Some(1), "ERR answers exit with status 1");
    assert_eq!(stdout(&missing), "ERR user 42 not found\n");

    let session =
        client(&addr, &[], "PING\nCREATE barbara@example.com Barbara Liskov\nGET 4\nQUIT\n");
    assert!(session.status.success());
    assert_eq!(
        stdout(&session),
        "PONG\nCREATED 4 barbara@example.com Barbara Liskov\n\
         USER 4 barbara@example.com Barbara Liskov\nBYE\n"
    );

    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    let stopped = wait_with_timeout(server);
    assert!(stopped.status.success(), "tcp-server exits cleanly on SIGTERM: {:?}", stopped.status);
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_tcp-client"))
            .args(["--addr", &closed, "PING"]),
        &format!("cannot reach {closed}"),
    );
    assert!(line.contains("cargo run -p tcp --bin tcp-server"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_tcp-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
