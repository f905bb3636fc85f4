//! The users object a Rust daemon serves: `get_user(id)`, `create_user(name, email)` and
//! `list_users()` on `common`'s store, with users as the dicts Python code expects and the
//! store's errors as Python exceptions:
//!
//! | store error | raised in Python as |
//! | --- | --- |
//! | not found | `LookupError("user 42 not found")` |
//! | invalid field, email taken | `ValueError("invalid email: ...")`, `ValueError("a user with email ... already exists")` |
//! | store full | `RuntimeError("the store is full (10000 users)")` |
//! | wrong argument count or type | `TypeError(...)` |

use crate::payload::{Metadata, RemoteException};
use crate::server::{Args, Object};
use common::{NewUser, UserError, UserStore};
use serde_json::{Value, json};

/// Most users `list_users` returns: keeps every reply far below the message limit.
pub const LIST_LIMIT: usize = 1000;

#[derive(Debug, Clone)]
pub struct Users {
    store: UserStore,
}

impl Users {
    pub fn new(store: UserStore) -> Self {
        Self { store }
    }
}

impl Object for Users {
    fn metadata(&self) -> Metadata {
        let methods = ["create_user", "get_user", "list_users"];
        Metadata { methods: methods.map(String::from).into(), ..Metadata::default() }
    }

    fn call(&self, method: &str, args: Args) -> Result<Value, RemoteException> {
        match method {
            "get_user" => {
                let [id] = args.bind(["id"])?;
                let id = id.as_u64().ok_or_else(|| wrong_type("id", "int", &id))?;
                Ok(json!(self.store.get(id).map_err(raised)?))
            }
            "create_user" => {
                let [name, email] = args.bind(["name", "email"])?;
                let text = |value: Value, field| match value {
                    Value::String(text) => Ok(text),
                    other => Err(wrong_type(field, "str", &other)),
                };
                let new = NewUser { name: text(name, "name")?, email: text(email, "email")? };
                Ok(json!(self.store.create(new).map_err(raised)?))
            }
            "list_users" => {
                let [] = args.bind([])?;
                Ok(json!(self.store.list(0, LIST_LIMIT)))
            }
            // `Daemon` calls only the methods `metadata` lists.
            other => Err(RemoteException::builtin("AttributeError", other)),
        }
    }
}

fn raised(error: UserError) -> RemoteException {
    let class = match error {
        UserError::NotFound(_) => "LookupError",
        UserError::Invalid { .. } | UserError::AlreadyExists(_) => "ValueError",
        UserError::Full(_) => "RuntimeError",
    };
    RemoteException::builtin(class, error.to_string())
}

fn wrong_type(field: &str, expected: &str, got: &Value) -> RemoteException {
    RemoteException::builtin("TypeError", format!("{field} must be {expected}, not {got}"))
}
