//! The producer and consumer against librdkafka's mock cluster: the real Kafka protocol on
//! loopback, in-process, so these run everywhere. The broker tests are in `broker.rs`.

mod support;

use kafka::consumer::read_dead_letters;
use kafka::message::{MAX_ORDER_BYTES, sample_order};
use kafka::producer::{ProduceError, ProducerConfig};
use kafka::{DeliveryMode, OrderProducer, Topics};
use rdkafka::mocking::MockCluster;
use std::collections::HashMap;
use std::time::Duration;
use support::*;

/// A one-broker mock cluster with the pipeline's topics already there (it has no CreateTopics).
fn cluster(topics: &Topics) -> MockCluster<'static, rdkafka::producer::DefaultProducerContext> {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(&topics.events, 3, 1).unwrap();
    cluster.create_topic(&topics.dead_letters, 1, 1).unwrap();
    cluster
}

#[tokio::test]
async fn orders_flow_from_producer_to_consumer_keyed_by_customer() {
    let topics = Topics::new("orders");
    let cluster = cluster(&topics);
    let brokers = cluster.bootstrap_servers();
    topics.ensure(&brokers, 3).await.unwrap();

    let report = producer(&brokers, &topics)
        .send_orders((1..=30).map(sample_order), DeliveryMode::default())
        .await;
    assert_eq!(report.delivered.len(), 30, "failed: {:?}", report.failed);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let running = spawn_consumer(&brokers, &topics, &group_config("mock"), 0, tx);
    let got = collect(&mut rx, 30).await;
    running.stop().await;

    // Same customer, same partition; within it, in the order sent.
    let mut partition_of: HashMap<String, i32> = HashMap::new();
    let mut last_id: HashMap<String, u64> = HashMap::new();
    for processed in &got {
        let received = &processed.received;
        assert_eq!(received.key.as_deref(), Some(received.order.customer.as_str()));
        let partition =
            *partition_of.entry(received.order.customer.clone()).or_insert(received.partition);
        assert_eq!(partition, received.partition, "{} moved partitions", received.order.customer);
        let previous = last_id.insert(received.order.customer.clone(), received.order.id);
        assert!(previous < Some(received.order.id), "{} out of order", received.order.customer);
    }
    let mut ids: Vec<u64> = got.iter().map(|p| p.received.order.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=30).collect::<Vec<_>>());
}

#[tokio::test]
async fn poison_is_dead_lettered_with_its_reason_and_the_partition_moves_on() {
    let topics = Topics::new("orders");
    let cluster = cluster(&topics);
    let brokers = cluster.bootstrap_servers();
    let producer = producer(&brokers, &topics);

    producer.send_order(&sample_order(1)).await.unwrap();
    // Same key as order 1, so the same partition: the order after it must still come through.
    let customer = sample_order(1).customer;
    producer.send_raw(customer.as_bytes(), b"this is not an order").await.unwrap();
    producer.send_raw(customer.as_bytes(), &vec![b'x'; MAX_ORDER_BYTES + 1]).await.unwrap();
    let mut after = sample_order(4);
    after.customer = customer.clone();
    producer.send_order(&after).await.unwrap();

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let running = spawn_consumer(&brokers, &topics, &group_config("poison"), 0, tx);
    let got = collect(&mut rx, 2).await;
    assert_eq!(got.iter().map(|p| p.received.order.id).collect::<Vec<_>>(), [1, 4]);
    let stats = running.stop().await;
    assert_eq!((stats.processed, stats.dead_lettered), (2, 2));

    let letters = read_dead_letters(&brokers, &topics, 10, Duration::from_secs(10)).await.unwrap();
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0].value, b"this is not an order");
    assert_eq!(letters[0].key.as_deref(), Some(customer.as_str()));
    assert!(letters[0].reason.as_deref().unwrap().starts_with("value is not an order"));
    assert!(letters[0].origin.as_deref().unwrap().starts_with("orders["));
    assert!(letters[1].reason.as_deref().unwrap().contains("more than the 65536-byte limit"));
}

