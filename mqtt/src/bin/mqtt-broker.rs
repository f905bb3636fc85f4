//! An MQTT broker inside this process (rumqttd), for a machine without Mosquitto: QoS 0/1/2,
//! retained messages, last wills, persistent sessions; payloads up to 16 KiB.
//!
//! ```text
//! cargo run -p mqtt --bin mqtt-broker
//! ```
//!
//! then, in other terminals:
//!
//! ```text
//! cargo run -p mqtt --bin mqtt-subscriber
//! cargo run -p mqtt --bin mqtt-publisher -- --count 10
//! ```

use clap::Parser;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "An embedded MQTT 3.1.1 broker (rumqttd)")]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = mqtt::DEFAULT_MQTT_ADDR, value_name = "HOST:PORT")]
    addr: SocketAddr,
    /// Largest accepted PUBLISH payload, in bytes.
    #[arg(long, default_value_t = mqtt::MAX_PACKET_BYTES)]
    max_payload: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = mqtt::broker::Config { max_payload_bytes: args.max_payload, ..Default::default() };
    let addr = tokio::task::spawn_blocking(move || mqtt::broker::start(args.addr, &config))
        .await?
        .map_err(|error| common::runtime::cannot_listen(args.addr, &error))?;
    println!("listening on {addr}");
    common::runtime::shutdown_signal().await;
    println!("shutting down");
    Ok(())
}
