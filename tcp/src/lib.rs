//! A line-based request/response protocol over TCP that a person can type in `nc` or
//! `telnet`.
//!
//! Every request is one line, every response is one line. Lines end in LF or CRLF on the way
//! in; the server ends its own with CRLF. Keywords are case-insensitive.
//!
//! ```text
//! PING                     -> PONG
//! ECHO <text>              -> ECHO <text>
//! GET <id>                 -> USER <id> <email> <name>
//! CREATE <email> <name>    -> CREATED <id> <email> <name>
//! HELP                     -> HELP <the commands>
//! QUIT                     -> BYE                          (then the server closes)
//! anything that fails      -> ERR <reason>
//! ```
//!
//! The server may also close on its own, after saying why: `ERR line too long ...`,
//! `ERR idle timeout ...`, `ERR server busy ...` or `BYE server shutting down`.

pub mod client;
pub mod protocol;
pub mod server;

/// The port `tcp-server` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// The longest line accepted, in bytes, counting its line ending. Requests are short; a
/// bound keeps one client from making the server buffer without limit.
pub const MAX_LINE: usize = 1024;
