//! Publishes orders to RabbitMQ as persistent messages and waits for the broker's publisher
//! confirms in a pipelined window, so "confirmed" means "safely stored by the broker". When
//! the connection is lost it reconnects with backoff and publishes every order whose confirm
//! had not arrived again (at-least-once); its last line is always the outcome, `N of N
//! confirmed` or the ids that were not.
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

use amqp::connect::redact_password;
use amqp::message::sample_order;
use amqp::producer::{PublishError, show_ranges};
use amqp::{BrokerArgs, CONNECT_TIMEOUT, ConfirmMode, Outbox, Publisher, Topology, connect};
use anyhow::Context;
use clap::Parser;
use lapin::Connection;
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
    /// Connection attempts after a lost connection before giving up (waits 1, 2, 4, 8, 8 ... s).
    #[arg(long, default_value_t = 10, value_name = "N")]
    reconnect_attempts: u32,
}

/// The longest wait between two reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    let args = Args::parse();
    let mut outcome = None;
    let code = common::exit::exit_code(run(&args, &mut outcome).await);
    // The last line, also after an error: exactly what the broker has.
    if let Some(outcome) = outcome {
        println!("{outcome}");
    }
    code
}

async fn run(args: &Args, outcome: &mut Option<String>) -> anyhow::Result<()> {
    // The first connection fails fast: a broker that is not there is a setup problem.
    let mut connection = connect(&args.broker.addr, "amqp-producer", CONNECT_TIMEOUT).await?;
    let topology = args.broker.topology();
    let mut publisher = Publisher::new(&connection, topology.clone())
        .await
        .with_context(|| format!("declaring exchange `{}` and its queues", topology.exchange))?;

    let mode = ConfirmMode::with_window(args.confirm_window);
    let next_id = args.first_id.saturating_add(args.count);
    let mut outbox = Outbox::new((args.first_id..next_id).map(sample_order));
    let started = Instant::now();
    let mut reconnects = 0;
    let result = loop {
        let lost = match publisher.publish_outbox(&mut outbox, mode).await {
            Ok(()) => break Ok(()),
            // The broker answered "no": sending again would not change its mind.
            Err(err @ (PublishError::Nacked { .. } | PublishError::Unroutable { .. })) => {
                break Err(anyhow::Error::new(err));
            }
            Err(PublishError::Amqp(err)) => err,
        };
        tracing::warn!(
            "lost RabbitMQ at {}: {lost}; {} of {} orders confirmed so far",
            redact_password(&args.broker.addr),
            outbox.confirmed(),
            args.count
        );
        match reconnect(args, &topology).await {
            Ok((fresh, fresh_publisher)) => {
                reconnects += 1;
                connection = fresh;
                publisher = fresh_publisher;
            }
            Err(err) => break Err(err),
        }
    };
    let elapsed = started.elapsed();
    *outcome = Some(describe_outcome(&outbox, args, &topology, mode, elapsed, reconnects));
    result?;

    if args.poison {
        let poison_id = next_id.to_string();
        publisher.publish_raw(&poison_id, b"this is not an order").await?;
        println!("published message {poison_id}: a body that is not an order (poison)");
    }
    connection.close(200, "producer done".into()).await?;
    Ok(())
}

/// Connects again with backoff, at most `--reconnect-attempts` times, one warning per attempt.
async fn reconnect(args: &Args, topology: &Topology) -> anyhow::Result<(Connection, Publisher)> {
    let addr = redact_password(&args.broker.addr);
    let mut delay = Duration::from_secs(1);
    for attempt in 1..=args.reconnect_attempts {
        tracing::warn!(
            "reconnecting to {addr} in {delay:?} (attempt {attempt} of {})",
            args.reconnect_attempts
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_BACKOFF);
        let connection = match connect(&args.broker.addr, "amqp-producer", CONNECT_TIMEOUT).await {
            Ok(connection) => connection,
            Err(err) => {
                tracing::warn!("{err}");
                continue;
            }
        };
        match Publisher::new(&connection, topology.clone()).await {
            Ok(publisher) => {
                tracing::warn!("reconnected to {addr}; publishing the unconfirmed orders again");
                return Ok((connection, publisher));
            }
            Err(err) => tracing::warn!("declaring exchange `{}` failed: {err}", topology.exchange),
        }
    }
    anyhow::bail!(
        "gave up on RabbitMQ at {addr} after {} reconnect attempts; start it again and rerun \
         with the ids below",
        args.reconnect_attempts
    )
}

/// `10 of 10 confirmed: ...`, or which ids were not confirmed.
fn describe_outcome(
    outbox: &Outbox,
    args: &Args,
    topology: &Topology,
    mode: ConfirmMode,
    elapsed: Duration,
    reconnects: u32,
) -> String {
    let total = args.count;
    let confirmed = outbox.confirmed();
    let mut line = format!("{confirmed} of {total} confirmed");
    let ids = match total {
        0 => String::new(),
        1 => format!(" (id {})", args.first_id),
        n => format!(" (ids {}..={})", args.first_id, args.first_id + (n - 1)),
    };
    line.push_str(&format!(
        "{ids} on exchange `{}` in {elapsed:.1?} (confirm window {})",
        topology.exchange,
        mode.window()
    ));
    if reconnects > 0 {
        line.push_str(&format!(
            " after {reconnects} reconnect(s); {} publish(es) lost their confirm and were sent \
             again, so consumers may see those orders twice",
            outbox.in_doubt()
        ));
    }
    if outbox.unconfirmed() > 0 {
        line.push_str(&format!("; not confirmed: ids {}", show_ranges(&outbox.unconfirmed_ids())));
    }
    line
}
