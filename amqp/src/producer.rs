//! Publishing orders reliably: persistent messages on a confirm-mode channel.
//!
//! A publisher confirm is the broker saying "this message is safely in the queue" (for a
//! durable queue and a persistent message: written to disk). Until it arrives, the message may
//! still be lost with the connection. Waiting for each confirm before the next publish costs
//! one network round trip plus one disk sync per message; keeping a window of unconfirmed
//! messages in flight lets the broker batch them and is many times faster, with the same
//! guarantee once every confirm is in.

use crate::message::{CONTENT_TYPE, encode_order};
use crate::topology::Topology;
use common::Order;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Confirmation, Connection, PublisherConfirm};
use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::ops::RangeInclusive;

/// `delivery_mode` 2: the broker writes the message to disk (in a durable queue).
const PERSISTENT: u8 = 2;

/// The routing key on every order. The fanout exchange ignores it; it documents the message
/// in the management UI and lets you switch to a topic exchange later.
pub const ROUTING_KEY: &str = "order.created";

/// How many published orders may wait for their confirm at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmMode {
    /// Publish, then wait for that message's confirm before publishing the next.
    OneByOne,
    /// Keep up to this many unconfirmed messages in flight.
    Pipelined(NonZeroUsize),
}

impl ConfirmMode {
    /// The default window: deep enough to keep the broker busy, small enough to bound the
    /// memory spent on unconfirmed messages.
    pub const DEFAULT_WINDOW: usize = 256;

    /// A window of 1 is [`ConfirmMode::OneByOne`]; 0 is treated as 1.
    pub fn with_window(window: usize) -> Self {
        match NonZeroUsize::new(window) {
            Some(window) if window.get() > 1 => Self::Pipelined(window),
            _ => Self::OneByOne,
        }
    }

    /// The number of messages allowed in flight.
    pub fn window(self) -> usize {
        match self {
            Self::OneByOne => 1,
            Self::Pipelined(window) => window.get(),
        }
    }
}

impl Default for ConfirmMode {
    fn default() -> Self {
        Self::with_window(Self::DEFAULT_WINDOW)
    }
}

/// Why publishing stopped. Orders before the failed one are confirmed; the failed one and any
/// later ones may or may not be in the queue, so publish them again (consumers are idempotent).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the broker refused message {message_id} (nack): it is not stored")]
    Nacked { message_id: String },
    #[error("message {message_id} was returned: no queue is bound to exchange `{exchange}`")]
    Unroutable { message_id: String, exchange: String },
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
}

/// A confirm-mode channel bound to one [`Topology`].
#[derive(Debug)]
pub struct Publisher {
    channel: Channel,
    topology: Topology,
}

impl Publisher {
    /// Opens a channel, declares the topology and turns on publisher confirms.
    pub async fn new(connection: &Connection, topology: Topology) -> lapin::Result<Self> {
        let channel = connection.create_channel().await?;
        topology.declare(&channel).await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        Ok(Self { channel, topology })
    }

    /// Publishes every order and returns once the broker has confirmed all of them.
    pub async fn publish_orders(
        &self,
        orders: impl IntoIterator<Item = Order>,
        mode: ConfirmMode,
    ) -> Result<u64, PublishError> {
        let mut in_flight: VecDeque<(String, PublisherConfirm)> = VecDeque::new();
        let mut confirmed = 0;
        for order in orders {
            if in_flight.len() >= mode.window()
                && let Some((message_id, confirm)) = in_flight.pop_front()
            {
                self.check(message_id, confirm).await?;
                confirmed += 1;
            }
            let message_id = order.id.to_string();
            let confirm = self.publish(&message_id, &encode_order(&order)).await?;
            tracing::debug!(order = order.id, "published");
            in_flight.push_back((message_id, confirm));
        }
        // Confirms arrive in publish order, so awaiting the oldest first never waits needlessly.
        for (message_id, confirm) in in_flight {
            self.check(message_id, confirm).await?;
            confirmed += 1;
        }
        Ok(confirmed)
    }

