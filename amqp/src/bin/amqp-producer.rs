//! Publishes orders to RabbitMQ as persistent messages and waits for the broker's publisher
//! confirms in a pipelined window, so "published" means "safely stored by the broker".
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
//! cargo run -p amqp --bin amqp-producer -- --count 10
//! cargo run -p amqp --bin amqp-producer -- --count 1 --first-id 11 --poison
//! ```

use amqp::message::sample_order;
use amqp::{BrokerArgs, CONNECT_TIMEOUT, ConfirmMode, Publisher, connect};
use anyhow::Context;
use clap::Parser;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(about = "Publish orders to RabbitMQ with publisher confirms")]
struct Args {
    #[command(flatten)]
    broker: BrokerArgs,
    /// How many orders to publish.
    #[arg(long, default_value_t = 10)]
    count: u64,
    /// Id of the first order; the others follow consecutively.
    #[arg(long, default_value_t = 1)]
    first_id: u64,
    /// Unconfirmed messages allowed in flight; 1 waits for each confirm before the next publish.
    #[arg(long, default_value_t = ConfirmMode::DEFAULT_WINDOW)]
    confirm_window: usize,
    /// Also publish one body that is not an order, to watch it land in the dead-letter queue.
    #[arg(long)]
    poison: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    amqp::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let connection = connect(&args.broker.addr, "amqp-producer", CONNECT_TIMEOUT).await?;
    let topology = args.broker.topology();
    let publisher = Publisher::new(&connection, topology.clone())
        .await
        .with_context(|| format!("declaring exchange `{}` and its queues", topology.exchange))?;

    let mode = ConfirmMode::with_window(args.confirm_window);
    let next_id = args.first_id.saturating_add(args.count);
    let orders = (0..args.count).map(|n| sample_order(args.first_id.saturating_add(n)));
    let started = Instant::now();
    let confirmed = publisher.publish_orders(orders, mode).await?;
    let elapsed = started.elapsed();
    let which = match confirmed {
        0 => "no orders".to_owned(),
        1 => format!("1 order (id {})", args.first_id),
        n => format!("{n} orders (ids {}..={})", args.first_id, next_id - 1),
    };
    println!(
        "published {which} to exchange `{}`, all confirmed in {elapsed:.1?} (confirm window {})",
        topology.exchange,
        mode.window()
    );

    if args.poison {
        let poison_id = next_id.to_string();
        publisher.publish_raw(&poison_id, b"this is not an order").await?;
        println!("published message {poison_id}: a body that is not an order (poison)");
    }
    connection.close(200, "producer done".into()).await?;
    Ok(())
}
