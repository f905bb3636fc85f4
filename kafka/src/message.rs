//! What travels in an event: the key (the customer) and the value (one [`Order`] as JSON), and
//! the checks that decide whether a value is an order the consumer can process or a poison
//! event for the dead-letter topic.

use common::{Order, OrderItem};

/// The `content-type` header on every order event, so other tools know how to read the value.
pub const CONTENT_TYPE: &str = "application/json";

/// Largest value the consumer will parse. Real orders are a few hundred bytes; anything bigger
/// is dead-lettered unread. (The fetch size limits bound what the client buffers at all.)
pub const MAX_ORDER_BYTES: usize = 64 * 1024;

/// Most lines one order may carry; more is treated as poison, not processed.
pub const MAX_ORDER_ITEMS: usize = 100;

/// Why a value was refused. A refused event is copied to the dead-letter topic with this reason
/// in a header and its offset committed: the partition keeps moving instead of retrying forever.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Poison {
    #[error("value is {0} bytes, more than the {MAX_ORDER_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("value is not an order: {0}")]
    NotAnOrder(String),
    #[error("order {id} is invalid: {reason}")]
    Invalid { id: u64, reason: &'static str },
}

/// The key of an order's event: its customer. Kafka sends every event with the same key to the
/// same partition, and a partition is read in order, so one customer's orders stay in order.
pub fn order_key(order: &Order) -> &str {
    &order.customer
}

/// The JSON value for an order.
pub fn encode_order(order: &Order) -> Vec<u8> {
    // Cannot fail: an Order is plain strings and integers, which always serialize.
    serde_json::to_vec(order).expect("an Order always serializes to JSON")
}

/// Parses and checks a value; `Err` means the event is poison and must be dead-lettered.
pub fn decode_order(value: &[u8]) -> Result<Order, Poison> {
    if value.len() > MAX_ORDER_BYTES {
        return Err(Poison::TooLarge(value.len()));
    }
    let order: Order =
        serde_json::from_slice(value).map_err(|err| Poison::NotAnOrder(err.to_string()))?;
    let invalid = |reason| Err(Poison::Invalid { id: order.id, reason });
    if order.customer.trim().is_empty() {
        return invalid("customer is empty");
    }
    if order.items.is_empty() {
        return invalid("order has no items");
    }
    if order.items.len() > MAX_ORDER_ITEMS {
        return invalid("order has more than 100 items");
    }
    if order.items.iter().any(|item| item.quantity == 0) {
        return invalid("an item has quantity 0");
    }
    Ok(order)
}

/// A believable order for demos, tests and benchmarks; the same id always gives the same order.
pub fn sample_order(id: u64) -> Order {
    const CUSTOMERS: [&str; 3] = ["Ada Lovelace", "Alan Turing", "Grace Hopper"];
    const SKUS: [(&str, u64); 4] =
        [("KB-101", 4_999), ("MS-202", 2_499), ("USB-C-1M", 999), ("MON-27", 21_900)];
    let pick = |n: u64, len: usize| (n % len as u64) as usize;
    let lines = 1 + id % 3;
    let items = (0..lines)
        .map(|line| {
            let (sku, unit_price_cents) = SKUS[pick(id + line, SKUS.len())];
            let quantity = 1 + ((id + line) % 4) as u32;
            OrderItem { sku: sku.to_owned(), quantity, unit_price_cents }
        })
        .collect();
    Order { id, customer: CUSTOMERS[pick(id, CUSTOMERS.len())].to_owned(), items }
}

/// One line describing an order, e.g. `order 7 from Alan Turing: 2 items, 68.95 total`.
pub fn describe(order: &Order) -> String {
    let cents = order.total_cents();
    let items = order.items.len();
    let plural = if items == 1 { "" } else { "s" };
    format!(
        "order {} from {}: {items} item{plural}, {}.{:02} total",
        order.id,
        order.customer,
        cents / 100,
        cents % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_orders_round_trip() {
        for id in 1..=20 {
            let order = sample_order(id);
            assert_eq!(decode_order(&encode_order(&order)), Ok(order));
        }
    }

    #[test]
    fn describe_shows_id_customer_and_total() {
        let order = Order {
            id: 7,
            customer: "Alan Turing".into(),
            items: vec![OrderItem { sku: "KB-101".into(), quantity: 3, unit_price_cents: 1_005 }],
        };
        assert_eq!(describe(&order), "order 7 from Alan Turing: 1 item, 30.15 total");
    }

    #[test]
    fn malformed_bodies_are_poison() {
        assert!(matches!(decode_order(b"not json"), Err(Poison::NotAnOrder(_))));
        assert!(matches!(decode_order(b""), Err(Poison::NotAnOrder(_))));
        assert!(matches!(decode_order(br#"{"id":"seven"}"#), Err(Poison::NotAnOrder(_))));
        assert!(matches!(decode_order(&[0xff, 0xfe, 0x00]), Err(Poison::NotAnOrder(_))));
    }

    #[test]
    fn oversize_bodies_are_refused_before_parsing() {
        let body = vec![b' '; MAX_ORDER_BYTES + 1];
        assert_eq!(decode_order(&body), Err(Poison::TooLarge(MAX_ORDER_BYTES + 1)));
    }

    #[test]
    fn orders_that_cannot_be_fulfilled_are_poison() {
        let mut order = sample_order(1);
        order.items.clear();
        assert_eq!(
            decode_order(&encode_order(&order)),
            Err(Poison::Invalid { id: 1, reason: "order has no items" })
        );
        let mut order = sample_order(2);
        order.items[0].quantity = 0;
        assert!(matches!(decode_order(&encode_order(&order)), Err(Poison::Invalid { id: 2, .. })));
        let mut order = sample_order(3);
        order.customer = "  ".into();
        assert!(matches!(decode_order(&encode_order(&order)), Err(Poison::Invalid { id: 3, .. })));
    }
}
