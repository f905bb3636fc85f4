//! Ice: `ice::server` on a free port, the typed proxy `ice::client::DirectoryPrx` calls it
//! (ZeroC's Ice protocol 1.0, encoding 1.1, marshalled by hand).

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use ice::client::{ClientError, DirectoryPrx};
use ice::directory::{Call, OBJECT_NAME};
use ice::message::{Identity, Message};
use ice::server::{self, Config};
use tokio::sync::oneshot;

pub const PROTOCOL: Protocol = Protocol {
    name: "ice",
    model: "RPC on remote objects (Slice)",
    transport: "TCP",
    run: |t| Box::pin(run(t)),
};

/// The size on the wire of a call's request message (request id 1).
fn request_bytes(call: &Call) -> usize {
    Message::Request(call.request(1, &Identity::new(OBJECT_NAME))).to_bytes().len()
}

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse()?, Config::default(), async {
        let _ = stopped.await;
    })
    .await?;
    t.note(format!(
        "ice-server listening on {addr}, object users:tcp -h {} -p {}",
        addr.ip(),
        addr.port()
    ));

    let mut directory = DirectoryPrx::connect(addr).await?;
    t.received("validate connection (14-byte header, type 3)");

    let is_a = Call::IceIsA { type_id: ice::directory::TYPE_ID.into() };
    t.sent(format!(
        "request users.ice_isA(\"::Users::Directory\"), {} bytes",
        request_bytes(&is_a)
    ));
    t.received(format!("reply ok: {}", directory.checked_cast().await?));

    let get = Call::GetUser { id: 1 };
    t.sent(format!("request users.getUser(1), idempotent, {} bytes", request_bytes(&get)));
    t.received(format!("reply ok: User {}", directory.get_user(1).await?));

    t.sent("request users.createUser(\"Barbara Liskov\", \"barbara@example.com\")");
    t.received(format!(
        "reply ok: User {}",
        directory.create_user("Barbara Liskov", "barbara@example.com").await?
    ));

    t.sent("request users.getUser(99)");
    match directory.get_user(99).await {
        Err(ClientError::User(exception)) => {
            t.received(format!("reply user exception: {exception}"));
        }
        other => anyhow::bail!("getUser(99) should raise UserNotFound, got {other:?}"),
    }

    let round_trip = median_round_trip(async || directory.get_user(1).await).await?;
    let payload_bytes = request_bytes(&get);
    t.note(format!("getUser round trip {round_trip:.1?}, {payload_bytes} bytes per request"));
    directory.close().await?;
    t.sent("close connection");

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}
