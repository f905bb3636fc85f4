//! The producer finishes through a broker restart. A loopback proxy stands between both
//! binaries and RabbitMQ; mid-stream the test cuts it (every connection dropped, new ones
//! refused for two seconds, as while `rabbitmqctl stop_app` ... `start_app`) and restores it.
//! The producer reconnects, publishes the unconfirmed orders again and ends with
//! `N of N confirmed`; the consumer sees every id at least once. Only the proxy is cut: the
//! shared broker and the other tests' connections are never touched.

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Binary, TestTopology, broker_addr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// The whole test must finish within this.
const TEST_LIMIT: Duration = Duration::from_secs(180);
/// How long the "broker" stays away.
const OUTAGE: Duration = Duration::from_secs(2);
const ORDERS: u64 = 10_000;

/// Forwards 127.0.0.1:port to the broker. `cut` drops every connection and closes the port
/// (new connections are refused); `restore` listens on the same port again.
struct Proxy {
    port: u16,
    upstream: String,
    /// Bytes forwarded from the clients to the broker, to cut while orders flow.
    bytes_up: Arc<AtomicU64>,
    accept: Mutex<Option<JoinHandle<()>>>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Self {
            port,
            upstream,
            bytes_up: Arc::new(AtomicU64::new(0)),
            accept: Mutex::new(None),
            links: Arc::new(Mutex::new(Vec::new())),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let links = Arc::clone(&self.links);
        let bytes_up = Arc::clone(&self.bytes_up);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let link = tokio::spawn(forward(client, upstream.clone(), Arc::clone(&bytes_up)));
                links.lock().unwrap().push(link);
            }
        });
        *self.accept.lock().unwrap() = Some(accept);
    }

    /// Like a broker going down: open connections die, the port refuses new ones.
    async fn cut(&self) {
        if let Some(accept) = self.accept.lock().unwrap().take() {
            accept.abort();
        }
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
        // Let the aborted tasks drop their sockets (and the listener) before anyone reconnects.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    fn restore(&self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(([127, 0, 0, 1], self.port).into()).unwrap();
        self.serve(socket.listen(128).unwrap());
    }

    fn bytes_up(&self) -> u64 {
        self.bytes_up.load(Ordering::Relaxed)
    }
}

/// Copies both ways, counting the bytes towards the broker.
async fn forward(mut client: TcpStream, upstream: String, bytes_up: Arc<AtomicU64>) {
    let Ok(broker) = TcpStream::connect(upstream).await else { return };
    let (mut from_broker, mut to_broker) = broker.into_split();
    let (mut from_client, mut to_client) = client.split();
    let up = async {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let n = from_client.read(&mut buffer).await?;
            if n == 0 {
                return to_broker.shutdown().await;
            }
            to_broker.write_all(&buffer[..n]).await?;
            bytes_up.fetch_add(n as u64, Ordering::Relaxed);
        }
    };
    let down = tokio::io::copy(&mut from_broker, &mut to_client);
    let _ = tokio::try_join!(up, down);
}

/// The broker URI with its `host:port` replaced by the proxy, and that `host:port`.
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

/// The order id of a `processed order 7 ...` or `skipped order 7: ...` line.
fn order_id(line: &str) -> Option<u64> {
    let rest =
        line.strip_prefix("processed order ").or_else(|| line.strip_prefix("skipped order "))?;
    rest.split([' ', ':']).next()?.parse().ok()
}

#[tokio::test]
#[ignore = "needs RabbitMQ"]
async fn the_producer_finishes_through_a_broker_restart() {
    tokio::time::timeout(TEST_LIMIT, restart_while_publishing())
        .await
        .expect("the restart test did not finish in time");
}

async fn restart_while_publishing() {
    let topology = TestTopology::new("restart");
    let (_, upstream) = through_proxy(&broker_addr(), 0);
    let proxy = Proxy::start(upstream).await;
    let (addr, _) = through_proxy(&broker_addr(), proxy.port);
    let common = ["--addr", addr.as_str(), "--queue", topology.queue.as_str()];

    let mut consumer = Binary::spawn("amqp-consumer", &common);
    assert!(consumer.next_line().await.starts_with("consuming from queue"));
    let count = ORDERS.to_string();
    let producer = Binary::spawn("amqp-producer", &[&common[..], &["--count", &count]].concat());

    // Cut once about a tenth of the orders have gone up: well inside the stream.
    let deadline = tokio::time::Instant::now() + support::WAIT;
    while proxy.bytes_up() < ORDERS * 30 {
        assert!(tokio::time::Instant::now() < deadline, "the orders did not start flowing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    proxy.cut().await;
    tokio::time::sleep(OUTAGE).await;
    proxy.restore();

    let (status, lines) = producer.wait_longer(Duration::from_secs(60)).await;
    let last = lines.last().cloned().unwrap_or_default();
    assert!(status.success(), "producer: {status:?}, {lines:?}");
    assert!(last.starts_with(&format!("{ORDERS} of {ORDERS} confirmed")), "{last}");
    assert!(last.contains("after 1 reconnect(s)"), "the cut came too late: {last}");

    // Every id at least once; duplicates are reported as skipped, not processed again.
    let mut seen = BTreeSet::new();
    let mut processed = 0;
    while seen.len() < ORDERS as usize {
        // After the outage the consumer may still sit in its reconnect backoff (up to 30 s).
        let line = consumer.next_line_within(Duration::from_secs(60)).await;
        if let Some(id) = order_id(&line) {
            assert!((1..=ORDERS).contains(&id), "{line}");
            seen.insert(id);
            processed += u64::from(line.starts_with("processed"));
        }
    }
    assert_eq!(processed, ORDERS, "an order was processed twice");

    consumer.signal("-TERM");
    let (status, rest) = consumer.wait().await;
    assert!(status.success(), "consumer: {status:?}");
    assert!(rest.last().is_some_and(|line| line.starts_with("stopped: ")), "{rest:?}");
}

#[test]
fn lines_name_their_order() {
    assert_eq!(order_id("processed order 7 from Alan Turing: 2 items, 68.95 total"), Some(7));
    assert_eq!(order_id("skipped order 12: message id 12 already processed"), Some(12));
    assert_eq!(order_id("consuming from queue `orders` (prefetch 10)"), None);
}
