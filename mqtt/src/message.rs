//! What travels on the topics: a JSON [`Reading`] on `devices/{device}/temperature`, the text
//! `online` or `offline` on `devices/{device}/status`. Anything else is [`Message::Malformed`]:
//! a subscriber reports it and goes on; it never panics on what a peer published.

use common::Reading;

/// A device's retained status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Online,
    Offline,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Online => "online",
            Status::Offline => "offline",
        }
    }
}

/// One received publish, understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Reading(Reading),
    Status {
        device: String,
        status: Status,
    },
    /// Not a message of this crate: the topic and why.
    Malformed {
        topic: String,
        reason: String,
    },
}

/// Longest device name accepted in a topic or a reading, in bytes.
pub const MAX_DEVICE_BYTES: usize = 64;

impl Message {
    /// Understands a publish by its topic and payload.
    pub fn parse(topic: &str, payload: &[u8]) -> Message {
        let malformed = |reason: String| Message::Malformed { topic: topic.to_owned(), reason };
        let Some((device, kind)) = topic.strip_prefix("devices/").and_then(|t| t.split_once('/'))
        else {
            return malformed("not a devices/{device}/{kind} topic".into());
        };
        if device.is_empty() || device.len() > MAX_DEVICE_BYTES {
            return malformed(format!("device name must be 1 to {MAX_DEVICE_BYTES} bytes"));
        }
        match kind {
            "temperature" => match serde_json::from_slice::<Reading>(payload) {
                Ok(reading) if reading.sensor != device => {
                    malformed(format!("reading of `{}` on the topic of `{device}`", reading.sensor))
                }
                Ok(reading) => Message::Reading(reading),
                Err(error) => malformed(format!("not a JSON reading: {error}")),
            },
            "status" => match payload {
                b"online" => Message::Status { device: device.into(), status: Status::Online },
                b"offline" => Message::Status { device: device.into(), status: Status::Offline },
                _ => malformed("status must be `online` or `offline`".into()),
            },
            _ => malformed(format!("unknown kind `{kind}`")),
        }
    }

    /// One line for a terminal.
    pub fn describe(&self) -> String {
        match self {
            Message::Reading(r) => format!(
                "{} #{}: {:.2} {} (at {} ms)",
                r.sensor, r.seq, r.value, r.unit, r.timestamp_ms
            ),
            Message::Status { device, status } => format!("{device} is {}", status.as_str()),
            Message::Malformed { topic, reason } => {
                format!("ignored a message on {topic}: {reason}")
            }
        }
    }
}

/// The JSON payload of a reading.
pub fn encode_reading(reading: &Reading) -> Vec<u8> {
    // Cannot fail: a Reading is strings and numbers; serde_json writes NaN as null.
    serde_json::to_vec(reading).expect("a Reading serialises")
}

/// A simulated temperature: a slow wave around 21 °C, so consecutive readings differ.
pub fn simulated_reading(device: &str, seq: u64) -> Reading {
    let value = 21.0 + 2.5 * (seq as f64 / 10.0).sin();
    Reading::now(device, seq, (value * 100.0).round() / 100.0, "°C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_and_status_round_trip() {
        let reading = simulated_reading("sensor-1", 7);
        let parsed = Message::parse("devices/sensor-1/temperature", &encode_reading(&reading));
        assert_eq!(parsed, Message::Reading(reading));
        assert_eq!(
            Message::parse("devices/sensor-1/status", b"offline"),
            Message::Status { device: "sensor-1".into(), status: Status::Offline }
        );
    }

    #[test]
    fn bad_input_is_malformed_not_a_panic() {
        let cases: [(&str, &[u8]); 6] = [
            ("devices/sensor-1/temperature", b"{not json"),
            ("devices/sensor-1/temperature", &[0xff, 0xfe, 0x00]),
            ("devices/sensor-1/status", b"sleeping"),
            ("devices//status", b"online"),
            ("elsewhere", b"online"),
            (
                "devices/sensor-2/temperature",
                br#"{"sensor":"sensor-1","seq":1,"value":1.0,"unit":"C","timestamp_ms":0}"#,
            ),
        ];
        for (topic, payload) in cases {
            assert!(
                matches!(Message::parse(topic, payload), Message::Malformed { .. }),
                "{topic} {payload:?}"
            );
        }
        let long = format!("devices/{}/status", "x".repeat(MAX_DEVICE_BYTES + 1));
        assert!(matches!(Message::parse(&long, b"online"), Message::Malformed { .. }));
    }
}
