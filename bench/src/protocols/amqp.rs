//! The `amqp` example against the broker at `AMQP_ADDR`: `amqp::producer::Publisher` with
//! pipelined confirms, with a confirm awaited per message, and without confirms; and the whole
//! path from producer to `amqp::consumer::OrderConsumer`. Without a broker these are skipped.

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use amqp::connect::{ConnectError, connect};
use amqp::consumer::{ConsumeError, ConsumeStats, DEFAULT_PREFETCH, OrderConsumer};
use amqp::message::{encode_order, sample_order};
use amqp::producer::{ConfirmMode, Publisher};
use amqp::topology::Topology;
use lapin::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Orders per `publish_orders` call from producer to consumer: a few confirm windows, so the
/// pipeline stays full.
const BATCH: u64 = 512;

pub fn wire_bytes(_: &Settings) -> usize {
    encode_order(&sample_order(1)).len()
}

/// A connection and a topology of its own, deleted when the scenario ends.
struct Broker {
    connection: Connection,
    topology: Topology,
}

impl Broker {
    async fn open(scenario: &str) -> anyhow::Result<Result<Self, String>> {
        let addr = std::env::var("AMQP_ADDR").unwrap_or_else(|_| amqp::DEFAULT_AMQP_ADDR.into());
        match connect(&addr, "bench", Duration::from_secs(3)).await {
            Ok(connection) => {
                let name = format!("bench-{}-{scenario}", std::process::id());
                Ok(Ok(Self { connection, topology: Topology::new(&name) }))
            }
            Err(error @ ConnectError::Unreachable { .. }) => Ok(Err(error.to_string())),
            Err(error) => Err(error.into()),
        }
    }

    async fn close(self) -> anyhow::Result<()> {
        let channel = self.connection.create_channel().await?;
        self.topology.delete(&channel).await?;
        self.connection.close(200, "bench done".into()).await?;
        Ok(())
    }
}

/// Publishing persistent orders with `confirms` (`None`: a channel without confirms); orders
/// are counted once `publish_orders` has them confirmed.
pub async fn publish(
    settings: &Settings,
    confirms: Option<ConfirmMode>,
) -> anyhow::Result<Measurement> {
    let label = match confirms {
        Some(ConfirmMode::OneByOne) => "confirm-each",
        Some(ConfirmMode::Pipelined(_)) => "pipelined",
        None => "unconfirmed",
    };
    let broker = match Broker::open(label).await? {
        Ok(broker) => broker,
        Err(skipped) => return Ok(Measurement::Skipped(skipped)),
    };
    let (publisher, mode) = match confirms {
        Some(mode) => (Publisher::new(&broker.connection, broker.topology.clone()).await?, mode),
        None => (
            Publisher::without_confirms(&broker.connection, broker.topology.clone()).await?,
            ConfirmMode::default(),
        ),
    };
    let result = async {
        let (warm_up_orders, _) = publish_for(&publisher, mode, 0, settings.warmup).await?;
        let (operations, elapsed) =
            publish_for(&publisher, mode, warm_up_orders, settings.duration).await?;
        anyhow::Ok(Measurement::Throughput { operations, elapsed })
    }
    .await;
    broker.close().await?;
    result
}

/// One `publish_orders` call that takes orders (ids from `first_id`) for `duration`, then
/// waits for the last confirms: the orders confirmed and the time that took. One call, not a
/// loop of batches: each call ends by draining the confirm window, which would pause the
/// pipeline after every batch.
async fn publish_for(
    publisher: &Publisher,
    mode: ConfirmMode,
    first_id: u64,
    duration: Duration,
) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let stop_at = started + duration;
    let orders = (first_id..).take_while(|_| Instant::now() < stop_at).map(sample_order);
    let operations = publisher.publish_orders(orders, mode).await?;
    Ok((operations, started.elapsed()))
}

