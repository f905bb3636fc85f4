//! UDP: `udp::receiver` in echo mode on a free port, `udp::sender` sends readings.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use udp::receiver::{self, ReceiverOptions};
use udp::sender::{self, SenderOptions};

pub const PROTOCOL: Protocol = Protocol {
    name: "udp",
    model: "datagrams (fire and forget)",
    transport: "UDP",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let (stop, stopped) = oneshot::channel::<()>();
    let options = ReceiverOptions { echo: true, report_every: None };
    let (addr, receiver) = receiver::spawn("127.0.0.1:0".parse()?, options, async {
        let _ = stopped.await;
    })
    .await?;
    t.note(format!("udp-receiver --echo listening on {addr}"));

    let sending = UdpSocket::bind("127.0.0.1:0").await?;
    sending.connect(addr).await?;
    let options = SenderOptions {
        sensor: "greenhouse-1".into(),
        count: 20,
        rate: 1000.0,
        echo_timeout: Some(Duration::from_secs(1)),
    };
    let datagram = udp::encode(&sender::sample_reading(&options.sensor, 1))?;
    t.sent(String::from_utf8_lossy(&datagram));
    t.note(format!("... {} readings, one datagram each, {} bytes", options.count, datagram.len()));
    let sent = sender::run(&sending, &options).await?;
    t.received(format!("{} echoes, {} lost", sent.round_trips.len(), sent.lost()));

    let _ = stop.send(());
    let report = receiver.await??;
    for line in report.to_string().lines() {
        t.note(line);
    }
    let round_trip =
        sent.round_trip_quantile(0.5).ok_or_else(|| anyhow::anyhow!("no reading came back"))?;
    Ok(Step::Done(Measured { round_trip, payload_bytes: datagram.len() }))
}
