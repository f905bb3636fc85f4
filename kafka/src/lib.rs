//! Orders as an event log with [rust-rdkafka]: what Kafka adds over a queue.
//!
//! The producer appends [`common::Order`]s to the topic `orders`, keyed by customer, so one
//! customer's orders land in one partition and stay in order; it is idempotent, waits for
//! `acks=all` and counts every delivery report ([`producer`]). Consumers in one group split the
//! partitions between them; each processes an event, then stores its offset, and only stored
//! offsets are committed: at-least-once ([`consumer`]). An event that is not an order is copied
//! to `orders.dlq` with the reason in a header. Nothing is deleted by reading: a new group, or a
//! seek, reads the log again ([`consumer::Seek`]). The topics are created with the admin API
//! when missing ([`topics`]).
//!
//! [rust-rdkafka]: https://docs.rs/rdkafka

pub mod client;
pub mod consumer;
pub mod message;
pub mod producer;
pub mod topics;

/// The client library itself, for callers that want its types (the tour uses its mock cluster).
pub use rdkafka;

pub use client::{CONNECT_TIMEOUT, ConnectError, check_broker};
pub use consumer::{ConsumeStats, ConsumerConfig, OrderConsumer, Received, Seek};
pub use producer::{DeliveryMode, OrderProducer, ProduceReport};
pub use topics::Topics;

/// The broker both binaries use unless `--brokers` or `KAFKA_BROKERS` says otherwise.
pub const DEFAULT_BROKERS: &str = "127.0.0.1:9092";

/// The topic of order events; its dead letters go to `orders.dlq` (see [`Topics::new`]).
pub const DEFAULT_TOPIC: &str = "orders";

/// The consumer group `kafka-consumer` joins unless `--group` says otherwise.
pub const DEFAULT_GROUP: &str = "payments";

/// Partitions of a topic the examples create: three, so three consumers can share the work.
pub const DEFAULT_PARTITIONS: i32 = 3;

/// The flags both binaries share: which brokers, which topic.
#[derive(Debug, Clone, clap::Args)]
pub struct BrokerArgs {
    /// Bootstrap brokers, `host:port[,host:port...]`; the client learns the rest from them.
    #[arg(long, env = "KAFKA_BROKERS", default_value = DEFAULT_BROKERS, value_name = "HOST:PORT,...")]
    pub brokers: String,
    /// Topic of order events; dead letters go to TOPIC.dlq.
    #[arg(long, default_value = DEFAULT_TOPIC, value_name = "TOPIC")]
    pub topic: String,
}

impl BrokerArgs {
    pub fn topics(&self) -> Topics {
        Topics::new(&self.topic)
    }
}
