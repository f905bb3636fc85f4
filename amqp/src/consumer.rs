//! Consuming orders: prefetch, manual acks after processing, poison messages to dead letters.
//!
//! The broker hands each consumer at most `prefetch` unacknowledged messages. An order is
//! acknowledged only after the handler has processed it, so if the consumer dies first (crash,
//! `kill -9`, lost connection) the broker delivers the order again, to this or another
//! consumer, flagged `redelivered`. That is at-least-once delivery: the handler must be
//! idempotent, e.g. keyed by order id.

use crate::message::{Poison, decode_order};
use crate::topology::Topology;
use common::Order;
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicGetOptions, BasicNackOptions,
    BasicQosOptions, BasicRejectOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection};
use std::future::Future;
use std::time::Duration;

/// Unacknowledged orders one consumer may hold. Small enough that a slow consumer does not
/// hoard work its peers could do, large enough to hide the network round trip.
pub const DEFAULT_PREFETCH: u16 = 10;

/// An order handed to the handler, with what the broker knows about its delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub order: Order,
    /// True when an earlier delivery of this message was not acknowledged (its consumer died
    /// or disconnected): the order may already have been processed once.
    pub redelivered: bool,
    /// The message id the producer set (the order id for [`crate::Publisher`]'s messages).
    /// A producer that publishes an order again after a lost connection reuses it, so the
    /// same id twice means the same order twice.
    pub message_id: Option<String>,
}

/// What one consumer did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsumeStats {
    pub processed: u64,
    pub dead_lettered: u64,
}

/// How long an ack or reject may take to be handed to the connection. It completes once its
/// frame is written, so only a connection that is gone keeps it waiting; lapin 4.12 can then
/// leave it waiting for ever (an ack queued in the instant the connection fails is never
/// answered), so after this the consumer gives the connection up, like a lost one.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why consuming stopped before the shutdown signal.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error("the broker cancelled the consumer (was queue `{0}` deleted?)")]
    Cancelled(String),
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
    #[error("an acknowledgement was not sent within {SETTLE_TIMEOUT:?}: the connection is gone")]
    Stalled,
}

/// One registered consumer on the work queue; deliveries start flowing once it exists.
#[derive(Debug)]
pub struct OrderConsumer {
    channel: Channel,
    consumer: lapin::Consumer,
    queue: String,
    stats: ConsumeStats,
}

impl OrderConsumer {
    /// Opens a channel, declares the topology, sets the prefetch and registers the consumer.
    pub async fn start(
        connection: &Connection,
        topology: &Topology,
        prefetch: u16,
    ) -> lapin::Result<Self> {
        let channel = connection.create_channel().await?;
        topology.declare(&channel).await?;
        channel.basic_qos(prefetch.max(1), BasicQosOptions::default()).await?;
        let consumer = channel
            .basic_consume(
                topology.queue.as_str().into(),
                // An empty tag lets the broker pick a unique one.
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok(Self {
            channel,
            consumer,
            queue: topology.queue.clone(),
            stats: ConsumeStats::default(),
        })
    }

    /// Processes orders until `shutdown` completes. Each valid order goes to `handle`: `Ok`
    /// acknowledges it; `Err(reason)` rejects it to the dead-letter queue, like a body that is
    /// not an order. The order being processed when `shutdown` fires is finished and acked;
    /// prefetched orders not yet started go back to the queue when the channel closes.
    pub async fn run<F, Fut>(
        &mut self,
        mut handle: F,
        shutdown: impl Future<Output = ()>,
    ) -> Result<ConsumeStats, ConsumeError>
    where
        F: FnMut(Received) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        tokio::pin!(shutdown);
        loop {
            let delivery = tokio::select! {
                // Shutdown first: once it fires, start no further order.
                biased;
                () = &mut shutdown => break,
                next = self.consumer.next() => match next {
                    Some(delivery) => delivery?,
                    None => return Err(ConsumeError::Cancelled(self.queue.clone())),
                },
            };
            let received = decode_order(&delivery.data).map(|order| Received {
                order,
                redelivered: delivery.redelivered,
                message_id: delivery.properties.message_id().as_ref().map(ToString::to_string),
            });
            let verdict = match received {
                Ok(received) => handle(received).await,
                Err(poison) => Err(poison.to_string()),
            };
            // `ack`/`reject` return false when the channel is already gone: the broker will
            // redeliver the message, and the next `consumer.next()` reports the error.
            match verdict {
                Ok(()) => {
                    if settle(delivery.ack(BasicAckOptions::default())).await? {
                        self.stats.processed += 1;
                    }
                }
                Err(reason) => {
                    tracing::warn!(
                        message_id = message_id(&delivery),
                        "dead-lettering a message: {reason}"
                    );
                    // requeue: false hands the message to the queue's dead-letter exchange.
                    if settle(delivery.reject(BasicRejectOptions { requeue: false })).await? {
                        self.stats.dead_lettered += 1;
                    }
                }
            }
        }
        self.channel.basic_cancel(self.consumer.tag(), BasicCancelOptions::default()).await?;
        self.channel.close(200, "consumer shutting down".into()).await?;
        Ok(self.stats)
    }

