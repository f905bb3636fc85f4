//! Kafka: the broker at `KAFKA_BROKERS` if one answers, else librdkafka's in-process mock
//! cluster (the real Kafka protocol on loopback; the transcript says which). `kafka::producer`
//! appends keyed orders to a topic of the tour's own, `kafka::consumer` reads them as a fresh
//! consumer group; a poison event ends in the dead-letter topic.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use kafka::consumer::read_dead_letters;
use kafka::message::{describe, encode_order, order_key, sample_order};
use kafka::producer::ProducerConfig;
use kafka::rdkafka::mocking::MockCluster;
use kafka::{ConsumerConfig, OrderConsumer, OrderProducer, Topics, check_broker};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

pub const PROTOCOL: Protocol = Protocol {
    name: "kafka",
    model: "event log (broker, partitions, consumer groups)",
    transport: "Kafka protocol",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let wanted = std::env::var("KAFKA_BROKERS").unwrap_or_else(|_| kafka::DEFAULT_BROKERS.into());
    // Names of its own, so the tour never touches a real `orders` topic.
    let topics = Topics::new(&format!("tour-{}", std::process::id()));
    let mock;
    let brokers = match check_broker(&wanted, Duration::from_secs(2)).await {
        Ok(cluster) => {
            t.note(format!("broker at {wanted} answered ({} broker(s))", cluster.brokers.len()));
            topics.ensure(&wanted, kafka::DEFAULT_PARTITIONS).await?;
            wanted.clone()
        }
        Err(_) => {
            mock = MockCluster::new(1)?;
            mock.create_topic(&topics.events, kafka::DEFAULT_PARTITIONS, 1)?;
            mock.create_topic(&topics.dead_letters, 1, 1)?;
            t.note(format!(
                "no broker at {wanted}; using librdkafka's mock cluster at {}",
                mock.bootstrap_servers()
            ));
            mock.bootstrap_servers()
        }
    };
    t.note(format!(
        "topic `{}` ({} partitions), dead letters in `{}`",
        topics.events,
        kafka::DEFAULT_PARTITIONS,
        topics.dead_letters
    ));
    let result = exchange_orders(t, &brokers, &topics).await;
    if brokers == wanted {
        // Best effort: a broker without DeleteTopics keeps them.
        let _ = topics.delete(&brokers).await;
    }
    result
}

async fn exchange_orders(
    t: &mut Transcript,
    brokers: &str,
    topics: &Topics,
) -> anyhow::Result<Step> {
    let producer = OrderProducer::new(brokers, topics.clone(), &ProducerConfig::default())?;
    let orders: Vec<_> = (1..=3).map(sample_order).collect();
    for order in &orders {
        let delivered = producer.send_order(order).await?;
        t.sent(format!(
            "produce key {:?} value {}",
            order_key(order),
            String::from_utf8_lossy(&encode_order(order))
        ));
        t.received(format!(
            "delivered (acks=all): partition {} offset {}",
            delivered.partition, delivered.offset
        ));
    }

    let config = ConsumerConfig {
        group: format!("tour-{}", std::process::id()),
        from_beginning: true,
        session_timeout: Duration::from_secs(6),
        ..ConsumerConfig::default()
    };
    let mut consumer = OrderConsumer::new(brokers, topics.clone(), &config)?;
    let (processed, mut arrivals) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let consuming = tokio::spawn(async move {
        let handle = |received: kafka::Received| {
            let _ = processed.send(received);
            async { Ok(()) }
        };
        consumer
            .run(handle, async {
                let _ = stopped.await;
            })
            .await
    });
    for _ in &orders {
        let received = arrivals.recv().await.ok_or_else(|| anyhow::anyhow!("consumer ended"))?;
        t.received(format!(
            "group `{}` read partition {} offset {}: {}",
            config.group,
            received.partition,
            received.offset,
            describe(&received.order)
        ));
    }

    t.sent("produce a poison event: {\"not\": \"an order\"}");
    producer.send_raw(b"poison", br#"{"not": "an order"}"#).await?;
    let dead = wait_for_dead_letter(brokers, topics).await?;
    t.received(format!("copied to `{}`: {dead}", topics.dead_letters));

    // Producer to consumer, one order at a time: produce, delivery report, fetch.
    let mut id = 100;
    let round_trip = median_round_trip(async || {
        id += 1;
        producer.send_order(&sample_order(id)).await?;
        arrivals.recv().await.ok_or_else(|| anyhow::anyhow!("consumer ended"))
    })
    .await?;
    let payload_bytes = encode_order(&sample_order(100)).len();
    t.note(format!("produce → consume {round_trip:.1?}, {payload_bytes}-byte order"));

    let _ = stop.send(());
    let stats = consuming.await??;
    t.note(format!(
        "consumer stopped, offsets committed: {} processed, {} dead-lettered",
        stats.processed, stats.dead_lettered
    ));
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}

/// The consumer dead-letters asynchronously: look until the letter is there.
async fn wait_for_dead_letter(brokers: &str, topics: &Topics) -> anyhow::Result<String> {
    for _ in 0..100 {
        let letters = read_dead_letters(brokers, topics, 1, Duration::from_secs(5)).await?;
        if let Some(letter) = letters.first() {
            return Ok(format!("reason header: {}", letter.reason.as_deref().unwrap_or("none")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the poison event did not reach the dead-letter topic")
}
