//! Consumes orders from the Kafka topic `orders` as a member of a consumer group (default
//! `payments`), at least once: an event's offset is committed only after it was processed, so
//! a member killed with SIGKILL loses nothing. Run two and they split the partitions (watch
//! the `assigned`/`revoked` lines: a rebalance); values that are not orders go to `orders.dlq`.
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
//! cargo run -p kafka --bin kafka-producer -- --count 10 --poison
//! cargo run -p kafka --bin kafka-consumer -- --group audit --from-beginning
//! cargo run -p kafka --bin kafka-consumer -- --group audit-2 --seek 10m
//! cargo run -p kafka --bin kafka-consumer -- --dead-letters
//! ```

use anyhow::Context;
use clap::Parser;
use kafka::consumer::{Seek, read_dead_letters};
use kafka::message::describe;
use kafka::{BrokerArgs, ConsumerConfig, DEFAULT_PARTITIONS, OrderConsumer, Received};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(about = "Consume orders from Kafka in a consumer group, at least once")]
struct Args {
    #[command(flatten)]
    broker: BrokerArgs,
    /// Consumer group: members of one group split the partitions; each group reads everything.
    #[arg(long, default_value = kafka::DEFAULT_GROUP)]
    group: String,
    /// A group without committed offsets starts at the oldest event (default: only new ones).
    #[arg(long)]
    from_beginning: bool,
    /// Start each partition somewhere on purpose: an offset (`42`), a time in Unix
    /// milliseconds (`@1733140800000`) or an age (`10m`, `2h`).
    #[arg(long, value_name = "OFFSET|@MILLIS|AGE")]
    seek: Option<Seek>,
    /// Simulated processing time per order, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    work_ms: u64,
    /// A member silent this long is dropped from the group and its partitions reassigned.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    session_timeout_ms: u64,
    /// Stop after this many events (processed or dead-lettered), committing them.
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Print the events in the dead-letter topic (reading removes nothing), then exit.
    #[arg(long, conflicts_with_all = ["from_beginning", "seek"])]
    dead_letters: bool,
}

/// Longest value excerpt shown for a dead letter.
const SHOWN_VALUE_BYTES: usize = 200;

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let topics = args.broker.topics();
    // Fails fast, with a hint, when no broker answers.
    topics.ensure(&args.broker.brokers, DEFAULT_PARTITIONS).await?;
    if args.dead_letters {
        return show_dead_letters(&args).await;
    }
    let config = ConsumerConfig {
        group: args.group.clone(),
        from_beginning: args.from_beginning,
        seek: args.seek,
        session_timeout: Duration::from_millis(args.session_timeout_ms),
        ..ConsumerConfig::default()
    };
    let mut consumer = OrderConsumer::new(&args.broker.brokers, topics.clone(), &config)
        .context("creating the consumer")?;
    // Rebalances are reported from librdkafka's callback; print them as they come.
    let mut rebalances = consumer.rebalances().context("rebalances taken")?;
    let printer = tokio::spawn(async move {
        while let Some(rebalanced) = rebalances.recv().await {
            println!("{rebalanced}");
        }
    });
    println!("consuming topic `{}` in group `{}` (at least once)", topics.events, args.group);
    let work = Duration::from_millis(args.work_ms);
    let outcome = match args.max_events {
        None => {
            consumer
                .run(|received| process(received, work), common::runtime::shutdown_signal())
                .await
        }
        Some(max) => {
            consumer
                .run_until(
                    max,
                    |received| process(received, work),
                    common::runtime::shutdown_signal(),
                )
                .await
        }
    };
    let stats = consumer.stats();
    // Dropping the consumer ends the rebalance channel: the printer prints what is left, ends.
    drop(consumer);
    let _ = printer.await;
    println!("stopped: {} processed, {} dead-lettered", stats.processed, stats.dead_lettered);
    outcome?;
    Ok(())
}

/// The "business logic": here, print the order. Returning `Err` would dead-letter it.
async fn process(received: Received, work: Duration) -> Result<(), String> {
    tokio::time::sleep(work).await;
    println!(
        "processed {} (partition {}, offset {})",
        describe(&received.order),
        received.partition,
        received.offset
    );
    Ok(())
}

async fn show_dead_letters(args: &Args) -> anyhow::Result<()> {
    let topics = args.broker.topics();
    let letters =
        read_dead_letters(&args.broker.brokers, &topics, 1_000, Duration::from_secs(10)).await?;
    if letters.is_empty() {
        println!("no dead letters in topic `{}`", topics.dead_letters);
        return Ok(());
    }
    println!("{} dead letter(s) in topic `{}`:", letters.len(), topics.dead_letters);
    for letter in &letters {
        let shown = &letter.value[..letter.value.len().min(SHOWN_VALUE_BYTES)];
        let cut = if shown.len() < letter.value.len() { " ..." } else { "" };
        println!(
            "  from {}: {}\n    key {:?}, value ({} bytes): {:?}{cut}",
            letter.origin.as_deref().unwrap_or("unknown origin"),
            letter.reason.as_deref().unwrap_or("no reason given"),
            letter.key.as_deref().unwrap_or(""),
            letter.value.len(),
            String::from_utf8_lossy(shown)
        );
    }
    Ok(())
}
