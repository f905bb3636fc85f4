//! Reading the log as a member of a consumer group, at least once.
//!
//! Every member of a group subscribes to the topic; the group coordinator (a broker) splits
//! the partitions between the members and moves them when a member joins, leaves, or stops
//! sending heartbeats for `session.timeout.ms` (a rebalance). Reading deletes nothing: each
//! group has its own committed offset per partition, the position it resumes from.
//!
//! At-least-once: an event's offset is *stored* only after the handler processed it (or it was
//! dead-lettered), and librdkafka commits only stored offsets, every second and when the
//! consumer closes or loses a partition. A consumer killed with SIGKILL loses nothing: its
//! partitions go to the other members, which resume from the last commit and so process again
//! whatever came after it. The handler must therefore be idempotent, e.g. keyed by order id.
//! Events of one partition are processed one after the other, in order.

use crate::client::{LogContext, base_config, log_client_error};
use crate::message::{Poison, decode_order};
use crate::topics::Topics;
use common::Order;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, RebalanceProtocol, StreamConsumer,
};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Header, Headers, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Message, Offset, TopicPartitionList};
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// The header on a dead letter that says why it was refused.
pub const REASON_HEADER: &str = "dlq.reason";

/// Where a member starts reading a partition the first time it is assigned one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    /// This offset in every partition (past the end: the end).
    Offset(i64),
    /// The first event at or after this time, in milliseconds since the Unix epoch.
    Time(i64),
}

impl FromStr for Seek {
    type Err = String;

    /// `42` (an offset), `@1733140800000` (a time, Unix milliseconds), or `10m` (a time that
    /// long ago; `s`, `m`, `h` and `d` work).
    fn from_str(text: &str) -> Result<Self, String> {
        let bad =
            || format!("`{text}` is not an offset (42), a time (@unix-millis) or an age (10m)");
        if let Some(millis) = text.strip_prefix('@') {
            return millis.parse().map(Seek::Time).map_err(|_| bad());
        }
        if let Ok(offset) = text.parse::<i64>() {
            return if offset >= 0 { Ok(Seek::Offset(offset)) } else { Err(bad()) };
        }
        let unit = match text.chars().last() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3_600,
            Some('d') => 86_400,
            _ => return Err(bad()),
        };
        let amount: u64 = text[..text.len() - 1].parse().map_err(|_| bad())?;
        let age = Duration::from_secs(amount.checked_mul(unit).ok_or_else(bad)?);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let then = now.saturating_sub(age);
        Ok(Seek::Time(i64::try_from(then.as_millis()).map_err(|_| bad())?))
    }
}

/// How one member joins its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerConfig {
    /// The consumer group (`group.id`): members of one group share the partitions.
    pub group: String,
    /// Where a group without a committed offset starts: the oldest event (`true`) or only
    /// events written from now on (`false`, Kafka's default).
    pub from_beginning: bool,
    /// Start somewhere else on purpose, ignoring the committed offsets (once per partition).
    pub seek: Option<Seek>,
    /// A member silent for this long is declared dead and its partitions are reassigned.
    pub session_timeout: Duration,
    /// Shows up in the broker's list of group members.
    pub client_id: String,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        Self {
            group: crate::DEFAULT_GROUP.to_owned(),
            from_beginning: false,
            seek: None,
            session_timeout: Duration::from_secs(10),
            client_id: "kafka-consumer".to_owned(),
        }
    }
}

/// A change in this member's share of the partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rebalanced {
    Assigned(Vec<i32>),
    Revoked(Vec<i32>),
}

impl fmt::Display for Rebalanced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Assigned(partitions) => write!(f, "assigned partitions {partitions:?}"),
            Self::Revoked(partitions) => write!(f, "revoked partitions {partitions:?}"),
        }
    }
}

