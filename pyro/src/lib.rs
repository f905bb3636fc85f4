//! Pyro5's wire protocol, spoken from Rust: a Rust program can call objects that a Python
//! Pyro5 daemon serves, and serve objects that Python calls through an ordinary
//! `Pyro5.api.Proxy`, both found through Pyro5's own name server.
//!
//! Every message is a 40-byte header, optional annotation chunks, then the payload, which
//! here is always JSON (Pyro5's serializer id 3):
//!
//! ```text
//! client                                   daemon
//!   CONNECT  {"handshake": "hello", "object": "example.users"}  ->
//!         <-  CONNECTOK {"handshake": "hello", "meta": {"methods": [...], ...}}
//!   INVOKE   {"object": ..., "method": "get_user", "params": [1], "kwargs": {}}  ->
//!         <-  RESULT {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}
//!                 (or RESULT with the exception flag and the exception as a dict)
//! ```
//!
//! - [`message`]: the header, annotations and message types (`Pyro5/protocol.py`);
//! - [`payload`]: the JSON shapes of a call, the handshake, metadata and exceptions;
//! - [`uri`]: `PYRO:object@host:port` and `PYRONAME:name@host:port`;
//! - [`client`]: a connection to one remote object, the name server, a typed users proxy;
//! - [`server`]: a daemon that serves [`server::Object`]s; [`users`]: the users object.

pub mod client;
pub mod message;
pub mod payload;
pub mod server;
pub mod uri;
pub mod users;

/// The port of a Pyro5 name server unless told otherwise (Pyro5's `NS_PORT`).
pub const DEFAULT_NS_PORT: u16 = 9090;

/// The name the users object is registered under in the name server.
pub const USERS_NAME: &str = "example.users";

/// The largest message (annotations plus payload) either side accepts, in bytes. Pyro5's
/// own default `MAX_MESSAGE_SIZE` is unlimited; a bound keeps one peer from making the other
/// allocate without limit. Every call here is far below it.
pub const MAX_MESSAGE: usize = 1024 * 1024;
