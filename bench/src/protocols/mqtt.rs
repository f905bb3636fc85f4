//! The `mqtt` example through its embedded broker (rumqttd, in-process on a free port, one
//! for every mqtt row), so the numbers do not depend on a shared Mosquitto: a `Device`
//! publishes a reading, a `Subscriber` receives and acks it. The round trip is publish →
//! receive, through the broker, at QoS 0, 1 and 2.

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use mqtt::message::{encode_reading, simulated_reading};
use mqtt::publisher::Device;
use mqtt::{DeviceConfig, MqttAddr, QoS, SubscribeConfig, Subscriber};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::OnceCell;

/// The broker every mqtt row shares: rumqttd has no shutdown, so one per process.
static BROKER: OnceCell<SocketAddr> = OnceCell::const_new();

async fn broker() -> anyhow::Result<MqttAddr> {
    let addr = BROKER
        .get_or_try_init(|| async {
            let config = mqtt::broker::Config::default();
            let any = "127.0.0.1:0".parse().expect("an address");
            tokio::task::spawn_blocking(move || mqtt::broker::start(any, &config)).await?
        })
        .await?;
    Ok((*addr).into())
}

/// A publisher and a subscriber of one device's readings.
struct Pair {
    device: Device,
    subscriber: Subscriber,
    seq: u64,
}

async fn pair(qos: QoS) -> anyhow::Result<Pair> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let addr = broker().await?;
    let name = format!("bench-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let filters = vec![mqtt::reading_topic(&name)];
    let subscriber = Subscriber::connect(&SubscribeConfig {
        filters,
        qos,
        ..SubscribeConfig::new(addr.clone())
    })
    .await?;
    let device = Device::connect(DeviceConfig { qos, ..DeviceConfig::new(addr, &name) }).await?;
    Ok(Pair { device, subscriber, seq: 0 })
}

/// Publishes one reading and waits until the subscriber has it (and has acked it).
async fn round_trip(pair: &mut Pair) -> anyhow::Result<()> {
    pair.seq += 1;
    pair.device.publish(pair.seq).await?;
    let delivery = tokio::time::timeout(Duration::from_secs(10), pair.subscriber.next())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the subscription ended"))?;
    pair.subscriber.ack(&delivery).await?;
    Ok(())
}

/// One reading as JSON (the PUBLISH's fixed and variable headers add about 40 bytes).
pub fn wire_bytes(_settings: &Settings) -> usize {
    encode_reading(&simulated_reading("bench-1", 1)).len()
}

pub async fn latency(
    settings: &Settings,
    qos: QoS,
    open_loop: bool,
) -> anyhow::Result<Measurement> {
    let mut pair = pair(qos).await?;
    harness::latency(settings, open_loop, async || round_trip(&mut pair).await).await
}

pub async fn throughput(settings: &Settings, qos: QoS) -> anyhow::Result<Measurement> {
    let mut pairs = Vec::new();
    for _ in 0..settings.connections {
        pairs.push(pair(qos).await?);
    }
    harness::throughput(settings, pairs, async |pair: &mut Pair| round_trip(pair).await).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    vec![
        job("mqtt", "publish → receive, QoS 0", Sequential, wire_bytes, |s| {
            Box::pin(latency(s, QoS::AtMostOnce, false))
        }),
        job("mqtt", "publish → receive, QoS 1", Sequential, wire_bytes, |s| {
            Box::pin(latency(s, QoS::AtLeastOnce, false))
        }),
        job("mqtt", format!("publish → receive, QoS 1 @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, QoS::AtLeastOnce, true))
        }),
        job("mqtt", format!("QoS 0, {n} devices"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s, QoS::AtMostOnce))
        }),
        job("mqtt", format!("QoS 1, {n} devices"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s, QoS::AtLeastOnce))
        }),
        job("mqtt", format!("QoS 2, {n} devices"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s, QoS::ExactlyOnce))
        }),
    ]
}
