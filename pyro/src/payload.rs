//! The JSON payloads Pyro5's `JsonSerializer` puts in messages, as Rust types.
//!
//! ```text
//! CONNECT     {"handshake": "hello", "object": "example.users"}
//! CONNECTOK   {"handshake": "hello", "meta": {"methods": [..], "oneway": [..], "attrs": [..]}}
//! CONNECTFAIL "the reason, as a string"
//! INVOKE      {"object": "example.users", "method": "get_user", "params": [1], "kwargs": {}}
//! RESULT      the return value, or with the EXCEPTION flag:
//!             {"__class__": "builtins.LookupError", "__exception__": true,
//!              "args": ["user 42 not found"], "attributes": {"_pyroTraceback": [..]}}
//! ```
//!
//! Pyro5 marks objects it rebuilds on arrival with `__class__`; a URI, for instance, is
//! `{"__class__": "Pyro5.core.URI", "state": ["PYRO", object, null, host, port]}`.

use crate::uri::Uri;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// What a client says when it connects: who it wants to talk to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connect {
    /// Anything; Pyro5 sends `"hello"` and a daemon may check it.
    pub handshake: Value,
    pub object: String,
}

/// The daemon's answer to [`Connect`]: its own handshake data and what the object exposes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectOk {
    pub handshake: Value,
    pub meta: Metadata,
}

/// What a proxy may call: Pyro5's proxies refuse any other name locally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub methods: Vec<String>,
    /// Methods called without waiting for a RESULT.
    pub oneway: Vec<String>,
    /// Exposed properties.
    pub attrs: Vec<String>,
}

/// One method call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub object: String,
    pub method: String,
    pub params: Vec<Value>,
    pub kwargs: Map<String, Value>,
}

/// An exception, as one side raises it and the other rebuilds it. Pyro5 rebuilds only
/// Python's built-in exceptions and its own `Pyro5.errors.*` classes, so those are the
/// classes a Rust daemon should raise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{class}: {}", self.message())]
pub struct RemoteException {
    /// Module and class, e.g. `builtins.LookupError` or `Pyro5.errors.NamingError`.
    pub class: String,
    /// The exception's arguments; usually one message string.
    pub args: Vec<Value>,
    /// The remote traceback, one line per entry, as Pyro5 sends `_pyroTraceback`.
    pub traceback: Vec<String>,
}

impl RemoteException {
    /// A built-in Python exception with one message, e.g. `builtin("ValueError", "...")`.
    pub fn builtin(class: &str, message: impl Into<String>) -> Self {
        Self {
            class: format!("builtins.{class}"),
            args: vec![Value::String(message.into())],
            traceback: Vec::new(),
        }
    }

    /// The class without its module: what Python prints first.
    pub fn short_class(&self) -> &str {
        self.class.rsplit('.').next().unwrap_or(&self.class)
    }

    /// The first argument when it is a string (Python's `str(exception)` for one argument).
    pub fn message(&self) -> String {
        match self.args.as_slice() {
            [Value::String(text)] => text.clone(),
            [] => String::new(),
            args => Value::Array(args.to_vec()).to_string(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "__class__": self.class,
            "__exception__": true,
            "args": self.args,
            "attributes": {"_pyroTraceback": self.traceback},
        })
    }

    /// Reads an exception dict; `None` when `value` is not one.
    pub fn from_json(value: &Value) -> Option<Self> {
        let object = value.as_object()?;
        let class = object.get("__class__")?.as_str()?.to_owned();
        let args = match object.get("args") {
            Some(Value::Array(args)) => args.clone(),
            _ => Vec::new(),
        };
        let traceback = object
            .get("attributes")
            .and_then(|attributes| attributes.get("_pyroTraceback"))
            .and_then(Value::as_array)
            .map(|lines| lines.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        Some(Self { class, args, traceback })
    }
}

/// A URI as Pyro5's JSON serializer writes a `Pyro5.core.URI` object.
pub fn uri_to_json(uri: &Uri) -> Value {
    match uri {
        Uri::Pyro { object, host, port } => json!({
            "__class__": "Pyro5.core.URI",
            "state": ["PYRO", object, null, host, port],
        }),
        Uri::PyroName { name, host, port } => json!({
            "__class__": "Pyro5.core.URI",
            "state": ["PYRONAME", name, null, host, port.unwrap_or(0)],
        }),
    }
}

/// Reads a URI object, or a URI string (the name server's `list` returns strings).
pub fn uri_from_json(value: &Value) -> Option<Uri> {
    if let Some(text) = value.as_str() {
        return text.parse().ok();
    }
    let state = value.get("state")?.as_array()?;
    let [protocol, object, _socket, host, port] = state.as_slice() else {
        return None;
    };
    let (object, host) = (object.as_str()?.to_owned(), host.as_str()?.to_owned());
    let port = u16::try_from(port.as_u64()?).ok()?;
    match protocol.as_str()? {
        "PYRO" => Some(Uri::Pyro { object, host, port }),
        "PYRONAME" => Some(Uri::PyroName { name: object, host, port: Some(port) }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exception_reads_as_pyro5_writes_it() {
        // As Pyro5 5.17's daemon sends `KeyError('no such thing')` with the JSON serializer.
        let sent = json!({
            "__class__": "builtins.KeyError",
            "__exception__": true,
            "args": ["no such thing"],
            "attributes": {"_pyroTraceback": ["Traceback (most recent call last):\n", "KeyError: 'no such thing'\n"]}
        });
        let exception = RemoteException::from_json(&sent).unwrap();
        assert_eq!(exception.short_class(), "KeyError");
        assert_eq!(exception.to_string(), "builtins.KeyError: no such thing");
        assert_eq!(exception.traceback.len(), 2);
        assert_eq!(exception.to_json(), sent);
    }

    #[test]
    fn uris_in_both_forms() {
        let uri =
            Uri::Pyro { object: "example.users".into(), host: "127.0.0.1".into(), port: 5001 };
        let value = uri_to_json(&uri);
        assert_eq!(value["state"], json!(["PYRO", "example.users", null, "127.0.0.1", 5001]));
        assert_eq!(uri_from_json(&value), Some(uri.clone()));
        assert_eq!(uri_from_json(&json!("PYRO:example.users@127.0.0.1:5001")), Some(uri));
        assert_eq!(uri_from_json(&json!({"state": "nonsense"})), None);
    }
}
