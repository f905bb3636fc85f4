//! Telemetry over UDP: one JSON [`Reading`] per datagram.
//!
//! UDP delivers whole datagrams or nothing, but it does not promise that they arrive, arrive
//! once, or arrive in order. The [`sender`] numbers its readings (`seq`), and the
//! [`receiver`] uses those numbers ([`tracker`]) to report exactly what UDP did not guarantee.
//!
//! ```text
//! {"sensor":"greenhouse-1","seq":7,"value":21.43,"unit":"°C","timestamp_ms":1795312381000}
//! ```

pub mod receiver;
pub mod report;
pub mod sender;
pub mod tracker;

pub use common::Reading;

/// The port `udp-receiver` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7879;

/// The largest datagram accepted as a reading. A reading is about 100 bytes; anything
/// bigger than this is not one of ours. (1024 also stays well below any path MTU, so a
/// reading is never fragmented.)
pub const MAX_DATAGRAM: usize = 1024;

/// Why a datagram is not a reading.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("oversize datagram: {0} bytes (limit {MAX_DATAGRAM})")]
    Oversize(usize),
    #[error("not a JSON reading: {0}")]
    Json(#[from] serde_json::Error),
}

/// Serializes a reading into one datagram.
///
/// Fails only for a value JSON cannot carry (NaN or infinity), which the sender must not send.
pub fn encode(reading: &Reading) -> Result<Vec<u8>, EncodeError> {
    if !reading.value.is_finite() {
        return Err(EncodeError::NotFinite(reading.value));
    }
    let bytes = serde_json::to_vec(reading)?;
    if bytes.len() > MAX_DATAGRAM {
        return Err(EncodeError::Oversize(bytes.len()));
    }
    Ok(bytes)
}

/// Why a reading cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("value {0} cannot be sent as JSON")]
    NotFinite(f64),
    #[error("reading encodes to {0} bytes, more than the {MAX_DATAGRAM}-byte limit")]
    Oversize(usize),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Parses one datagram into a reading, refusing anything oversize before parsing it.
pub fn decode(datagram: &[u8]) -> Result<Reading, DecodeError> {
    if datagram.len() > MAX_DATAGRAM {
        return Err(DecodeError::Oversize(datagram.len()));
    }
    Ok(serde_json::from_slice(datagram)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_survives_the_round_trip() {
        let reading = Reading::now("greenhouse-1", 7, 21.5, "°C");
        assert_eq!(decode(&encode(&reading).unwrap()).unwrap(), reading);
    }

    #[test]
    fn garbage_truncated_and_oversize_datagrams_are_refused() {
        assert!(matches!(decode(b"\x00\xffhello"), Err(DecodeError::Json(_))));
        assert!(matches!(decode(br#"{"sensor":"a","seq":1,"#), Err(DecodeError::Json(_))));
        assert!(matches!(decode(br#"{"sensor":"a"}"#), Err(DecodeError::Json(_))));
        assert!(matches!(decode(&[b' '; MAX_DATAGRAM + 1]), Err(DecodeError::Oversize(1025))));
    }

    #[test]
    fn values_json_cannot_carry_are_not_sent() {
        let reading = Reading::now("s", 1, f64::NAN, "°C");
        assert!(matches!(encode(&reading), Err(EncodeError::NotFinite(_))));
    }
}
