//! JSON-RPC 2.0 over HTTP with [jsonrpsee].
//!
//! The API is written down once, as the `Api` trait. jsonrpsee's `#[rpc]` macro turns it into
//! `ApiServer` (implemented by [`server::Handlers`]) and `ApiClient` (a typed client, used in [`client`]),
//! so the server and the client cannot disagree about a method name or a parameter.
//!
//! Besides the user methods, the API carries the methods that the JSON-RPC 2.0 specification
//! uses in its Examples section, so every example there can be replayed against this server
//! byte for byte (see the README and `tests/spec_examples.rs`).

use jsonrpsee::proc_macros::rpc;
use jsonrpsee::types::ErrorObjectOwned;

pub use common::{NewUser, User, UserError};

pub mod client;
pub mod conformance;
mod handlers;
pub mod server;

/// The default address of `jsonrpc-server`.
pub const DEFAULT_PORT: u16 = 7880;

/// Most users one `users.list` call returns; a larger `limit` is clamped to this.
pub const MAX_PAGE: usize = 100;

/// `sum` is not in `Api`: like `update`, it takes its positional parameters as a list of any
/// length (`[1, 2, 4]`), while the `#[rpc]` macro maps each array element to one Rust argument.
/// The server registers these two by hand; the client calls them by name.
pub const SUM: &str = "sum";
/// `update`, the specification's example notification: `[1, 2, 3, 4, 5]`. See [`SUM`].
pub const UPDATE: &str = "update";

/// The whole API. `#[method(name = ...)]` is the name on the wire.
///
/// A server accepts parameters by position (`[42, 23]`) and by name
/// (`{"minuend": 42, "subtrahend": 23}`) for every method; `param_kind` only chooses what the
/// generated client sends.
#[rpc(server, client)]
pub trait Api {
    /// The user with this id.
    #[method(name = "users.get")]
    async fn get_user(&self, id: u64) -> Result<User, ErrorObjectOwned>;

    /// Stores a new user and returns it with the id the server assigned.
    #[method(name = "users.create", param_kind = map)]
    async fn create_user(&self, name: String, email: String) -> Result<User, ErrorObjectOwned>;

    /// Users in id order: at most `limit` (default and maximum [`MAX_PAGE`]) after `offset`.
    #[method(name = "users.list", param_kind = map)]
    async fn list_users(
        &self,
        offset: Option<usize>,
        limit: Option<usize>,
    ) -> Result<Vec<User>, ErrorObjectOwned>;

    /// `minuend - subtrahend`: the specification's example of positional and named parameters.
    #[method(name = "subtract", param_kind = map)]
    async fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, ErrorObjectOwned>;

    /// The specification's example of a method without parameters; it answers `["hello", 5]`.
    #[method(name = "get_data")]
    async fn get_data(&self) -> Result<(String, u32), ErrorObjectOwned>;

    /// Meant to be sent as a notification (no `id`): the server logs and counts it and
    /// replies nothing. Sent as a call (with an `id`), it answers `null`.
    #[method(name = "notify_hello")]
    async fn notify_hello(&self, value: i64) -> Result<(), ErrorObjectOwned>;
}

/// Application error codes. JSON-RPC reserves -32768..=-32000 for itself; everything else is
/// the application's to define. Each [`UserError`] has its own code so that a client can
/// branch on the number and leave the message for humans.
pub mod codes {
    /// `UserError::NotFound`; `data` is `{"id": <the id asked for>}`.
    pub const USER_NOT_FOUND: i32 = 1001;
    /// `UserError::Invalid`; `data` is `{"field": "name" | "email", "reason": "..."}`.
    pub const INVALID_USER: i32 = 1002;
    /// `UserError::AlreadyExists`: another user has this email address.
    pub const EMAIL_TAKEN: i32 = 1003;
    /// `UserError::Full`: the store holds as many users as it may.
    pub const STORE_FULL: i32 = 1004;
    /// `subtract` or `sum` would leave the 64-bit integer range.
    pub const OUT_OF_RANGE: i32 = 1100;
}

/// The JSON-RPC error a [`UserError`] becomes: an application code, the error's message, and
/// `data` a program can use.
pub fn user_error(err: UserError) -> ErrorObjectOwned {
    let message = err.to_string();
    match err {
        UserError::NotFound(id) => ErrorObjectOwned::owned(
            codes::USER_NOT_FOUND,
            message,
            Some(serde_json::json!({"id": id})),
        ),
        UserError::Invalid { field, reason } => ErrorObjectOwned::owned(
            codes::INVALID_USER,
            message,
            Some(serde_json::json!({"field": field, "reason": reason})),
        ),
        UserError::AlreadyExists(_) => {
            ErrorObjectOwned::owned(codes::EMAIL_TAKEN, message, None::<()>)
        }
        UserError::Full(_) => ErrorObjectOwned::owned(codes::STORE_FULL, message, None::<()>),
    }
}

/// The error `subtract` and `sum` answer instead of overflowing.
pub fn out_of_range() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        codes::OUT_OF_RANGE,
        "result out of the 64-bit integer range",
        None::<()>,
    )
}
