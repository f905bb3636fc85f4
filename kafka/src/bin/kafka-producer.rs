//! Appends orders to the Kafka topic `orders`, keyed by customer, with an idempotent producer
//! (`acks=all`), and counts the delivery reports: every order is reported delivered (with
//! its partition and offset) or failed, none silently dropped. Creates `orders` (3 partitions)
//! and `orders.dlq` with the admin API when they are missing.
//!
//! Start a broker (`docker compose up -d kafka`) and a consumer:
//!
//! ```text
//! cargo run -p kafka --bin kafka-consumer
//! ```
//!
//! then, in another terminal:
//!
//! ```text
//! cargo run -p kafka --bin kafka-producer -- --count 10
//! cargo run -p kafka --bin kafka-producer -- --count 1 --first-id 11 --poison
//! ```

use anyhow::Context;
use clap::Parser;
use kafka::message::sample_order;
use kafka::producer::ProducerConfig;
use kafka::{BrokerArgs, DEFAULT_PARTITIONS, DeliveryMode, OrderProducer};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(about = "Append orders to a Kafka topic with an idempotent producer")]
struct Args {
    #[command(flatten)]
    broker: BrokerArgs,
    /// How many orders to send.
    #[arg(long, default_value_t = 10)]
    count: u64,
    /// Id of the first order; the others follow consecutively.
    #[arg(long, default_value_t = 1)]
    first_id: u64,
    /// Orders per second (0: as fast as the broker takes them).
    #[arg(long, default_value_t = 0, value_name = "PER_SECOND")]
    rate: u64,
    /// Delivery reports allowed outstanding; 1 waits for each before the next send.
    #[arg(long, default_value_t = DeliveryMode::DEFAULT_WINDOW)]
    window: usize,
    /// Also send one value that is not an order, to watch it land in the dead-letter topic.
    #[arg(long)]
    poison: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let topics = args.broker.topics();
    // Fails fast, with a hint, when no broker answers.
    topics.ensure(&args.broker.brokers, DEFAULT_PARTITIONS).await?;
    let producer =
        OrderProducer::new(&args.broker.brokers, topics.clone(), &ProducerConfig::default())
            .context("creating the producer")?;

    let orders = (0..args.count).map(|n| sample_order(args.first_id.saturating_add(n)));
    let started = Instant::now();
    let report = if args.rate == 0 {
        producer.send_orders(orders, DeliveryMode::with_window(args.window)).await
    } else {
        // At a fixed rate each order is sent on its tick; reports are still counted.
        let mut ticks =
            tokio::time::interval(Duration::from_secs(1) / args.rate.min(1_000_000) as u32);
        let mut report = kafka::ProduceReport::default();
        for order in orders {
            ticks.tick().await;
            let part = producer.send_orders([order], DeliveryMode::EachAwaited).await;
            report.delivered.extend(part.delivered);
            report.failed.extend(part.failed);
        }
        report
    };
    let elapsed = started.elapsed();

    let mut per_partition: BTreeMap<i32, u64> = BTreeMap::new();
    for (_, delivered) in &report.delivered {
        *per_partition.entry(delivered.partition).or_default() += 1;
    }
    let spread: Vec<String> =
        per_partition.iter().map(|(p, n)| format!("{n} to partition {p}")).collect();
    println!(
        "delivered {} of {} orders to topic `{}` in {elapsed:.1?} ({})",
        report.delivered.len(),
        args.count,
        topics.events,
        if spread.is_empty() { "none".to_owned() } else { spread.join(", ") }
    );

    if args.poison {
        let delivered = producer.send_raw(b"poison", b"this is not an order").await?;
        println!(
            "sent a value that is not an order (poison) to partition {} offset {}",
            delivered.partition, delivered.offset
        );
    }
    if !report.failed.is_empty() {
        for (id, error) in report.failed.iter().take(5) {
            eprintln!("order {id} failed: {error}");
        }
        anyhow::bail!("{} of {} orders were not delivered", report.failed.len(), args.count);
    }
    Ok(())
}
