//! Kafka in one file: produce three keyed events, read them back in a consumer group, commit.
//! It runs librdkafka's mock cluster in-process (the real Kafka protocol on loopback), so it
//! needs no broker:
//!
//! ```text
//! cargo run -p kafka --example minimal
//! ```

use rdkafka::Message;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A one-broker cluster with a three-partition topic; a real one would be "host:9092".
    let cluster = MockCluster::new(1)?;
    cluster.create_topic("orders", 3, 1)?;
    let brokers = cluster.bootstrap_servers();

    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("enable.idempotence", "true") // no duplicates from retries; implies acks=all
        .create()?;
    for (key, value) in [("ada", r#"{"id":1}"#), ("alan", r#"{"id":2}"#), ("ada", r#"{"id":3}"#)] {
        // Same key, same partition: ada's two orders stay in order.
        let record = FutureRecord::to("orders").key(key).payload(value);
        let delivery = producer.send(record, Duration::from_secs(5)).await.map_err(|(e, _)| e)?;
        println!(
            "produced {key}: {value} to partition {} offset {}",
            delivery.partition, delivery.offset
        );
    }

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "minimal") // members of one group share the partitions
        .set("auto.offset.reset", "earliest") // a new group starts at the oldest event
        .set("enable.auto.commit", "false") // we commit after processing: at least once
        .create()?;
    consumer.subscribe(&["orders"])?;
    for _ in 0..3 {
        let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await??;
        let key = String::from_utf8_lossy(message.key().unwrap_or_default());
        let value = String::from_utf8_lossy(message.payload().unwrap_or_default());
        println!(
            "consumed {key}: {value} from partition {} offset {}",
            message.partition(),
            message.offset()
        );
        consumer.commit_message(&message, CommitMode::Sync)?;
    }
    Ok(())
}
