//! The orders behind `User.orders`: each user's orders, kept by user id. The store counts its
//! lookups, so a test can show what the DataLoader saves: listing 50 users with their orders
//! costs one lookup for all of them, not one per user (the "N+1 queries" of GraphQL).

use common::{Order, OrderItem};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A thread-safe order store, standing in for a database table. Cloning it shares the orders.
#[derive(Debug, Clone, Default)]
pub struct OrderStore {
    inner: Arc<Mutex<Inner>>,
    lookups: Arc<AtomicUsize>,
}

#[derive(Debug, Default)]
struct Inner {
    by_user: BTreeMap<u64, Vec<Order>>,
    next_id: u64,
}

impl OrderStore {
    /// Orders for the sample users 1, 2 and 3 of [`common::UserStore::with_sample_users`].
    pub fn with_sample_orders() -> Self {
        let store = Self::default();
        let item = |sku: &str, quantity, unit_price_cents| OrderItem {
            sku: sku.into(),
            quantity,
            unit_price_cents,
        };
        store.add(1, "Ada Lovelace", vec![item("NOTEBOOK", 2, 450), item("PEN", 3, 120)]);
        store.add(1, "Ada Lovelace", vec![item("ENGINE-PLANS", 1, 9900)]);
        store.add(2, "Alan Turing", vec![item("TAPE", 10, 99)]);
        store.add(3, "Grace Hopper", vec![item("COMPILER", 1, 4999), item("NANOSECOND", 12, 5)]);
        store
    }

    /// Records an order of `user_id` and returns it with its new id.
    pub fn add(&self, user_id: u64, customer: &str, items: Vec<OrderItem>) -> Order {
        let mut inner = self.lock();
        inner.next_id += 1;
        let order = Order { id: inner.next_id, customer: customer.to_owned(), items };
        inner.by_user.entry(user_id).or_default().push(order.clone());
        order
    }

    /// The orders of every user in `user_ids`, in one lookup (think `WHERE user_id IN (...)`).
    /// Users without orders are missing from the map.
    pub fn for_users(&self, user_ids: &[u64]) -> HashMap<u64, Vec<Order>> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let inner = self.lock();
        user_ids
            .iter()
            .filter_map(|id| inner.by_user.get(id).map(|orders| (*id, orders.clone())))
            .collect()
    }

    /// How many times [`for_users`](Self::for_users) has run.
    pub fn lookups(&self) -> usize {
        self.lookups.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update is a single push, so a poisoned lock still guards consistent data.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_are_found_by_user_and_lookups_counted() {
        let store = OrderStore::with_sample_orders();
        let found = store.for_users(&[1, 3, 99]);
        assert_eq!(found[&1].len(), 2);
        assert_eq!(found[&3][0].total_cents(), 4999 + 60);
        assert!(!found.contains_key(&99));
        assert_eq!(store.lookups(), 1);
    }
}