#[tokio::test]
async fn a_handler_error_dead_letters_the_order() {
    let topics = Topics::new("orders");
    let cluster = cluster(&topics);
    let brokers = cluster.bootstrap_servers();
    producer(&brokers, &topics).send_order(&sample_order(9)).await.unwrap();

    let mut consumer =
        kafka::OrderConsumer::new(&brokers, topics.clone(), &group_config("refuse")).unwrap();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let mut done_tx = Some(done_tx);
    let stats = tokio::time::timeout(
        WAIT,
        consumer.run(
            |_received| {
                done_tx.take().map(|tx| tx.send(()));
                async { Err("out of stock".to_owned()) }
            },
            async {
                let _ = done_rx.await;
                // Let the dead letter's delivery finish before stopping.
                tokio::time::sleep(Duration::from_millis(200)).await;
            },
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(stats.dead_lettered, 1);
    let letters = read_dead_letters(&brokers, &topics, 10, Duration::from_secs(10)).await.unwrap();
    assert_eq!(letters[0].reason.as_deref(), Some("out of stock"));
}

#[tokio::test]
async fn an_oversize_event_is_refused_by_the_producer() {
    let topics = Topics::new("orders");
    let cluster = cluster(&topics);
    let brokers = cluster.bootstrap_servers();
    let producer = producer(&brokers, &topics);
    let err = producer.send_raw(b"k", &vec![b'x'; 2_000_000]).await.unwrap_err();
    assert!(matches!(err, ProduceError::TooLarge { bytes: 2_000_000, .. }), "{err}");
    assert!(err.to_string().contains("larger than message.max.bytes"), "{err}");
    // The producer is still fine afterwards.
    producer.send_order(&sample_order(1)).await.unwrap();
}

#[tokio::test]
async fn a_broker_going_away_fails_orders_visibly_and_none_is_dropped() {
    let topics = Topics::new("orders");
    let cluster = cluster(&topics);
    let brokers = cluster.bootstrap_servers();
    let config = ProducerConfig { delivery_timeout: Duration::from_secs(2), ..Default::default() };
    let producer = OrderProducer::new(&brokers, topics.clone(), &config).unwrap();
    producer.send_order(&sample_order(1)).await.unwrap();

    cluster.broker_down(1).unwrap();
    let report = tokio::time::timeout(
        WAIT,
        producer.send_orders((2..=101).map(sample_order), DeliveryMode::default()),
    )
    .await
    .expect("every delivery report comes within the delivery timeout");
    assert_eq!(report.delivered.len() + report.failed.len(), 100);
    assert!(!report.failed.is_empty(), "the broker was down, yet everything was delivered");
    assert!(report.failed.iter().all(|(_, err)| matches!(err, ProduceError::Kafka(_))));

    // Failed means "send it again": once the broker is back (and librdkafka has reconnected,
    // with backoff), the same orders go through.
    cluster.broker_up(1).unwrap();
    let mut missing: Vec<u64> = report.failed.iter().map(|(id, _)| *id).collect();
    for _round in 0..20 {
        let again = producer
            .send_orders(missing.iter().map(|id| sample_order(*id)), DeliveryMode::default())
            .await;
        missing = again.failed.iter().map(|(id, _)| *id).collect();
        if missing.is_empty() {
            break;
        }
    }
    assert!(missing.is_empty(), "still not delivered after the broker came back: {missing:?}");
}

#[tokio::test]
async fn no_broker_at_start_is_one_clear_error() {
    // Port 9 (discard) is closed on loopback.
    let err = kafka::check_broker("127.0.0.1:9", Duration::from_secs(2)).await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("cannot reach a Kafka broker at 127.0.0.1:9 within 2s"), "{text}");
    assert!(text.ends_with("start one with `docker compose up -d kafka`"), "{text}");
}

#[test]
fn the_binaries_say_so_when_no_broker_answers() {
    for name in ["kafka-producer", "kafka-consumer"] {
        let (ok, stdout, stderr) = run_binary(name, "127.0.0.1:9", &[]);
        assert!(!ok, "{name} succeeded without a broker");
        assert_eq!(stdout, "");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: {stderr}");
        assert!(
            lines[0].starts_with("error: cannot reach a Kafka broker at 127.0.0.1:9"),
            "{stderr}"
        );
    }
}

#[test]
fn the_binaries_run_against_the_mock_cluster() {
    let topics = Topics::new("orders");
    let cluster = cluster(&topics);
    let brokers = cluster.bootstrap_servers();
    let (ok, stdout, stderr) =
        run_binary("kafka-producer", &brokers, &["--count", "5", "--poison"]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("delivered 5 of 5 orders to topic `orders` in "), "{stdout}");
    assert!(stdout.contains("sent a value that is not an order (poison)"), "{stdout}");

    let consumer =
        Spawned::start("kafka-consumer", &brokers, &["--from-beginning", "--group", "bin"]);
    let mut ids = Vec::new();
    consumer.wait_for("consuming topic `orders` in group `bin`", |_| {});
    while ids.len() < 5 {
        let line = consumer.wait_for("processed order", |_| {});
        ids.push(processed_id(&line).unwrap());
    }
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    // The poison event comes after them in its partition... or before: wait for the DLQ count.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (ok, out, err) = run_binary("kafka-consumer", &brokers, &["--dead-letters"]);
        assert!(ok, "{err}");
        if out.starts_with("1 dead letter(s) in topic `orders.dlq`:") {
            assert!(out.contains("value is not an order"), "{out}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no dead letter: {out}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let rest = consumer.terminate();
    assert!(rest.iter().any(|l| l == "stopped: 5 processed, 1 dead-lettered"), "{rest:?}");
}
