//! The real binaries, run as a user would: start `ice-server`, call it with `ice-client`
//! (the demo and single commands), then stop the server with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Starts `ice-server` on a free port and returns it with the address it printed.
fn start_server() -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_ice-server"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ice-server");
    let stdout = server.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(10)).expect("ice-server printed its address");
    let addr = line.trim().strip_prefix("listening on ").expect("a listening line").to_owned();
    (server, addr)
}

fn client(addr: &str, args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_ice-client"))
        .args(["--addr", addr, "--timeout", "5"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ice-client");
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

    let demo = client(&addr, &[]);
    assert!(demo.status.success(), "{demo:?}");
    assert_eq!(
        stdout(&demo),
        "checkedCast: ice_isA(\"::Users::Directory\") = true\n\
         getUser(1) = 1 Ada Lovelace <ada@example.com>\n\
         createUser(\"Barbara Liskov\", \"barbara@example.com\") = 4 Barbara Liskov <barbara@example.com>\n\
         getUser(99) raised UserNotFound { id: 99 }\n\
         listUsers() = 4 users: 1, 2, 3, 4\n"
    );

    let get = client(&addr, &["get", "2"]);
    assert!(get.status.success());
    assert_eq!(stdout(&get), "2 Alan Turing <alan@example.com>\n");

    let missing = client(&addr, &["get", "42"]);
    assert_eq!(missing.status.code(), Some(1), "a user exception exits with status 1");
    assert_eq!(stdout(&missing), "raised UserNotFound { id: 42 }\n");

    let invalid = client(&addr, &["create", "Nobody", "nowhere"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert_eq!(
        stdout(&invalid),
        "raised InvalidUser { field: \"email\", reason: \"must look like name@example.com\" }\n"
    );

    let wrong = client(&addr, &["--identity", "nobody", "list"]);
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("object nobody does not exist (operation listUsers)"), "{stderr}");

    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    let stopped = wait_with_timeout(server);
    assert!(stopped.status.success(), "ice-server exits cleanly on SIGTERM: {:?}", stopped.status);
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do. The client's status for an error is 2 (1 is a user exception).
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let mut client = Command::new(env!("CARGO_BIN_EXE_ice-client"));
    client.args(["--addr", &closed, "get", "1"]);
    let line = common::testing::one_error_line(&mut client, &format!("cannot reach {closed}"));
    assert!(line.contains("cargo run -p ice --bin ice-server"), "{line}");
    assert_eq!(client.status().unwrap().code(), Some(2));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        Command::new(env!("CARGO_BIN_EXE_ice-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