/// An order handed to the handler, with where it sits in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub order: Order,
    /// The event's key (the customer), as text.
    pub key: Option<String>,
    pub partition: i32,
    pub offset: i64,
    /// When the producer created the event, in Unix milliseconds, if it says.
    pub timestamp_ms: Option<i64>,
}

/// What one consumer did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsumeStats {
    pub processed: u64,
    pub dead_lettered: u64,
}

/// Why consuming stopped before the shutdown signal. The event being handled was not
/// committed, so whoever gets its partition next processes it again.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error("could not dead-letter the event at {topic}[{partition}]@{offset}: {error}")]
    DeadLetter { topic: String, partition: i32, offset: i64, error: KafkaError },
    #[error("fatal consumer error: {0}")]
    Fatal(String),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
}

/// Rebalance callbacks: applies the seek, keeps the assignment, reports changes.
struct GroupContext {
    topic: String,
    seek: Option<Seek>,
    seeked: Mutex<HashSet<i32>>,
    assignment: Arc<Mutex<BTreeSet<i32>>>,
    rebalances: mpsc::UnboundedSender<Rebalanced>,
}

impl ClientContext for GroupContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, facility: &str, message: &str) {
        LogContext.log(level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }
}

impl ConsumerContext for GroupContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        partitions: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(consumer.rebalance_protocol(), RebalanceProtocol::Cooperative);
        let numbers: Vec<i32> = partitions.elements().iter().map(|p| p.partition()).collect();
        let mut assignment = self.assignment.lock().unwrap_or_else(|e| e.into_inner());
        let result = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.apply_seek(consumer, partitions);
                assignment.extend(&numbers);
                let _ = self.rebalances.send(Rebalanced::Assigned(numbers));
                if cooperative {
                    consumer.incremental_assign(partitions)
                } else {
                    consumer.assign(partitions)
                }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                // librdkafka commits the stored offsets of these partitions before letting go.
                for partition in &numbers {
                    assignment.remove(partition);
                }
                let _ = self.rebalances.send(Rebalanced::Revoked(numbers));
                if cooperative {
                    consumer.incremental_unassign(partitions)
                } else {
                    consumer.unassign()
                }
            }
            other => {
                tracing::warn!(error = ?other, "rebalance failed; dropping the assignment");
                assignment.clear();
                consumer.unassign()
            }
        };
        if let Err(error) = result {
            tracing::warn!(%error, "applying the rebalance failed");
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => tracing::debug!(?offsets, "offsets committed"),
            // Nothing new was stored since the last commit.
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(error) => tracing::warn!(%error, "committing offsets failed; will retry"),
        }
    }
}

impl GroupContext {
    /// Rewrites the start offsets in a new assignment, once per partition and process.
    fn apply_seek(&self, consumer: &BaseConsumer<Self>, partitions: &mut TopicPartitionList) {
        let Some(seek) = self.seek else { return };
        let mut seeked = self.seeked.lock().unwrap_or_else(|e| e.into_inner());
        let fresh: Vec<i32> = partitions
            .elements_for_topic(&self.topic)
            .iter()
            .map(|p| p.partition())
            .filter(|p| !seeked.contains(p))
            .collect();
        if fresh.is_empty() {
            return;
        }
        let targets: Vec<(i32, Offset)> = match seek {
            Seek::Offset(offset) => fresh.iter().map(|&p| (p, Offset::Offset(offset))).collect(),
            Seek::Time(millis) => {
                let mut query = TopicPartitionList::new();
                for &p in &fresh {
                    // offsets_for_times reads the wanted time from the offset field.
                    let _ = query.add_partition_offset(&self.topic, p, Offset::Offset(millis));
                }
                match consumer.offsets_for_times(query, Duration::from_secs(10)) {
                    Ok(found) => found
                        .elements()
                        .iter()
                        .map(|p| match p.offset() {
                            // No event that late: start at the end.
                            Offset::Offset(o) if o >= 0 => (p.partition(), Offset::Offset(o)),
                            _ => (p.partition(), Offset::End),
                        })
                        .collect(),
                    Err(error) => {
                        tracing::warn!(%error, "looking up offsets by time failed; not seeking");
                        return;
                    }
                }
            }
        };
        for (partition, offset) in targets {
            if partitions.set_partition_offset(&self.topic, partition, offset).is_ok() {
                tracing::info!(partition, ?offset, "seeking");
                seeked.insert(partition);
            }
        }
    }
}

