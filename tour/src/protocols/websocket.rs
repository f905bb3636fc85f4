//! WebSocket: `websocket::server` on a free port; two `ChatClient`s join the room and chat.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use websocket::client::{ChatClient, Incoming, chat_url, describe};
use websocket::server::{Config, serve};
use websocket::{ClientMessage, ServerEvent};

pub const PROTOCOL: Protocol = Protocol {
    name: "websocket",
    model: "full-duplex messages (chat)",
    transport: "WebSocket",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let url = chat_url(addr);
    t.note(format!("websocket-server listening on {addr}; chat at {url}"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, Config::default(), async {
        let _ = stopped.await;
    }));

    let join = |name: &str| serde_json::to_string(&ClientMessage::Join { name: name.into() });
    t.sent(format!("ada: {}", join("ada")?));
    let (mut ada, welcome) = ChatClient::join(&url, "ada").await?;
    t.received(format!("ada: {}", serde_json::to_string(&ServerEvent::Welcome(welcome))?));
    t.sent(format!("alan: {}", join("alan")?));
    let (mut alan, _) = ChatClient::join(&url, "alan").await?;
    t.received(format!("ada sees: {}", describe(&next_event(&mut ada).await?)));

    let say = ClientMessage::Say { text: "hello, Alan".into() };
    let say_json = serde_json::to_string(&say)?;
    t.sent(format!("ada: {say_json}"));
    ada.send(&say).await?;
    let broadcast = next_event(&mut alan).await?;
    t.received(format!("alan: {}", serde_json::to_string(&broadcast)?));
    t.received(format!("ada, her own message back: {}", describe(&next_event(&mut ada).await?)));

    // The round trip: a message to the room, until it comes back to its sender (Alan's copy,
    // already on its way, is read too).
    let round_trip = median_round_trip(async || {
        ada.say("ping").await?;
        next_event(&mut ada).await?;
        next_event(&mut alan).await
    })
    .await?;

    alan.close().await?;
    t.received(format!("ada sees: {}", describe(&next_event(&mut ada).await?)));
    ada.close().await?;
    t.note(format!("say → own broadcast {round_trip:.1?}, {}-byte frame", say_json.len()));

    let _ = stop.send(());
    server.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes: say_json.len() }))
}

async fn next_event(client: &mut ChatClient) -> anyhow::Result<ServerEvent> {
    match client.next().await? {
        Incoming::Event(event) => Ok(event),
        Incoming::Closed(frame) => anyhow::bail!("connection closed: {frame:?}"),
    }
}
