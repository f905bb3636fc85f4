//! The real binaries: `xmlrpc-server --addr 127.0.0.1:0`, then `xmlrpc-client` against it,
//! then SIGTERM and a clean exit.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// Kills the server if the test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `xmlrpc-client` with `args` and returns (exit success, stdout, stderr).
fn client(addr: &str, args: &[&str]) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xmlrpc-client"));
    command.args(["--addr", addr]).args(args);
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(command.output());
    });
    let output = finished.recv_timeout(WAIT).expect("client finished in time").unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

#[test]
fn server_and_client_binaries_talk_and_the_server_stops_cleanly() {
    let child = Command::new(env!("CARGO_BIN_EXE_xmlrpc-server"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);

    let stdout = server.0.stdout.take().unwrap();
    let (line_tx, line_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = line_tx.send(line);
    });
    let line = line_rx.recv_timeout(WAIT).expect("server printed its address");
    let addr = line.trim().strip_prefix("listening on ").expect(&line).to_owned();

    let (ok, out, _) = client(&addr, &[]);
    assert!(ok);
    assert_eq!(
        out,
        r#"call          users.get(1) -> {email: "ada@example.com", id: 1, name: "Ada Lovelace"}
struct param  users.list({offset: 1, limit: 2}) -> ["Alan Turing", "Grace Hopper"]
introspection system.listMethods() -> 15 methods
multicall     [simpleStructReturnTest(7), users.get(99)] -> [{times10: 70, times100: 700, times1000: 7000}, fault 1001]
fault         users.get(99) -> 1001: user 99 not found
"#
    );

    let (ok, out, _) = client(&addr, &["create", "Barbara Liskov", "barbara@example.com"]);
    assert!(ok);
    assert_eq!(out, "{email: \"barbara@example.com\", id: 4, name: \"Barbara Liskov\"}\n");
    let (ok, out, _) = client(&addr, &["list", "--offset", "2", "--limit", "5"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (ok, out, _) = client(&addr, &["methods"]);
    assert!(ok && out.lines().any(|line| line == "validator1.manyTypesTest"), "{out}");

    let (ok, out, err) = client(&addr, &["get", "99"]);
    assert!(!ok);
    assert_eq!(out, "");
    assert_eq!(err, "fault 1001: user 99 not found\n");

    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn the_minimal_example_makes_a_call_and_gets_a_fault() {
    let exe = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(Command::new(exe).output());
    });
    let output = finished.recv_timeout(WAIT).expect("minimal finished in time").unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{out}");
    assert!(
        out.contains("= user {email: \"ada@example.com\", id: 1, name: \"Ada Lovelace\"}"),
        "{out}"
    );
    assert!(out.contains("= fault 1001: user 99 not found"), "{out}");
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_xmlrpc-client")).args(["--addr", &closed]),
        &format!("cannot reach http://{closed}"),
    );
    assert!(line.contains("cargo run -p xmlrpc --bin xmlrpc-server"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_xmlrpc-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
