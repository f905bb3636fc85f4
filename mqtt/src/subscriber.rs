//! Receiving: wildcard subscriptions, manual acks, persistent sessions, and a [`Tally`] per
//! device that makes the QoS levels visible (QoS 0 may lose, QoS 1 may duplicate, QoS 2
//! neither).
//!
//! The event loop runs in its own task and forwards each PUBLISH over a channel; the
//! subscriber handles it and only then acks it (`manual_acks`), so a subscriber that dies
//! mid-message gets it again from a persistent session. Acks go back through the client's
//! request channel, never from inside the loop: awaiting there could deadlock.

use crate::message::Message;
use crate::session::{self, MqttAddr};
use crate::{QoS, qos_number};
use rumqttc::{AsyncClient, Event, Incoming, Publish, SubscribeFilter, SubscribeReasonCode};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::sync::mpsc;

/// The subscriber's settings, as `mqtt-subscriber` fills them from its flags.
#[derive(Debug, Clone)]
pub struct SubscribeConfig {
    pub addr: MqttAddr,
    pub filters: Vec<String>,
    pub qos: QoS,
    /// With a client id, the session is persistent (clean session off): the broker keeps the
    /// subscriptions and queues QoS 1/2 messages while the subscriber is away.
    pub client_id: Option<String>,
    pub keep_alive: Duration,
}

impl SubscribeConfig {
    pub fn new(addr: MqttAddr) -> Self {
        Self {
            addr,
            filters: vec![crate::READINGS_FILTER.into(), crate::STATUS_FILTER.into()],
            qos: QoS::AtLeastOnce,
            client_id: None,
            keep_alive: Duration::from_secs(5),
        }
    }
}

/// One delivered message: understood, with what MQTT said about it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub message: Message,
    pub topic: String,
    /// A retained message: the broker's stored last value, not a fresh publish.
    pub retained: bool,
    /// The QoS it arrived with: the lower of the publisher's and the subscription's.
    pub qos: QoS,
    /// The broker resent it (its first try was not acked).
    pub duplicate: bool,
    publish: Publish,
}

/// A connected, subscribed client.
#[derive(Debug)]
pub struct Subscriber {
    client: AsyncClient,
    publishes: mpsc::Receiver<Publish>,
    task: tokio::task::JoinHandle<()>,
    /// The broker resumed a stored session (persistent sessions only).
    pub session_present: bool,
    /// The QoS the broker granted, per filter.
    pub granted: Vec<(String, Option<QoS>)>,
}

/// How many publishes may wait between the event loop and the handler.
const CHANNEL_CAPACITY: usize = 256;

impl Subscriber {
    /// Connects, subscribes, and returns once the broker confirmed the subscriptions (SUBACK),
    /// so that nothing published afterwards is missed.
    pub async fn connect(config: &SubscribeConfig) -> anyhow::Result<Subscriber> {
        anyhow::ensure!(!config.filters.is_empty(), "no topic filter to subscribe to");
        let client_id = config
            .client_id
            .clone()
            .unwrap_or_else(|| format!("mqtt-subscriber-{}-{}", std::process::id(), unique()));
        let mut options = session::options(&client_id, &config.addr, config.keep_alive);
        options.set_clean_session(config.client_id.is_none());
        options.set_manual_acks(true);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        let connack = session::connect(&mut eventloop, session::CONNECT_TIMEOUT).await?;

        let filters: Vec<_> =
            config.filters.iter().map(|f| SubscribeFilter::new(f.clone(), config.qos)).collect();
        client.subscribe_many(filters.clone()).await?;
        // A resumed session delivers what was queued right away, even before the SUBACK: keep it.
        let (forward, publishes) = mpsc::channel(CHANNEL_CAPACITY);
        let suback = tokio::time::timeout(session::CONNECT_TIMEOUT, async {
            loop {
                match eventloop.poll().await? {
                    Event::Incoming(Incoming::SubAck(suback)) => return Ok(suback),
                    Event::Incoming(Incoming::Publish(publish)) => {
                        // Cannot be closed: `publishes` is alive here.
                        let _ = forward.send(publish).await;
                    }
                    _ => {}
                }
            }
        })
        .await
        .map_err(|_| {
            anyhow::anyhow!("no SUBACK from the broker within {:?}", session::CONNECT_TIMEOUT)
        })?
        .map_err(|error: rumqttc::ConnectionError| anyhow::anyhow!("subscribing: {error}"))?;
        let granted: Vec<_> = config
            .filters
            .iter()
            .zip(&suback.return_codes)
            .map(|(filter, code)| {
                let qos = match code {
                    SubscribeReasonCode::Success(qos) => Some(*qos),
                    SubscribeReasonCode::Failure => None,
                };
                (filter.clone(), qos)
            })
            .collect();
        if let Some((filter, _)) = granted.iter().find(|(_, qos)| qos.is_none()) {
            anyhow::bail!("the broker refused the subscription to `{filter}`");
        }

        let task = tokio::spawn(session::drive(eventloop, client.clone(), move |client, event| {
            match event {
                Event::Incoming(Incoming::Publish(publish)) => {
                    // A full channel means the handler is behind: this publish stays unacked,
                    // and at QoS 1/2 the broker resends it after a reconnect. Never block here.
                    if let Err(mpsc::error::TrySendError::Full(_)) = forward.try_send(publish) {
                        tracing::warn!("handler behind: a message was dropped unacked");
                    }
                }
                // A reconnect without a stored session has no subscriptions: subscribe again.
                Event::Incoming(Incoming::ConnAck(connack)) if !connack.session_present => {
                    let _ = client.try_subscribe_many(filters.clone());
                }
                _ => {}
            }
        }));
        Ok(Subscriber {
            client,
            publishes,
            task,
            session_present: connack.session_present,
            granted,
        })
    }

