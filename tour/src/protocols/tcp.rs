//! TCP: `tcp::server` on a free port, `tcp::client` sends a few lines.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use common::NewUser;
use tcp::client::Client;
use tcp::protocol::Request;
use tcp::server::{self, Config};
use tokio::sync::oneshot;

pub const PROTOCOL: Protocol = Protocol {
    name: "tcp",
    model: "request/response (line protocol)",
    transport: "TCP",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse()?, Config::default(), async {
        let _ = stopped.await;
    })
    .await?;
    t.note(format!("tcp-server listening on {addr}"));

    let mut client = Client::connect(addr).await?;
    let new = NewUser { name: "Barbara Liskov".into(), email: "barbara@example.com".into() };
    for request in [Request::Ping, Request::Get(1), Request::Create(new), Request::Get(99)] {
        let line = request.to_string();
        t.sent(format!("{line}\\r\\n"));
        t.received(format!("{}\\r\\n", client.request_line(&line).await?));
    }
    let echo = "hello, tour";
    let round_trip = median_round_trip(async || client.echo(echo).await).await?;
    let payload_bytes = Request::Echo(echo.into()).to_string().len() + 2;
    t.note(format!("ECHO round trip {round_trip:.1?}, {payload_bytes} bytes each way"));
    client.quit().await?;

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}
