//! GraphQL: `graphql::server` on a free port; `graphql::client::GraphqlClient` runs a nested
//! query, a mutation that a subscription reports, and a refused mutation.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use common::NewUser;
use graphql::client::{
    CREATE_USER_MUTATION, ClientError, Direction, GraphqlClient, USER_QUERY,
    USERS_WITH_ORDERS_QUERY,
};
use graphql::server::{self, Config};
use std::time::Duration;
use tokio::sync::oneshot;

pub const PROTOCOL: Protocol = Protocol {
    name: "graphql",
    model: "typed queries, mutations and subscriptions (JSON)",
    transport: "HTTP/1.1 + WebSocket",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse()?, Config::default(), async {
        let _ = stopped.await;
    })
    .await?;
    t.note(format!("graphql-server listening on http://{addr}/graphql (GraphiQL at /)"));
    let client = GraphqlClient::new(addr)?;

    t.sent(format!("POST /graphql {USERS_WITH_ORDERS_QUERY} {{\"limit\":2}}"));
    let users = client.users_with_orders(2).await?;
    t.received(format!("{{\"data\":{{\"users\":{}}}}}", serde_json::to_string(&users)?));

    let mut subscription = client.subscribe_user_created().await?;
    subscription.settle().await?;
    for (direction, message) in subscription.take_transcript() {
        match direction {
            Direction::Sent => t.sent(format!("WS /graphql/ws {message}")),
            Direction::Received => t.received(format!("WS {message}")),
        }
    }

    let new = NewUser { name: "Barbara Liskov".into(), email: "barbara@example.com".into() };
    t.sent(format!("POST /graphql {CREATE_USER_MUTATION} {}", serde_json::to_string(&new)?));
    let created = client.create_user(&new).await?;
    t.received(format!("{{\"data\":{{\"createUser\":{}}}}}", serde_json::to_string(&created)?));

    let event = tokio::time::timeout(Duration::from_secs(5), subscription.next()).await;
    anyhow::ensure!(matches!(&event, Ok(Ok(Some(user))) if *user == created), "no event");
    for (direction, message) in subscription.take_transcript() {
        if direction == Direction::Received {
            t.received(format!("WS {message}"));
        }
    }
    subscription.close().await?;

    t.sent("POST /graphql createUser (the same email again)");
    match client.create_user(&new).await {
        Err(ClientError::Graphql(errors)) => {
            t.received(format!("{{\"errors\":{}}}", serde_json::to_string(&errors)?))
        }
        other => anyhow::bail!("expected a GraphQL error, got {other:?}"),
    }

    let round_trip = median_round_trip(async || client.user(1).await).await?;
    let body = format!("{{\"query\":\"{USER_QUERY}\",\"variables\":{{\"id\":\"1\"}}}}");
    t.note(format!("user(id: 1) round trip {round_trip:.1?}, a {}-byte request body", body.len()));

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes: body.len() }))
}
