//! The few things every example crate shares, and nothing protocol-specific:
//!
//! - [`types`]: the domain every protocol carries (users, orders, telemetry readings), so the
//!   crates can be compared like with like;
//! - [`users`]: the in-memory user store behind every request/response example;
//! - [`cli`]: the `--addr` flag, with each crate's own default port;
//! - [`runtime`]: logging setup and the shutdown signal every server waits on;
//! - [`exit`]: how every binary ends, with one line on stderr for an error;
//! - [`testing`]: finding a crate's built example, for its tests.

pub mod cli;
pub mod exit;
pub mod runtime;
pub mod testing;
pub mod types;
pub mod users;

pub use types::{NewUser, Order, OrderItem, Reading, User};
pub use users::{UserError, UserStore};
