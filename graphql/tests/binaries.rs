//! The real binaries: `graphql-server --addr 127.0.0.1:0`, then `graphql-client` against it,
//! then SIGTERM to the server, which must exit cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// Starts the server and returns it with the address from its `listening on` line.
fn start_server() -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_graphql-server"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let (line_tx, line_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = line_tx.send(line);
    });
    let line = line_rx.recv_timeout(WAIT).expect("the server prints its address");
    let addr = line.trim().strip_prefix("listening on ").expect("a `listening on` line").to_owned();
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
    let mut client = Command::new(env!("CARGO_BIN_EXE_graphql-client"))
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
        "user(id: 1) -> ok",
        r#"{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}"#,
        "users(limit: 3) -> ok",
        r#"[{"name":"Ada Lovelace","orders":[{"total":1260},{"total":9900}]},{"name":"Alan Turing","orders":[{"total":990}]},{"name":"Grace Hopper","orders":[{"total":5059}]}]"#,
        "createUser -> ok",
        r#"{"id":4,"name":"Barbara Liskov","email":"barbara4@example.com"}"#,
        "createUser (same email) -> GraphQL error",
        r#"[{"message":"a user with email barbara4@example.com already exists","path":["createUser"],"extensions":{"code":"ALREADY_EXISTS"}}]"#,
        "userCreated -> ok",
        r#"{"id":4,"name":"Barbara Liskov","email":"barbara4@example.com"}"#,
    ];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);

    // A single failing call prints the errors and exits non-zero.
    let duplicate = run_client(&addr, &["create", "Ada", "ada@example.com"]);
    assert!(!duplicate.status.success());
    let stdout = String::from_utf8(duplicate.stdout).unwrap();
    assert!(stdout.starts_with("createUser -> GraphQL error\n"), "{stdout}");

    // SIGTERM: the server shuts down gracefully and exits 0.
    let pid = server.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(wait_with_timeout(&mut server).success());
}

#[test]
fn the_minimal_example_prints_the_answer() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let mut child = Command::new(&example).stdout(Stdio::piped()).spawn().unwrap();
    wait_with_timeout(&mut child);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\"data\":{\"user\":{\"name\":\"Ada Lovelace\"}}}\n"
    );
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_graphql-client")).args(["--addr", &closed]),
        &format!("cannot reach http://{closed}"),
    );
    assert!(line.contains("cargo run -p graphql --bin graphql-server"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_graphql-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