    /// The next message, or `None` once the connection ended for good.
    pub async fn next(&mut self) -> Option<Delivery> {
        let publish = self.publishes.recv().await?;
        Some(Delivery {
            message: Message::parse(&publish.topic, &publish.payload),
            topic: publish.topic.clone(),
            retained: publish.retain,
            qos: publish.qos,
            duplicate: publish.dup,
            publish,
        })
    }

    /// Acknowledges a handled delivery (PUBACK at QoS 1, PUBREC at QoS 2, nothing at QoS 0).
    pub async fn ack(&self, delivery: &Delivery) -> anyhow::Result<()> {
        self.client.ack(&delivery.publish).await?;
        Ok(())
    }

    /// Disconnects cleanly: the broker keeps a persistent session for the next connect.
    pub async fn disconnect(mut self) {
        if self.client.disconnect().await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What arrived from one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceTally {
    pub received: u64,
    pub duplicates: u64,
    /// The highest sequence number seen.
    pub highest: u64,
    seen: BTreeSet<u64>,
}

impl DeviceTally {
    /// Sequence numbers from 1 to the highest seen that never arrived.
    pub fn missing(&self) -> u64 {
        let window_start = self.seen.first().copied().unwrap_or(1).max(1);
        let forgotten = window_start - 1;
        self.highest.saturating_sub(forgotten).saturating_sub(self.seen.len() as u64)
    }
}

/// Per-device counts, gaps and duplicates, bounded in memory whatever peers publish.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub devices: BTreeMap<String, DeviceTally>,
    pub malformed: u64,
    /// Readings of devices beyond [`Tally::MAX_DEVICES`], counted but not tracked.
    pub untracked: u64,
}

impl Tally {
    pub const MAX_DEVICES: usize = 1024;
    /// Sequence numbers remembered per device for duplicate detection; older ones are dropped.
    pub const WINDOW: usize = 100_000;

    pub fn record(&mut self, message: &Message) {
        match message {
            Message::Reading(reading) => {
                let known = self.devices.contains_key(&reading.sensor);
                if !known && self.devices.len() >= Self::MAX_DEVICES {
                    self.untracked += 1;
                    return;
                }
                let device = self.devices.entry(reading.sensor.clone()).or_default();
                device.received += 1;
                if !device.seen.insert(reading.seq) {
                    device.duplicates += 1;
                }
                device.highest = device.highest.max(reading.seq);
                if device.seen.len() > Self::WINDOW {
                    device.seen.pop_first();
                }
            }
            Message::Malformed { .. } => self.malformed += 1,
            Message::Status { .. } => {}
        }
    }

    /// The report `mqtt-subscriber` prints at the end, one line per device.
    pub fn report(&self) -> String {
        let mut lines: Vec<String> = self
            .devices
            .iter()
            .map(|(name, d)| {
                format!(
                    "{name}: {} received, {} missing, {} duplicates (highest seq {})",
                    d.received,
                    d.missing(),
                    d.duplicates,
                    d.highest
                )
            })
            .collect();
        if lines.is_empty() {
            lines.push("no readings".into());
        }
        if self.malformed > 0 {
            lines.push(format!("{} malformed messages ignored", self.malformed));
        }
        if self.untracked > 0 {
            lines.push(format!("{} readings of untracked devices", self.untracked));
        }
        lines.join("\n")
    }
}

/// "QoS 1" for logs.
pub fn describe_qos(qos: QoS) -> String {
    format!("QoS {}", qos_number(qos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::simulated_reading;

    #[test]
    fn tally_counts_gaps_and_duplicates() {
        let mut tally = Tally::default();
        for seq in [1, 2, 2, 5, 4] {
            tally.record(&Message::Reading(simulated_reading("a", seq)));
        }
        tally.record(&Message::Malformed { topic: "x".into(), reason: "y".into() });
        let a = &tally.devices["a"];
        assert_eq!((a.received, a.duplicates, a.missing(), a.highest), (5, 1, 1, 5));
        assert_eq!(tally.malformed, 1);
        assert!(tally.report().starts_with("a: 5 received, 1 missing, 1 duplicates"));
    }

    #[test]
    fn tally_stays_bounded() {
        let mut tally = Tally::default();
        for n in 0..(Tally::MAX_DEVICES + 10) {
            tally.record(&Message::Reading(simulated_reading(&format!("d{n}"), 1)));
        }
        assert_eq!(tally.devices.len(), Tally::MAX_DEVICES);
        assert_eq!(tally.untracked, 10);
    }
}
