//! The exchanges, queues and bindings both sides declare before they publish or consume.
//!
//! ```text
//! producer ──► exchange `orders` (fanout) ──► queue `orders` ──► consumers (each order once)
//!                          │                       │ reject, no requeue
//!                          │                       ▼
//!                          │          exchange `orders.dlx` (fanout) ──► queue `orders.dead`
//!                          └──► one temporary queue per subscriber (every order, to each)
//! ```
//!
//! Declaring is idempotent: redeclaring an existing exchange or queue with the same settings
//! is a no-op, so the producer and the consumer both declare everything and either may start
//! first. A declaration with *different* settings is refused by the broker
//! (`PRECONDITION_FAILED`), which is why the settings live in this one place.

use lapin::options::{
    ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

/// The names of everything one order pipeline uses, all derived from one base name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Producers publish here; it copies each order to every bound queue.
    pub exchange: String,
    /// The durable work queue the consumers share.
    pub queue: String,
    /// Where the broker sends messages the consumers reject.
    pub dead_letter_exchange: String,
    /// Holds the dead letters until someone inspects them.
    pub dead_letter_queue: String,
}

impl Topology {
    /// `Topology::new("orders")`: exchange and queue `orders`, dead letters through
    /// `orders.dlx` into `orders.dead`.
    pub fn new(base: &str) -> Self {
        Self {
            exchange: base.to_owned(),
            queue: base.to_owned(),
            dead_letter_exchange: format!("{base}.dlx"),
            dead_letter_queue: format!("{base}.dead"),
        }
    }

    /// Declares both exchanges, both queues and their bindings; safe to call any number of times.
    pub async fn declare(&self, channel: &Channel) -> lapin::Result<()> {
        let durable_exchange = ExchangeDeclareOptions { durable: true, ..Default::default() };
        let durable_queue = QueueDeclareOptions { durable: true, ..Default::default() };

        for exchange in [&self.exchange, &self.dead_letter_exchange] {
            channel
                .exchange_declare(
                    exchange.as_str().into(),
                    ExchangeKind::Fanout,
                    durable_exchange,
                    FieldTable::default(),
                )
                .await?;
        }

        // The work queue names its dead-letter exchange: a rejected (requeue = false) message
        // goes there instead of vanishing.
        let mut work_queue_args = FieldTable::default();
        work_queue_args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(self.dead_letter_exchange.as_str().into()),
        );
        channel.queue_declare(self.queue.as_str().into(), durable_queue, work_queue_args).await?;
        channel
            .queue_declare(
                self.dead_letter_queue.as_str().into(),
                durable_queue,
                FieldTable::default(),
            )
            .await?;

        for (queue, exchange) in
            [(&self.queue, &self.exchange), (&self.dead_letter_queue, &self.dead_letter_exchange)]
        {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    exchange.as_str().into(),
                    "".into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }

    /// Deletes the queues (with any messages in them) and the exchanges: test and demo cleanup.
    pub async fn delete(&self, channel: &Channel) -> lapin::Result<()> {
        for queue in [&self.queue, &self.dead_letter_queue] {
            channel.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()).await?;
        }
        for exchange in [&self.exchange, &self.dead_letter_exchange] {
            channel
                .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                .await?;
        }
        Ok(())
    }
}

impl Default for Topology {
    fn default() -> Self {
        Self::new(crate::DEFAULT_BASE_NAME)
    }
}
