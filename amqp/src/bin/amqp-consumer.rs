//! Consumes orders from RabbitMQ: prefetch, an ack after each processed order, poison
//! messages to the dead-letter queue, and a reconnect loop when the broker goes away.
//! Run two of these and they share the work; kill one with unacked orders and the broker
//! hands them to the other.
//!
//! Start a broker (`docker compose up -d rabbitmq`) and a consumer:
//!
//! ```text
//! cargo run -p amqp --bin amqp-consumer
//! ```
//!
//! then, in another terminal:
//!
//! ```text
//! cargo run -p amqp --bin amqp-producer -- --count 10 --poison
//! cargo run -p amqp --bin amqp-consumer -- --dead-letters
//! cargo run -p amqp --bin amqp-consumer -- --subscribe
//! ```

use amqp::consumer::{ConsumeError, DeadLetter, peek_dead_letters, subscribe};
use amqp::message::describe;
use amqp::{BrokerArgs, CONNECT_TIMEOUT, ConsumeStats, OrderConsumer, Received, connect};
use anyhow::Context;
use clap::Parser;
use futures_util::StreamExt;
use lapin::Connection;
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(about = "Consume orders from RabbitMQ with manual acks and a dead-letter queue")]
struct Args {
    #[command(flatten)]
    broker: BrokerArgs,
    /// Unacknowledged orders this consumer may hold at once (basic.qos; 0 would mean no limit).
    #[arg(long, default_value_t = amqp::DEFAULT_PREFETCH, value_parser = clap::value_parser!(u16).range(1..))]
    prefetch: u16,
    /// Simulated processing time per order, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    work_ms: u64,
    /// Print the messages in the dead-letter queue (they stay there), then exit.
    #[arg(long, conflicts_with = "subscribe")]
    dead_letters: bool,
    /// With --dead-letters: show at most this many.
    #[arg(long, default_value_t = 20, requires = "dead_letters")]
    limit: usize,
    /// Publish/subscribe: watch a copy of every order through a temporary queue of our own,
    /// without taking work from the consumers.
    #[arg(long)]
    subscribe: bool,
}

/// Longest body excerpt shown for a dead letter.
const SHOWN_BODY_BYTES: usize = 200;

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    // The first connection fails fast: a broker that is not there is a setup problem.
    let connection = connect(&args.broker.addr, "amqp-consumer", CONNECT_TIMEOUT).await?;
    if args.dead_letters {
        show_dead_letters(&connection, &args).await?;
    } else if args.subscribe {
        watch_orders(&connection, &args).await?;
    } else {
        consume(connection, &args).await?;
        return Ok(());
    }
    connection.close(200, "consumer done".into()).await?;
    Ok(())
}

/// Consumes until Ctrl-C/SIGTERM. A connection lost later is retried, with backoff, until the
/// broker is back: unacked orders were returned to the queue by the broker, nothing is lost.
async fn consume(mut connection: Connection, args: &Args) -> anyhow::Result<()> {
    let topology = args.broker.topology();
    let work = Duration::from_millis(args.work_ms);
    let mut shutdown = std::pin::pin!(common::runtime::shutdown_signal());
    let mut total = ConsumeStats::default();
    let mut seen = Seen::default();
    loop {
        let mut consumer = OrderConsumer::start(&connection, &topology, args.prefetch)
            .await
            .with_context(|| format!("declaring queue `{}`", topology.queue))?;
        println!("consuming from queue `{}` (prefetch {})", topology.queue, args.prefetch);
        let handle = |received: Received| {
            let id = received.message_id.clone().unwrap_or_else(|| received.order.id.to_string());
            let first_time = seen.insert(id);
            process(received, work, first_time)
        };
        let outcome = consumer.run(handle, shutdown.as_mut()).await;
        total.processed += consumer.stats().processed;
        total.dead_lettered += consumer.stats().dead_lettered;
        match outcome {
            Ok(_) => break,
            Err(err @ ConsumeError::Cancelled(_)) => tracing::warn!("{err}; starting again"),
            Err(err @ (ConsumeError::Amqp(_) | ConsumeError::Stalled)) => {
                tracing::warn!("lost the broker: {err}; reconnecting");
                match reconnect(&args.broker.addr, shutdown.as_mut()).await {
                    Some(fresh) => connection = fresh,
                    None => break,
                }
            }
        }
    }
    println!("stopped: {} processed, {} dead-lettered", total.processed, total.dead_lettered);
    // Best effort: after a lost connection there may be nothing left to close.
    let _ = connection.close(200, "consumer shutting down".into()).await;
    Ok(())
}

