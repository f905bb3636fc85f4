//! The tour binary, run as a newcomer runs it: every protocol ends ok, and without a broker
//! AMQP is skipped with the hint to start one while the rest still runs.

use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn tour(args: &[&str], amqp_addr: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tour"));
    command.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(addr) = amqp_addr {
        command.env("AMQP_ADDR", addr);
    }
    let child = command.spawn().expect("start the tour");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(120)).expect("the tour finished in time").unwrap()
}

fn results(output: &Output) -> Vec<Value> {
    let json: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    json.as_array().expect("an array of results").clone()
}

fn result_of<'a>(results: &'a [Value], protocol: &str) -> &'a Value {
    results.iter().find(|r| r["protocol"] == protocol).expect("a result for each protocol")
}

/// The protocols every machine with RabbitMQ runs; the tour may list more (every one of
/// them must be ok too).
const AT_LEAST: [&str; 7] = ["udp", "tcp", "jsonrpc", "rest", "websocket", "grpc", "amqp"];

#[test]
#[ignore = "needs RabbitMQ"]
fn every_protocol_reports_ok() {
    let output = tour(&["--json"], None);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let results = results(&output);
    for protocol in AT_LEAST {
        result_of(&results, protocol);
    }
    for result in &results {
        let protocol = &result["protocol"];
        assert_eq!(result["result"], "ok", "{protocol}: {result:#}");
        assert!(result["round_trip_us"].as_f64().unwrap() > 0.0);
        assert!(result["payload_bytes"].as_u64().unwrap() > 0);
        assert!(
            result["transcript"].as_array().unwrap().len() >= 3,
            "{protocol} shows its exchange"
        );
    }
}

#[test]
fn without_a_broker_amqp_is_skipped_with_the_hint_and_the_rest_runs() {
    // A port that was free a moment ago: nothing answers there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let closed = format!("amqp://guest:guest@127.0.0.1:{port}/%2f");
    let output = tour(&["--json"], Some(&closed));
    assert!(output.status.success(), "a skipped step is not a failure");
    let results = results(&output);
    let amqp = result_of(&results, "amqp");
    assert_eq!(amqp["result"], "skipped");
    let reason = amqp["reason"].as_str().unwrap();
    assert!(reason.contains("docker compose up -d rabbitmq"), "{reason}");
    assert!(!reason.contains("guest:guest"), "no password in the output: {reason}");
    for result in results.iter().filter(|r| r["protocol"] != "amqp") {
        assert_ne!(result["result"], "failed", "{result:#}");
    }
}

#[test]
fn the_human_output_ends_with_the_summary_table() {
    let output = tour(&["--only", "tcp,udp"], None);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("== tcp"), "{stdout}");
    assert!(stdout.contains("→ PING\\r\\n") && stdout.contains("← PONG\\r\\n"), "{stdout}");
    let table = stdout.split("protocol ").last().unwrap();
    let rows: Vec<&str> = table.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "one row per protocol: {table}");
    assert!(rows.iter().all(|row| row.contains(" ok ")), "{table}");
}