    /// Publishes every order waiting in `outbox` and moves each to "confirmed" once the broker
    /// confirms it. On an error, every order whose confirm had not arrived goes back to the
    /// front of the outbox, in order: call again on a fresh connection to publish those again.
    /// Some of them may already be in the queue (the connection died before their confirm
    /// came back), so the consumers may see them twice: at-least-once.
    pub async fn publish_outbox(
        &self,
        outbox: &mut Outbox,
        mode: ConfirmMode,
    ) -> Result<(), PublishError> {
        let mut in_flight: VecDeque<(Order, PublisherConfirm)> = VecDeque::new();
        let result = self.drain(outbox, &mut in_flight, mode).await;
        if result.is_err() {
            outbox.put_back(in_flight.into_iter().map(|(order, _)| order));
        }
        result
    }

    async fn drain(
        &self,
        outbox: &mut Outbox,
        in_flight: &mut VecDeque<(Order, PublisherConfirm)>,
        mode: ConfirmMode,
    ) -> Result<(), PublishError> {
        loop {
            // Confirms arrive in publish order, so awaiting the oldest first never waits
            // needlessly; once the outbox is empty, wait for the rest.
            if (in_flight.len() >= mode.window() || outbox.waiting.is_empty())
                && let Some((order, confirm)) = in_flight.pop_front()
            {
                let message_id = order.id.to_string();
                if let Err(err) = self.check(message_id, confirm).await {
                    outbox.put_back([order]);
                    return Err(err);
                }
                outbox.confirmed.push(order.id);
                continue;
            }
            let Some(order) = outbox.waiting.pop_front() else { return Ok(()) };
            match self.publish(&order.id.to_string(), &encode_order(&order)).await {
                Ok(confirm) => {
                    tracing::debug!(order = order.id, "published");
                    in_flight.push_back((order, confirm));
                }
                Err(err) => {
                    outbox.waiting.push_front(order);
                    return Err(err.into());
                }
            }
        }
    }

    /// A publisher on a channel *without* confirms: fire and forget. Faster, but a message
    /// lost with the connection is lost silently; `publish_orders` then returns as soon as
    /// the messages are written to the socket. For comparison (the bench crate measures the
    /// price of confirms with it); orders deserve [`Publisher::new`].
    pub async fn without_confirms(
        connection: &Connection,
        topology: Topology,
    ) -> lapin::Result<Self> {
        let channel = connection.create_channel().await?;
        topology.declare(&channel).await?;
        Ok(Self { channel, topology })
    }

    /// Publishes any body (say, one that is not an order) and waits for its confirm.
    pub async fn publish_raw(&self, message_id: &str, body: &[u8]) -> Result<(), PublishError> {
        let confirm = self.publish(message_id, body).await?;
        self.check(message_id.to_owned(), confirm).await
    }

    /// The channel, for callers that want to inspect or clean up (e.g. delete the topology).
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    async fn publish(&self, message_id: &str, body: &[u8]) -> lapin::Result<PublisherConfirm> {
        let properties = BasicProperties::default()
            .with_delivery_mode(PERSISTENT)
            .with_content_type(CONTENT_TYPE.into())
            .with_message_id(message_id.into());
        // mandatory: if no queue is bound, the broker returns the message instead of dropping it.
        let options = BasicPublishOptions { mandatory: true, ..Default::default() };
        self.channel
            .basic_publish(
                self.topology.exchange.as_str().into(),
                ROUTING_KEY.into(),
                options,
                body,
                properties,
            )
            .await
    }

    async fn check(
        &self,
        message_id: String,
        confirm: PublisherConfirm,
    ) -> Result<(), PublishError> {
        match confirm.await? {
            Confirmation::Ack(None) | Confirmation::NotRequested => Ok(()),
            Confirmation::Ack(Some(_returned)) => Err(PublishError::Unroutable {
                message_id,
                exchange: self.topology.exchange.clone(),
            }),
            Confirmation::Nack(_) => Err(PublishError::Nacked { message_id }),
        }
    }
}