    /// What this consumer has done so far, also after [`OrderConsumer::run`] failed.
    pub fn stats(&self) -> ConsumeStats {
        self.stats
    }
}

/// An ack or reject, bounded by [`SETTLE_TIMEOUT`].
async fn settle(
    acknowledgement: impl Future<Output = lapin::Result<bool>>,
) -> Result<bool, ConsumeError> {
    match tokio::time::timeout(SETTLE_TIMEOUT, acknowledgement).await {
        Ok(settled) => Ok(settled?),
        Err(_) => Err(ConsumeError::Stalled),
    }
}

fn message_id(delivery: &Delivery) -> &str {
    delivery.properties.message_id().as_ref().map_or("-", |id| id.as_str())
}

/// A message found in the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub message_id: Option<String>,
    /// The body, verbatim.
    pub body: Vec<u8>,
    /// Why the broker dead-lettered it (`rejected`, `expired`, ...), from the `x-death` header.
    pub reason: Option<String>,
    /// The queue it was dead-lettered from, from the `x-death` header.
    pub queue: Option<String>,
}

impl DeadLetter {
    /// Why the consumer refused this body, recomputed: the broker does not store our reason.
    pub fn diagnosis(&self) -> Option<Poison> {
        decode_order(&self.body).err()
    }
}

/// Reads up to `limit` dead letters without removing them: they are fetched unacknowledged
/// and handed back to the queue afterwards, so inspecting twice shows the same messages.
pub async fn peek_dead_letters(
    connection: &Connection,
    topology: &Topology,
    limit: usize,
) -> lapin::Result<Vec<DeadLetter>> {
    let channel = connection.create_channel().await?;
    topology.declare(&channel).await?;
    let mut letters = Vec::new();
    let mut last_tag = None;
    while letters.len() < limit {
        let queue = topology.dead_letter_queue.as_str().into();
        let Some(message) = channel.basic_get(queue, BasicGetOptions::default()).await? else {
            break;
        };
        let delivery = message.delivery;
        last_tag = Some(delivery.delivery_tag);
        letters.push(dead_letter(&delivery));
    }
    if let Some(tag) = last_tag {
        // One nack for everything fetched: multiple = true covers all tags up to this one.
        let options = BasicNackOptions { multiple: true, requeue: true };
        channel.basic_nack(tag, options).await?;
    }
    channel.close(200, "done inspecting dead letters".into()).await?;
    Ok(letters)
}

fn dead_letter(delivery: &Delivery) -> DeadLetter {
    // x-death is an array of tables, newest first: {reason, queue, count, exchange, time, ...}.
    let first_death = delivery.properties.headers().as_ref().and_then(|headers| {
        match headers.inner().get("x-death")? {
            AMQPValue::FieldArray(deaths) => match deaths.as_slice().first()? {
                AMQPValue::FieldTable(death) => Some(death.clone()),
                _ => None,
            },
            _ => None,
        }
    });
    let text = |key: &str| match first_death.as_ref()?.inner().get(key)? {
        AMQPValue::LongString(value) => Some(value.to_string()),
        AMQPValue::ShortString(value) => Some(value.to_string()),
        _ => None,
    };
    DeadLetter {
        message_id: delivery.properties.message_id().as_ref().map(ToString::to_string),
        body: delivery.data.clone(),
        reason: text("reason"),
        queue: text("queue"),
    }
}

/// Publish/subscribe: a private, temporary queue bound to the orders exchange, so this
/// subscriber sees a copy of every order while the workers still process each one once.
/// The broker deletes the queue when the connection closes. Returns the stream of orders and
/// the generated queue name; bodies that are not orders are skipped with a log line.
pub async fn subscribe(
    connection: &Connection,
    topology: &Topology,
) -> lapin::Result<(impl futures_util::Stream<Item = lapin::Result<Order>> + use<>, String)> {
    let channel = connection.create_channel().await?;
    topology.declare(&channel).await?;
    // An empty name asks the broker for a unique one; exclusive queues die with the connection.
    let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
    let queue = channel.queue_declare("".into(), options, FieldTable::default()).await?;
    let name = queue.name().to_string();
    channel
        .queue_bind(
            name.as_str().into(),
            topology.exchange.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    // no_ack: a subscriber's copy is informational, losing it on a crash is acceptable.
    let options = BasicConsumeOptions { no_ack: true, ..Default::default() };
    let consumer = channel
        .basic_consume(name.as_str().into(), "".into(), options, FieldTable::default())
        .await?;
    let orders = consumer.filter_map(|delivery| async move {
        match delivery {
            Err(err) => Some(Err(err)),
            Ok(delivery) => match decode_order(&delivery.data) {
                Ok(order) => Some(Ok(order)),
                Err(poison) => {
                    tracing::warn!("subscriber skipped a message: {poison}");
                    None
                }
            },
        }
    });
    Ok((orders, name))
}
