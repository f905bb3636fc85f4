//! kafka-python, a client nobody here wrote, on both sides of the log: it produces orders that
//! `kafka-consumer` processes, and reads back what `kafka-producer` wrote, keys included.
//! Needs a broker (`KAFKA_BROKERS`) and the Python peers (`PYTHON_PEERS`), as `.ci/run` sets.

mod support;

use std::collections::BTreeSet;
use std::process::Command;
use support::*;

fn python() -> String {
    std::env::var("PYTHON_PEERS").expect(
        "PYTHON_PEERS is not set: point it at a python with kafka-python \
         (python3 -m venv .venv && .venv/bin/pip install kafka-python)",
    )
}

fn peer(script: &str) -> String {
    format!("{}/tests/peers/{script}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
#[ignore = "needs a Kafka broker and kafka-python"]
fn kafka_consumer_processes_orders_produced_by_kafka_python() {
    let brokers = broker();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let topics = runtime.block_on(fresh_topics(&brokers, "py-produce"));
    let output = Command::new(python())
        .args([&peer("produce.py"), &brokers, &topics.events, "1", "12"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let delivered = String::from_utf8_lossy(&output.stdout).lines().count();
    assert_eq!(delivered, 12);

    let group = unique("py-produce");
    let consumer = Spawned::start(
        "kafka-consumer",
        &brokers,
        &["--topic", &topics.events, "--group", &group, "--from-beginning"],
    );
    let mut ids = BTreeSet::new();
    while ids.len() < 12 {
        let line = consumer.wait_for("processed order", |_| {});
        assert!(line.contains("from python-"), "{line}");
        ids.insert(processed_id(&line).unwrap());
    }
    assert_eq!(ids, (1..=12).collect());
    let rest = consumer.terminate();
    assert!(rest.iter().any(|l| l == "stopped: 12 processed, 0 dead-lettered"), "{rest:?}");
}

#[test]
#[ignore = "needs a Kafka broker and kafka-python"]
fn kafka_python_reads_what_kafka_producer_wrote_with_its_keys() {
    let brokers = broker();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let topics = runtime.block_on(fresh_topics(&brokers, "py-consume"));
    let (ok, stdout, stderr) =
        run_binary("kafka-producer", &brokers, &["--topic", &topics.events, "--count", "9"]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("delivered 9 of 9 orders"), "{stdout}");

    let output = Command::new(python())
        .args([&peer("consume.py"), &brokers, &topics.events, &unique("py-consume"), "9"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    let mut ids = BTreeSet::new();
    for line in text.lines() {
        let mut fields = line.splitn(4, ' ');
        let (_partition, _offset) = (fields.next().unwrap(), fields.next().unwrap());
        // Keys with spaces ("Ada Lovelace") make this split ambiguous; the JSON tells.
        let rest = format!("{} {}", fields.next().unwrap(), fields.next().unwrap());
        let json_start = rest.find('{').unwrap();
        let key = rest[..json_start].trim();
        let order: common::Order = serde_json::from_str(&rest[json_start..]).unwrap();
        assert_eq!(key, order.customer, "the key is the customer");
        assert_eq!(order, kafka::message::sample_order(order.id));
        ids.insert(order.id);
    }
    assert_eq!(ids, (1..=9).collect());
}
