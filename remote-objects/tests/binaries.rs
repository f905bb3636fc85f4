//! The three real binaries, run as a user would: `remote-objects-names`,
//! `remote-objects-server --names ...` and `remote-objects-client`. Then the server is killed
//! with SIGKILL in the middle of a call: the client reports it in one line, and the names go
//! from the naming service within one lease.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const LEASE_MS: u64 = 1500;

/// Kills the process when dropped, so a failing test leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program` and returns it with the first `lines` lines it printed.
fn start(program: &str, args: &[&str], lines: usize) -> (Running, Vec<String>) {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let printed = (0..lines)
        .map(|_| rx.recv_timeout(Duration::from_secs(20)).expect("the binary printed its lines"))
        .collect();
    (Running(child), printed)
}

fn client(names: &str, args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_remote-objects-client"))
        .args(["--names", names])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start remote-objects-client");
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

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_three_binaries_work_together_and_a_killed_server_drops_out() {
    let lease = LEASE_MS.to_string();
    let (_names, printed) = start(
        env!("CARGO_BIN_EXE_remote-objects-names"),
        &["--addr", "127.0.0.1:0", "--lease-ms", &lease],
        1,
    );
    let names = printed[0].strip_prefix("listening on ").expect("a listening line").to_owned();

    let (mut server, printed) =
        start(env!("CARGO_BIN_EXE_remote-objects-server"), &["--names", &names], 3);
    assert!(printed[0].starts_with("serving example.users (Directory) on 127.0.0.1:"));
    assert!(printed[1].starts_with("serving example.counter (Counter) on 127.0.0.1:"));
    assert_eq!(printed[2], format!("registered with the naming service at {names}"));

    let listed = client(&names, &["names"]);
    assert!(listed.status.success());
    let listed = stdout(&listed);
    assert!(listed.contains("example.counter -> 127.0.0.1:"), "{listed}");
    assert!(listed.contains("example.users -> 127.0.0.1:"), "{listed}");

    let ada = client(&names, &["get", "1"]);
    assert!(ada.status.success());
    assert_eq!(stdout(&ada), "user 1: Ada Lovelace <ada@example.com>\n");

    let missing = client(&names, &["get", "42"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(stderr(&missing), "error: user 42 not found\n");

    let late = client(&names, &["slow", "1", "3000", "--deadline-ms", "300"]);
    assert_eq!(late.status.code(), Some(1));
    assert_eq!(stdout(&late), "calling slow_get(1, 3000 ms) with a 300 ms deadline\n");
    assert_eq!(stderr(&late), "error: slow_get failed: the request exceeded its deadline\n");

    let imported = stdout(&client(&names, &["import", "20"]));
    assert!(imported.contains("progress: 20/20\n"), "{imported}");
    assert!(imported.contains("imported 20 users, rejected 0"), "{imported}");

    // A call in progress when the server is killed.
    let call = Command::new(env!("CARGO_BIN_EXE_remote-objects-client"))
        .args(["--names", &names, "slow", "1", "20000", "--deadline-ms", "30000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let killed = Instant::now();
    server.0.kill().expect("SIGKILL the server");
    let _ = server.0.wait();

    let failed = wait_with_timeout(call);
    assert!(killed.elapsed() < Duration::from_secs(5), "the client did not hang");
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(stdout(&failed).lines().count(), 1, "the call line: {}", stdout(&failed));
    let errors = stderr(&failed);
    assert_eq!(errors.lines().count(), 1, "one error line: {errors}");
    assert!(errors.starts_with("error: slow_get failed: "), "{errors}");

    // Within one lease (and a little), the naming service has forgotten the dead server.
    let mut gone = false;
    while killed.elapsed() < Duration::from_millis(LEASE_MS + 500) {
        if stdout(&client(&names, &["names"])) == "no names registered\n" {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(gone, "the killed server's names expired within one lease");

    let lookup = client(&names, &["get", "1"]);
    assert_eq!(lookup.status.code(), Some(1));
    assert_eq!(stderr(&lookup), "error: no object is registered as \"example.users\"\n");
}

#[test]
fn a_server_without_a_naming_service_says_so_and_exits() {
    // A port nobody listens on: bind one, note it, let it go.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_remote-objects-server"))
        .args(["--names", &free.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = wait_with_timeout(child);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot register with the naming service at {free}")),
        "{stderr}"
    );
}

/// No server, and a port already taken: one line on stderr each, naming the address and what
/// to do.
#[test]
fn no_server_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    let line = common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_remote-objects-client"))
            .args(["--names", &closed, "names"]),
        &format!("cannot reach the naming service at {closed}"),
    );
    assert!(line.contains("cargo run -p remote-objects --bin remote-objects-names"), "{line}");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_remote-objects-names"))
            .args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
