//! gRPC: `grpc::server` on a free port, `grpc::client::UserClient` makes one call of each kind.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use common::{NewUser, UserStore};
use futures_util::{StreamExt, stream};
use grpc::client::UserClient;
use grpc::server::{Config, serve};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// `GetUserRequest { id: 1 }` on the wire: the 5-byte gRPC message prefix and 2 bytes of
/// protobuf (HTTP/2 frame headers come on top).
const GET_USER_MESSAGE_BYTES: usize = 7;

pub const PROTOCOL: Protocol = Protocol {
    name: "grpc",
    model: "RPC with streaming (protobuf)",
    transport: "HTTP/2",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    t.note(format!("grpc-server listening on {addr}"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server =
        tokio::spawn(serve(listener, Config::new(UserStore::with_sample_users()), async {
            let _ = stopped.await;
        }));

    let mut client = UserClient::connect(addr, None).await?;
    t.sent("unary GetUser { id: 1 }");
    t.received(format!("{:?}", client.get_user(1).await?));

    let new = NewUser { name: "Barbara Liskov".into(), email: "barbara@example.com".into() };
    t.sent("unary CreateUser { name: \"Barbara Liskov\", email: \"barbara@example.com\" }");
    t.received(format!("{:?}", client.create_user(new).await?));

    t.sent("server streaming ListUsers { offset: 0, limit: 0 }");
    let listed: Vec<_> = client.list_users(0, 0).await?.collect().await;
    let names = listed.into_iter().map(|u| u.map(|u| u.name)).collect::<Result<Vec<_>, _>>()?;
    t.received(format!("{} users streamed: {}", names.len(), names.join(", ")));

    t.sent("bidirectional LookupUsers ids 2, 42");
    let answers: Vec<_> = client.lookup_users(stream::iter([2, 42])).await?.collect().await;
    for answer in answers {
        let (id, user) = answer?;
        t.received(match user {
            Some(user) => format!("{id} -> {}", user.name),
            None => format!("{id} -> no such user"),
        });
    }

    t.sent("unary GetUser { id: 99 }");
    match client.get_user(99).await {
        Err(status) => t.received(format!("status {:?}: {}", status.code(), status.message())),
        Ok(user) => anyhow::bail!("user 99 should not exist, got {user:?}"),
    }

    let round_trip = median_round_trip(async || client.get_user(1).await).await?;
    t.note(format!("GetUser round trip {round_trip:.1?}, {GET_USER_MESSAGE_BYTES}-byte message"));

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes: GET_USER_MESSAGE_BYTES }))
}