/// Starts a consumer in the background that acks every order and calls `on_order` for it;
/// a message on the returned channel stops it.
async fn spawn_consumer(
    broker: &Broker,
    prefetch: u16,
    on_order: impl Fn() + Send + Sync + 'static,
) -> anyhow::Result<(oneshot::Sender<()>, JoinHandle<Result<ConsumeStats, ConsumeError>>)> {
    let mut consumer = OrderConsumer::start(&broker.connection, &broker.topology, prefetch).await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let consuming = tokio::spawn(async move {
        let handle = |_| {
            on_order();
            async { Ok(()) }
        };
        consumer
            .run(handle, async {
                let _ = stopped.await;
            })
            .await
    });
    Ok((stop, consuming))
}

/// Producer to consumer: orders published with pipelined confirms, counted when a consumer
/// has processed and acknowledged them.
pub async fn end_to_end(settings: &Settings) -> anyhow::Result<Measurement> {
    let broker = match Broker::open("end-to-end").await? {
        Ok(broker) => broker,
        Err(skipped) => return Ok(Measurement::Skipped(skipped)),
    };
    let processed = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&processed);
    let (stop, consuming) = spawn_consumer(&broker, DEFAULT_PREFETCH * 10, move || {
        counter.fetch_add(1, Ordering::Relaxed);
    })
    .await?;
    let publisher = Publisher::new(&broker.connection, broker.topology.clone()).await?;
    // Publishes until the measurement is over; only an error ends it earlier.
    let publishing = async {
        let mut id = 0;
        loop {
            let batch = (id..id + BATCH).map(sample_order);
            if let Err(error) = publisher.publish_orders(batch, ConfirmMode::default()).await {
                return error;
            }
            id += BATCH;
        }
    };
    let measuring = async {
        tokio::time::sleep(settings.warmup).await;
        let before = processed.load(Ordering::Relaxed);
        tokio::time::sleep(settings.duration).await;
        processed.load(Ordering::Relaxed) - before
    };
    let operations = tokio::select! {
        error = publishing => Err(error),
        operations = measuring => Ok(operations),
    };
    let _ = stop.send(());
    consuming.await??;
    broker.close().await?;
    Ok(Measurement::Throughput { operations: operations?, elapsed: settings.duration })
}

/// One order at a time: publish with its confirm, then wait until the consumer has it.
pub async fn latency(settings: &Settings) -> anyhow::Result<Measurement> {
    let broker = match Broker::open("latency").await? {
        Ok(broker) => broker,
        Err(skipped) => return Ok(Measurement::Skipped(skipped)),
    };
    let (arrived, mut arrivals) = mpsc::unbounded_channel();
    let (stop, consuming) = spawn_consumer(&broker, DEFAULT_PREFETCH, move || {
        let _ = arrived.send(());
    })
    .await?;
    let publisher = Publisher::new(&broker.connection, broker.topology.clone()).await?;
    let mut id = 0;
    let result = harness::closed_loop(settings, async || {
        id += 1;
        publisher.publish_orders([sample_order(id)], ConfirmMode::OneByOne).await?;
        arrivals.recv().await.ok_or_else(|| anyhow::anyhow!("the consumer stopped"))?;
        Ok(())
    })
    .await;
    let _ = stop.send(());
    consuming.await??;
    broker.close().await?;
    result
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(_: &Settings) -> Vec<Job> {
    use Kind::{Pipelined, Sequential, Throughput};
    vec![
        job("amqp", "order, publish → consume", Sequential, wire_bytes, |s| Box::pin(latency(s))),
        job("amqp", "publish, no confirms", Throughput, wire_bytes, |s| Box::pin(publish(s, None))),
        job("amqp", "publish, pipelined confirms", Pipelined, wire_bytes, |s| {
            Box::pin(publish(s, Some(ConfirmMode::default())))
        }),
        job("amqp", "publish, confirm each", Throughput, wire_bytes, |s| {
            Box::pin(publish(s, Some(ConfirmMode::OneByOne)))
        }),
        job("amqp", "producer → consumer", Throughput, wire_bytes, |s| Box::pin(end_to_end(s))),
    ]
}
