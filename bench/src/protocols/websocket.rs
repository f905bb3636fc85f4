//! The `websocket` example: `websocket::server` on the server runtime with its message rate
//! limit lifted (a benchmark is a flood by design); `ChatClient::say` and the sender's own
//! broadcast coming back as the round trip, sequential and pipelined.

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings, Window};
use std::net::SocketAddr;
use tokio::time::Instant;
use websocket::client::{ChatClient, Incoming, chat_url};
use websocket::server::{Config, serve};
use websocket::{ClientMessage, ServerEvent};

/// Messages in flight at once in the pipelined run; well below the member queue (1024).
const WINDOW: usize = 64;

/// The `say` envelope carrying the payload.
pub fn wire_bytes(settings: &Settings) -> usize {
    let say = ClientMessage::Say { text: settings.payload_text() };
    serde_json::to_string(&say).map_or(0, |json| json.len())
}

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let listener = common::runtime::bind(super::LOOPBACK)?;
        let addr = listener.local_addr()?;
        let config =
            Config { messages_per_second: f64::MAX, message_burst: u32::MAX, ..Config::default() };
        tokio::spawn(serve(listener, config, std::future::pending()));
        anyhow::Ok(addr)
    });
    spawned.await?
}

async fn own_message_back(client: &mut ChatClient) -> anyhow::Result<()> {
    match client.next().await? {
        Incoming::Event(ServerEvent::Message(_)) => Ok(()),
        other => anyhow::bail!("expected a chat message, got {other:?}"),
    }
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let (mut client, _) = ChatClient::join(&chat_url(start(settings).await?), "bench").await?;
    let text = settings.payload_text();
    let round_trip = async || {
        client.say(&text).await?;
        own_message_back(&mut client).await
    };
    harness::latency(settings, open_loop, round_trip).await
}

/// One member keeps `WINDOW` messages in flight: messages per second through the room.
pub async fn pipelined(settings: &Settings) -> anyhow::Result<Measurement> {
    let (mut client, _) = ChatClient::join(&chat_url(start(settings).await?), "bench").await?;
    let text = settings.payload_text();
    for _ in 0..WINDOW {
        client.say(&text).await?;
    }
    let window = Window::start(settings);
    let mut operations = 0;
    loop {
        own_message_back(&mut client).await?;
        let Some(counted) = window.counts(Instant::now()) else { break };
        operations += u64::from(counted);
        client.say(&text).await?;
    }
    Ok(Measurement::Throughput { operations, elapsed: settings.duration })
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Pipelined, Sequential};
    let rate = settings.rate;
    vec![
        job("websocket", "say → own broadcast", Sequential, wire_bytes, |s| {
            Box::pin(latency(s, false))
        }),
        job("websocket", format!("say @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("websocket", "say, pipelined (64 in flight)", Pipelined, wire_bytes, |s| {
            Box::pin(pipelined(s))
        }),
    ]
}
