//! The client side: one `POST /RPC2` per call with reqwest, dxr to write the `<methodCall>` and
//! read the `<methodResponse>`. A server's answer is untrusted input too: it is read up to
//! [`MAX_RESPONSE_BYTES`] and passes the same [`guard`](crate::guard) as requests on the server.

use crate::guard::{self, Refused};
use crate::{User, display, user_from_value, user_to_value};
use dxr::{Fault, FaultResponse, MethodCall, MethodResponse, Value};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

/// How long the client waits for any one answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest response the client reads.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Why a call gave no value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a `<fault>`: its code and string.
    #[error("fault {}: {}", .0.code(), .0.string())]
    Fault(Fault),
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("HTTP status {0}")]
    Status(reqwest::StatusCode),
    #[error("response larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("response refused: {0}")]
    Refused(#[from] Refused),
    #[error("not an XML-RPC response: {0}")]
    Invalid(String),
}

impl Error {
    /// The fault code, if the server answered with a fault.
    pub fn fault_code(&self) -> Option<i32> {
        match self {
            Error::Fault(fault) => Some(fault.code()),
            _ => None,
        }
    }
}

/// An XML-RPC client for one endpoint URL. Cloning shares the connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    /// A client for `xmlrpc-server` (or any XML-RPC server) at `http://{addr}/RPC2`.
    pub fn new(addr: SocketAddr) -> Result<Self, Error> {
        Self::with_url(format!("http://{addr}{}", crate::PATH))
    }

    /// A client for any endpoint URL. No connection is made until the first call.
    pub fn with_url(url: impl Into<String>) -> Result<Self, Error> {
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build()?;
        Ok(Self { http, url: url.into() })
    }

    /// The `<methodCall>` document a call sends.
    pub fn document(method: &str, params: Vec<Value>) -> Result<String, Error> {
        let call = MethodCall { name: Cow::Borrowed(method), params };
        let xml = call.to_xml().map_err(|err| Error::Invalid(err.to_string()))?;
        Ok(format!("<?xml version=\"1.0\"?>\n{xml}\n"))
    }

    /// Calls `method` with positional `params`.
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, Error> {
        let request = Self::document(method, params)?;
        let mut response = self
            .http
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "text/xml")
            .body(request)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(Error::Status(response.status()));
        }
        if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Err(Error::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Error::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        parse_response(&body)
    }

    /// `users.get`.
    pub async fn get_user(&self, id: u64) -> Result<User, Error> {
        let id = i32::try_from(id)
            .map_or(Value::Long(id.try_into().unwrap_or(i64::MAX)), Value::Integer);
        user(self.call("users.get", vec![id]).await?)
    }

    /// `users.create`, with the struct `{name, email}`.
    pub async fn create_user(&self, name: &str, email: &str) -> Result<User, Error> {
        let fields = [("name", name), ("email", email)]
            .map(|(key, text)| (key.to_owned(), Value::String(text.to_owned())));
        user(self.call("users.create", vec![Value::Struct(fields.into())]).await?)
    }

    /// `users.list`, with `{offset, limit}` where given.
    pub async fn list_users(
        &self,
        offset: Option<i32>,
        limit: Option<i32>,
    ) -> Result<Vec<User>, Error> {
        let page = [("offset", offset), ("limit", limit)]
            .into_iter()
            .filter_map(|(key, n)| Some((key.to_owned(), Value::Integer(n?))))
            .collect();
        match self.call("users.list", vec![Value::Struct(page)]).await? {
            Value::Array(items) => items.into_iter().map(user).collect(),
            other => Err(Error::Invalid(format!("expected an array, got {}", display(&other)))),
        }
    }

    /// `system.multicall`: several calls in one request, one result (a value or a fault) each.
    pub async fn multicall(
        &self,
        calls: Vec<(String, Vec<Value>)>,
    ) -> Result<Vec<Result<Value, Fault>>, Error> {
        let calls = dxr::multicall::into_multicall_params(calls)
            .map_err(|err| Error::Invalid(err.to_string()))?;
        let Value::Array(results) = self.call("system.multicall", vec![calls]).await? else {
            return Err(Error::Invalid("system.multicall must answer an array".to_owned()));
        };
        results
            .into_iter()
            .map(|result| match result {
                Value::Array(mut one) if one.len() == 1 => Ok(Ok(one.remove(0))),
                Value::Struct(fields) => match (fields.get("faultCode"), fields.get("faultString"))
                {
                    (Some(Value::Integer(code)), Some(Value::String(text))) => {
                        Ok(Err(Fault::new(*code, text.clone())))
                    }
                    _ => Err(Error::Invalid(
                        "a multicall fault needs faultCode and faultString".to_owned(),
                    )),
                },
                other => {
                    Err(Error::Invalid(format!("unexpected multicall result {}", display(&other))))
                }
            })
            .collect()
    }
}

/// A `<methodResponse>` document: its value, or its fault as [`Error::Fault`].
pub fn parse_response(body: &[u8]) -> Result<Value, Error> {
    let text = guard::check(body, guard::MAX_DEPTH)?;
    if let Ok(response) = MethodResponse::from_xml(text) {
        return Ok(response.value);
    }
    match FaultResponse::from_xml(text) {
        Ok(response) => Err(Error::Fault(response.fault)),
        // dxr's message quotes the whole document; say less.
        Err(_) => Err(Error::Invalid("neither a value nor a fault".to_owned())),
    }
}

fn user(value: Value) -> Result<User, Error> {
    user_from_value(&value)
        .ok_or_else(|| Error::Invalid(format!("expected a user, got {}", display(&value))))
}

/// One line per step of a short tour: a call, a struct parameter, introspection, a multicall
/// with a fault inside it, and a fault the program branches on by its code.
pub async fn demo(client: &Client) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();

    let ada = client.get_user(1).await?;
    lines.push(format!("call          users.get(1) -> {}", display(&user_to_value(&ada))));

    let page = client.list_users(Some(1), Some(2)).await?;
    let names: Vec<&str> = page.iter().map(|u| u.name.as_str()).collect();
    lines.push(format!("struct param  users.list({{offset: 1, limit: 2}}) -> {names:?}"));

    let methods = client.call("system.listMethods", vec![]).await?;
    let count = if let Value::Array(names) = &methods { names.len() } else { 0 };
    lines.push(format!("introspection system.listMethods() -> {count} methods"));

    let calls = vec![
        ("validator1.simpleStructReturnTest".to_owned(), vec![Value::Integer(7)]),
        ("users.get".to_owned(), vec![Value::Integer(99)]),
    ];
    let answers: Vec<String> = client
        .multicall(calls)
        .await?
        .into_iter()
        .map(|answer| match answer {
            Ok(value) => display(&value),
            Err(fault) => format!("fault {}", fault.code()),
        })
        .collect();
    lines.push(format!(
        "multicall     [simpleStructReturnTest(7), users.get(99)] -> [{}]",
        answers.join(", ")
    ));

    match client.get_user(99).await {
        Err(Error::Fault(fault)) if fault.code() == crate::codes::USER_NOT_FOUND => {
            lines.push(format!(
                "fault         users.get(99) -> {}: {}",
                fault.code(),
                fault.string()
            ));
        }
        other => anyhow::bail!(
            "expected fault {} for user 99, got {other:?}",
            crate::codes::USER_NOT_FOUND
        ),
    }
    Ok(lines)
}
