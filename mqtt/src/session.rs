//! Connecting to the broker, and keeping the connection: what the publisher and the subscriber
//! share.
//!
//! rumqttc splits a connection in two: the [`AsyncClient`] queues requests (publish, subscribe,
//! ack) and the [`EventLoop`] does the network I/O: nothing moves unless someone polls it. The
//! first poll connects; [`connect`] drives it up to the CONNACK so that "no broker there" is a
//! clear error. After that, [`drive`] polls it in its own task; when the broker goes away a poll
//! fails, and the next poll reconnects (and resends unacknowledged QoS 1/2 publishes), so
//! reconnecting with backoff is a sleep between polls.

use rumqttc::{
    AsyncClient, ConnAck, ConnectReturnCode, ConnectionError, Event, EventLoop, Incoming,
};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use tracing::{info, warn};

/// How long [`connect`] waits for the TCP connection and the broker's CONNACK.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The first pause before reconnecting; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(250);
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// How long a client that sent DISCONNECT waits for the broker to close the connection.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// A broker's `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttAddr {
    pub host: String,
    pub port: u16,
}

impl FromStr for MqttAddr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bare = text.strip_prefix("mqtt://").unwrap_or(text).trim_end_matches('/');
        let (host, port) =
            bare.rsplit_once(':').ok_or_else(|| format!("`{text}` is not HOST:PORT"))?;
        let port = port.parse().map_err(|_| format!("`{port}` is not a port number"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("`{text}` has no host"));
        }
        Ok(MqttAddr { host: host.to_owned(), port })
    }
}

impl fmt::Display for MqttAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl From<std::net::SocketAddr> for MqttAddr {
    fn from(addr: std::net::SocketAddr) -> Self {
        MqttAddr { host: addr.ip().to_string(), port: addr.port() }
    }
}

/// Why [`connect`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no MQTT broker at {addr} ({error}); start one: `mosquitto -p {port}`, \
         `docker compose up -d mosquitto`, or `cargo run -p mqtt --bin mqtt-broker`",
        port = addr.port
    )]
    // Boxed: rumqttc's error is large, and this is the rare path.
    Unreachable { addr: MqttAddr, error: Box<ConnectionError> },
    #[error("the broker at {addr} refused the connection: {code:?}")]
    Refused { addr: MqttAddr, code: ConnectReturnCode },
    #[error("the broker at {addr} did not answer CONNECT within {timeout:?}")]
    Timeout { addr: MqttAddr, timeout: Duration },
}

/// The options both sides start from: client id, broker, keep-alive, packet limit.
pub fn options(client_id: &str, addr: &MqttAddr, keep_alive: Duration) -> rumqttc::MqttOptions {
    let mut options = rumqttc::MqttOptions::new(client_id, addr.host.clone(), addr.port);
    // The broker drops a client silent for 1.5 × keep-alive (and then sends its will); the
    // client pings when it has nothing else to send. MQTT counts it in whole seconds (rumqttc
    // panics below 1 s), 0 turns it off.
    let keep_alive =
        if keep_alive.is_zero() { keep_alive } else { keep_alive.max(Duration::from_secs(1)) };
    options.set_keep_alive(keep_alive);
    options.set_max_packet_size(crate::MAX_PACKET_BYTES, crate::MAX_PACKET_BYTES);
    options
}

/// Polls the event loop until the broker's CONNACK, returning it (its `session_present` says
/// whether a persistent session was resumed). Events before it are none: CONNECT comes first.
pub async fn connect(
    eventloop: &mut EventLoop,
    timeout: Duration,
) -> Result<ConnAck, ConnectError> {
    let (host, port) = eventloop.mqtt_options.broker_address();
    let addr = MqttAddr { host, port };
    let wait = async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(connack))) => return Ok(connack),
                Ok(_) => {}
                Err(ConnectionError::ConnectionRefused(code)) => {
                    return Err(ConnectError::Refused { addr: addr.clone(), code });
                }
                Err(error) => {
                    let error = Box::new(error);
                    return Err(ConnectError::Unreachable { addr: addr.clone(), error });
                }
            }
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        .unwrap_or_else(|_| Err(ConnectError::Timeout { addr: addr.clone(), timeout }))
}

/// Polls the event loop until the client disconnects or every [`AsyncClient`] is dropped,
/// handing each event to `on_event` (with the client, to answer from inside the loop without
/// blocking it: only `try_*` calls). A failed poll is the broker gone: wait, then poll again,
/// which reconnects. After DISCONNECT it lets the broker close the connection (see
/// [`await_close`]).
pub async fn drive(
    mut eventloop: EventLoop,
    client: AsyncClient,
    mut on_event: impl FnMut(&AsyncClient, Event),
) {
    let mut backoff = FIRST_BACKOFF;
    let mut lost = false;
    loop {
        match eventloop.poll().await {
            Ok(event) => {
                if let Event::Incoming(Incoming::ConnAck(connack)) = &event {
                    if lost {
                        info!(
                            session_present = connack.session_present,
                            "reconnected to the broker"
                        );
                    }
                    lost = false;
                    backoff = FIRST_BACKOFF;
                }
                let done = matches!(event, Event::Outgoing(rumqttc::Outgoing::Disconnect));
                on_event(&client, event);
                if done {
                    return await_close(eventloop).await;
                }
            }
            Err(ConnectionError::RequestsDone) => return,
            Err(error) => {
                warn!(%error, "lost the broker; reconnecting in {backoff:?}");
                lost = true;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// After DISCONNECT, the server closes the connection (MQTT 3.1.1, 3.14.4): wait for that,
/// briefly, instead of closing first. The broker then certainly has the DISCONNECT, and a
/// broker that would count our close as a second disconnect cannot drop someone else for it:
/// rumqttd 0.20 does that to the next client given the same connection id (rumqtt#928), which
/// a client that connects right after this one's disconnect hit about once in 20 test runs.
async fn await_close(mut eventloop: EventLoop) {
    let closed = async { while eventloop.poll().await.is_ok() {} };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closed).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse() {
        let addr: MqttAddr = "mqtt://localhost:1884".parse().unwrap();
        assert_eq!(addr, MqttAddr { host: "localhost".into(), port: 1884 });
        assert_eq!("[::1]:1883".parse::<MqttAddr>().unwrap().host, "::1");
        for bad in ["localhost", ":1883", "host:port", "host:70000"] {
            assert!(bad.parse::<MqttAddr>().is_err(), "{bad}");
        }
    }
}
