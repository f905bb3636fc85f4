//! The `kafka` example against the broker at `KAFKA_BROKERS`: `kafka::producer::OrderProducer`
//! awaiting each delivery report and with a window of reports outstanding, and one order at a
//! time from producer to `kafka::consumer::OrderConsumer`. Without a broker these are skipped
//! (the mock cluster would measure librdkafka alone).

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use kafka::message::{encode_order, sample_order};
use kafka::producer::ProducerConfig;
use kafka::{ConsumerConfig, DeliveryMode, OrderConsumer, OrderProducer, Topics, check_broker};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

pub fn wire_bytes(_: &Settings) -> usize {
    encode_order(&sample_order(1)).len()
}

/// The broker and topics of one scenario's own, deleted when it ends.
struct Broker {
    brokers: String,
    topics: Topics,
}

impl Broker {
    async fn open(scenario: &str) -> anyhow::Result<Result<Self, String>> {
        let brokers =
            std::env::var("KAFKA_BROKERS").unwrap_or_else(|_| kafka::DEFAULT_BROKERS.into());
        if let Err(error) = check_broker(&brokers, Duration::from_secs(2)).await {
            return Ok(Err(error.to_string()));
        }
        let topics = Topics::new(&format!("bench-{}-{scenario}", std::process::id()));
        topics.ensure(&brokers, kafka::DEFAULT_PARTITIONS).await?;
        Ok(Ok(Self { brokers, topics }))
    }

    fn producer(&self) -> anyhow::Result<OrderProducer> {
        Ok(OrderProducer::new(&self.brokers, self.topics.clone(), &ProducerConfig::default())?)
    }

    async fn close(self) {
        // Best effort: a broker without DeleteTopics keeps them.
        let _ = self.topics.delete(&self.brokers).await;
    }
}

/// Orders sent for `settings.duration` after a warm-up, counted once their delivery report
/// says they are in the log.
pub async fn produce(settings: &Settings, mode: DeliveryMode) -> anyhow::Result<Measurement> {
    let label = match mode {
        DeliveryMode::EachAwaited => "each",
        DeliveryMode::Pipelined(_) => "pipelined",
    };
    let broker = match Broker::open(label).await? {
        Ok(broker) => broker,
        Err(skipped) => return Ok(Measurement::Skipped(skipped)),
    };
    let producer = broker.producer()?;
    let result = async {
        let (warm_up_orders, _) = produce_for(&producer, mode, 0, settings.warmup).await?;
        let (operations, elapsed) =
            produce_for(&producer, mode, warm_up_orders, settings.duration).await?;
        anyhow::Ok(Measurement::Throughput { operations, elapsed })
    }
    .await;
    broker.close().await;
    result
}

/// One `send_orders` call that takes orders for `duration`, then waits for the last reports.
async fn produce_for(
    producer: &OrderProducer,
    mode: DeliveryMode,
    first_id: u64,
    duration: Duration,
) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let stop_at = started + duration;
    let orders = (first_id..).take_while(|_| Instant::now() < stop_at).map(sample_order);
    let report = producer.send_orders(orders, mode).await;
    if let Some((id, error)) = report.failed.first() {
        anyhow::bail!("order {id} was not delivered: {error}");
    }
    Ok((report.delivered.len() as u64, started.elapsed()))
}

/// One order at a time: produce, wait for its delivery report, then until the consumer has it.
pub async fn latency(settings: &Settings) -> anyhow::Result<Measurement> {
    let broker = match Broker::open("latency").await? {
        Ok(broker) => broker,
        Err(skipped) => return Ok(Measurement::Skipped(skipped)),
    };
    let config = ConsumerConfig {
        group: format!("bench-{}", std::process::id()),
        from_beginning: true,
        session_timeout: Duration::from_secs(6),
        ..ConsumerConfig::default()
    };
    let mut consumer = OrderConsumer::new(&broker.brokers, broker.topics.clone(), &config)?;
    let (arrived, mut arrivals) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let consuming = tokio::spawn(async move {
        let handle = |_| {
            let _ = arrived.send(());
            async { Ok(()) }
        };
        consumer
            .run(handle, async {
                let _ = stopped.await;
            })
            .await
    });
    let producer = broker.producer()?;
    let mut id = 0;
    let result = harness::closed_loop(settings, async || {
        id += 1;
        producer.send_order(&sample_order(id)).await?;
        arrivals.recv().await.ok_or_else(|| anyhow::anyhow!("the consumer stopped"))?;
        Ok(())
    })
    .await;
    let _ = stop.send(());
    consuming.await??;
    broker.close().await;
    result
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(_: &Settings) -> Vec<Job> {
    use Kind::{Pipelined, Sequential, Throughput};
    vec![
        job("kafka", "order, produce → consume", Sequential, wire_bytes, |s| {
            Box::pin(latency(s))
        }),
        job("kafka", "produce, pipelined reports", Pipelined, wire_bytes, |s| {
            Box::pin(produce(s, DeliveryMode::default()))
        }),
        job("kafka", "produce, await each report", Throughput, wire_bytes, |s| {
            Box::pin(produce(s, DeliveryMode::EachAwaited))
        }),
    ]
}
