//! SOAP: `soap::server` on a free port, `soap::client::SoapClient` calls the three operations
//! of the WSDL and gets a fault back for a missing user.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use common::NewUser;
use soap::Request;
use soap::client::{ClientError, SoapClient};
use soap::server::{self, Config};
use tokio::sync::oneshot;

pub const PROTOCOL: Protocol = Protocol {
    name: "soap",
    model: "RPC with a WSDL contract (XML)",
    transport: "HTTP/1.1",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse()?, Config::default(), async {
        let _ = stopped.await;
    })
    .await?;
    t.note(format!("soap-server listening on http://{addr}/soap (WSDL at /soap?wsdl)"));
    let client = SoapClient::new(addr)?;

    let new = NewUser { name: "Barbara Liskov".into(), email: "barbara@example.com".into() };
    let requests = [
        Request::GetUser { id: 1 },
        Request::CreateUser(new),
        Request::ListUsers { offset: 0, limit: 2 },
        Request::GetUser { id: 99 },
    ];
    for request in requests {
        t.sent(format!("POST /soap {}", body_of(&request.to_envelope())));
        match client.call(&request).await {
            Ok(response) => t.received(format!("200 OK {}", body_of(&response.to_envelope()))),
            Err(ClientError::Fault(fault)) => {
                t.received(format!("500 {}", body_of(&fault.to_envelope())));
            }
            Err(other) => return Err(other.into()),
        }
    }

    let round_trip = median_round_trip(async || client.get_user(1).await).await?;
    let payload_bytes = Request::GetUser { id: 1 }.to_envelope().len();
    t.note(format!("GetUser round trip {round_trip:.1?}, a {payload_bytes}-byte envelope"));

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}

/// The envelope without its XML declaration, for a one-line transcript.
fn body_of(envelope: &str) -> &str {
    envelope.split_once('\n').map_or(envelope, |(_, rest)| rest)
}