/// Orders on their way to the broker: those still to publish (again) and the ids the broker
/// has confirmed. It outlives connections, so a producer that reconnects knows exactly what
/// to send again, and one that gives up knows exactly what is missing.
#[derive(Debug, Default)]
pub struct Outbox {
    waiting: VecDeque<Order>,
    confirmed: Vec<u64>,
    in_doubt: u64,
}

impl Outbox {
    pub fn new(orders: impl IntoIterator<Item = Order>) -> Self {
        Self { waiting: orders.into_iter().collect(), ..Self::default() }
    }

    /// How many orders the broker has confirmed.
    pub fn confirmed(&self) -> usize {
        self.confirmed.len()
    }

    /// How many orders are not confirmed yet.
    pub fn unconfirmed(&self) -> usize {
        self.waiting.len()
    }

    /// How many times an order was published but its confirm was lost with the connection.
    /// Each went back into the outbox to be published again, so the queue may hold it twice.
    pub fn in_doubt(&self) -> u64 {
        self.in_doubt
    }

    /// The ids not confirmed, as ranges of consecutive ids (`9410..=9665`).
    pub fn unconfirmed_ids(&self) -> Vec<RangeInclusive<u64>> {
        let mut ids: Vec<u64> = self.waiting.iter().map(|order| order.id).collect();
        ids.sort_unstable();
        ranges(&ids)
    }

    /// Orders whose confirm never came go back in front of the rest, in their original order.
    fn put_back(&mut self, orders: impl IntoIterator<Item = Order>) {
        let orders: Vec<Order> = orders.into_iter().collect();
        self.in_doubt += orders.len() as u64;
        for order in orders.into_iter().rev() {
            self.waiting.push_front(order);
        }
    }
}

/// Sorted ids as ranges of consecutive ids: `[1, 2, 3, 7]` is `[1..=3, 7..=7]`.
pub fn ranges(sorted: &[u64]) -> Vec<RangeInclusive<u64>> {
    let mut ranges: Vec<RangeInclusive<u64>> = Vec::new();
    for &id in sorted {
        match ranges.last_mut() {
            Some(last) if last.end().checked_add(1) == Some(id) => *last = *last.start()..=id,
            Some(last) if *last.end() == id => {}
            _ => ranges.push(id..=id),
        }
    }
    ranges
}

/// `1..=3, 7` for the output lines.
pub fn show_ranges(ranges: &[RangeInclusive<u64>]) -> String {
    let shown: Vec<String> = ranges
        .iter()
        .map(|range| {
            if range.start() == range.end() {
                range.start().to_string()
            } else {
                format!("{}..={}", range.start(), range.end())
            }
        })
        .collect();
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::{ConfirmMode, Outbox, ranges, show_ranges};
    use crate::message::sample_order;

    #[test]
    fn unconfirmed_ids_are_shown_as_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 7, 9, 10]), vec![1..=3, 7..=7, 9..=10]);
        assert_eq!(show_ranges(&ranges(&[1, 2, 3, 7])), "1..=3, 7");
        assert_eq!(show_ranges(&ranges(&[])), "");
        let mut outbox = Outbox::new((4..=6).map(sample_order));
        let first = outbox.waiting.pop_front().unwrap();
        outbox.put_back([first]);
        assert_eq!(outbox.in_doubt(), 1);
        assert_eq!(outbox.unconfirmed_ids(), vec![4..=6]);
        assert_eq!(outbox.waiting.front().map(|order| order.id), Some(4));
    }

    #[test]
    fn window_of_one_means_one_by_one() {
        assert_eq!(ConfirmMode::with_window(0), ConfirmMode::OneByOne);
        assert_eq!(ConfirmMode::with_window(1), ConfirmMode::OneByOne);
        assert_eq!(ConfirmMode::with_window(64).window(), 64);
        assert_eq!(ConfirmMode::default().window(), ConfirmMode::DEFAULT_WINDOW);
    }
}
