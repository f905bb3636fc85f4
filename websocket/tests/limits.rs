//! Bad input and bad peers: each test checks the server's answer AND that the room still works
//! for everybody else afterwards.

mod support;

use futures_util::SinkExt;
use std::time::Duration;
use support::{TestServer, closed, event, quick_config, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Error;
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use websocket::client::{ChatClient, ClientError, Incoming};
use websocket::server::Config;
use websocket::{ErrorCode, LeaveReason, ServerEvent};

/// Ada says something and both ada and the other client hear it: the room still works.
async fn still_chatting(ada: &mut ChatClient, other: &mut ChatClient, text: &str) {
    ada.say(text).await.unwrap();
    for client in [ada, other] {
        loop {
            match event(client).await {
                ServerEvent::Message(line) if line.text == text => break,
                ServerEvent::Message(line) => panic!("unexpected message {line:?}"),
                _ => {}
            }
        }
    }
}

async fn left(client: &mut ChatClient) -> (String, LeaveReason) {
    loop {
        if let ServerEvent::Left { name, reason } = event(client).await {
            return (name, reason);
        }
    }
}

#[tokio::test]
async fn malformed_and_out_of_order_messages_get_error_events() {
    let server = TestServer::start(quick_config()).await;
    let (mut ada, _) = server.join("ada").await;
    let (mut alan, _) = server.join("alan").await;

    let mut stranger = within(ChatClient::connect(&server.url())).await.unwrap();
    let socket = stranger.socket();
    socket.send(Message::text("this is not json")).await.unwrap();
    socket.send(Message::text(r#"{"type":"shout","text":"hi"}"#)).await.unwrap();
    socket.send(Message::text(r#"{"type":"say","text":"before joining"}"#)).await.unwrap();
    let codes = [ErrorCode::BadRequest, ErrorCode::BadRequest, ErrorCode::NotJoined];
    for expected in codes {
        match event(&mut stranger).await {
            ServerEvent::Error { code, .. } => assert_eq!(code, expected),
            other => panic!("expected an error, got {other:?}"),
        }
    }
    alan.socket().send(Message::text(r#"{"type":"say","text":"   "}"#)).await.unwrap();
    assert!(matches!(
        event(&mut alan).await,
        ServerEvent::Error { code: ErrorCode::BadRequest, .. }
    ));
    still_chatting(&mut ada, &mut alan, "still here").await;
    drop((ada, alan, stranger));
    server.stop().await;
}

#[tokio::test]
async fn oversize_message_is_closed_with_1009() {
    let config = Config { max_message_bytes: 4096, ..quick_config() };
    let server = TestServer::start(config).await;
    let (mut ada, _) = server.join("ada").await;
    let (mut big, _) = server.join("big").await;
    event(&mut ada).await; // big joined

    let payload = format!(r#"{{"type":"say","text":"{}"}}"#, "x".repeat(5000));
    big.socket().send(Message::text(payload)).await.unwrap();
    let frame = closed(&mut big).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Size);
    assert_eq!(left(&mut ada).await, ("big".into(), LeaveReason::ProtocolError));

    let (mut alan, _) = server.join("alan").await;
    still_chatting(&mut ada, &mut alan, "after the big one").await;
    drop((ada, alan));
    server.stop().await;
}

#[tokio::test]
async fn binary_frames_are_closed_with_1003() {
    let server = TestServer::start(quick_config()).await;
    let (mut bin, _) = server.join("bin").await;
    bin.socket().send(Message::Binary(Bytes::from_static(b"\x00\x01"))).await.unwrap();
    let frame = closed(&mut bin).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Unsupported);
    server.stop().await;
}

#[tokio::test]
async fn abrupt_disconnect_is_noticed_and_frees_the_name() {
    let server = TestServer::start(quick_config()).await;
    let (mut ada, _) = server.join("ada").await;
    let (alan, _) = server.join("alan").await;
    event(&mut ada).await; // alan joined

    drop(alan); // TCP goes away without a close frame
    assert_eq!(left(&mut ada).await, ("alan".into(), LeaveReason::Disconnected));

    let (mut alan, _) = server.join("alan").await;
    still_chatting(&mut ada, &mut alan, "welcome back").await;
    drop((ada, alan));
    server.stop().await;
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    let config = Config {
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(400),
        ..quick_config()
    };
    let server = TestServer::start(config).await;
    let (mut ada, _) = server.join("ada").await;
    // Never reading means tungstenite never answers the server's pings.
    let (_silent, _) = server.join("silent").await;
    event(&mut ada).await; // silent joined
    assert_eq!(left(&mut ada).await, ("silent".into(), LeaveReason::TimedOut));

    let (mut alan, _) = server.join("alan").await;
    still_chatting(&mut ada, &mut alan, "alive").await;
    drop((ada, alan));
    server.stop().await;
}

#[tokio::test]
async fn a_reader_that_cannot_keep_up_is_dropped_and_told() {
    // A small queue and no rate limit, so one talkative client can outrun a stalled one.
    let config = Config {
        queue_capacity: 16,
        messages_per_second: 1e9,
        message_burst: u32::MAX,
        // Long enough that the stalled client is not dropped for missing pings first.
        idle_timeout: Duration::from_secs(60),
        ping_interval: Duration::from_secs(30),
        ..quick_config()
    };
    let server = TestServer::start(config).await;
    let (mut talker, _) = server.join("talker").await;
    let (mut stalled, _) = server.join("stalled").await;
    event(&mut talker).await; // stalled joined

    // Enough data to fill the stalled client's TCP buffers, then its queue. The talker reads
    // its own messages as it goes, so only the stalled client falls behind.
    let text = "y".repeat(1000);
    let mut sent = 0u64;
    let mut heard = 0u64;
    let mut dropped = None;
    while dropped.is_none() {
        assert!(sent < 20_000, "the stalled client was never dropped");
        talker.say(&text).await.unwrap();
        sent += 1;
        while heard < sent {
            match event(&mut talker).await {
                ServerEvent::Message(line) => {
                    heard += 1;
                    assert_eq!(line.id, heard, "the talker hears every message in order");
                }
                ServerEvent::Left { name, reason } => dropped = Some((name, reason)),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(dropped, Some(("stalled".into(), LeaveReason::TooSlow)));

    // When the stalled client finally reads, it finds what was queued and then a 1008 close.
    let frame = closed(&mut stalled).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Policy);

    let (mut alan, _) = server.join("alan").await;
    still_chatting(&mut talker, &mut alan, "carry on").await;
    drop((talker, alan));
    server.stop().await;
}

#[tokio::test]
async fn a_flooding_client_is_rate_limited_without_hurting_others() {
    // Slow refill, so the count below holds even on a very slow machine.
    let config = Config { messages_per_second: 1.0, message_burst: 10, ..quick_config() };
    let server = TestServer::start(config).await;
    let (mut reader, _) = server.join("reader").await;
    let (mut flooder, _) = server.join("flooder").await;
    event(&mut reader).await; // flooder joined

    for n in 0..200 {
        flooder.say(&format!("flood {n}")).await.unwrap();
    }
    flooder.say("done").await.unwrap();
    let mut limited = 0;
    let mut echoed = 0;
    // The flooder's own view: about the burst gets through, the rest is refused.
    while echoed + limited < 201 {
        match event(&mut flooder).await {
            ServerEvent::Message(_) => echoed += 1,
            ServerEvent::Error { code: ErrorCode::RateLimited, .. } => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(limited >= 150, "only {limited} of 201 were refused");
    // The reader got exactly the accepted messages, in order, and is still in the room.
    let mut last = None;
    for _ in 0..echoed {
        let ServerEvent::Message(line) = event(&mut reader).await else { panic!("not a message") };
        let n: u32 = line.text.trim_start_matches("flood ").parse().unwrap_or(u32::MAX);
        assert!(last.is_none_or(|last| n > last), "out of order: {n} after {last:?}");
        last = Some(n);
    }
    still_chatting(&mut reader, &mut flooder, "calm again").await;
    drop((reader, flooder));
    server.stop().await;
}

#[tokio::test]
async fn http_routes_and_a_dripping_client() {
    let server = TestServer::start(quick_config()).await;
    let get = |path: &'static str| async move {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        within(stream.read_to_string(&mut response)).await.unwrap();
        response
    };
    let page = get("/").await;
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(page.contains("<title>WebSocket chat</title>"));
    assert!(get("/ws").await.starts_with("HTTP/1.1 426 Upgrade Required"));
    assert!(get("/nowhere").await.starts_with("HTTP/1.1 404 Not Found"));

    // Half a request head, then nothing: the server hangs up after its header timeout.
    let mut dripping = TcpStream::connect(server.addr).await.unwrap();
    dripping.write_all(b"GET /ws HTTP/1.1\r\nHost: te").await.unwrap();
    let mut rest = Vec::new();
    within(dripping.read_to_end(&mut rest)).await.unwrap();

    let (mut ada, _) = server.join("ada").await;
    ada.say("served").await.unwrap();
    assert!(matches!(event(&mut ada).await, ServerEvent::Message(line) if line.text == "served"));
    drop(ada);
    server.stop().await;
}

#[tokio::test]
async fn echo_route_echoes_and_limits_size() {
    let config = Config { echo_max_message_bytes: 1024, ..quick_config() };
    let server = TestServer::start(config).await;
    let url = format!("ws://{}/echo", server.addr);
    let mut echo = within(ChatClient::connect(&url)).await.unwrap();
    echo.socket().send(Message::text(r#"{"type":"joined","name":"echo"}"#)).await.unwrap();
    assert_eq!(event(&mut echo).await, ServerEvent::Joined { name: "echo".into() });
    echo.socket().send(Message::text("z".repeat(2000))).await.unwrap();
    let frame = closed(&mut echo).await.expect("a close frame");
    assert_eq!(frame.code, CloseCode::Size);
    let again = within(ChatClient::connect(&url)).await.unwrap();
    within(again.close()).await.unwrap();
    assert!(matches!(within(echo.next()).await, Ok(Incoming::Closed(_)) | Err(_)));
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_get_503_until_one_closes() {
    let config = Config { max_chat_connections: 2, ..quick_config() };
    let server = TestServer::start(config).await;
    let (mut ada, _) = server.join("ada").await;
    let idle = within(ChatClient::connect(&server.url())).await.unwrap();

    let refused = within(ChatClient::connect(&server.url())).await.unwrap_err();
    match refused {
        ClientError::WebSocket(Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        other => panic!("expected HTTP 503, got {other}"),
    }

    within(idle.close()).await.unwrap();
    // The slot is freed once the closed session's task has finished.
    let mut alan = within(async {
        loop {
            match ChatClient::join(&server.url(), "alan").await {
                Ok((alan, _)) => return alan,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await;
    still_chatting(&mut ada, &mut alan, "room for one more").await;
    drop((ada, alan));
    server.stop().await;
}
