//! AMQP in one file, with lapin: declare a queue on the broker, publish one order to it,
//! consume it and acknowledge it. Needs RabbitMQ on `AMQP_ADDR` (default localhost:5672).
//!
//! ```text
//! cargo run -p amqp --example minimal
//! ```
//! The full crate adds an exchange with a dead-letter queue, publisher confirms, prefetch,
//! poison messages, reconnects and graceful shutdown (`src/producer.rs`, `src/consumer.rs`).

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::var("AMQP_ADDR")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let connection = Connection::connect(&addr, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    // Exclusive and auto-deleted: the queue goes away with this connection.
    let declare = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
    let queue = channel.queue_declare("".into(), declare, FieldTable::default()).await?;

    let order = br#"{"id":1,"customer":"ada","items":[{"sku":"book","quantity":1,"unit_price_cents":2500}]}"#;
    let properties = BasicProperties::default().with_content_type("application/json".into());
    // The default exchange ("") routes by queue name.
    channel
        .basic_publish(
            "".into(),
            queue.name().as_str().into(),
            BasicPublishOptions::default(),
            order,
            properties,
        )
        .await?;

    let mut consumer = channel
        .basic_consume(
            queue.name().as_str().into(),
            "minimal".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    if let Some(delivery) = consumer.next().await {
        let delivery = delivery?;
        println!("received {}", String::from_utf8_lossy(&delivery.data));
        delivery.ack(BasicAckOptions::default()).await?;
    }
    connection.close(200, "done".into()).await?;
    Ok(())
}
