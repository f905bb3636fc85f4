//! The chat as users see it: joining, talking, leaving, history, unique names, shutdown.

mod support;

use support::{TestServer, closed, event, quick_config, within};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use websocket::client::ChatClient;
use websocket::server::Config;
use websocket::{ChatLine, ClientMessage, ErrorCode, LeaveReason, ServerEvent};

fn line(id: u64, from: &str, text: &str) -> ServerEvent {
    ServerEvent::Message(ChatLine { id, from: from.into(), text: text.into() })
}

#[tokio::test]
async fn two_clients_chat() {
    let server = TestServer::start(quick_config()).await;
    let (mut ada, welcome) = server.join("ada").await;
    assert_eq!(welcome.members, ["ada"]);
    assert!(welcome.history.is_empty());

    let (mut alan, welcome) = server.join(" alan ").await;
    assert_eq!(welcome.name, "alan", "names are trimmed");
    assert_eq!(welcome.members, ["ada", "alan"]);
    assert_eq!(event(&mut ada).await, ServerEvent::Joined { name: "alan".into() });

    ada.say("hello alan").await.unwrap();
    assert_eq!(event(&mut ada).await, line(1, "ada", "hello alan"), "the sender hears itself");
    assert_eq!(event(&mut alan).await, line(1, "ada", "hello alan"));
    alan.say("hi ada").await.unwrap();
    assert_eq!(event(&mut ada).await, line(2, "alan", "hi ada"));
    assert_eq!(event(&mut alan).await, line(2, "alan", "hi ada"));

    within(alan.close()).await.unwrap();
    assert_eq!(
        event(&mut ada).await,
        ServerEvent::Left { name: "alan".into(), reason: LeaveReason::Quit }
    );
    within(ada.close()).await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn newcomers_get_the_last_messages() {
    let config = Config { history_len: 3, ..quick_config() };
    let server = TestServer::start(config).await;
    let (mut ada, _) = server.join("ada").await;
    for n in 1..=5 {
        ada.say(&format!("message {n}")).await.unwrap();
        event(&mut ada).await;
    }
    let (grace, welcome) = server.join("grace").await;
    let texts: Vec<_> = welcome.history.iter().map(|line| line.text.as_str()).collect();
    assert_eq!(texts, ["message 3", "message 4", "message 5"]);
    assert_eq!(welcome.history[0].id, 3);
    drop((ada, grace));
    server.stop().await;
}

#[tokio::test]
async fn nicknames_are_unique_and_checked() {
    let server = TestServer::start(quick_config()).await;
    let (ada, _) = server.join("ada").await;

    let mut other = within(ChatClient::connect(&server.url())).await.unwrap();
    other.send(&ClientMessage::Join { name: "ada".into() }).await.unwrap();
    assert!(matches!(
        event(&mut other).await,
        ServerEvent::Error { code: ErrorCode::NameTaken, .. }
    ));
    other.send(&ClientMessage::Join { name: "   ".into() }).await.unwrap();
    assert!(matches!(
        event(&mut other).await,
        ServerEvent::Error { code: ErrorCode::InvalidName, .. }
    ));
    other.send(&ClientMessage::Join { name: "x".repeat(33) }).await.unwrap();
    assert!(matches!(
        event(&mut other).await,
        ServerEvent::Error { code: ErrorCode::InvalidName, .. }
    ));
    // The same connection may try again with a free name.
    other.send(&ClientMessage::Join { name: "ada2".into() }).await.unwrap();
    assert!(matches!(event(&mut other).await, ServerEvent::Welcome(w) if w.name == "ada2"));
    other.send(&ClientMessage::Join { name: "ada3".into() }).await.unwrap();
    assert!(matches!(
        event(&mut other).await,
        ServerEvent::Error { code: ErrorCode::AlreadyJoined, .. }
    ));
    drop((ada, other));
    server.stop().await;
}

#[tokio::test]
async fn a_full_room_says_try_again_later() {
    let config = Config { max_members: 2, ..quick_config() };
    let server = TestServer::start(config).await;
    let (ada, _) = server.join("ada").await;
    let (alan, _) = server.join("alan").await;

    let mut third = within(ChatClient::connect(&server.url())).await.unwrap();
    third.send(&ClientMessage::Join { name: "grace".into() }).await.unwrap();
    let frame = closed(&mut third).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Again);
    drop((ada, alan));
    server.stop().await;
}

#[tokio::test]
async fn shutdown_closes_every_client_with_going_away() {
    let server = TestServer::start(quick_config()).await;
    let (mut ada, _) = server.join("ada").await;
    let mut lurker = within(ChatClient::connect(&server.url())).await.unwrap();
    // The clients answer the close handshake while the server waits for them.
    let ((), ada_close, lurker_close) =
        tokio::join!(server.stop(), closed(&mut ada), closed(&mut lurker));
    for frame in [ada_close, lurker_close] {
        assert_eq!(frame.expect("a close frame").code, CloseCode::Away);
    }
}
