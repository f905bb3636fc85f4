//! Opening a connection to the broker, failing fast and clearly when it is not there.

use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties, ErrorKind};
use std::time::Duration;

/// How long a connection attempt may take, handshake included. A refused port fails at once;
/// this bounds the cases that would otherwise hang (a firewall dropping packets, a port that
/// accepts TCP but never speaks AMQP).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a user can do about a broker that is not there.
pub const START_HINT: &str = "start one with `docker compose up -d rabbitmq`";

/// Why no connection was made. The `Display` text is one line meant for the user.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot reach RabbitMQ at {addr}: {reason}; {START_HINT}")]
    Unreachable { addr: String, reason: String },
    #[error("RabbitMQ at {addr} refused the connection: {reason}")]
    Refused { addr: String, reason: String },
    #[error(
        "`{addr}` is not a broker URI ({reason}); expected amqp://user:password@host:port/vhost"
    )]
    InvalidAddress { addr: String, reason: String },
}

/// Connects to `addr` (an `amqp://user:pass@host:port/vhost` URI) within `timeout`.
/// `name` shows up in the management UI's Connections tab and in `rabbitmqctl list_connections`.
pub async fn connect(
    addr: &str,
    name: &str,
    timeout: Duration,
) -> Result<Connection, ConnectError> {
    let shown = redact_password(addr);
    let uri = addr
        .parse::<AMQPUri>()
        .map_err(|reason| ConnectError::InvalidAddress { addr: shown.clone(), reason })?;
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    match tokio::time::timeout(timeout, Connection::connect_uri(uri, properties)).await {
        Ok(Ok(connection)) => Ok(connection),
        // The broker answered with an AMQP error: wrong password, unknown vhost, ...
        Ok(Err(err)) if matches!(err.kind(), ErrorKind::ProtocolError(_)) => {
            Err(ConnectError::Refused { addr: shown, reason: err.to_string() })
        }
        // Nothing listening, or something that is not an AMQP broker.
        Ok(Err(err)) => {
            let reason = match err.kind() {
                ErrorKind::IOError(io) => io.to_string(),
                _ => format!("no AMQP 0-9-1 broker answered ({err})"),
            };
            Err(ConnectError::Unreachable { addr: shown, reason })
        }
        Err(_elapsed) => Err(ConnectError::Unreachable {
            addr: shown,
            reason: format!("no AMQP handshake within {timeout:?}"),
        }),
    }
}

/// `amqp://guest:guest@host/%2f` becomes `amqp://guest@host/%2f`: error messages and logs
/// name the broker without leaking its password.
pub fn redact_password(addr: &str) -> String {
    let Some((scheme, rest)) = addr.split_once("://") else { return addr.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return addr.to_owned() };
    let user = rest[..at].split(':').next().unwrap_or_default();
    format!("{scheme}://{user}{}", &rest[at..])
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_password("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact_password("amqps://u:p@w@h/v"), "amqps://u@h/v");
        assert_eq!(redact_password("amqp://127.0.0.1:5672"), "amqp://127.0.0.1:5672");
        assert_eq!(redact_password("not a uri"), "not a uri");
    }
}