/// One member of a consumer group, subscribed to the events topic.
pub struct OrderConsumer {
    consumer: StreamConsumer<GroupContext>,
    dead_letters: FutureProducer<LogContext>,
    topics: Topics,
    assignment: Arc<Mutex<BTreeSet<i32>>>,
    rebalances: Option<mpsc::UnboundedReceiver<Rebalanced>>,
    stats: ConsumeStats,
}

impl fmt::Debug for OrderConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderConsumer")
            .field("topics", &self.topics)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl OrderConsumer {
    /// Creates the member and subscribes; it joins the group once [`OrderConsumer::run`] polls.
    pub fn new(brokers: &str, topics: Topics, config: &ConsumerConfig) -> KafkaResult<Self> {
        let (rebalances_tx, rebalances) = mpsc::unbounded_channel();
        let assignment = Arc::new(Mutex::new(BTreeSet::new()));
        let context = GroupContext {
            topic: topics.events.clone(),
            seek: config.seek,
            seeked: Mutex::default(),
            assignment: Arc::clone(&assignment),
            rebalances: rebalances_tx,
        };
        let consumer: StreamConsumer<GroupContext> = base_config(brokers, &config.client_id)
            .set("group.id", &config.group)
            .set("auto.offset.reset", if config.from_beginning { "earliest" } else { "latest" })
            // Commit in the background every second, but only offsets we stored ourselves,
            // after processing (at_least_once.rs in rust-rdkafka's examples does the same).
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "1000")
            .set("enable.auto.offset.store", "false")
            .set("session.timeout.ms", config.session_timeout.as_millis().to_string())
            .set("heartbeat.interval.ms", (config.session_timeout.as_millis() / 3).to_string())
            // A handler slower than this (per event) gets the member thrown out of the group.
            .set("max.poll.interval.ms", "300000")
            // Bounds on what one fetch may buffer, per partition and in total.
            .set("max.partition.fetch.bytes", "1048576")
            .set("fetch.max.bytes", "16777216")
            .set("enable.partition.eof", "false")
            .create_with_context(context)?;
        consumer.subscribe(&[&topics.events])?;
        let dead_letters = base_config(brokers, "kafka-consumer-dlq")
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("delivery.timeout.ms", "30000")
            .create_with_context(LogContext)?;
        Ok(Self {
            consumer,
            dead_letters,
            topics,
            assignment,
            rebalances: Some(rebalances),
            stats: ConsumeStats::default(),
        })
    }

    /// The rebalances of this member, as they happen; `None` after the first call.
    pub fn rebalances(&mut self) -> Option<mpsc::UnboundedReceiver<Rebalanced>> {
        self.rebalances.take()
    }

    /// The partitions this member holds now.
    pub fn assignment(&self) -> Vec<i32> {
        self.assignment.lock().unwrap_or_else(|e| e.into_inner()).iter().copied().collect()
    }

    /// Processes events until `shutdown` completes. Each order goes to `handle`: `Ok` marks it
    /// processed; `Err(reason)` dead-letters it, like a value that is not an order. Either way
    /// its offset is stored afterwards, so the partition moves on. On shutdown the stored
    /// offsets are committed and the member leaves the group, which rebalances at once.
    pub async fn run<F, Fut>(
        &mut self,
        handle: F,
        shutdown: impl Future<Output = ()>,
    ) -> Result<ConsumeStats, ConsumeError>
    where
        F: FnMut(Received) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        self.run_until(u64::MAX, handle, shutdown).await
    }

    /// [`OrderConsumer::run`], stopping also once `max_events` events were handled in all.
    pub async fn run_until<F, Fut>(
        &mut self,
        max_events: u64,
        mut handle: F,
        shutdown: impl Future<Output = ()>,
    ) -> Result<ConsumeStats, ConsumeError>
    where
        F: FnMut(Received) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        tokio::pin!(shutdown);
        while self.stats.processed + self.stats.dead_lettered < max_events {
            let message = tokio::select! {
                // Shutdown first: once it fires, start no further event.
                biased;
                () = &mut shutdown => break,
                message = self.consumer.recv() => message,
            };
            let message = match message {
                Ok(message) => message,
                Err(error) => {
                    if let Some((_, reason)) = self.consumer.client().fatal_error() {
                        return Err(ConsumeError::Fatal(reason));
                    }
                    // E.g. the broker went away: librdkafka reconnects by itself.
                    tracing::warn!(%error, "consumer error; carrying on");
                    continue;
                }
            };
            let verdict = match received(&message) {
                Ok(received) => handle(received).await,
                Err(poison) => Err(poison.to_string()),
            };
            match verdict {
                Ok(()) => self.stats.processed += 1,
                Err(reason) => {
                    dead_letter(&self.dead_letters, &self.topics, &message, &reason).await?;
                    self.stats.dead_lettered += 1;
                }
            }
            // Done with this event: its offset may now be committed.
            self.consumer.store_offset_from_message(&message)?;
        }
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(error) => tracing::warn!(%error, "final commit failed"),
        }
        self.consumer.unsubscribe();
        Ok(self.stats)
    }

    /// What this consumer has done so far, also after [`OrderConsumer::run`] failed.
    pub fn stats(&self) -> ConsumeStats {
        self.stats
    }
}

