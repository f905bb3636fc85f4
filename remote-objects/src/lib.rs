//! Remote objects in Rust: service traits with generated proxies (tarpc), a naming service
//! where objects are registered and found by name, errors that travel back as `Result::Err`,
//! and callbacks from the server to the client.
//!
//! The pieces, in reading order:
//!
//! - this file: the four service traits (the contract), their error enums, and the wire
//!   transport: length-delimited JSON frames over TCP, each frame at most [`MAX_FRAME`] bytes;
//! - [`names`]: the naming service `Names` with leases that expire unless renewed;
//! - [`objects`]: the objects one server hosts, `example.users` ([`Directory`]) and
//!   `example.counter` ([`Counter`]), and the [`Progress`] callback they call;
//! - [`server`]: one accept loop for every service: bounded connections, bounded requests per
//!   connection, graceful shutdown;
//! - [`client`]: look a name up, connect, call; and the client's own callback listener.
//!
//! Every object lives on its own port (tarpc carries one service per connection), and the
//! naming service maps a name to that port.

use common::{NewUser, User};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;

pub mod client;
pub mod names;
pub mod objects;
pub mod server;

// What a user of this crate needs to name its types (`tarpc::context::Context`,
// `tarpc::client::RpcError`) and to stop its servers, without a dependency of its own.
pub use tarpc;
pub use tokio_util::sync::CancellationToken;

/// The port `remote-objects-names` listens on unless told otherwise (Pyro's name server uses
/// 9090, so both can run side by side).
pub const DEFAULT_PORT: u16 = 7883;

/// The longest frame accepted in either direction, in bytes (the 4-byte length prefix not
/// counted). A peer announcing a longer frame is disconnected before anything is buffered.
pub const MAX_FRAME: usize = 256 * 1024;

/// The most users one `import_users` call takes (it fits well inside [`MAX_FRAME`]).
pub const MAX_IMPORT: usize = 1000;

/// The most users one `list_users` call returns.
pub const MAX_PAGE: usize = 100;

/// The longest `slow_get` delay a server accepts.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// The object name a server registers its [`Directory`] under.
pub const USERS: &str = "example.users";
/// The object name a server registers its [`Counter`] under.
pub const COUNTER: &str = "example.counter";

/// The naming service: where objects are registered and found by name.
///
/// A registration holds for a lease (`ttl_ms`); the owner renews it with the token it got
/// back, and a server that crashes stops renewing, so its names disappear by themselves.
#[tarpc::service]
pub trait Names {
    /// Registers `name` at `addr`. Fails with `Taken` while someone else's lease on it runs.
    async fn register(
        name: String,
        addr: SocketAddr,
        interface: String,
    ) -> Result<Lease, NamesError>;
    /// Extends the lease on `name`; returns the new time to live in milliseconds.
    async fn renew(name: String, token: u64) -> Result<u64, NamesError>;
    /// Where `name` is served, or `NotFound`.
    async fn lookup(name: String) -> Result<Entry, NamesError>;
    /// Every live registration whose name starts with `prefix`, in name order.
    async fn list(prefix: String) -> Vec<Entry>;
    /// Removes `name` before its lease ends (what a server does on a clean shutdown).
    async fn unregister(name: String, token: u64) -> Result<(), NamesError>;
}

/// What `register` hands back: the token that proves ownership, and the lease length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub token: u64,
    pub ttl_ms: u64,
}

/// One registration, as `lookup` and `list` return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub addr: SocketAddr,
    /// The service trait served there, e.g. `Directory`, so a client knows which proxy to use.
    pub interface: String,
    /// Milliseconds until the lease runs out unless renewed.
    pub expires_in_ms: u64,
}

/// The naming service's remote exceptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum NamesError {
    #[error("no object is registered as {0:?}")]
    NotFound(String),
    #[error("{0:?} is registered by someone else")]
    Taken(String),
    #[error("wrong token for {0:?}")]
    WrongToken(String),
    #[error("invalid name: {0}")]
    InvalidName(String),
    #[error("the registry is full ({0} names)")]
    Full(usize),
}

