//! Many clients at once: 200 members each say 20 things, and every member hears all 4000
//! messages, each sender's in the order it sent them.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use support::{TestServer, event};
use tokio::sync::Barrier;
use websocket::ServerEvent;
use websocket::client::ChatClient;
use websocket::server::Config;

const CLIENTS: usize = 200;
const MESSAGES: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_each_hear_every_message_in_order() {
    // Default timers: clients waiting at the barrier do not read, so they must not be timed
    // out by the heartbeat meanwhile.
    let server = TestServer::start(Config::default()).await;
    let everyone_joined = Arc::new(Barrier::new(CLIENTS));
    let mut clients = Vec::new();
    for n in 0..CLIENTS {
        let (client, _) = server.join(&format!("user{n:03}")).await;
        clients.push(tokio::spawn(chat(client, n, everyone_joined.clone())));
    }
    let run = async {
        for client in clients {
            client.await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(120), run).await.expect("fan-out timed out");
    server.stop().await;
}

/// Sends this client's messages one at a time, each after hearing the previous one back (as
/// a person typing would), while counting everything heard from everyone.
async fn chat(mut client: ChatClient, me: usize, everyone_joined: Arc<Barrier>) {
    everyone_joined.wait().await;
    let my_name = format!("user{me:03}");
    let mut next_from: HashMap<String, usize> = HashMap::new();
    let mut heard = 0;
    client.say(&format!("{me} 0")).await.unwrap();
    while heard < CLIENTS * MESSAGES {
        let ServerEvent::Message(line) = event(&mut client).await else { continue };
        let (sender, seq) = line.text.split_once(' ').unwrap();
        let seq: usize = seq.parse().unwrap();
        assert_eq!(line.from, format!("user{:03}", sender.parse::<usize>().unwrap()));
        let expected = next_from.entry(line.from.clone()).or_default();
        assert_eq!(seq, *expected, "{my_name} heard {} out of order", line.from);
        *expected += 1;
        heard += 1;
        if line.from == my_name && seq + 1 < MESSAGES {
            client.say(&format!("{me} {}", seq + 1)).await.unwrap();
        }
    }
    assert_eq!(next_from.len(), CLIENTS);
    assert!(next_from.values().all(|&count| count == MESSAGES));
    client.close().await.unwrap();
}
