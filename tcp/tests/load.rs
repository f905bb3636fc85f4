//! Many clients at once: 200 concurrent connections, 50 round trips each, every reply checked.

use std::time::Duration;
use tcp::client::Client;
use tcp::server::{self, Config};
use tokio::task::JoinSet;
use tokio::time::timeout;

const CLIENTS: usize = 200;
const ROUND_TRIPS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_fifty_round_trips_each() {
    let (addr, _server) =
        server::spawn("127.0.0.1:0".parse().unwrap(), Config::default(), std::future::pending())
            .await
            .unwrap();

    let mut clients = JoinSet::new();
    for client_no in 0..CLIENTS {
        clients.spawn(async move {
            let mut client = Client::connect(addr).await.expect("connect");
            for trip in 0..ROUND_TRIPS {
                if trip % 10 == 9 {
                    let user = client.get_user(1 + (trip as u64 % 3)).await.expect("get");
                    assert_eq!(user.id, 1 + (trip as u64 % 3));
                } else {
                    let text = format!("client {client_no} trip {trip}");
                    assert_eq!(client.echo(&text).await.expect("echo"), text);
                }
            }
            client.quit().await.expect("quit");
            client_no
        });
    }

    let finished = timeout(Duration::from_secs(60), async {
        let mut done = Vec::new();
        while let Some(joined) = clients.join_next().await {
            done.push(joined.expect("a client task panicked"));
        }
        done
    })
    .await
    .expect("all clients finished within a minute");
    assert_eq!(finished.len(), CLIENTS);
}
