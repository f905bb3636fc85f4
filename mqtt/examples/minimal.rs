//! MQTT in one file, with rumqttc: one client subscribes to `devices/+/temperature`,
//! publishes a reading to `devices/sensor-1/temperature` at QoS 1, and receives it back
//! through the broker (the crate's embedded rumqttd, started on a free port).
//!
//! ```text
//! cargo run -p mqtt --example minimal
//! ```
//! The full crate adds devices with a retained status and a last will, manual acks,
//! persistent sessions, per-device gap and duplicate counts and reconnects.

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let broker = mqtt::broker::start("127.0.0.1:0".parse()?, &Default::default())?;

    let mut options = MqttOptions::new("minimal", broker.ip().to_string(), broker.port());
    options.set_keep_alive(Duration::from_secs(5));
    // The client queues requests; the event loop does the network I/O and must be polled.
    let (client, mut events) = AsyncClient::new(options, 10);
    client.subscribe("devices/+/temperature", QoS::AtLeastOnce).await?;
    let reading = r#"{"sensor":"sensor-1","seq":1,"value":21.5,"unit":"celsius"}"#;
    client.publish("devices/sensor-1/temperature", QoS::AtLeastOnce, false, reading).await?;

    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.poll()).await?? {
            Event::Incoming(Packet::SubAck(_)) => println!("SUBACK"),
            Event::Incoming(Packet::PubAck(_)) => println!("PUBACK (the broker has the reading)"),
            Event::Incoming(Packet::Publish(publish)) => {
                println!(
                    "PUBLISH {}: {}",
                    publish.topic,
                    String::from_utf8_lossy(&publish.payload)
                );
                break;
            }
            _ => {}
        }
    }
    client.disconnect().await?;
    Ok(())
}
