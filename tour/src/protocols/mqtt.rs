//! MQTT: the broker at `MQTT_ADDR` (Mosquitto), or, when nothing answers there, the embedded
//! rumqttd on a free port; `mqtt::publisher` publishes readings with a retained status and a
//! last will, `mqtt::subscriber` receives them with wildcards and manual acks.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use mqtt::message::{encode_reading, simulated_reading};
use mqtt::publisher::Device;
use mqtt::{DeviceConfig, Message, MqttAddr, QoS, SubscribeConfig, Subscriber};
use std::time::Duration;

pub const PROTOCOL: Protocol = Protocol {
    name: "mqtt",
    model: "publish/subscribe (broker, topics)",
    transport: "MQTT 3.1.1 over TCP",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let configured = std::env::var("MQTT_ADDR").unwrap_or_else(|_| mqtt::DEFAULT_MQTT_ADDR.into());
    let addr: MqttAddr = configured.parse().map_err(anyhow::Error::msg)?;
    let reachable = tokio::time::timeout(
        Duration::from_secs(1),
        tokio::net::TcpStream::connect((addr.host.as_str(), addr.port)),
    )
    .await;
    let addr = if matches!(reachable, Ok(Ok(_))) {
        t.note(format!("using the broker at {addr} (MQTT_ADDR)"));
        addr
    } else {
        let config = mqtt::broker::Config::default();
        let local = tokio::task::spawn_blocking(move || {
            mqtt::broker::start("127.0.0.1:0".parse().expect("an address"), &config)
        })
        .await??;
        t.note(format!(
            "nothing answers on {addr}: started the embedded broker (rumqttd) on {local}"
        ));
        local.into()
    };

    // A device name of its own, so the tour never mixes with real devices on a shared broker.
    let device = format!("tour-{}", std::process::id());
    let config = SubscribeConfig {
        filters: vec![format!("devices/{device}/#")],
        ..SubscribeConfig::new(addr.clone())
    };
    let mut subscriber = Subscriber::connect(&config).await?;
    t.sent(format!("SUBSCRIBE devices/{device}/# (QoS 1)"));
    t.received("SUBACK granted QoS 1");

    let device_config =
        DeviceConfig { qos: QoS::AtLeastOnce, ..DeviceConfig::new(addr.clone(), &device) };
    let mut publisher = Device::connect(device_config).await?;
    t.sent(format!(
        "CONNECT will=devices/{device}/status \"offline\" (retained); PUBLISH devices/{device}/status \"online\" (retained)"
    ));
    let mut next = async || -> anyhow::Result<Message> {
        let delivery = tokio::time::timeout(Duration::from_secs(10), subscriber.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the subscription ended"))?;
        subscriber.ack(&delivery).await?;
        Ok(delivery.message)
    };
    t.received(format!("subscriber: {}", next().await?.describe()));
    for seq in 1..=2 {
        publisher.publish(seq).await?;
        t.sent(format!(
            "PUBLISH QoS 1 devices/{device}/temperature {}",
            String::from_utf8_lossy(&encode_reading(&simulated_reading(&device, seq)))
        ));
        t.received(format!("subscriber (then PUBACK): {}", next().await?.describe()));
    }

    let mut seq = 2;
    let round_trip = median_round_trip(async || {
        seq += 1;
        publisher.publish(seq).await?;
        next().await
    })
    .await?;
    let payload_bytes = encode_reading(&simulated_reading(&device, seq)).len();
    t.note(format!(
        "publish → receive through the broker {round_trip:.1?}, {payload_bytes}-byte reading"
    ));
    publisher.finish().await?;
    t.received(format!("subscriber: {}", next().await?.describe()));
    subscriber.disconnect().await;
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}
