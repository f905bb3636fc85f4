//! The `udp` example: `udp::receiver` in echo mode on the server runtime; the round trip is
//! one reading encoded with `udp::encode`, sent, echoed, and decoded with `udp::decode`.

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use common::Reading;
use std::net::SocketAddr;
use tokio::net::UdpSocket;
use udp::receiver::{self, ReceiverOptions};

pub async fn start(settings: &Settings) -> anyhow::Result<SocketAddr> {
    let spawned = settings.server.spawn(async {
        let options = ReceiverOptions { echo: true, report_every: None };
        let (addr, _receiver) =
            receiver::spawn("127.0.0.1:0".parse()?, options, std::future::pending()).await?;
        anyhow::Ok(addr)
    });
    spawned.await?
}

/// A reading whose sensor name carries the payload, so the datagram grows with `--payload`.
fn reading(settings: &Settings) -> Reading {
    Reading::now(settings.payload_text(), 1, 21.5, "°C")
}

/// The datagram's size.
pub fn wire_bytes(settings: &Settings) -> usize {
    udp::encode(&reading(settings)).map_or(0, |datagram| datagram.len())
}

struct Peer {
    socket: UdpSocket,
    buf: Vec<u8>,
    seq: u64,
    reading: Reading,
}

impl Peer {
    async fn connect(settings: &Settings, addr: SocketAddr) -> anyhow::Result<Self> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        socket.connect(addr).await?;
        Ok(Self { socket, buf: vec![0; 2048], seq: 0, reading: reading(settings) })
    }

    /// One reading out, its echo back. Loopback does not drop datagrams at these rates; if it
    /// ever does, the timeout turns the loss into an error instead of a hang.
    async fn round_trip(&mut self) -> anyhow::Result<()> {
        self.seq += 1;
        self.reading.seq = self.seq;
        self.socket.send(&udp::encode(&self.reading)?).await?;
        let wait = std::time::Duration::from_secs(2);
        let len = tokio::time::timeout(wait, self.socket.recv(&mut self.buf)).await??;
        let echoed = udp::decode(&self.buf[..len])?;
        anyhow::ensure!(echoed.seq == self.seq, "echo of {} for {}", echoed.seq, self.seq);
        Ok(())
    }
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let mut peer = Peer::connect(settings, start(settings).await?).await?;
    let round_trip = async || peer.round_trip().await;
    harness::latency(settings, open_loop, round_trip).await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential};
    let rate = settings.rate;
    vec![
        job("udp", "reading echo", Sequential, wire_bytes, |s| Box::pin(latency(s, false)))
            .over_udp(),
        job("udp", format!("reading echo @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        })
        .over_udp(),
    ]
}
