//! The real binaries, run as a user would: `udp-receiver --echo`, then `udp-sender --echo`,
//! then SIGTERM to the receiver, which prints its final report.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn wait_with_timeout(child: Child) -> Output {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(20)).expect("process finished in time").unwrap()
}

#[test]
fn sender_and_receiver_binaries_report_what_arrived() {
    let mut receiver = Command::new(env!("CARGO_BIN_EXE_udp-receiver"))
        .args(["--addr", "127.0.0.1:0", "--echo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start udp-receiver");
    let mut stdout = BufReader::new(receiver.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = stdout.read_line(&mut first);
        let _ = tx.send(first);
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        let _ = tx.send(rest);
    });
    let first = rx.recv_timeout(Duration::from_secs(10)).expect("receiver printed its address");
    let addr = first.trim().strip_prefix("listening on ").expect("a listening line").to_owned();

    let sender = Command::new(env!("CARGO_BIN_EXE_udp-sender"))
        .args(["--addr", &addr, "--echo", "--count", "20", "--rate", "200", "--sensor", "bin-test"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start udp-sender");
    let sent = wait_with_timeout(sender);
    assert!(sent.status.success());
    let sent = String::from_utf8_lossy(&sent.stdout);
    assert!(sent.contains(&format!("to {addr} at 200/s")), "{sent}");
    assert!(sent.contains("sent 20 readings"), "{sent}");
    assert!(sent.contains("echoed 20/20, lost 0"), "{sent}");
    assert!(sent.contains("round trip: min"), "{sent}");

    let status = Command::new("kill").args(["-TERM", &receiver.id().to_string()]).status().unwrap();
    assert!(status.success());
    let stopped = wait_with_timeout(receiver);
    assert!(stopped.status.success(), "udp-receiver exits cleanly on SIGTERM");
    let report = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let row = report.lines().find(|line| line.contains("bin-test")).expect("a row for the sender");
    let columns: Vec<_> = row.split_whitespace().collect();
    assert_eq!(columns[1..], ["bin-test", "20", "0", "0", "0", "0"], "{report}");
    let log = String::from_utf8_lossy(&stopped.stderr);
    assert!(log.contains("sensor=bin-test seq=20"), "each reading is logged: {log}");
}

/// A port already taken: one line on stderr, naming the address and what to do.
#[test]
fn a_taken_port_is_one_line() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_udp-receiver")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
