//! Domain types shared by all protocols. They derive serde, so every JSON-speaking crate
//! puts exactly the same objects on the wire.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// A stored user, as returned by every user API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: String,
}

/// What a client sends to create (or replace) a user; the server assigns the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub name: String,
    pub email: String,
}

/// An order placed by a customer: what the message-queue examples move around.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: u64,
    pub customer: String,
    pub items: Vec<OrderItem>,
}

/// One line of an [`Order`]. Prices are integer cents: never floats for money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    pub sku: String,
    pub quantity: u32,
    pub unit_price_cents: u64,
}

impl Order {
    /// The order's total in cents, saturating rather than overflowing on absurd input.
    pub fn total_cents(&self) -> u64 {
        self.items.iter().fold(0u64, |total, item| {
            total.saturating_add(item.unit_price_cents.saturating_mul(u64::from(item.quantity)))
        })
    }
}

/// One telemetry reading from a sensor. `seq` numbers a sensor's readings from 1, which
/// lets a receiver detect loss, duplication and reordering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub sensor: String,
    pub seq: u64,
    pub value: f64,
    pub unit: String,
    /// Milliseconds since the Unix epoch, taken by the sender.
    pub timestamp_ms: u64,
}

impl Reading {
    /// A reading stamped with the current wall-clock time.
    pub fn now(sensor: impl Into<String>, seq: u64, value: f64, unit: impl Into<String>) -> Self {
        let timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis() as u64);
        Self { sensor: sensor.into(), seq, value, unit: unit.into(), timestamp_ms }
    }
}
