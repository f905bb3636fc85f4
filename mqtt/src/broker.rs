//! An embedded MQTT broker: [rumqttd] inside this process, so the pair runs on a machine with
//! nothing installed, and the tour and the tests can start a broker of their own.
//!
//! rumqttd runs on threads of its own (each with its own Tokio runtime) and has no shutdown:
//! it lives as long as the process. It supports QoS 0/1/2, retained messages, last wills and
//! persistent sessions, which is all this example needs; Mosquitto is the broker to deploy.
//!
//! [rumqttd]: https://docs.rs/rumqttd

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The embedded broker's limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest accepted PUBLISH payload; a client that sends more is disconnected.
    pub max_payload_bytes: usize,
    /// Unacknowledged QoS 1/2 messages per connection.
    pub max_inflight: usize,
    /// Connections at once.
    pub max_connections: usize,
    /// How long a new TCP connection may take to send its CONNECT.
    pub connect_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_payload_bytes: crate::MAX_PACKET_BYTES,
            max_inflight: 100,
            max_connections: 1000,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// rumqttd's own configuration for one MQTT 3.1.1 listener on `addr`.
pub fn rumqttd_config(addr: SocketAddr, config: &Config) -> rumqttd::Config {
    let connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: config.connect_timeout.as_millis().try_into().unwrap_or(u16::MAX),
        max_payload_size: config.max_payload_bytes,
        max_inflight_count: config.max_inflight,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let server = rumqttd::ServerSettings {
        name: "v4".into(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 1,
        connections,
    };
    let router = rumqttd::RouterConfig {
        max_connections: config.max_connections,
        max_outgoing_packet_count: 200,
        // The commit log that holds messages for slow and persistent subscribers.
        max_segment_size: 10 * 1024 * 1024,
        max_segment_count: 10,
        custom_segment: None,
        initialized_filters: None,
        shared_subscriptions_strategy: Default::default(),
    };
    rumqttd::Config {
        id: 0,
        router,
        v4: Some(HashMap::from([("v4".to_owned(), server)])),
        v5: None,
        ws: None,
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    }
}

/// Starts the broker on `addr` and returns once it accepts connections. Port 0 picks a free
/// port (rumqttd cannot report the port it bound, so a free one is found first).
pub fn start(addr: SocketAddr, config: &Config) -> std::io::Result<SocketAddr> {
    let addr = if addr.port() == 0 { TcpListener::bind(addr)?.local_addr()? } else { addr };
    // Fail here, with the usual error, if the address is taken: rumqttd would only log it.
    drop(TcpListener::bind(addr)?);
    let mut broker = rumqttd::Broker::new(rumqttd_config(addr, config));
    std::thread::Builder::new().name("mqtt-broker".into()).spawn(move || {
        if let Err(error) = broker.start() {
            tracing::error!(%error, "the embedded broker stopped");
        }
    })?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(_) => return Ok(addr),
            Err(error) if Instant::now() > deadline => return Err(error),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
