//! REST: `rest::server` on a free port, `rest::client::RestClient` walks the `/users` resource.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use common::NewUser;
use rest::Pagination;
use rest::client::{ClientError, RestClient};
use rest::server::{self, Config};
use tokio::sync::oneshot;

pub const PROTOCOL: Protocol = Protocol {
    name: "rest",
    model: "resources over HTTP verbs (JSON)",
    transport: "HTTP/1.1",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse()?, Config::default(), async {
        let _ = stopped.await;
    })
    .await?;
    t.note(format!(
        "rest-server listening on http://{addr} (page at /, document at /openapi.json)"
    ));
    let client = RestClient::new(addr)?;

    t.sent("GET /users?offset=0&limit=2");
    let page = client.list_users(Pagination { offset: 0, limit: 2 }).await?;
    t.received(format!("200 OK {}", serde_json::to_string(&page)?));

    t.sent("GET /users/1");
    t.received(format!("200 OK {}", serde_json::to_string(&client.get_user(1).await?)?));

    let new = NewUser { name: "Barbara Liskov".into(), email: "barbara@example.com".into() };
    t.sent(format!("POST /users {}", serde_json::to_string(&new)?));
    let created = client.create_user(&new).await?;
    t.received(format!(
        "201 Created, Location: {}, {}",
        created.location,
        serde_json::to_string(&created.user)?
    ));

    t.sent(format!("POST /users {} (again)", serde_json::to_string(&new)?));
    t.received(error_line(client.create_user(&new).await.map(|_| ()))?);

    t.sent("GET /users/999");
    t.received(error_line(client.get_user(999).await.map(|_| ()))?);

    t.sent(format!("DELETE /users/{}", created.user.id));
    client.delete_user(created.user.id).await?;
    t.received("204 No Content");

    let round_trip = median_round_trip(async || client.get_user(1).await).await?;
    let request = format!("GET /users/1 HTTP/1.1\r\nhost: {addr}\r\naccept: */*\r\n\r\n");
    t.note(format!("GET /users/1 round trip {round_trip:.1?}, a {}-byte request", request.len()));

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes: request.len() }))
}

/// An expected error answer as a transcript line, e.g. `404 Not Found {"error":...}`.
fn error_line(result: Result<(), ClientError>) -> anyhow::Result<String> {
    match result {
        Err(ClientError::Api { status, body }) => {
            Ok(format!("{status} {}", serde_json::to_string(&body)?))
        }
        Err(other) => Err(other.into()),
        Ok(()) => anyhow::bail!("expected an error answer"),
    }
}
