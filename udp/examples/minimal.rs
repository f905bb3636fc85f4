//! Datagrams in one file: a receiver socket, and a sender that sends it one telemetry
//! reading as JSON in a single UDP datagram. No connection, no reply, no delivery guarantee.
//!
//! ```text
//! cargo run -p udp --example minimal
//! ```
//! The full crate adds sequence numbers to see loss and reordering, a size bound, a rate,
//! `--echo`, and a receiver that reports what arrived (`src/receiver.rs`).

use common::Reading;
use tokio::net::UdpSocket;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let receiver = UdpSocket::bind("127.0.0.1:0").await?;
    let sender = UdpSocket::bind("127.0.0.1:0").await?;

    let reading = Reading::now("sensor-1", 1, 21.5, "celsius");
    let datagram = serde_json::to_vec(&reading)?;
    sender.send_to(&datagram, receiver.local_addr()?).await?;

    // One recv is one whole datagram: message boundaries are kept, unlike TCP's stream.
    let mut buf = [0; 1500];
    let (len, from) = receiver.recv_from(&mut buf).await?;
    let got: Reading = serde_json::from_slice(&buf[..len])?;
    println!(
        "{len} bytes from {}: {} #{} {} {}",
        from.ip(),
        got.sensor,
        got.seq,
        got.value,
        got.unit
    );
    Ok(())
}
