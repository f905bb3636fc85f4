//! Appending orders to the log: an idempotent producer with `acks=all`, delivery reports
//! awaited and counted.
//!
//! `send` only puts an event in librdkafka's queue; a background thread batches it and sends
//! it to the partition's leader. The delivery report says how that ended: written to the log
//! (with its partition and offset), or failed after retrying for at most `delivery.timeout.ms`.
//! Waiting for each report before the next send costs one round trip per order; keeping a
//! window of reports outstanding lets librdkafka batch, with the same guarantee once every
//! report is in. Idempotence makes the retries safe: the broker drops a batch it already has
//! (producer id + sequence number), and per-partition order survives retries.

use crate::client::{LogContext, base_config};
use crate::message::{CONTENT_TYPE, encode_order, order_key};
use crate::topics::Topics;
use common::Order;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::time::Duration;

/// The producer's settings that matter for the examples, with the binary's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerConfig {
    /// How long librdkafka may keep retrying an event before reporting it failed
    /// (`delivery.timeout.ms`): the bound on "the broker went away".
    pub delivery_timeout: Duration,
    /// How long an event may wait for others to fill a batch (`linger.ms`).
    pub linger: Duration,
    /// The largest event the producer accepts (`message.max.bytes`); larger ones are
    /// refused at once, before anything is sent.
    pub max_event_bytes: usize,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        Self {
            delivery_timeout: Duration::from_secs(30),
            linger: Duration::from_millis(5),
            max_event_bytes: 1_000_000,
        }
    }
}

/// How many delivery reports may be outstanding at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    /// Send, then wait for that event's report before sending the next.
    EachAwaited,
    /// Keep up to this many events in flight.
    Pipelined(NonZeroUsize),
}

impl DeliveryMode {
    /// Deep enough for librdkafka to fill batches, small enough to bound memory.
    pub const DEFAULT_WINDOW: usize = 1_000;

    /// A window of 1 (or 0) is [`DeliveryMode::EachAwaited`].
    pub fn with_window(window: usize) -> Self {
        match NonZeroUsize::new(window) {
            Some(window) if window.get() > 1 => Self::Pipelined(window),
            _ => Self::EachAwaited,
        }
    }

    pub fn window(self) -> usize {
        match self {
            Self::EachAwaited => 1,
            Self::Pipelined(window) => window.get(),
        }
    }
}

impl Default for DeliveryMode {
    fn default() -> Self {
        Self::with_window(Self::DEFAULT_WINDOW)
    }
}

/// Where an event was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub partition: i32,
    pub offset: i64,
}

/// Why an event was not written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProduceError {
    #[error(
        "the producer refused an event of {bytes} bytes: larger than message.max.bytes ({limit})"
    )]
    TooLarge { bytes: usize, limit: usize },
    #[error("not delivered: {0}")]
    Kafka(#[from] KafkaError),
    #[error("the producer shut down before the delivery report")]
    Cancelled,
}

/// What happened to every order of one [`OrderProducer::send_orders`] call: each is either
/// in `delivered` or in `failed`, none is silently dropped.
#[derive(Debug, Default)]
pub struct ProduceReport {
    pub delivered: Vec<(u64, Delivered)>,
    pub failed: Vec<(u64, ProduceError)>,
}

/// An idempotent producer writing to one pipeline's [`Topics`].
#[derive(Clone)]
pub struct OrderProducer {
    producer: FutureProducer<LogContext>,
    topics: Topics,
    max_event_bytes: usize,
}

impl std::fmt::Debug for OrderProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderProducer").field("topics", &self.topics).finish_non_exhaustive()
    }
}