/// The order in an event, or why it is poison.
fn received(message: &BorrowedMessage<'_>) -> Result<Received, Poison> {
    let value =
        message.payload().ok_or_else(|| Poison::NotAnOrder("the event has no value".into()))?;
    Ok(Received {
        order: decode_order(value)?,
        key: message.key().map(|key| String::from_utf8_lossy(key).into_owned()),
        partition: message.partition(),
        offset: message.offset(),
        timestamp_ms: message.timestamp().to_millis(),
    })
}

/// Copies the event to the dead-letter topic, same key and value, the reason and its origin
/// in headers, and waits for the delivery report: only then may its offset be committed.
async fn dead_letter(
    producer: &FutureProducer<LogContext>,
    topics: &Topics,
    message: &BorrowedMessage<'_>,
    reason: &str,
) -> Result<(), ConsumeError> {
    tracing::warn!(
        partition = message.partition(),
        offset = message.offset(),
        "dead-lettering an event: {reason}"
    );
    let origin = format!("{}[{}]@{}", message.topic(), message.partition(), message.offset());
    let mut headers = OwnedHeaders::new()
        .insert(Header { key: REASON_HEADER, value: Some(reason) })
        .insert(Header { key: "dlq.origin", value: Some(&origin) });
    if let Some(original) = message.headers() {
        for header in original.iter() {
            headers = headers.insert(header);
        }
    }
    let mut record = FutureRecord::<[u8], [u8]>::to(&topics.dead_letters).headers(headers);
    if let Some(key) = message.key() {
        record = record.key(key);
    }
    if let Some(value) = message.payload() {
        record = record.payload(value);
    }
    let failed = |error| ConsumeError::DeadLetter {
        topic: message.topic().to_owned(),
        partition: message.partition(),
        offset: message.offset(),
        error,
    };
    match producer.send(record, Duration::from_secs(5)).await {
        Ok(_) => Ok(()),
        Err((error, _)) => Err(failed(error)),
    }
}

