//! The real binaries, as a user runs them: the server prints its address, the client prints
//! users or a status line, and SIGTERM stops the server cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    /// Starts `grpc-server` on a free port, with `token` in GRPC_TOKEN if given.
    fn start(token: Option<&str>) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_grpc-server"));
        command.args(["--addr", "127.0.0.1:0"]).env_remove("GRPC_TOKEN");
        if let Some(token) = token {
            command.env("GRPC_TOKEN", token);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(PATIENCE).expect("server printed its address");
        let addr = line.trim().strip_prefix("listening on ").expect(&line).to_owned();
        Self { child, addr }
    }

    /// Runs `grpc-client` against this server and returns what it did.
    fn client(&self, args: &[&str]) -> Output {
        self.client_with(args, None)
    }

    fn client_with(&self, args: &[&str], token_env: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_grpc-client"));
        command.args(["--addr", &self.addr]).args(args).env_remove("GRPC_TOKEN");
        if let Some(token) = token_env {
            command.env("GRPC_TOKEN", token);
        }
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || tx.send(command.output().unwrap()));
        rx.recv_timeout(PATIENCE).expect("client finished")
    }

    /// Sends SIGTERM and checks the server exits with status 0.
    fn terminate(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "server exited with {status}");
                return;
            }
            assert!(std::time::Instant::now() < deadline, "server ignored SIGTERM");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn failure(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn server_and_client_binaries_work_together() {
    let server = Server::start(None);

    assert_eq!(stdout(&server.client(&["get", "1"])), "#1 Ada Lovelace <ada@example.com>\n");
    assert_eq!(failure(&server.client(&["get", "99"])), "NOT_FOUND: user 99 not found\n");
    assert_eq!(
        failure(&server.client(&["create", "Nobody", "nope"])),
        "INVALID_ARGUMENT: invalid email: must look like name@example.com (field: email)\n"
    );
    assert_eq!(
        stdout(&server.client(&["create", "Barbara Liskov", "barbara@example.com"])),
        "#4 Barbara Liskov <barbara@example.com>\n"
    );
    assert!(
        failure(&server.client(&["create", "B", "barbara@example.com"]))
            .starts_with("ALREADY_EXISTS: ")
    );
    assert_eq!(
        stdout(&server.client(&["list", "--offset", "1", "--limit", "2"])),
        "#2 Alan Turing <alan@example.com>\n#3 Grace Hopper <grace@example.com>\n"
    );
    assert_eq!(
        stdout(&server.client(&["import", "Ken Thompson,ken@example.com", "D R,dmr@example.com"])),
        "imported 2 users\n"
    );
    assert_eq!(
        stdout(&server.client(&["lookup", "6", "99"])),
        "#6 D R <dmr@example.com>\n#99 not found\n"
    );
    assert_eq!(stdout(&server.client(&["health"])), "SERVING\n");

    server.terminate();
}

#[test]
fn a_token_from_the_environment_guards_the_user_service() {
    let server = Server::start(Some("s3cret"));

    let refused = failure(&server.client(&["get", "1"]));
    assert!(refused.starts_with("UNAUTHENTICATED: "), "{refused}");
    let refused = failure(&server.client(&["--token", "wrong", "get", "1"]));
    assert_eq!(refused, "UNAUTHENTICATED: invalid bearer token\n");

    let by_flag = stdout(&server.client(&["--token", "s3cret", "get", "2"]));
    assert_eq!(by_flag, "#2 Alan Turing <alan@example.com>\n");
    let by_env = stdout(&server.client_with(&["get", "3"], Some("s3cret")));
    assert_eq!(by_env, "#3 Grace Hopper <grace@example.com>\n");
    assert_eq!(stdout(&server.client(&["health"])), "SERVING\n", "health needs no token");

    server.terminate();
}

#[test]
fn the_client_reports_an_unreachable_server() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = Command::new(env!("CARGO_BIN_EXE_grpc-client"))
        .args(["--addr", &format!("127.0.0.1:{port}"), "get", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: "), "{output:?}");
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_grpc-client"))
            .args(["--addr", &closed, "get", "1"]),
        &format!("cannot reach {closed}"),
    );
    assert!(line.contains("cargo run -p grpc --bin grpc-server"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_grpc-server")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
