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

#[cfg(test)]
mod tests {
    use super::ConfirmMode;

    #[test]
    fn window_of_one_means_one_by_one() {
        assert_eq!(ConfirmMode::with_window(0), ConfirmMode::OneByOne);
        assert_eq!(ConfirmMode::with_window(1), ConfirmMode::OneByOne);
        assert_eq!(ConfirmMode::with_window(64).window(), 64);
        assert_eq!(ConfirmMode::default().window(), ConfirmMode::DEFAULT_WINDOW);
    }
}