/// A dead letter read back from the dead-letter topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub key: Option<String>,
    pub value: Vec<u8>,
    /// The `dlq.reason` header.
    pub reason: Option<String>,
    /// The `dlq.origin` header: `topic[partition]@offset`.
    pub origin: Option<String>,
}

/// Reads the whole dead-letter topic from the beginning without joining a group (assigned
/// partitions, nothing committed), stopping at the end or after `limit` letters.
pub async fn read_dead_letters(
    brokers: &str,
    topics: &Topics,
    limit: usize,
    timeout: Duration,
) -> KafkaResult<Vec<DeadLetter>> {
    read_topic(brokers, &topics.dead_letters, limit, timeout)
        .await
        .map(|events| events.into_iter().map(|e| e.into_dead_letter()).collect())
}

/// One event read by [`read_topic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Event {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.as_deref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn into_dead_letter(self) -> DeadLetter {
        DeadLetter {
            reason: self.header(REASON_HEADER),
            origin: self.header("dlq.origin"),
            key: self.key.map(|k| String::from_utf8_lossy(&k).into_owned()),
            value: self.value.unwrap_or_default(),
        }
    }
}

/// Reads every partition of `topic` from its first to its last event as they are now (the
/// high watermarks at the start), at most `limit` events, within `timeout`.
pub async fn read_topic(
    brokers: &str,
    topic: &str,
    limit: usize,
    timeout: Duration,
) -> KafkaResult<Vec<Event>> {
    let consumer: StreamConsumer<LogContext> = base_config(brokers, "kafka-reader")
        // A group id is required by librdkafka even for manual assignment; nothing is committed.
        .set("group.id", "kafka-reader")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create_with_context(LogContext)?;
    let topic_owned = topic.to_owned();
    let (consumer, ends) = tokio::task::spawn_blocking(move || {
        let metadata = consumer.fetch_metadata(Some(&topic_owned), timeout)?;
        let mut ends = Vec::new();
        let mut assignment = TopicPartitionList::new();
        for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
            let (low, high) = consumer.fetch_watermarks(&topic_owned, partition.id(), timeout)?;
            if high > low {
                ends.push((partition.id(), high));
                assignment.add_partition_offset(
                    &topic_owned,
                    partition.id(),
                    Offset::Offset(low),
                )?;
            }
        }
        consumer.assign(&assignment)?;
        KafkaResult::Ok((consumer, ends))
    })
    .await
    .map_err(|_| KafkaError::Canceled)??;
    let mut events = Vec::new();
    let mut open: HashSet<i32> = ends.iter().map(|(p, _)| *p).collect();
    let deadline = tokio::time::Instant::now() + timeout;
    while !open.is_empty() && events.len() < limit {
        let message = match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(message) => message?,
            Err(_elapsed) => break,
        };
        let end = ends.iter().find(|(p, _)| *p == message.partition()).map(|(_, e)| *e);
        if end.is_some_and(|end| message.offset() + 1 >= end) {
            open.remove(&message.partition());
        }
        if end.is_some_and(|end| message.offset() >= end) {
            continue;
        }
        events.push(Event {
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            headers: message
                .headers()
                .map(|headers| {
                    headers
                        .iter()
                        .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::Seek;

    #[test]
    fn seek_takes_an_offset_a_time_or_an_age() {
        assert_eq!("42".parse(), Ok(Seek::Offset(42)));
        assert_eq!("@1733140800000".parse(), Ok(Seek::Time(1_733_140_800_000)));
        let Ok(Seek::Time(ten_minutes_ago)) = "10m".parse::<Seek>() else { panic!("an age") };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let age = now.as_millis() as i64 - ten_minutes_ago;
        assert!((600_000..605_000).contains(&age), "{age}");
        for bad in ["", "-1", "x", "10y", "@soon", "m", "99999999999999999999d"] {
            assert!(bad.parse::<Seek>().is_err(), "{bad:?} accepted");
        }
    }
}