/// The "business logic": here, print the order. Returning `Err` would dead-letter it.
/// Delivery is at-least-once (a lost ack, a producer that published again after a lost
/// confirm), so an order already processed, known by its message id, is acked and skipped.
async fn process(received: Received, work: Duration, first_time: bool) -> Result<(), String> {
    if !first_time {
        let id = received.message_id.as_deref().unwrap_or("-");
        println!("skipped order {}: message id {id} already processed", received.order.id);
        return Ok(());
    }
    tokio::time::sleep(work).await;
    let note = if received.redelivered { " (redelivered)" } else { "" };
    println!("processed {}{note}", describe(&received.order));
    Ok(())
}

/// The message ids processed lately, at most [`Seen::CAPACITY`]: enough to catch the
/// duplicates a reconnect produces, which arrive within a few thousand messages. A real
/// service would record the id in the same database transaction as the order.
#[derive(Debug, Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    const CAPACITY: usize = 100_000;

    /// False if `id` was seen already.
    fn insert(&mut self, id: String) -> bool {
        if !self.ids.insert(id.clone()) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > Self::CAPACITY
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }
}

/// Retries every 1, 2, 4 ... 30 seconds; `None` if shutdown came first.
async fn reconnect(
    addr: &str,
    mut shutdown: Pin<&mut impl Future<Output = ()>>,
) -> Option<Connection> {
    let mut delay = Duration::from_secs(1);
    loop {
        tokio::select! {
            () = shutdown.as_mut() => return None,
            () = tokio::time::sleep(delay) => {}
        }
        match connect(addr, "amqp-consumer", CONNECT_TIMEOUT).await {
            Ok(connection) => return Some(connection),
            Err(err) => tracing::warn!("{err}; retrying in {:?}", delay * 2),
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}

async fn show_dead_letters(connection: &Connection, args: &Args) -> anyhow::Result<()> {
    let topology = args.broker.topology();
    let letters = peek_dead_letters(connection, &topology, args.limit).await?;
    if letters.is_empty() {
        println!("no dead letters in queue `{}`", topology.dead_letter_queue);
        return Ok(());
    }
    println!(
        "{} dead letter(s) in queue `{}` (showing at most {}; they stay in the queue):",
        letters.len(),
        topology.dead_letter_queue,
        args.limit
    );
    for letter in &letters {
        println!("{}", show(letter));
    }
    Ok(())
}

fn show(letter: &DeadLetter) -> String {
    let id = letter.message_id.as_deref().unwrap_or("without id");
    let reason = letter.reason.as_deref().unwrap_or("unknown reason");
    let queue = letter.queue.as_deref().unwrap_or("unknown queue");
    let why = letter.diagnosis().map_or_else(|| "a valid order".to_owned(), |p| p.to_string());
    let shown = &letter.body[..letter.body.len().min(SHOWN_BODY_BYTES)];
    let cut = if shown.len() < letter.body.len() { " ..." } else { "" };
    format!(
        "  message {id}: {reason} by a consumer of `{queue}`: {why}\n    body ({} bytes): {:?}{cut}",
        letter.body.len(),
        String::from_utf8_lossy(shown)
    )
}

async fn watch_orders(connection: &Connection, args: &Args) -> anyhow::Result<()> {
    let topology = args.broker.topology();
    let (orders, queue) = subscribe(connection, &topology).await?;
    println!("subscribed to exchange `{}` through temporary queue `{queue}`", topology.exchange);
    let mut orders = std::pin::pin!(orders.take_until(common::runtime::shutdown_signal()));
    while let Some(order) = orders.next().await {
        println!("saw {}", describe(&order?));
    }
    Ok(())
}
