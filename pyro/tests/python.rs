//! The real Pyro5 from PyPI on both sides of the Rust code: Python's name server, Python's
//! `Proxy` calling `pyro-server`, and `pyro-client` calling a Python daemon.
//!
//! Needs Python with Pyro5: `PYTHON_PEERS` names that interpreter (`.ci/run` provides it).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn python() -> String {
    std::env::var("PYTHON_PEERS").expect(
        "PYTHON_PEERS must name a Python with Pyro5 (python3 -m venv .venv && .venv/bin/pip install Pyro5)",
    )
}

fn peer(script: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers").join(script).display().to_string()
}

/// A child process killed when the test ends, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` and waits for a stdout line starting with `prefix`; returns the line.
fn start(mut command: Command, prefix: &str) -> (Running, String) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let prefix = prefix.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with(&prefix) {
                let _ = tx.send(line);
            }
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).expect("the process got ready in time");
    (Running(child), line)
}

/// A Pyro5 name server on a free port; returns it and its `host:port`.
fn name_server() -> (Running, String) {
    let mut command = Command::new(python());
    command.args(["-u", "-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0"]);
    let (running, line) = start(command, "NS running on ");
    // "NS running on 127.0.0.1:36733 (127.0.0.1)"
    let addr = line["NS running on ".len()..].split_whitespace().next().unwrap().to_owned();
    (running, addr)
}

fn run(command: &mut Command) -> Output {
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("finished in time").unwrap()
}

#[test]
#[ignore = "needs Pyro5 (PYTHON_PEERS)"]
fn python_calls_the_rust_daemon_through_the_name_server() {
    let (_ns, ns) = name_server();
    let mut server = Command::new(env!("CARGO_BIN_EXE_pyro-server"));
    server.args(["--ns", &ns]);
    let (_server, _) = start(server, "registered example.users");

    let output = run(Command::new(python()).args([&peer("call_users.py"), &ns]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let expected = [
        r#"get_user(1) -> {"email": "ada@example.com", "id": 1, "name": "Ada Lovelace"}"#,
        r#"create_user(Barbara) -> {"email": "barbara@example.com", "id": 4, "name": "Barbara Liskov"}"#,
        r#"create_user(name=, email=) -> {"email": "edsger@example.com", "id": 5, "name": "Edsger Dijkstra"}"#,
        "create_user(Barbara) again raised ValueError a user with email barbara@example.com already exists",
        "create_user(bad email) raised ValueError invalid email: must look like name@example.com",
        "get_user(42) raised LookupError user 42 not found",
        "remote traceback starts: Traceback (a Rust daemon; no Python frames):",
        r#"get_user('one') raised TypeError id must be int, not "one""#,
        r#"list_users() -> ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Barbara Liskov", "Edsger Dijkstra"]"#,
        "delete_user(1) raised AttributeError remote object 'PYRONAME:example.users@[..]' has no exposed attribute or method 'delete_user'",
        "serpent proxy raised CommunicationError connection to [..] rejected: this daemon speaks only the json serializer (id 3), not id 1; set PYRO_SERIALIZER=json or Pyro5.config.SERIALIZER = \"json\"",
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{stdout}");
    for (line, expected) in lines.iter().zip(expected) {
        let (head, tail) = expected.split_once("[..]").unwrap_or((expected, ""));
        assert!(
            line.starts_with(head) && line.ends_with(tail),
            "got      {line}\nexpected {expected}"
        );
    }
}

#[test]
#[ignore = "needs Pyro5 (PYTHON_PEERS)"]
fn pyro_client_calls_a_python_daemon_through_the_name_server() {
    let (_ns, ns) = name_server();
    let mut daemon = Command::new(python());
    daemon.args([&peer("users_server.py"), &ns, "example.python.users"]);
    let (_daemon, ready) = start(daemon, "ready ");
    assert!(ready.starts_with("ready PYRO:example.python.users@127.0.0.1:"), "{ready}");

    let client = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyro-client"));
        command.args(["--ns", &ns, "--name", "example.python.users"]).args(args);
        run(&mut command)
    };
    let got = client(&["get", "1"]);
    assert!(got.status.success(), "{}", String::from_utf8_lossy(&got.stderr));
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        "{\"id\":1,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}\n"
    );

    let created = client(&["create", "Barbara Liskov", "barbara@example.com"]);
    assert_eq!(
        String::from_utf8_lossy(&created.stdout),
        "{\"id\":2,\"name\":\"Barbara Liskov\",\"email\":\"barbara@example.com\"}\n"
    );

    let missing = client(&["get", "42"]);
    assert!(!missing.status.success());
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "error: remote builtins.LookupError: user 42 not found\n"
    );

    let invalid = client(&["create", "Nobody", "nobody"]);
    assert_eq!(
        String::from_utf8_lossy(&invalid.stderr),
        "error: remote builtins.ValueError: invalid email: must look like name@example.com\n"
    );
    let listed = client(&["list"]);
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 2);
}

#[test]
#[ignore = "needs Pyro5 (PYTHON_PEERS)"]
fn an_unknown_name_and_a_missing_name_server_fail_in_one_line() {
    let (_ns, ns) = name_server();
    let unknown = run(Command::new(env!("CARGO_BIN_EXE_pyro-client")).args([
        "--ns",
        &ns,
        "--name",
        "example.nobody",
        "get",
        "1",
    ]));
    assert!(!unknown.status.success());
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr),
        "error: remote Pyro5.errors.NamingError: unknown name: example.nobody\n"
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = format!("127.0.0.1:{port}");
    let no_ns = run(Command::new(env!("CARGO_BIN_EXE_pyro-server")).args(["--ns", &nowhere]));
    assert!(!no_ns.status.success());
    let stderr = String::from_utf8_lossy(&no_ns.stderr);
    assert!(stderr.contains(&format!("no Pyro5 name server at {nowhere}")), "{stderr}");
    assert!(stderr.contains("python3 -m Pyro5.nameserver"), "{stderr}");
}

#[test]
#[ignore = "needs Pyro5 (PYTHON_PEERS)"]
fn the_daemon_removes_its_name_when_it_stops() {
    let (_ns, ns) = name_server();
    let mut server = Command::new(env!("CARGO_BIN_EXE_pyro-server"));
    server.args(["--ns", &ns]);
    let (mut server, _) = start(server, "registered example.users");
    // SIGINT, as Ctrl-C sends: a graceful stop.
    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let _ = server.0.wait();
    let lookup =
        run(Command::new(env!("CARGO_BIN_EXE_pyro-client")).args(["--ns", &ns, "get", "1"]));
    assert!(String::from_utf8_lossy(&lookup.stderr).contains("unknown name: example.users"));
}
