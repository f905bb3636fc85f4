//! Subscribes to every device's readings and status with wildcards, prints them as they
//! arrive, acknowledges each one only after printing it, and reports per device what arrived
//! (count, missing sequence numbers, duplicates).
//!
//! Needs a broker on `MQTT_ADDR` (default 127.0.0.1:1883): Mosquitto, `docker compose up -d
//! mosquitto`, or `cargo run -p mqtt --bin mqtt-broker`. Then:
//!
//! ```text
//! cargo run -p mqtt --bin mqtt-subscriber
//! ```
//!
//! and in another terminal:
//!
//! ```text
//! cargo run -p mqtt --bin mqtt-publisher -- --count 10
//! ```
//!
//! With `--client-id ID` the session is persistent: stop the subscriber, publish at QoS 1,
//! start it again with the same id, and it receives what was published meanwhile.

use clap::Parser;
use mqtt::subscriber::describe_qos;
use mqtt::{BrokerArgs, Message, QoS, SubscribeConfig, Subscriber, Tally, parse_qos};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(about = "Subscribe to telemetry over MQTT and report what arrived")]
struct Args {
    #[command(flatten)]
    broker: BrokerArgs,
    /// A topic filter (`+` one level, `#` the rest); repeat for more.
    #[arg(long = "topic", value_name = "FILTER", default_values = [mqtt::READINGS_FILTER, mqtt::STATUS_FILTER])]
    topics: Vec<String>,
    /// The highest QoS to receive with.
    #[arg(long, default_value = "1", value_parser = parse_qos)]
    qos: QoS,
    /// A fixed client id: the broker keeps the session (clean session off) while away.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// Stop after this many readings (default: run until Ctrl-C).
    #[arg(long)]
    count: Option<u64>,
    /// Stop after this many seconds without a message.
    #[arg(long, value_name = "SECS")]
    idle_timeout: Option<u64>,
    #[arg(long, default_value_t = 5, value_name = "SECS")]
    keep_alive: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = SubscribeConfig {
        filters: args.topics.clone(),
        qos: args.qos,
        client_id: args.client_id.clone(),
        keep_alive: Duration::from_secs(args.keep_alive),
        ..SubscribeConfig::new(args.broker.addr.clone())
    };
    let mut subscriber = Subscriber::connect(&config).await?;
    let session = match (&args.client_id, subscriber.session_present) {
        (None, _) => "clean session".to_owned(),
        (Some(id), true) => format!("resumed the persistent session of `{id}`"),
        (Some(id), false) => format!("new persistent session `{id}`"),
    };
    println!(
        "subscribed to {} at {} on {} ({session})",
        args.topics.join(", "),
        describe_qos(args.qos),
        args.broker.addr
    );

    let mut tally = Tally::default();
    let idle = Duration::from_secs(args.idle_timeout.unwrap_or(u64::MAX / 4));
    let shutdown = common::runtime::shutdown_signal();
    tokio::pin!(shutdown);
    let mut readings = 0u64;
    while args.count.is_none_or(|count| readings < count) {
        let delivery = tokio::select! {
            delivery = tokio::time::timeout(idle, subscriber.next()) => match delivery {
                Ok(Some(delivery)) => delivery,
                Ok(None) => anyhow::bail!("the connection ended"),
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let mut flags = describe_qos(delivery.qos);
        if delivery.retained {
            flags.push_str(", retained");
        }
        if delivery.duplicate {
            flags.push_str(", dup");
        }
        println!("{} ({flags})", delivery.message.describe());
        tally.record(&delivery.message);
        if matches!(delivery.message, Message::Reading(_)) {
            readings += 1;
        }
        // Handled (printed and counted): only now the broker may forget it.
        subscriber.ack(&delivery).await?;
    }
    subscriber.disconnect().await;
    println!("{}", tally.report());
    Ok(())
}
