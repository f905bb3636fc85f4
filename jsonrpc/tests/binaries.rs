//! The real binaries: `jsonrpc-server --addr 127.0.0.1:0`, then `jsonrpc-client` against it,
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

/// Runs `jsonrpc-client` with `args` and returns (exit success, stdout, stderr).
fn client(addr: &str, args: &[&str]) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jsonrpc-client"));
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
    let child = Command::new(env!("CARGO_BIN_EXE_jsonrpc-server"))
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
        r#"call          users.get [1] -> {"id":1,"name":"Ada Lovelace","email":"ada@example.com"}
named params  subtract {minuend: 42, subtrahend: 23} -> 19
notification  notify_hello [7] -> (no reply, as intended)
batch         [sum [1,2,4], subtract [42,23], users.get [99]] -> [7, 19, error 1001]
error         users.get [99] -> code 1001: user 99 not found
"#
    );

    let (ok, out, _) = client(&addr, &["create", "Barbara Liskov", "barbara@example.com"]);
    assert!(ok);
    assert_eq!(out, "{\"id\":4,\"name\":\"Barbara Liskov\",\"email\":\"barbara@example.com\"}\n");
    let (ok, out, _) = client(&addr, &["list", "--offset", "2", "--limit", "5"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (ok, out, _) = client(&addr, &["sum", "1", "2", "-4"]);
    assert!((ok, out.as_str()) == (true, "-1\n"), "{out}");

    let (ok, out, err) = client(&addr, &["get", "99"]);
    assert!(!ok);
    assert_eq!(out, "");
    assert_eq!(err, "error 1001: user 99 not found {\"id\":99}\n");

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

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_jsonrpc-client")).args(["--addr", &closed]),
        &format!("cannot reach http://{closed}"),
    );
    assert!(line.contains("cargo run -p jsonrpc --bin jsonrpc-server"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_jsonrpc-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
