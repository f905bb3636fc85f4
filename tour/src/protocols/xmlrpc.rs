//! XML-RPC: `xmlrpc::server` on a free port, the crate's own client demo against it.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use tokio::sync::oneshot;
use xmlrpc::client::Client;
use xmlrpc::server::{Config, spawn};

pub const PROTOCOL: Protocol = Protocol {
    name: "xmlrpc",
    model: "remote procedure call (XML-RPC)",
    transport: "HTTP/1.1",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = spawn(([127, 0, 0, 1], 0).into(), Config::default(), async {
        let _ = stopped.await;
    })
    .await?;
    t.note(format!("xmlrpc-server listening on http://{addr}/RPC2"));

    let client = Client::new(addr)?;
    let request = Client::document("users.get", vec![xmlrpc::dxr::Value::Integer(1)])?;
    t.sent(format!("POST /RPC2 {}", request.trim().replace('\n', "")));
    let ada = client.get_user(1).await?;
    t.received(format!("200 OK, {}", xmlrpc::display(&xmlrpc::user_to_value(&ada))));
    for line in xmlrpc::client::demo(&client).await? {
        t.note(line);
    }

    let round_trip = median_round_trip(async || client.get_user(1).await).await?;
    t.note(format!("users.get round trip {round_trip:.1?}, {} bytes of XML", request.len()));

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes: request.len() }))
}
