//! The real binaries: `soap-server --addr 127.0.0.1:0`, then `soap-client` against it, then
//! SIGTERM to the server, which must exit cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// Starts the server and returns it with the address from its `listening on` line.
fn start_server() -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_soap-server"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let (line_tx, line_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = line_tx.send(line);
        }
    });
    let line = line_rx.recv_timeout(WAIT).expect("the server prints its address");
    let addr = line.trim().strip_prefix("listening on ").expect("a `listening on` line").to_owned();
    let wsdl = line_rx.recv_timeout(WAIT).expect("the server prints its WSDL URL");
    assert_eq!(wsdl, format!("WSDL at http://{addr}/soap?wsdl"));
    (server, addr)
}

fn wait_with_timeout(child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > WAIT {
            let _ = child.kill();
            panic!("process did not exit within {WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_client(addr: &str, args: &[&str]) -> Output {
    let mut client = Command::new(env!("CARGO_BIN_EXE_soap-client"))
        .args(["--addr", addr])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_with_timeout(&mut client);
    client.wait_with_output().unwrap()
}

#[test]
fn client_binary_talks_to_server_binary_and_the_server_stops_on_sigterm() {
    let (mut server, addr) = start_server();

    let demo = run_client(&addr, &[]);
    assert!(demo.status.success(), "{demo:?}");
    let stdout = String::from_utf8(demo.stdout).unwrap();
    let expected = [
        "GetUser(1) ->",
        "  #1 Ada Lovelace <ada@example.com>",
        r#"CreateUser("Barbara Liskov", "barbara@example.com") ->"#,
        "  #4 Barbara Liskov <barbara@example.com>",
        "GetUser(999) -> fault Client: user 999 not found",
        "  detail: UserNotFound { id: 999 }",
    ];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);

    // A single failing call prints the fault and exits non-zero.
    let duplicate = run_client(&addr, &["create", "Ada", "ada@example.com"]);
    assert!(!duplicate.status.success());
    let stdout = String::from_utf8(duplicate.stdout).unwrap();
    assert!(
        stdout.contains("-> fault Client: a user with email ada@example.com already exists"),
        "{stdout}"
    );

    let list = run_client(&addr, &["list", "--offset", "3", "--limit", "5"]);
    assert!(list.status.success());
    let stdout = String::from_utf8(list.stdout).unwrap();
    assert_eq!(
        stdout,
        "ListUsers(offset 3, limit 5) -> 1 of 4 users\n  #4 Barbara Liskov <barbara@example.com>\n"
    );

    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = wait_with_timeout(&mut server);
    assert!(exit.success(), "server exit: {exit:?}");
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_soap-client")).args(["--addr", &closed]),
        &format!("cannot reach http://{closed}"),
    );
    assert!(line.contains("cargo run -p soap --bin soap-server"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_soap-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
