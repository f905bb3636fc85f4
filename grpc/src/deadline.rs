//! Deadlines. A gRPC client sends its deadline as a `grpc-timeout` header ("how long I will
//! wait", e.g. `500m` = 500 ms). tonic's server enforces it only until the response headers
//! are sent, that is for the whole of a unary or client-streaming call, but not for the body of
//! a streaming response. Streaming handlers therefore read the deadline here and end the
//! stream with DEADLINE_EXCEEDED themselves.

use std::time::Duration;
use tokio::time::Instant;
use tonic::{Code, Status, metadata::MetadataMap};

/// When the call must be finished, if the client set a deadline.
pub fn from_metadata(metadata: &MetadataMap) -> Option<Instant> {
    let timeout = parse_grpc_timeout(metadata.get("grpc-timeout")?.to_str().ok()?)?;
    Some(Instant::now() + timeout)
}

/// Parses the `grpc-timeout` value: at most 8 digits, then a unit (H, M, S, m, u, n).
fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let unit = value.chars().last()?;
    let digits = &value[..value.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        'H' => Duration::from_secs(amount * 3600),
        'M' => Duration::from_secs(amount * 60),
        'S' => Duration::from_secs(amount),
        'm' => Duration::from_millis(amount),
        'u' => Duration::from_micros(amount),
        'n' => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// The status a call ends with when its deadline passes.
pub fn exceeded() -> Status {
    Status::deadline_exceeded("deadline exceeded")
}

/// tonic (0.14) reports its own expired timers as CANCELLED "Timeout expired". Every other
/// gRPC implementation, and the contract, call that DEADLINE_EXCEEDED; this renames it when
/// the caller's deadline has indeed passed, and leaves every other status alone.
pub fn name_expired(status: Status, deadline: Option<Instant>) -> Status {
    match deadline {
        Some(deadline) if status.code() == Code::Cancelled && Instant::now() >= deadline => {
            Status::deadline_exceeded(status.message())
        }
        _ => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_refuses_junk() {
        assert_eq!(parse_grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_grpc_timeout("3M"), Some(Duration::from_secs(180)));
        assert_eq!(parse_grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_grpc_timeout("7u"), Some(Duration::from_micros(7)));
        assert_eq!(parse_grpc_timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for junk in ["", "m", "123456789m", "10x", "-1S", "1.5S", "10 S", "é"] {
            assert_eq!(parse_grpc_timeout(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn renames_only_an_expired_cancellation() {
        let past = Some(Instant::now() - Duration::from_millis(1));
        let future = Some(Instant::now() + Duration::from_secs(60));
        let timeout = || Status::cancelled("Timeout expired");
        assert_eq!(name_expired(timeout(), past).code(), Code::DeadlineExceeded);
        assert_eq!(name_expired(timeout(), future).code(), Code::Cancelled);
        assert_eq!(name_expired(timeout(), None).code(), Code::Cancelled);
        assert_eq!(name_expired(Status::not_found("x"), past).code(), Code::NotFound);
    }
}
