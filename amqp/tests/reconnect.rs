//! The consumer binary survives losing the broker: a loopback proxy between it and RabbitMQ
//! cuts every connection, the consumer reconnects on its own and keeps processing.

mod support;

use amqp::ConfirmMode;
use amqp::message::sample_order;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use support::{Binary, TestTopology, broker_addr, publisher};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// Forwards loopback connections to the broker; `cut` drops every open one at once.
struct Proxy {
    port: u16,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let links = Arc::new(Mutex::new(Vec::new()));
        let registry = Arc::clone(&links);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut broker) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut broker).await;
                    }
                });
                registry.lock().unwrap().push(link.abort_handle());
            }
        });
        Self { port, links }
    }

    fn cut(&self) {
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }
}

/// `amqp://user:pass@host:port/vhost` split into the URI with `host:port` replaced, and the
/// original `host:port`.
fn through_proxy(addr: &str, proxy_port: u16) -> (String, String) {
    let (scheme, rest) = addr.split_once("://").unwrap();
    let end = rest.find('/').unwrap_or(rest.len());
    let start = rest[..end].rfind('@').map_or(0, |at| at + 1);
    let upstream = match &rest[start..end] {
        host if host.contains(':') => host.to_owned(),
        host => format!("{host}:5672"),
    };
    let proxied = format!("{scheme}://{}127.0.0.1:{proxy_port}{}", &rest[..start], &rest[end..]);
    (proxied, upstream)
}

fn processed_id(line: &str) -> Option<u64> {
    line.strip_prefix("processed order ")?.split(' ').next()?.parse().ok()
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn the_consumer_reconnects_after_losing_the_broker() {
    let topology = TestTopology::new("reconnect");
    let (_, upstream) = through_proxy(&broker_addr(), 0);
    let proxy = Proxy::start(upstream).await;
    let (proxied, _) = through_proxy(&broker_addr(), proxy.port);
    let mut consumer =
        Binary::spawn("amqp-consumer", &["--addr", &proxied, "--queue", &topology.queue]);
    assert!(consumer.next_line().await.starts_with("consuming from queue"));

    let (connection, publisher) = publisher(&topology).await;
    let mut seen = BTreeSet::new();
    publisher.publish_orders((1..=5).map(sample_order), ConfirmMode::default()).await.unwrap();
    while seen.len() < 5 {
        seen.extend(processed_id(&consumer.next_line().await));
    }

    proxy.cut();
    // It notices, reconnects (after about a second) and registers a new consumer ...
    loop {
        let line = consumer.next_line().await;
        if line.starts_with("consuming from queue") {
            break;
        }
        seen.extend(processed_id(&line));
    }
    // ... which processes what is published afterwards.
    publisher.publish_orders((6..=10).map(sample_order), ConfirmMode::default()).await.unwrap();
    while !(6..=10).all(|id| seen.contains(&id)) {
        seen.extend(processed_id(&consumer.next_line().await));
    }
    assert_eq!(seen, (1..=10).collect());

    consumer.signal("-TERM");
    let (status, rest) = consumer.wait().await;
    assert!(status.success(), "{status:?}");
    let last = rest.last().unwrap();
    assert!(last.starts_with("stopped: "), "{rest:?}");
    connection.close(200, "done".into()).await.unwrap();
}

#[test]
fn proxy_addresses_keep_credentials_and_vhost() {
    let (proxied, upstream) = through_proxy("amqp://guest:guest@127.0.0.1:5672/%2f", 9);
    assert_eq!(proxied, "amqp://guest:guest@127.0.0.1:9/%2f");
    assert_eq!(upstream, "127.0.0.1:5672");
    let (proxied, upstream) = through_proxy("amqp://localhost", 9);
    assert_eq!(proxied, "amqp://127.0.0.1:9");
    assert_eq!(upstream, "localhost:5672");
}
