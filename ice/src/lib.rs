//! ZeroC Ice, protocol 1.0 and encoding 1.1, written out by hand: enough of it for a client
//! and a server of one Slice interface (`slice/users.ice`) to talk to ZeroC's own runtime.
//!
//! Read it in this order, next to the "Ice Protocol" and "Ice Encoding" chapters of ZeroC's
//! manual:
//!
//! - [`encoding`]: sizes, ints, strings, sequences, encapsulations;
//! - [`message`]: the 14-byte header, request, reply, validate and close connection, and the
//!   framing codec;
//! - [`directory`]: the marshalling of `users.ice`, user exceptions as 1.1 slices them;
//! - [`server`]: the `users` object on a listener; [`client`]: the typed proxy `DirectoryPrx`.
//!
//! Not here: compression, batch requests, TLS, a locator, classes, optional members,
//! protocol/encoding 1.0 parameters. It is an example of the wire format, not a runtime.

pub mod client;
pub mod directory;
pub mod encoding;
pub mod message;
pub mod server;

/// The port `ice-server` listens on unless told otherwise (Ice's conventional demo port).
pub const DEFAULT_PORT: u16 = 10000;

/// The largest message either side accepts, header included: 1 MiB, like ZeroC's
/// `Ice.MessageSizeMax` default.
pub const MAX_MESSAGE: usize = 1024 * 1024;
