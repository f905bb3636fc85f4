//! A simulated device: one MQTT connection that announces itself, publishes readings and says
//! goodbye.
//!
//! On CONNECT it registers a **last will**: a retained `offline` on its status topic, which the
//! broker publishes for it if the connection dies without a DISCONNECT (a crash, `kill -9`, a
//! cut cable: the broker notices after 1.5 × keep-alive of silence). Once connected it
//! publishes a retained `online` there, so a subscriber that arrives later still learns the
//! device's state. At the end it publishes `offline` itself and disconnects cleanly (a clean
//! DISCONNECT discards the will).

use crate::message::{Status, encode_reading, simulated_reading};
use crate::session::{self, ConnectError, MqttAddr};
use crate::{QoS, reading_topic, status_topic};
use rumqttc::{AsyncClient, Event, Incoming, LastWill};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// How long the publisher waits for the broker's acks before giving up at the end.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// One device's settings, as `mqtt-publisher` fills them from its flags.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    pub addr: MqttAddr,
    pub device: String,
    /// Readings to publish, numbered `first_seq`, `first_seq + 1`, …
    pub count: u64,
    pub first_seq: u64,
    /// Pause between readings.
    pub interval: Duration,
    pub qos: QoS,
    pub keep_alive: Duration,
}

impl DeviceConfig {
    pub fn new(addr: MqttAddr, device: impl Into<String>) -> Self {
        Self {
            addr,
            device: device.into(),
            count: 10,
            first_seq: 1,
            interval: Duration::from_millis(100),
            qos: QoS::AtLeastOnce,
            keep_alive: Duration::from_secs(5),
        }
    }
}

/// What one device did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishReport {
    pub device: String,
    pub published: u64,
    /// PUBACKs (QoS 1) or PUBCOMPs (QoS 2) received, status messages included.
    pub acks: u64,
}

/// A connected device: publish readings with [`Device::publish`], end with [`Device::finish`].
#[derive(Debug)]
pub struct Device {
    config: DeviceConfig,
    client: AsyncClient,
    /// QoS 1/2 publishes handed to the client, and acks received for them.
    sent: Arc<AtomicU64>,
    acks: watch::Receiver<u64>,
    task: tokio::task::JoinHandle<()>,
    published: u64,
}

impl Device {
    /// Connects (with the will registered), then publishes the retained `online`.
    pub async fn connect(config: DeviceConfig) -> Result<Device, ConnectError> {
        // One device, one client id: a second publisher of the same device takes the session
        // over (the broker closes the older connection).
        let client_id = format!("mqtt-publisher-{}", config.device);
        let mut options = session::options(&client_id, &config.addr, config.keep_alive);
        // A persistent session: after a reconnect the broker still knows which QoS 1/2 packet
        // ids are in flight, and rumqttc resends them (with a clean session it drops them).
        options.set_clean_session(false);
        let status = status_topic(&config.device);
        options.set_last_will(LastWill::new(
            &status,
            Status::Offline.as_str(),
            QoS::AtLeastOnce,
            true,
        ));
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        session::connect(&mut eventloop, session::CONNECT_TIMEOUT).await?;

        let sent = Arc::new(AtomicU64::new(0));
        let (acked, acks) = watch::channel(0u64);
        let online = {
            let sent = sent.clone();
            let status = status.clone();
            move |client: &AsyncClient| {
                sent.fetch_add(1, Ordering::SeqCst);
                // The request channel has room: at most a few requests are queued at a time.
                let _ =
                    client.try_publish(&status, QoS::AtLeastOnce, true, Status::Online.as_str());
            }
        };
        online(&client);
        let task = tokio::spawn(session::drive(eventloop, client.clone(), move |client, event| {
            match event {
                // After a reconnect: say `online` again (the will may have fired meanwhile).
                Event::Incoming(Incoming::ConnAck(_)) => online(client),
                Event::Incoming(Incoming::PubAck(_) | Incoming::PubComp(_)) => {
                    acked.send_modify(|n| *n += 1);
                }
                _ => {}
            }
        }));
        Ok(Device { config, client, sent, acks, task, published: 0 })
    }

    /// Publishes reading number `seq` (queued to the event loop; acked later at QoS 1/2).
    pub async fn publish(&mut self, seq: u64) -> anyhow::Result<()> {
        let reading = simulated_reading(&self.config.device, seq);
        if self.config.qos != QoS::AtMostOnce {
            self.sent.fetch_add(1, Ordering::SeqCst);
        }
        self.client
            .publish(
                reading_topic(&self.config.device),
                self.config.qos,
                false,
                encode_reading(&reading),
            )
            .await?;
        self.published += 1;
        Ok(())
    }

    /// Publishes any payload on this device's reading topic (for bad-input and limit tests).
    pub async fn publish_raw(&self, qos: QoS, payload: Vec<u8>) -> anyhow::Result<()> {
        if qos != QoS::AtMostOnce {
            self.sent.fetch_add(1, Ordering::SeqCst);
        }
        self.client.publish(reading_topic(&self.config.device), qos, false, payload).await?;
        Ok(())
    }

    /// Publishes the retained `offline`, waits until the broker acknowledged every QoS 1/2
    /// publish, and disconnects cleanly.
    pub async fn finish(mut self) -> anyhow::Result<PublishReport> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let status = status_topic(&self.config.device);
        self.client.publish(&status, QoS::AtLeastOnce, true, Status::Offline.as_str()).await?;
        let sent = self.sent.load(Ordering::SeqCst);
        let waited = tokio::time::timeout(ACK_TIMEOUT, self.acks.wait_for(|acks| *acks >= sent));
        let acks = match waited.await {
            Ok(Ok(acks)) => *acks,
            Ok(Err(_)) => anyhow::bail!("the connection ended before all acks arrived"),
            Err(_) => anyhow::bail!("not all {sent} publishes acked after {ACK_TIMEOUT:?}"),
        };
        self.client.disconnect().await?;
        // The event loop ends once the broker has closed the connection after DISCONNECT.
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        Ok(PublishReport { device: self.config.device.clone(), published: self.published, acks })
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One device from connect to disconnect: `count` readings, `interval` apart.
pub async fn run_device(config: DeviceConfig) -> anyhow::Result<PublishReport> {
    let (first, count, interval) = (config.first_seq, config.count, config.interval);
    let mut device = Device::connect(config).await?;
    for n in 0..count {
        if n > 0 {
            tokio::time::sleep(interval).await;
        }
        device.publish(first.saturating_add(n)).await?;
    }
    device.finish().await
}
