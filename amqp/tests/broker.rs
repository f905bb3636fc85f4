//! Against a real RabbitMQ (`AMQP_ADDR`, default amqp://guest:guest@127.0.0.1:5672/%2f).
//! Each test uses its own exchange and queue names and deletes them afterwards.

mod support;

use amqp::consumer::{peek_dead_letters, subscribe};
use amqp::message::{MAX_ORDER_BYTES, Poison, encode_order, sample_order};
use amqp::producer::PublishError;
use amqp::{ConfirmMode, OrderConsumer, Publisher};
use futures_util::StreamExt;
use lapin::options::{BasicGetOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Channel, ErrorKind};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use support::{
    Binary, Processed, RunningConsumer, TestTopology, WAIT, connect_to_broker, publisher, receive,
};
use tokio::sync::mpsc;

/// Messages ready in a queue, from a passive declare (which creates nothing).
async fn ready_messages(channel: &Channel, queue: &str) -> u32 {
    let options = QueueDeclareOptions { passive: true, ..Default::default() };
    channel
        .queue_declare(queue.into(), options, FieldTable::default())
        .await
        .unwrap()
        .message_count()
}

fn ids(processed: &[Processed]) -> Vec<u64> {
    let mut ids: Vec<u64> = processed.iter().map(|p| p.received.order.id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn two_consumers_share_the_orders_and_each_is_processed_once() {
    const ORDERS: u64 = 200;
    let topology = TestTopology::new("share");
    let (report, mut reports) = mpsc::unbounded_channel();
    let work = Duration::from_millis(1);
    let first = RunningConsumer::start(1, &topology, 5, work, report.clone()).await;
    let second = RunningConsumer::start(2, &topology, 5, work, report).await;

    let (connection, publisher) = publisher(&topology).await;
    let confirmed =
        publisher.publish_orders((1..=ORDERS).map(sample_order), ConfirmMode::default()).await;
    assert_eq!(confirmed.unwrap(), ORDERS);

    let processed = receive(&mut reports, ORDERS as usize).await;
    assert_eq!(ids(&processed), (1..=ORDERS).collect::<Vec<_>>(), "each order exactly once");
    assert!(processed.iter().all(|p| !p.received.redelivered));
    for consumer in [1, 2] {
        let share = processed.iter().filter(|p| p.consumer == consumer).count();
        assert!(share > 0, "consumer {consumer} got no work");
    }
    assert_eq!(processed[0].received.order, sample_order(processed[0].received.order.id));

    let stats = [first.stop().await, second.stop().await];
    assert_eq!(stats.iter().map(|s| s.processed).sum::<u64>(), ORDERS);
    assert_eq!(stats.iter().map(|s| s.dead_lettered).sum::<u64>(), 0);
    // Both stopped: no order was processed a second time.
    assert!(matches!(reports.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
    assert_eq!(ready_messages(publisher.channel(), &topology.queue).await, 0);
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn orders_wait_persistently_in_the_queue_until_a_consumer_comes() {
    let topology = TestTopology::new("wait");
    let (connection, publisher) = publisher(&topology).await;
    // Both confirm modes store every order; no consumer exists yet.
    let one_by_one = publisher.publish_orders((1..=30).map(sample_order), ConfirmMode::OneByOne);
    assert_eq!(one_by_one.await.unwrap(), 30);
    let pipelined =
        publisher.publish_orders((31..=60).map(sample_order), ConfirmMode::with_window(8));
    assert_eq!(pipelined.await.unwrap(), 30);
    assert_eq!(ready_messages(publisher.channel(), &topology.queue).await, 60);

    // What is stored: a persistent JSON message carrying the order id.
    let queue = topology.queue.as_str().into();
    let options = BasicGetOptions { no_ack: true };
    let first = publisher.channel().basic_get(queue, options).await.unwrap().unwrap().delivery;
    assert_eq!(*first.properties.delivery_mode(), Some(2));
    assert_eq!(first.properties.content_type().as_ref().unwrap().as_str(), "application/json");
    assert_eq!(first.properties.message_id().as_ref().unwrap().as_str(), "1");
    assert_eq!(first.data, encode_order(&sample_order(1)));

    let (report, mut reports) = mpsc::unbounded_channel();
    let consumer = RunningConsumer::start(1, &topology, 10, Duration::ZERO, report).await;
    assert_eq!(ids(&receive(&mut reports, 59).await), (2..=60).collect::<Vec<_>>());
    assert_eq!(consumer.stop().await.processed, 59);
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn a_killed_consumer_binary_loses_no_order() {
    const ORDERS: u64 = 40;
    let topology = TestTopology::new("kill");
    let mut doomed = Binary::spawn(
        "amqp-consumer",
        &["--addr", &support::broker_addr(), "--queue", &topology.queue, "--prefetch", "10"]
            .into_iter()
            .chain(["--work-ms", "50"])
            .collect::<Vec<_>>(),
    );
    assert!(doomed.next_line().await.starts_with("consuming from queue"));

    let (connection, publisher) = publisher(&topology).await;
    let published =
        publisher.publish_orders((1..=ORDERS).map(sample_order), ConfirmMode::default());
    assert_eq!(published.await.unwrap(), ORDERS);

    // Let it process a few, then kill -9 it while it holds up to 10 unacked orders.
    let mut done_by_doomed = BTreeSet::new();
    while done_by_doomed.len() < 3 {
        let line = doomed.next_line().await;
        let id = line.strip_prefix("processed order ").and_then(|rest| rest.split(' ').next());
        done_by_doomed.insert(id.unwrap().parse::<u64>().unwrap());
    }
    doomed.signal("-KILL");
    let (status, rest) = doomed.wait().await;
    assert!(!status.success());
    for line in rest {
        let id = line.strip_prefix("processed order ").and_then(|rest| rest.split(' ').next());
        done_by_doomed.insert(id.unwrap().parse::<u64>().unwrap());
    }

    // A second consumer gets everything else, including the orders the dead one held.
    let (report, mut reports) = mpsc::unbounded_channel();
    let survivor = RunningConsumer::start(2, &topology, 10, Duration::ZERO, report).await;
    let mut done_by_survivor = BTreeMap::new();
    while (1..=ORDERS)
        .any(|id| !done_by_doomed.contains(&id) && !done_by_survivor.contains_key(&id))
    {
        let Processed { received, .. } = receive(&mut reports, 1).await.remove(0);
        done_by_survivor.insert(received.order.id, received.redelivered);
    }
    assert!(
        done_by_survivor.values().any(|&redelivered| redelivered),
        "the survivor should have received the killed consumer's unacked orders"
    );
    // At-least-once: an order both processed is one whose ack died with the process, and the
    // broker flags its second delivery as redelivered.
    for (id, redelivered) in &done_by_survivor {
        if done_by_doomed.contains(id) {
            assert!(redelivered, "order {id} processed twice without the redelivered flag");
        }
    }
    survivor.stop().await;
    assert_eq!(ready_messages(publisher.channel(), &topology.queue).await, 0);
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn poison_messages_land_in_the_dead_letter_queue_and_orders_keep_flowing() {
    let topology = TestTopology::new("poison");
    let (report, mut reports) = mpsc::unbounded_channel();
    let consumer = RunningConsumer::start(1, &topology, 10, Duration::ZERO, report).await;

    let (connection, publisher) = publisher(&topology).await;
    let mut empty = sample_order(3);
    empty.items.clear();
    let oversize = vec![b'x'; MAX_ORDER_BYTES + 1];
    publisher.publish_orders([sample_order(1)], ConfirmMode::OneByOne).await.unwrap();
    publisher.publish_raw("garbage", b"{\"id\": 2, \"customer\": ").await.unwrap();
    publisher.publish_raw("huge", &oversize).await.unwrap();
    publisher.publish_raw("empty", &encode_order(&empty)).await.unwrap();
    publisher.publish_orders([sample_order(4)], ConfirmMode::OneByOne).await.unwrap();

    assert_eq!(ids(&receive(&mut reports, 2).await), [1, 4]);
    let stats = consumer.stop().await;
    assert_eq!((stats.processed, stats.dead_lettered), (2, 3));

    // Dead-lettered once, not redelivered: the work queue is empty, the dead letters wait.
    assert_eq!(ready_messages(publisher.channel(), &topology.queue).await, 0);
    let letters = peek_dead_letters(&connection, &topology, 10).await.unwrap();
    let found: Vec<_> = letters.iter().map(|l| l.message_id.as_deref().unwrap()).collect();
    assert_eq!(found, ["garbage", "huge", "empty"]);
    for letter in &letters {
        assert_eq!(letter.reason.as_deref(), Some("rejected"));
        assert_eq!(letter.queue.as_deref(), Some(topology.queue.as_str()));
    }
    assert_eq!(letters[0].body, b"{\"id\": 2, \"customer\": ");
    assert!(matches!(letters[0].diagnosis(), Some(Poison::NotAnOrder(_))));
    assert_eq!(letters[1].diagnosis(), Some(Poison::TooLarge(MAX_ORDER_BYTES + 1)));
    assert!(matches!(letters[2].diagnosis(), Some(Poison::Invalid { id: 3, .. })));

    // Peeking leaves them in place, and honours the limit.
    assert_eq!(ready_messages(publisher.channel(), &topology.dead_letter_queue).await, 3);
    assert_eq!(peek_dead_letters(&connection, &topology, 2).await.unwrap().len(), 2);
    assert_eq!(peek_dead_letters(&connection, &topology, 10).await.unwrap(), letters);
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn a_handler_error_dead_letters_the_order() {
    let topology = TestTopology::new("handler");
    let (connection, publisher) = publisher(&topology).await;
    publisher.publish_orders((1..=4).map(sample_order), ConfirmMode::default()).await.unwrap();

    let mut consumer = OrderConsumer::start(&connection, &topology, 10).await.unwrap();
    let (seen, mut seen_reports) = mpsc::unbounded_channel();
    let handle = move |received: amqp::Received| {
        let seen = seen.clone();
        async move {
            let id = received.order.id;
            let _ = seen.send(id);
            if id.is_multiple_of(2) { Err(format!("order {id}: out of stock")) } else { Ok(()) }
        }
    };
    let shutdown = async {
        // Stop once all four have been handled.
        for _ in 0..4 {
            seen_reports.recv().await;
        }
    };
    let stats = tokio::time::timeout(WAIT, consumer.run(handle, shutdown)).await.unwrap().unwrap();
    assert_eq!((stats.processed, stats.dead_lettered), (2, 2));
    let letters = peek_dead_letters(&connection, &topology, 10).await.unwrap();
    let found: Vec<_> = letters.iter().map(|l| l.message_id.clone().unwrap()).collect();
    assert_eq!(found, ["2", "4"]);
    assert_eq!(letters[0].diagnosis(), None, "a valid order, refused by the handler");
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn topology_declaration_is_idempotent_and_conflicts_are_refused() {
    let topology = TestTopology::new("declare");
    let connection = connect_to_broker("test").await;
    let channel = connection.create_channel().await.unwrap();
    for _ in 0..3 {
        topology.declare(&channel).await.unwrap();
    }
    // Producer and consumer declare it too, on their own channels.
    let publisher = Publisher::new(&connection, topology.topology.clone()).await.unwrap();
    publisher.publish_orders([sample_order(1)], ConfirmMode::OneByOne).await.unwrap();
    let consumer = OrderConsumer::start(&connection, &topology, 1).await.unwrap();
    drop(consumer);
    assert!(ready_messages(publisher.channel(), &topology.queue).await <= 1);

    // The same name with other settings (here: no dead-letter exchange) is refused.
    let options = QueueDeclareOptions { durable: true, ..Default::default() };
    let queue = topology.queue.as_str().into();
    let err = channel.queue_declare(queue, options, FieldTable::default()).await.unwrap_err();
    match err.kind() {
        ErrorKind::ProtocolError(amqp) => {
            assert!(amqp.get_message().as_str().contains("PRECONDITION_FAILED"), "{amqp}")
        }
        other => panic!("expected PRECONDITION_FAILED, got {other:?}"),
    }
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn an_order_nobody_can_receive_is_an_error_not_a_silent_drop() {
    let topology = TestTopology::new("unroutable");
    let (connection, publisher) = publisher(&topology).await;
    // Remove the only queue bound to the exchange.
    let queue = topology.queue.as_str().into();
    publisher.channel().queue_delete(queue, QueueDeleteOptions::default()).await.unwrap();
    let err = publisher.publish_orders([sample_order(1)], ConfirmMode::OneByOne).await.unwrap_err();
    assert!(
        matches!(&err, PublishError::Unroutable { message_id, .. } if message_id == "1"),
        "{err}"
    );
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn a_subscriber_sees_every_order_while_the_worker_processes_each_once() {
    const ORDERS: u64 = 20;
    let topology = TestTopology::new("subscribe");
    let connection = connect_to_broker("test-subscriber").await;
    let (orders, queue) = subscribe(&connection, &topology).await.unwrap();
    assert!(queue.starts_with("amq.gen-"), "{queue}");
    let (report, mut reports) = mpsc::unbounded_channel();
    let worker = RunningConsumer::start(1, &topology, 10, Duration::ZERO, report).await;

    let publisher = Publisher::new(&connection, topology.topology.clone()).await.unwrap();
    publisher.publish_orders((1..=ORDERS).map(sample_order), ConfirmMode::default()).await.unwrap();

    let seen = tokio::time::timeout(WAIT, orders.take(ORDERS as usize).collect::<Vec<_>>());
    let seen: Vec<u64> = seen.await.unwrap().into_iter().map(|order| order.unwrap().id).collect();
    assert_eq!(seen, (1..=ORDERS).collect::<Vec<_>>());
    assert_eq!(ids(&receive(&mut reports, ORDERS as usize).await), seen);
    worker.stop().await;
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn the_binaries_publish_consume_and_show_dead_letters() {
    let topology = TestTopology::new("binaries");
    let addr = support::broker_addr();
    let common = ["--addr", addr.as_str(), "--queue", topology.queue.as_str()];
    let mut consumer = Binary::spawn("amqp-consumer", &common);
    assert_eq!(
        consumer.next_line().await,
        format!("consuming from queue `{}` (prefetch 10)", topology.queue)
    );

    let producer_args = [&common[..], &["--count", "3", "--poison"]].concat();
    let (status, stdout, stderr) = support::run_binary("amqp-producer", &producer_args);
    assert!(status.success(), "{stderr}");
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0], "published message 4: a body that is not an order (poison)");
    // The last line is always the outcome.
    assert!(lines[1].starts_with(&format!(
        "3 of 3 confirmed (ids 1..=3) on exchange `{}` in",
        topology.exchange
    )));
    assert!(lines[1].ends_with("(confirm window 256)"), "{stdout}");

    for id in 1..=3 {
        let expected = amqp::message::describe(&sample_order(id));
        assert_eq!(consumer.next_line().await, format!("processed {expected}"));
    }

    let peek = [&common[..], &["--dead-letters"]].concat();
    let (status, stdout, stderr) = support::run_binary("amqp-consumer", &peek);
    assert!(status.success(), "{stderr}");
    let dead = format!("1 dead letter(s) in queue `{}`", topology.dead_letter_queue);
    assert!(stdout.starts_with(&dead), "{stdout}");
    assert!(stdout.contains(&format!("message 4: rejected by a consumer of `{}`", topology.queue)));
    assert!(stdout.contains("body (20 bytes): \"this is not an order\""), "{stdout}");

    consumer.signal("-TERM");
    let (status, rest) = consumer.wait().await;
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, ["stopped: 3 processed, 1 dead-lettered"]);
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn a_broker_that_refuses_us_is_not_reported_as_down() {
    let addr = support::broker_addr();
    let authority_end = addr.find("://").map(|i| i + 3).unwrap();
    let server = match addr[authority_end..].find('/') {
        Some(slash) => &addr[..authority_end + slash],
        None => addr.as_str(),
    };
    let unknown_vhost = format!("{server}/no-such-vhost");
    let err = amqp::connect(&unknown_vhost, "test", WAIT).await.unwrap_err();
    assert!(matches!(err, amqp::ConnectError::Refused { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("vhost no-such-vhost not found"), "{message}");
    assert!(!message.contains("docker compose"), "{message}");
}
