//! Orders through RabbitMQ with [lapin]: why people put a broker between services.
//!
//! The producer publishes [`common::Order`]s as persistent JSON messages to a durable fanout
//! exchange and waits for the broker's publisher confirms in a pipelined window
//! ([`producer`]). Any number of consumers share the durable work queue: each holds at most
//! `prefetch` unacknowledged orders and acknowledges an order only after processing it, so a
//! consumer that dies loses nothing ([`consumer`]). A body that is not a valid order is
//! rejected without requeue and the broker moves it to a dead-letter queue ([`topology`]).
//!
//! [lapin]: https://docs.rs/lapin

pub mod connect;
pub mod consumer;
pub mod message;
pub mod producer;
pub mod topology;

pub use connect::{CONNECT_TIMEOUT, ConnectError, connect};
pub use consumer::{ConsumeStats, DEFAULT_PREFETCH, OrderConsumer, Received};
pub use producer::{ConfirmMode, Outbox, Publisher};
pub use topology::Topology;

/// The broker both binaries use unless `--addr` or `AMQP_ADDR` says otherwise.
pub const DEFAULT_AMQP_ADDR: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// The base name of the exchange and queues (see [`Topology::new`]).
pub const DEFAULT_BASE_NAME: &str = "orders";

/// The flags both binaries share: which broker, which queue.
#[derive(Debug, Clone, clap::Args)]
pub struct BrokerArgs {
    /// Broker URI: amqp://user:password@host:port/vhost (`%2f` is the default vhost `/`).
    #[arg(long, env = "AMQP_ADDR", hide_env_values = true, default_value = DEFAULT_AMQP_ADDR, value_name = "URI")]
    pub addr: String,
    /// Base name: exchange and queue NAME, dead letters through NAME.dlx into NAME.dead.
    #[arg(long, default_value = DEFAULT_BASE_NAME, value_name = "NAME")]
    pub queue: String,
}

impl BrokerArgs {
    pub fn topology(&self) -> Topology {
        Topology::new(&self.queue)
    }
}
