//! Helpers shared by the integration tests: the broker, unique topic and group names, an
//! in-process consumer that reports what it processed, and the real binaries.

#![allow(dead_code)] // each test file uses a different subset

use kafka::producer::ProducerConfig;
use kafka::{ConsumerConfig, OrderConsumer, OrderProducer, Received, Topics};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(60);

/// The broker under test: `KAFKA_BROKERS`, which `.ci/run` sets; a clear failure without it.
pub fn broker() -> String {
    std::env::var("KAFKA_BROKERS").expect(
        "KAFKA_BROKERS is not set: start a broker (see kafka/README.md) and export \
         KAFKA_BROKERS=127.0.0.1:9092",
    )
}

/// A name no other test (or earlier run) uses.
pub fn unique(what: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("test-{what}-{}-{nanos}-{n}", std::process::id())
}

/// Fresh topics (created, 3 partitions) on `brokers`.
pub async fn fresh_topics(brokers: &str, what: &str) -> Topics {
    let topics = Topics::new(&unique(what));
    tokio::time::timeout(WAIT, topics.ensure(brokers, 3)).await.unwrap().unwrap();
    topics
}

pub fn producer(brokers: &str, topics: &Topics) -> OrderProducer {
    OrderProducer::new(brokers, topics.clone(), &ProducerConfig::default()).unwrap()
}

/// A consumer config for tests: a fresh group, from the beginning, short session timeout.
pub fn group_config(what: &str) -> ConsumerConfig {
    ConsumerConfig {
        group: unique(what),
        from_beginning: true,
        session_timeout: Duration::from_secs(6),
        ..ConsumerConfig::default()
    }
}

/// An order a consumer processed, and which consumer it was.
#[derive(Debug)]
pub struct Processed {
    pub consumer: usize,
    pub received: Received,
}

/// A consumer running in a task of its own; `stop` ends it gracefully.
pub struct Running {
    pub stop: oneshot::Sender<()>,
    pub task: JoinHandle<kafka::ConsumeStats>,
    pub assignment: mpsc::UnboundedReceiver<kafka::consumer::Rebalanced>,
}

impl Running {
    pub async fn stop(self) -> kafka::ConsumeStats {
        let _ = self.stop.send(());
        tokio::time::timeout(WAIT, self.task).await.expect("consumer did not stop").unwrap()
    }
}

/// Starts consumer number `n`, sending everything it processes to `processed`.
pub fn spawn_consumer(
    brokers: &str,
    topics: &Topics,
    config: &ConsumerConfig,
    n: usize,
    processed: mpsc::UnboundedSender<Processed>,
) -> Running {
    let mut consumer = OrderConsumer::new(brokers, topics.clone(), config).unwrap();
    let assignment = consumer.rebalances().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let handle = |received: Received| {
            let _ = processed.send(Processed { consumer: n, received });
            async { Ok(()) }
        };
        consumer
            .run(handle, async {
                let _ = stopped.await;
            })
            .await
            .unwrap()
    });
    Running { stop, task, assignment }
}

/// Receives until `count` orders arrived (or panics after `WAIT`).
pub async fn collect(rx: &mut mpsc::UnboundedReceiver<Processed>, count: usize) -> Vec<Processed> {
    let mut got = Vec::new();
    while got.len() < count {
        match tokio::time::timeout(WAIT, rx.recv()).await {
            Ok(Some(processed)) => got.push(processed),
            Ok(None) => break,
            Err(_) => panic!("only {} of {count} orders processed within {WAIT:?}", got.len()),
        }
    }
    got
}

/// A real binary of this crate, stdout and stderr piped, `KAFKA_BROKERS` set to `brokers`.
pub fn binary(name: &str, brokers: &str, args: &[&str]) -> Command {
    let path = match name {
        "kafka-producer" => env!("CARGO_BIN_EXE_kafka-producer"),
        "kafka-consumer" => env!("CARGO_BIN_EXE_kafka-consumer"),
        other => panic!("no binary {other}"),
    };
    let mut command = Command::new(path);
    command
        .args(args)
        .env("KAFKA_BROKERS", brokers)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs a binary to completion within `WAIT`; returns (success, stdout, stderr).
pub fn run_binary(name: &str, brokers: &str, args: &[&str]) -> (bool, String, String) {
    let mut child = binary(name, brokers, args).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = std::time::Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{name} did not finish within {WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.success(), out.join().unwrap(), err.join().unwrap())
}

/// A running binary whose stdout lines arrive on a channel; killed on drop.
pub struct Spawned {
    pub child: Child,
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Spawned {
    pub fn start(name: &str, brokers: &str, args: &[&str]) -> Self {
        let mut child = binary(name, brokers, args).stderr(Stdio::inherit()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The next line that contains `needle`, within `WAIT`; lines before it are passed to `seen`.
    pub fn wait_for(&self, needle: &str, mut seen: impl FnMut(&str)) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen(&line),
                Err(_) => panic!("no line containing {needle:?} within {WAIT:?}"),
            }
        }
    }

    /// SIGTERM, then wait; returns the remaining stdout lines.
    pub fn terminate(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(std::time::Instant::now() < deadline, "did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.lines.try_iter().collect()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The order id in a `processed order 7 from ...` line.
pub fn processed_id(line: &str) -> Option<u64> {
    line.strip_prefix("processed order ")?.split(' ').next()?.parse().ok()
}

/// A one-broker mock cluster with fresh topics (3 partitions; the mock has no CreateTopics).
pub fn mock_cluster(
    what: &str,
) -> (rdkafka::mocking::MockCluster<'static, rdkafka::producer::DefaultProducerContext>, Topics) {
    let cluster = rdkafka::mocking::MockCluster::new(1).unwrap();
    let topics = Topics::new(&unique(what));
    cluster.create_topic(&topics.events, 3, 1).unwrap();
    cluster.create_topic(&topics.dead_letters, 1, 1).unwrap();
    (cluster, topics)
}
