//! Helpers shared by the integration tests: the broker address, unique names that clean up
//! after themselves, in-process consumers, and line readers for the real binaries.

#![allow(dead_code)] // each test file uses a different subset

use amqp::{CONNECT_TIMEOUT, OrderConsumer, Publisher, Received, Topology, connect};
use lapin::Connection;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(20);

/// The broker under test: `AMQP_ADDR`, or the local default.
pub fn broker_addr() -> String {
    std::env::var("AMQP_ADDR").unwrap_or_else(|_| amqp::DEFAULT_AMQP_ADDR.to_owned())
}

pub async fn connect_to_broker(name: &str) -> Connection {
    connect(&broker_addr(), name, CONNECT_TIMEOUT).await.unwrap()
}

/// A connection and a publisher for `topology` (which it declares).
pub async fn publisher(topology: &Topology) -> (Connection, Publisher) {
    let connection = connect_to_broker("test-producer").await;
    let publisher = Publisher::new(&connection, topology.clone()).await.unwrap();
    (connection, publisher)
}

/// A topology with names no other test (or earlier run) uses, deleted again on drop,
/// even when the test panics.
pub struct TestTopology {
    pub topology: Topology,
}

impl TestTopology {
    pub fn new(test: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let base = format!("test.{test}.{}.{nanos}.{n}", std::process::id());
        Self { topology: Topology::new(&base) }
    }
}

impl std::ops::Deref for TestTopology {
    type Target = Topology;
    fn deref(&self) -> &Topology {
        &self.topology
    }
}

impl Drop for TestTopology {
    fn drop(&mut self) {
        let topology = self.topology.clone();
        // Drop cannot be async: delete from a thread with a runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let connection = connect(&broker_addr(), "test-cleanup", CONNECT_TIMEOUT).await?;
                let channel = connection.create_channel().await?;
                tokio::time::timeout(WAIT, topology.delete(&channel)).await??;
                connection.close(200, "cleanup".into()).await?;
                anyhow::Ok(())
            })
        });
        if let Ok(Err(err)) = cleanup.join() {
            eprintln!("could not delete {}: {err:#}", self.topology.queue);
        }
    }
}

/// An order a consumer processed, and which consumer it was.
#[derive(Debug)]
pub struct Processed {
    pub consumer: usize,
    pub received: Received,
}

/// An in-process consumer on its own connection, reporting every processed order.
pub struct RunningConsumer {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<(Connection, amqp::ConsumeStats)>,
}

impl RunningConsumer {
    /// Starts consuming (the consumer is registered when this returns) and reports each
    /// processed order on `report`, after `work` of simulated processing.
    pub async fn start(
        index: usize,
        topology: &Topology,
        prefetch: u16,
        work: Duration,
        report: mpsc::UnboundedSender<Processed>,
    ) -> Self {
        let connection = connect_to_broker("test-consumer").await;
        let mut consumer = OrderConsumer::start(&connection, topology, prefetch).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let handle = move |received: Received| {
                let report = report.clone();
                async move {
                    tokio::time::sleep(work).await;
                    let _ = report.send(Processed { consumer: index, received });
                    Ok(())
                }
            };
            let shutdown = async {
                let _ = stopped.await;
            };
            let stats = consumer.run(handle, shutdown).await.unwrap();
            (connection, stats)
        });
        Self { stop: Some(stop), task }
    }

    /// Stops after the order in progress, closes the connection, returns the counts.
    pub async fn stop(mut self) -> amqp::ConsumeStats {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let (connection, stats) =
            tokio::time::timeout(WAIT, &mut self.task).await.unwrap().unwrap();
        connection.close(200, "test done".into()).await.unwrap();
        stats
    }
}

/// Receives until `count` orders are in, failing the test if they do not arrive in time.
pub async fn receive(
    reports: &mut mpsc::UnboundedReceiver<Processed>,
    count: usize,
) -> Vec<Processed> {
    let mut got = Vec::with_capacity(count);
    while got.len() < count {
        match tokio::time::timeout(WAIT, reports.recv()).await {
            Ok(Some(processed)) => got.push(processed),
            Ok(None) => panic!("consumers stopped after {} of {count} orders", got.len()),
            Err(_) => panic!("only {} of {count} orders arrived within {WAIT:?}", got.len()),
        }
    }
    got
}

/// A running binary whose stdout lines arrive on a channel.
pub struct Binary {
    pub child: Child,
    pub lines: mpsc::UnboundedReceiver<String>,
}

impl Binary {
    pub fn spawn(name: &str, args: &[&str]) -> Self {
        let mut child =
            command(name, args).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The next stdout line, within [`WAIT`].
    pub async fn next_line(&mut self) -> String {
        self.next_line_within(WAIT).await
    }

    /// The next stdout line, within `limit`.
    pub async fn next_line_within(&mut self, limit: Duration) -> String {
        match tokio::time::timeout(limit, self.lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => panic!("the binary closed stdout"),
            Err(_) => panic!("no line from the binary within {limit:?}"),
        }
    }

    pub fn signal(&self, signal: &str) {
        let status =
            Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the exit (bounded) and returns the status and the rest of stdout.
    pub async fn wait(self) -> (std::process::ExitStatus, Vec<String>) {
        self.wait_longer(WAIT).await
    }

    /// [`Binary::wait`] for a binary that may take up to `limit` to finish.
    pub async fn wait_longer(mut self, limit: Duration) -> (std::process::ExitStatus, Vec<String>) {
        let deadline = tokio::time::Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(tokio::time::Instant::now() < deadline, "the binary did not exit");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let mut rest = Vec::new();
        while let Ok(Some(line)) = tokio::time::timeout(WAIT, self.lines.recv()).await {
            rest.push(line);
        }
        (status, rest)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command for one of this crate's binaries, with stderr captured and logs kept quiet.
pub fn command(name: &str, args: &[&str]) -> Command {
    let path = match name {
        "amqp-producer" => env!("CARGO_BIN_EXE_amqp-producer"),
        "amqp-consumer" => env!("CARGO_BIN_EXE_amqp-consumer"),
        other => panic!("no binary {other}"),
    };
    let mut command = Command::new(path);
    command.args(args).env("RUST_LOG", "warn").stdin(Stdio::null()).stderr(Stdio::piped());
    command
}

/// Runs a binary to completion, within [`WAIT`]: status, stdout, stderr.
pub fn run_binary(name: &str, args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let mut child = command(name, args).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).map(|_| text)
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > WAIT {
            let _ = child.kill();
            panic!("{name} did not finish within {WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status, out.join().unwrap().unwrap(), err.join().unwrap().unwrap())
}
