//! The two topics of one order pipeline, created with the admin API when they are missing.
//!
//! ```text
//! kafka-producer ──► topic `orders` (3 partitions, key = customer) ──► group `payments`
//!                                                  │ not an order          (members split
//!                                                  ▼                        the partitions)
//!                                    topic `orders.dlq` (1 partition, reason in a header)
//! ```
//!
//! Unlike declaring an AMQP queue, creating a topic is not idempotent: the broker answers
//! `TopicAlreadyExists`, which [`Topics::ensure`] treats as success. It looks first, so a
//! broker without the CreateTopics API (librdkafka's mock cluster) works when the topics exist.

use crate::client::{CONNECT_TIMEOUT, ConnectError, LogContext, base_config, check_broker};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// The names of one order pipeline's topics, derived from one base name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    /// Order events, keyed by customer.
    pub events: String,
    /// Events the consumers could not process, with the reason in the `dlq.reason` header.
    pub dead_letters: String,
}

/// Why the topics are not there.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("creating topic `{topic}` failed: {code}")]
    Create { topic: String, code: RDKafkaErrorCode },
    #[error("creating topics failed: {0}")]
    Admin(#[from] KafkaError),
}

impl Topics {
    /// `Topics::new("orders")`: events in `orders`, dead letters in `orders.dlq`.
    pub fn new(base: &str) -> Self {
        Self { events: base.to_owned(), dead_letters: format!("{base}.dlq") }
    }

    /// Creates whichever of the two topics is missing: the events topic with `partitions`
    /// partitions, the dead-letter topic with one (dead letters in one order, easy to read).
    /// Replication factor 1: these examples run against a single broker.
    pub async fn ensure(&self, brokers: &str, partitions: i32) -> Result<(), TopicError> {
        let cluster = check_broker(brokers, CONNECT_TIMEOUT).await?;
        let missing: Vec<NewTopic<'_>> = [(&self.events, partitions), (&self.dead_letters, 1)]
            .into_iter()
            .filter(|(name, _)| !cluster.topics.contains_key(name.as_str()))
            .map(|(name, partitions)| NewTopic::new(name, partitions, TopicReplication::Fixed(1)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let admin = admin_client(brokers)?;
        for result in admin.create_topics(&missing, &admin_options()).await? {
            match result {
                Ok(topic) => tracing::info!(topic, "created topic"),
                // Someone else created it between our look and our request: fine.
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => return Err(TopicError::Create { topic, code }),
            }
        }
        Ok(())
    }

    /// Deletes both topics with every event in them: test and demo cleanup.
    pub async fn delete(&self, brokers: &str) -> Result<(), TopicError> {
        let admin = admin_client(brokers)?;
        let names = [self.events.as_str(), self.dead_letters.as_str()];
        for result in admin.delete_topics(&names, &admin_options()).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
                Err((topic, code)) => return Err(TopicError::Create { topic, code }),
            }
        }
        Ok(())
    }
}

impl Default for Topics {
    fn default() -> Self {
        Self::new(crate::DEFAULT_TOPIC)
    }
}

fn admin_client(brokers: &str) -> Result<AdminClient<LogContext>, TopicError> {
    base_config(brokers, "kafka-admin")
        .create_with_context(LogContext)
        .map_err(|err| TopicError::Connect(ConnectError::Config(err)))
}

fn admin_options() -> AdminOptions {
    // request: how long to wait for the broker's answer; operation: how long the broker may
    // wait for the topic to exist on all its replicas before it answers.
    AdminOptions::new()
        .request_timeout(Some(CONNECT_TIMEOUT * 2))
        .operation_timeout(Some(CONNECT_TIMEOUT))
}
