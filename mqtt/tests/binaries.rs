//! The three binaries as a user runs them: `mqtt-broker`, `mqtt-subscriber`, `mqtt-publisher`.

mod support;

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const LIMIT: Duration = Duration::from_secs(20);

fn spawn(binary: &str, args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child =
        Command::new(binary).args(args).stdout(Stdio::piped()).kill_on_drop(true).spawn().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

async fn line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(LIMIT, lines.next_line()).await.unwrap().unwrap().expect("a line")
}

#[tokio::test]
async fn broker_subscriber_and_publisher() {
    let (_broker, mut broker_out) =
        spawn(env!("CARGO_BIN_EXE_mqtt-broker"), &["--addr", "127.0.0.1:0"]);
    let listening = line(&mut broker_out).await;
    let addr = listening.strip_prefix("listening on ").expect("the bound address").to_owned();

    let device = support::unique("bin");
    let (subscriber, mut sub_out) = spawn(
        env!("CARGO_BIN_EXE_mqtt-subscriber"),
        &["--addr", &addr, "--count", "3", "--idle-timeout", "15"],
    );
    assert!(
        line(&mut sub_out)
            .await
            .starts_with("subscribed to devices/+/temperature, devices/+/status at QoS 1")
    );

    let publisher = Command::new(env!("CARGO_BIN_EXE_mqtt-publisher"))
        .args(["--addr", &addr, "--device", &device, "--count", "3", "--qos", "2"])
        .output();
    let publisher = tokio::time::timeout(LIMIT, publisher).await.unwrap().unwrap();
    let out = String::from_utf8_lossy(&publisher.stdout);
    assert!(publisher.status.success(), "{out}");
    assert!(
        out.contains(&format!("{device}: published 3 readings, 5 acks from the broker")),
        "{out}"
    );

    let mut seen = Vec::new();
    while let Ok(Ok(Some(next))) = tokio::time::timeout(LIMIT, sub_out.next_line()).await {
        seen.push(next);
    }
    let seen = seen.join("\n");
    assert!(seen.contains(&format!("{device} is online (QoS 1)")), "{seen}");
    assert!(seen.contains(&format!("{device} #3: ")), "{seen}");
    assert!(seen.contains(&format!("{device}: 3 received, 0 missing, 0 duplicates")), "{seen}");
    assert!(subscriber.wait_with_output().await.unwrap().status.success());
}

/// No broker, and a port already taken: one line on stderr each, naming the address and
/// what to do.
#[test]
fn no_broker_and_a_taken_port_are_one_line_each() {
    let closed = common::testing::closed_port().to_string();
    for binary in [env!("CARGO_BIN_EXE_mqtt-publisher"), env!("CARGO_BIN_EXE_mqtt-subscriber")] {
        let line = common::testing::one_error_line(
            std::process::Command::new(binary).args(["--addr", &closed]),
            &format!("error: no MQTT broker at {closed}"),
        );
        assert!(line.contains("cargo run -p mqtt --bin mqtt-broker"), "{line}");
    }

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    common::testing::one_error_line(
        std::process::Command::new(env!("CARGO_BIN_EXE_mqtt-broker")).args(["--addr", &taken]),
        &format!("cannot listen on {taken}: "),
    );
}
