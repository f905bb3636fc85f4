//! XML-RPC over HTTP: every call is one `POST /RPC2` whose body is a `<methodCall>` document,
//! answered by a `<methodResponse>` holding either one value or a `<fault>`.
//!
//! The values and documents are [dxr]'s (`dxr::Value`, `MethodCall`, `MethodResponse`,
//! `FaultResponse`). The HTTP server and client around them are this crate's own, because
//! they are where the protection against hostile XML lives: [`guard::check`] reads every
//! document once with quick-xml's pull parser before dxr sees it, and refuses a DOCTYPE (so no
//! entity is ever defined, let alone expanded or fetched), too deep nesting and malformed XML.
//!
//! Reading order: this file (names, fault codes), [`guard`], [`methods`] (what each method does),
//! [`server`], [`client`].

use dxr::{Fault, Value};

pub use common::{NewUser, User, UserError};
/// dxr, whose `Value` is in this crate's API.
pub use dxr;

pub mod client;
pub mod guard;
pub mod methods;
pub mod server;

/// The default port of `xmlrpc-server`.
pub const DEFAULT_PORT: u16 = 7881;

/// The conventional XML-RPC endpoint (Python's `SimpleXMLRPCServer` also answers on `/`).
pub const PATH: &str = "/RPC2";

/// Most users one `users.list` call returns; a larger `limit` is clamped to this.
pub const MAX_PAGE: usize = 100;

/// Most calls in one `system.multicall`; more is one fault instead of any answer.
pub const MAX_MULTICALL: usize = 100;

/// Fault codes. XML-RPC itself defines none; the negative ones are the widely used
/// "specification for fault code interoperability" (xmlrpc-epi, Apache XML-RPC, PHP), the
/// positive ones are the same application codes as the `jsonrpc` crate's.
pub mod codes {
    /// `UserError::NotFound`: no user has this id.
    pub const USER_NOT_FOUND: i32 = 1001;
    /// `UserError::Invalid`: the message names the field (`name` or `email`) and the reason.
    pub const INVALID_USER: i32 = 1002;
    /// `UserError::AlreadyExists`: another user has this email address.
    pub const EMAIL_TAKEN: i32 = 1003;
    /// `UserError::Full`: the store holds as many users as it may.
    pub const STORE_FULL: i32 = 1004;
    /// An arithmetic result (a validator1 sum or product) would leave the `i4` range.
    pub const OUT_OF_RANGE: i32 = 1100;

    /// The body is not well-formed XML.
    pub const PARSE_ERROR: i32 = -32700;
    /// The body is not UTF-8 (or declares another encoding).
    pub const UNSUPPORTED_ENCODING: i32 = -32701;
    /// Well-formed XML, but not an XML-RPC `<methodCall>`: a DOCTYPE, a processing
    /// instruction, nesting deeper than the server allows, unknown elements.
    pub const INVALID_XMLRPC: i32 = -32600;
    /// No method of that name.
    pub const METHOD_NOT_FOUND: i32 = -32601;
    /// Wrong number or types of parameters.
    pub const INVALID_PARAMS: i32 = -32602;
}

/// The fault a [`UserError`] becomes: its own code, and the error's message.
pub fn user_fault(err: UserError) -> Fault {
    let code = match err {
        UserError::NotFound(_) => codes::USER_NOT_FOUND,
        UserError::Invalid { .. } => codes::INVALID_USER,
        UserError::AlreadyExists(_) => codes::EMAIL_TAKEN,
        UserError::Full(_) => codes::STORE_FULL,
    };
    Fault::new(code, err.to_string())
}

/// A user as an XML-RPC struct: `{id: i4, name: string, email: string}` (`id` as the `<i8>`
/// extension only if it ever outgrows `i4`).
pub fn user_to_value(user: &User) -> Value {
    let id = i32::try_from(user.id)
        .map_or_else(|_| Value::Long(i64::try_from(user.id).unwrap_or(i64::MAX)), Value::Integer);
    Value::Struct(
        [
            ("id".to_owned(), id),
            ("name".to_owned(), Value::String(user.name.clone())),
            ("email".to_owned(), Value::String(user.email.clone())),
        ]
        .into(),
    )
}

/// The inverse of [`user_to_value`]; `None` if the value is not such a struct.
pub fn user_from_value(value: &Value) -> Option<User> {
    let Value::Struct(fields) = value else { return None };
    let id = match fields.get("id")? {
        Value::Integer(id) => u64::try_from(*id).ok()?,
        Value::Long(id) => u64::try_from(*id).ok()?,
        _ => return None,
    };
    let text = |name: &str| match fields.get(name) {
        Some(Value::String(text)) => Some(text.clone()),
        _ => None,
    };
    Some(User { id, name: text("name")?, email: text("email")? })
}

/// An XML-RPC value in one line, the way the client binary and the tour print it:
/// `{email: "ada@example.com", id: 1, name: "Ada Lovelace"}`.
pub fn display(value: &Value) -> String {
    match value {
        Value::Integer(n) => n.to_string(),
        Value::Long(n) => n.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Double(d) => format!("{d:?}"),
        Value::DateTime(t) => t.to_string(),
        Value::Base64(bytes) => format!("base64({} bytes)", bytes.len()),
        Value::Struct(fields) => {
            let fields: Vec<String> =
                fields.iter().map(|(k, v)| format!("{k}: {}", display(v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(display).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Nil => "nil".to_owned(),
        // `Value` is non-exhaustive: a future dxr may add a type.
        other => format!("{other:?}"),
    }
}