impl OrderProducer {
    /// Creates the producer; no network traffic yet (see [`crate::check_broker`]).
    pub fn new(brokers: &str, topics: Topics, config: &ProducerConfig) -> Result<Self, KafkaError> {
        let producer = base_config(brokers, "kafka-producer")
            // The broker keeps a sequence number per producer and partition and discards
            // duplicates, so retries never write an order twice or out of order. Implies acks=all.
            .set("enable.idempotence", "true")
            // Delivered means: written by the leader and every in-sync replica.
            .set("acks", "all")
            // Retries happen inside this bound; then the delivery report says it failed.
            .set("delivery.timeout.ms", config.delivery_timeout.as_millis().to_string())
            .set("linger.ms", config.linger.as_millis().to_string())
            .set("message.max.bytes", config.max_event_bytes.to_string())
            // Same key, same partition, with the hash Java clients use too (murmur2), so a
            // producer in another language puts a customer's orders in the same partition.
            .set("partitioner", "murmur2_random")
            .create_with_context(LogContext)?;
        Ok(Self { producer, topics, max_event_bytes: config.max_event_bytes })
    }

    /// Sends every order, keeping `mode.window()` delivery reports outstanding, and returns
    /// once every report is in.
    pub async fn send_orders(
        &self,
        orders: impl IntoIterator<Item = Order>,
        mode: DeliveryMode,
    ) -> ProduceReport {
        let mut report = ProduceReport::default();
        let mut in_flight: VecDeque<(u64, DeliveryFuture)> = VecDeque::new();
        for order in orders {
            if in_flight.len() >= mode.window()
                && let Some((id, delivery)) = in_flight.pop_front()
            {
                settle(&mut report, id, delivery.await);
            }
            let value = encode_order(&order);
            let mut record = self.record(order_key(&order).as_bytes(), &value);
            loop {
                match self.producer.send_result(record) {
                    Ok(delivery) => {
                        in_flight.push_back((order.id, delivery));
                        break;
                    }
                    // librdkafka's queue is full: wait for the oldest report, then try again.
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        match in_flight.pop_front() {
                            Some((id, delivery)) => settle(&mut report, id, delivery.await),
                            None => tokio::time::sleep(Duration::from_millis(10)).await,
                        }
                    }
                    Err((err, _)) => {
                        report.failed.push((order.id, self.refused(err, value.len())));
                        break;
                    }
                }
            }
        }
        // Reports for one partition arrive in order; awaiting the oldest first never waits
        // needlessly.
        for (id, delivery) in in_flight {
            settle(&mut report, id, delivery.await);
        }
        report
    }

    /// Sends one order and waits for its delivery report.
    pub async fn send_order(&self, order: &Order) -> Result<Delivered, ProduceError> {
        self.send_raw(order_key(order).as_bytes(), &encode_order(order)).await
    }

    /// Sends any key and value (say, a value that is not an order) and waits for its report.
    pub async fn send_raw(&self, key: &[u8], value: &[u8]) -> Result<Delivered, ProduceError> {
        let delivery = self
            .producer
            .send_result(self.record(key, value))
            .map_err(|(err, _)| self.refused(err, value.len()))?;
        delivered(delivery.await)
    }

    /// Waits up to `timeout` for every queued event's delivery report.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.flush(timeout)
    }

    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    fn record<'a>(&'a self, key: &'a [u8], value: &'a [u8]) -> FutureRecord<'a, [u8], [u8]> {
        let headers =
            OwnedHeaders::new().insert(Header { key: "content-type", value: Some(CONTENT_TYPE) });
        FutureRecord::to(&self.topics.events).key(key).payload(value).headers(headers)
    }

    fn refused(&self, err: KafkaError, bytes: usize) -> ProduceError {
        match err {
            KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge) => {
                ProduceError::TooLarge { bytes, limit: self.max_event_bytes }
            }
            err => ProduceError::Kafka(err),
        }
    }
}

/// A delivery report, or `Canceled` when the producer was dropped before it came.
type Report = <DeliveryFuture as std::future::Future>::Output;

fn delivered(report: Report) -> Result<Delivered, ProduceError> {
    match report {
        Ok(Ok(delivery)) => {
            Ok(Delivered { partition: delivery.partition, offset: delivery.offset })
        }
        Ok(Err((err, _message))) => Err(ProduceError::Kafka(err)),
        Err(_canceled) => Err(ProduceError::Cancelled),
    }
}

fn settle(report: &mut ProduceReport, id: u64, outcome: Report) {
    match delivered(outcome) {
        Ok(delivered) => report.delivered.push((id, delivered)),
        Err(error) => {
            tracing::warn!(order = id, %error, "order not delivered");
            report.failed.push((id, error));
        }
    }
}