/// `example.users`: the user directory, over `common`'s store.
#[tarpc::service]
pub trait Directory {
    /// The user with this id, or `DirectoryError::NotFound`.
    async fn get_user(id: u64) -> Result<User, DirectoryError>;
    /// Creates a user; the server assigns the id.
    async fn create_user(user: NewUser) -> Result<User, DirectoryError>;
    /// Up to `limit` (at most [`MAX_PAGE`]) users in id order, skipping `offset`.
    async fn list_users(offset: u64, limit: u64) -> Vec<User>;
    /// Creates many users, reporting progress to the [`Progress`] service listening at
    /// `progress` (a callback; it must be on the caller's own IP address).
    async fn import_users(
        users: Vec<NewUser>,
        progress: Option<SocketAddr>,
    ) -> Result<ImportReport, DirectoryError>;
    /// Like `get_user`, after working for `delay_ms` first: the call that shows deadlines
    /// and cancellation.
    async fn slow_get(id: u64, delay_ms: u64) -> Result<User, DirectoryError>;
}

/// What a bulk import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub created: Vec<User>,
    /// The rejected entries: their position in the request and why.
    pub rejected: Vec<(u64, DirectoryError)>,
}

/// The directory's remote exceptions: a plain Rust enum that arrives as `Result::Err`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum DirectoryError {
    #[error("user {0} not found")]
    NotFound(u64),
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("a user with email {0} already exists")]
    AlreadyExists(String),
    #[error("the store is full ({0} users)")]
    Full(u64),
    #[error("too many users in one import (limit {0})")]
    TooMany(u64),
    #[error("delay too long (limit {0} ms)")]
    DelayTooLong(u64),
    #[error("callback refused: {0}")]
    Callback(String),
}

impl From<common::UserError> for DirectoryError {
    fn from(error: common::UserError) -> Self {
        use common::UserError as E;
        match error {
            E::NotFound(id) => Self::NotFound(id),
            E::Invalid { field, reason } => {
                Self::Invalid { field: field.to_owned(), reason: reason.to_owned() }
            }
            E::AlreadyExists(email) => Self::AlreadyExists(email),
            E::Full(n) => Self::Full(n as u64),
        }
    }
}

/// `example.counter`: a stateful object; its state lives on the server and every client
/// sees the same count.
#[tarpc::service]
pub trait Counter {
    /// Adds `by` (saturating) and returns the new value.
    async fn increment(by: u64) -> u64;
    async fn value() -> u64;
    /// Sets the count back to zero and returns what it was.
    async fn reset() -> u64;
}

/// The callback a client serves and the server calls: progress of a bulk import.
#[tarpc::service]
pub trait Progress {
    /// `done` of `total` entries processed so far.
    async fn update(done: u64, total: u64);
}

/// The transport every connection uses, both sides: TCP, frames of a 4-byte big-endian
/// length then that many bytes of JSON, frames longer than [`MAX_FRAME`] refused.
pub mod transport {
    use serde::{Deserialize, Serialize};
    use std::io;
    use std::net::SocketAddr;
    use std::time::Duration;
    use tarpc::serde_transport::Transport;
    use tarpc::tokio_serde::formats::Json;
    use tarpc::tokio_util::codec::{Framed, LengthDelimitedCodec};
    use tokio::net::TcpStream;

    /// A tarpc transport over one TCP stream: `In` is what this side reads, `Out` what it
    /// writes.
    pub type JsonTransport<In, Out> = Transport<TcpStream, In, Out, Json<In, Out>>;

    /// How long a client waits for the TCP handshake.
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Wraps an accepted or connected stream in length-delimited JSON frames.
    pub fn wrap<In, Out>(stream: TcpStream, max_frame: usize) -> JsonTransport<In, Out>
    where
        In: for<'de> Deserialize<'de>,
        Out: Serialize,
    {
        // Requests are small and answered at once: don't let Nagle hold them back.
        let _ = stream.set_nodelay(true);
        let codec = LengthDelimitedCodec::builder()
            .length_field_length(4)
            .max_frame_length(max_frame)
            .new_codec();
        tarpc::serde_transport::new(Framed::new(stream, codec), Json::default())
    }

    /// Connects to `addr` (bounded by [`CONNECT_TIMEOUT`]) and wraps the stream.
    pub async fn connect<In, Out>(addr: SocketAddr) -> io::Result<JsonTransport<In, Out>>
    where
        In: for<'de> Deserialize<'de>,
        Out: Serialize,
    {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
        Ok(wrap(stream, crate::MAX_FRAME))
    }

    /// The size on the wire of the request frame a proxy sends for `message` (for example
    /// `DirectoryRequest::GetUser { id: 1 }`): the length prefix and tarpc's JSON request.
    pub fn request_frame_bytes<Req: Serialize>(message: Req) -> usize {
        let request = tarpc::ClientMessage::Request(tarpc::Request {
            context: crate::client::context(),
            id: 1,
            message,
        });
        // Serializing plain data into memory cannot fail.
        4 + serde_json::to_vec(&request).map_or(0, |json| json.len())
    }
}
