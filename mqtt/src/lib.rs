//! Telemetry over MQTT with [rumqttc]: devices publish readings to a broker, any number of
//! subscribers receive them.
//!
//! - [`publisher`]: one connection per simulated device; a retained `online` on connect and a
//!   retained `offline` as its **last will**, so the broker announces a crashed device;
//! - [`subscriber`]: wildcard subscriptions, **manual acks** (a message is acknowledged only
//!   after it was handled), optional **persistent session** that collects QoS 1/2 messages
//!   while the subscriber is away, and a per-device [`Tally`] of counts, gaps and duplicates;
//! - [`session`]: what both share: connecting with a clear error, and the event loop that
//!   reconnects with backoff when the broker goes away;
//! - [`broker`]: an embedded broker (rumqttd) for machines without Mosquitto.
//!
//! [rumqttc]: https://docs.rs/rumqttc

pub mod broker;
pub mod message;
pub mod publisher;
pub mod session;
pub mod subscriber;

pub use message::{Message, Status};
pub use publisher::{DeviceConfig, PublishReport};
pub use rumqttc::QoS;
pub use session::{ConnectError, MqttAddr};
pub use subscriber::{SubscribeConfig, Subscriber, Tally};

/// The MQTT port (IANA), where Mosquitto and `mqtt-broker` listen by default.
pub const DEFAULT_PORT: u16 = 1883;

/// The broker every binary uses unless `--addr` or `MQTT_ADDR` says otherwise.
pub const DEFAULT_MQTT_ADDR: &str = "127.0.0.1:1883";

/// The largest PUBLISH (topic + payload + header) this crate sends or accepts, in bytes; the
/// embedded broker refuses larger payloads too. A reading is about 100 bytes.
pub const MAX_PACKET_BYTES: usize = 16 * 1024;

/// Where a device publishes its readings.
pub fn reading_topic(device: &str) -> String {
    format!("devices/{device}/temperature")
}

/// Where a device's retained `online` / `offline` lives.
pub fn status_topic(device: &str) -> String {
    format!("devices/{device}/status")
}

/// Every device's readings (`+` matches exactly one topic level).
pub const READINGS_FILTER: &str = "devices/+/temperature";
/// Every device's status.
pub const STATUS_FILTER: &str = "devices/+/status";
/// Everything under `devices/` (`#` matches any number of levels, and must come last).
pub const ALL_FILTER: &str = "devices/#";

/// The `--addr` flag the binaries share.
#[derive(Debug, Clone, clap::Args)]
pub struct BrokerArgs {
    /// Broker address, HOST:PORT (a `mqtt://` prefix is accepted).
    #[arg(long, env = "MQTT_ADDR", default_value = DEFAULT_MQTT_ADDR, value_name = "HOST:PORT")]
    pub addr: MqttAddr,
}

/// `--qos 0|1|2` as clap parses it.
pub fn parse_qos(text: &str) -> Result<QoS, String> {
    match text {
        "0" => Ok(QoS::AtMostOnce),
        "1" => Ok(QoS::AtLeastOnce),
        "2" => Ok(QoS::ExactlyOnce),
        _ => Err("QoS is 0 (at most once), 1 (at least once) or 2 (exactly once)".into()),
    }
}

/// The QoS as the number MQTT puts on the wire.
pub fn qos_number(qos: QoS) -> u8 {
    qos as u8
}
