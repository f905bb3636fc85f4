//! Simulated devices publishing temperature readings to `devices/{device}/temperature`, each
//! with a retained `online` on `devices/{device}/status` and a last will of a retained
//! `offline` there, which the broker publishes if the publisher dies (`kill -9`).
//!
//! Needs a broker on `MQTT_ADDR` (default 127.0.0.1:1883): Mosquitto, `docker compose up -d
//! mosquitto`, or `cargo run -p mqtt --bin mqtt-broker`. Then, in one terminal:
//!
//! ```text
//! cargo run -p mqtt --bin mqtt-subscriber
//! ```
//!
//! and in another:
//!
//! ```text
//! cargo run -p mqtt --bin mqtt-publisher -- --device sensor-1 --device sensor-2 --count 10 --qos 1
//! ```

use clap::Parser;
use mqtt::publisher::run_device;
use mqtt::{BrokerArgs, DeviceConfig, QoS, parse_qos, qos_number};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(about = "Publish simulated temperature readings over MQTT")]
struct Args {
    #[command(flatten)]
    broker: BrokerArgs,
    /// A device to simulate (one connection each); repeat for more.
    #[arg(long = "device", value_name = "NAME", default_value = "sensor-1")]
    devices: Vec<String>,
    /// Readings per device.
    #[arg(long, default_value_t = 10)]
    count: u64,
    /// Sequence number of each device's first reading.
    #[arg(long, default_value_t = 1)]
    first_seq: u64,
    /// Milliseconds between a device's readings.
    #[arg(long, default_value_t = 100, value_name = "MS")]
    interval_ms: u64,
    /// 0: at most once, 1: at least once (PUBACK), 2: exactly once (PUBREC/PUBREL/PUBCOMP).
    #[arg(long, default_value = "1", value_parser = parse_qos)]
    qos: QoS,
    /// Seconds of silence after which the broker gives the device up and sends its will
    /// (it waits 1.5 × this).
    #[arg(long, default_value_t = 5, value_name = "SECS")]
    keep_alive: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut devices = tokio::task::JoinSet::new();
    for device in &args.devices {
        let config = DeviceConfig {
            count: args.count,
            first_seq: args.first_seq,
            interval: Duration::from_millis(args.interval_ms),
            qos: args.qos,
            keep_alive: Duration::from_secs(args.keep_alive),
            ..DeviceConfig::new(args.broker.addr.clone(), device)
        };
        devices.spawn(run_device(config));
    }
    println!(
        "publishing {} readings per device at QoS {} to {} ({} devices)",
        args.count,
        qos_number(args.qos),
        args.broker.addr,
        args.devices.len()
    );
    let run = async {
        let mut reports = Vec::new();
        while let Some(report) = devices.join_next().await {
            reports.push(report??);
        }
        anyhow::Ok(reports)
    };
    let mut reports = tokio::select! {
        reports = run => reports?,
        () = common::runtime::shutdown_signal() => anyhow::bail!("interrupted"),
    };
    reports.sort_by(|a, b| a.device.cmp(&b.device));
    for report in reports {
        println!(
            "{}: published {} readings, {} acks from the broker, now offline",
            report.device, report.published, report.acks
        );
    }
    Ok(())
}
