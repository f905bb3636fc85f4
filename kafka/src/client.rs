//! What every client here shares: the base settings, librdkafka's log lines routed into
//! `tracing`, and a first contact with the broker that fails fast and clearly.
//!
//! librdkafka never "connects" once: it keeps reconnecting in the background and a send or a
//! subscribe simply waits. That is right for a running service, but a broker that is not there
//! at start is a setup problem, so [`check_broker`] asks for the cluster's metadata with a
//! deadline and turns silence into one line with a hint.

use rdkafka::ClientContext;
use rdkafka::admin::AdminClient;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long the first contact with the broker may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a user can do about a broker that is not there.
pub const START_HINT: &str = "start one with `docker compose up -d kafka`";

/// Why the broker could not be used. The `Display` text is one line meant for the user.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot reach a Kafka broker at {brokers} within {timeout:?} ({reason}); {START_HINT}")]
    Unreachable { brokers: String, timeout: Duration, reason: String },
    #[error("invalid client settings: {0}")]
    Config(#[source] KafkaError),
}

/// The settings of every client: where to bootstrap from and what to call ourselves
/// (`client.id` shows up in the broker's logs and quotas).
pub fn base_config(brokers: &str, client_id: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("client.id", client_id)
        // A TCP connect plus the ApiVersions handshake must finish within this, or librdkafka
        // drops the socket and tries again (with backoff): a black-holed port cannot hang it.
        .set("socket.connection.setup.timeout.ms", "5000")
        // librdkafka's logs are handed to `ClientContext::log` below; `RUST_LOG=debug` shows them.
        .set_log_level(RDKafkaLogLevel::Info);
    config
}

/// A [`ClientContext`] that sends librdkafka's log lines to `tracing` at debug level and its
/// error events to `warn`, except the connection errors it repeats on every reconnect attempt
/// while a broker is away: the producer and consumer report what those mean for the orders.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogContext;

impl ClientContext for LogContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        tracing::debug!(target: "librdkafka", ?level, facility, "{message}");
    }

    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }
}

/// Readers without a group's rebalances (e.g. reading the dead letters) need no callbacks.
impl rdkafka::consumer::ConsumerContext for LogContext {}

pub(crate) fn log_client_error(error: &KafkaError, reason: &str) {
    match error.rdkafka_error_code() {
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
            | RDKafkaErrorCode::AllBrokersDown
            | RDKafkaErrorCode::Resolve,
        ) => tracing::debug!(target: "librdkafka", %error, "{reason}"),
        _ => tracing::warn!(target: "librdkafka", %error, "{reason}"),
    }
}

/// What the broker told us about the cluster: its brokers and each topic's partition count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub brokers: Vec<String>,
    pub topics: BTreeMap<String, usize>,
}

/// Fetches the cluster's metadata within `timeout`: proof that a Kafka broker answers.
pub async fn check_broker(brokers: &str, timeout: Duration) -> Result<ClusterInfo, ConnectError> {
    let admin: AdminClient<LogContext> = base_config(brokers, "kafka-check")
        .create_with_context(LogContext)
        .map_err(ConnectError::Config)?;
    // fetch_metadata blocks its thread until the answer or the timeout: not on the runtime's.
    // `None` asks for every topic; naming one would let a broker auto-create it.
    let metadata =
        tokio::task::spawn_blocking(move || admin.inner().fetch_metadata(None, timeout)).await;
    let unreachable =
        |reason: String| ConnectError::Unreachable { brokers: brokers.to_owned(), timeout, reason };
    let metadata = match metadata {
        Ok(Ok(metadata)) => metadata,
        Ok(Err(err)) => return Err(unreachable(err.to_string())),
        Err(join) => return Err(unreachable(join.to_string())),
    };
    Ok(ClusterInfo {
        brokers: metadata.brokers().iter().map(|b| format!("{}:{}", b.host(), b.port())).collect(),
        topics: metadata
            .topics()
            .iter()
            .filter(|topic| topic.error().is_none())
            .map(|topic| (topic.name().to_owned(), topic.partitions().len()))
            .collect(),
    })
}
