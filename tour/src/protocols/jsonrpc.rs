//! JSON-RPC: `jsonrpc::server` on a free port, the crate's own client demo against it.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use common::UserStore;
use jsonrpc::ApiClient;
use jsonrpc::server::{Config, Handlers, serve};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const PROTOCOL: Protocol = Protocol {
    name: "jsonrpc",
    model: "remote procedure call (JSON-RPC 2.0)",
    transport: "HTTP/1.1",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    t.note(format!("jsonrpc-server listening on http://{addr}"));
    let (stop, stopped) = oneshot::channel::<()>();
    let handlers = Handlers::new(UserStore::with_sample_users());
    let server = tokio::spawn(serve(listener, handlers, Config::default(), async {
        let _ = stopped.await;
    }));

    let client = jsonrpc::client::connect(addr)?;
    let request = r#"{"jsonrpc":"2.0","id":0,"method":"users.get","params":[1]}"#;
    t.sent(format!("POST / {request}"));
    let ada = client.get_user(1).await?;
    t.received(format!("200 OK, result {}", serde_json::to_string(&ada)?));
    for line in jsonrpc::client::demo(&client).await? {
        t.note(line);
    }

    let round_trip = median_round_trip(async || client.get_user(1).await).await?;
    t.note(format!("users.get round trip {round_trip:.1?}, {} bytes of JSON", request.len()));

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes: request.len() }))
}
