//! AMQP: the broker at `AMQP_ADDR` (RabbitMQ), `amqp::producer` publishes orders with
//! confirms, `amqp::consumer` processes and acknowledges them; a poison message ends in the
//! dead-letter queue. Without a broker the step is skipped with the hint to start one.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use amqp::connect::{ConnectError, connect, redact_password};
use amqp::consumer::{DEFAULT_PREFETCH, OrderConsumer, peek_dead_letters};
use amqp::message::{describe, encode_order, sample_order};
use amqp::producer::{ConfirmMode, Publisher};
use amqp::topology::Topology;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

pub const PROTOCOL: Protocol = Protocol {
    name: "amqp",
    model: "message queue (broker, work queue)",
    transport: "AMQP 0-9-1",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let addr = std::env::var("AMQP_ADDR").unwrap_or_else(|_| amqp::DEFAULT_AMQP_ADDR.into());
    let connection = match connect(&addr, "tour", Duration::from_secs(3)).await {
        Ok(connection) => connection,
        Err(error @ ConnectError::Unreachable { .. }) => {
            return Ok(Step::Skipped(error.to_string()));
        }
        Err(error) => return Err(error.into()),
    };
    t.note(format!("connected to {}", redact_password(&addr)));

    // Names of its own, so the tour never touches a real `orders` queue; deleted at the end.
    let topology = Topology::new(&format!("tour-{}", std::process::id()));
    let publisher = Publisher::new(&connection, topology.clone()).await?;
    let result = exchange_orders(t, &connection, &publisher, &topology).await;
    topology.delete(publisher.channel()).await?;
    connection.close(200, "tour done".into()).await?;
    result
}

async fn exchange_orders(
    t: &mut Transcript,
    connection: &lapin::Connection,
    publisher: &Publisher,
    topology: &Topology,
) -> anyhow::Result<Step> {
    t.note(format!(
        "declared exchange `{}` → queue `{}`, dead letters via `{}` → `{}`",
        topology.exchange,
        topology.queue,
        topology.dead_letter_exchange,
        topology.dead_letter_queue
    ));
    let mut consumer = OrderConsumer::start(connection, topology, DEFAULT_PREFETCH).await?;
    let (processed, mut arrivals) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let consuming = tokio::spawn(async move {
        let handle = |received: amqp::consumer::Received| {
            let _ = processed.send(received.order);
            async { Ok(()) }
        };
        consumer
            .run(handle, async {
                let _ = stopped.await;
            })
            .await
    });

    let orders: Vec<_> = (1..=3).map(sample_order).collect();
    for order in &orders {
        t.sent(format!("publish (persistent) {}", String::from_utf8_lossy(&encode_order(order))));
    }
    let confirmed = publisher.publish_orders(orders.clone(), ConfirmMode::default()).await?;
    t.received(format!("{confirmed} publisher confirms"));
    for _ in &orders {
        let order = arrivals.recv().await.ok_or_else(|| anyhow::anyhow!("consumer ended"))?;
        t.received(format!("consumed and acked: {}", describe(&order)));
    }

    t.sent("publish a poison message: {\"not\": \"an order\"}");
    publisher.publish_raw("poison-1", br#"{"not": "an order"}"#).await?;
    let dead = wait_for_dead_letter(connection, topology).await?;
    t.received(format!("rejected without requeue; in `{}`: {dead}", topology.dead_letter_queue));

    // Producer to consumer, one order at a time: publish, confirm, deliver.
    let mut id = 100;
    let round_trip = median_round_trip(async || {
        id += 1;
        publisher.publish_orders([sample_order(id)], ConfirmMode::OneByOne).await?;
        arrivals.recv().await.ok_or_else(|| anyhow::anyhow!("consumer ended"))
    })
    .await?;
    let payload_bytes = encode_order(&sample_order(100)).len();
    t.note(format!("publish → consume {round_trip:.1?}, {payload_bytes}-byte order"));

    let _ = stop.send(());
    let stats = consuming.await??;
    t.note(format!(
        "consumer stopped: {} processed, {} dead-lettered",
        stats.processed, stats.dead_lettered
    ));
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}

/// The broker routes a rejected message to the dead-letter queue asynchronously: look until
/// it is there.
async fn wait_for_dead_letter(
    connection: &lapin::Connection,
    topology: &Topology,
) -> anyhow::Result<String> {
    for _ in 0..50 {
        let dead = peek_dead_letters(connection, topology, 1).await?;
        if let Some(letter) = dead.first() {
            return Ok(format!(
                "message {} ({}, reason: {})",
                letter.message_id.as_deref().unwrap_or("?"),
                letter.diagnosis().map_or("no diagnosis".into(), |poison| poison.to_string()),
                letter.reason.as_deref().unwrap_or("?"),
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the poison message did not reach the dead-letter queue")
}
