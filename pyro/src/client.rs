//! The client side: a [`Proxy`] is one connection to one remote object, after the
//! handshake; [`NameServer`] and [`UsersProxy`] are typed proxies on top of it.
//!
//! Remote exceptions arrive as [`Error::Remote`], keeping the Python class and message.

use crate::message::{Message, MessageType, ProtocolError, SERIALIZER_JSON, flags};
use crate::message::{read_message, write_message};
use crate::payload::{self, Call, Connect, ConnectOk, Metadata, RemoteException};
use crate::uri::{Uri, UriError};
use common::User;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::timeout;

/// How long a client waits for a connection or a reply unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot reach {addr}: {error}")]
    Connect { addr: String, error: io::Error },
    #[error("no answer from {addr} within {after:?}")]
    Timeout { addr: String, after: Duration },
    #[error("{addr} rejected the connection: {reason}")]
    Rejected { addr: String, reason: String },
    #[error("{addr}: {error}")]
    Protocol { addr: String, error: ProtocolError },
    #[error(transparent)]
    Uri(#[from] UriError),
    #[error("remote object {object} has no method {method:?} (it has: {known})")]
    NoSuchMethod { object: String, method: String, known: String },
    #[error("unexpected reply: {0}")]
    Reply(String),
    /// The remote object raised an exception. (Not an error `source`: the message says it
    /// all, and a chain would print it twice.)
    #[error("remote {0}")]
    Remote(RemoteException),
}

/// A connection to one remote object, handshake done. One call at a time, as in Pyro5.
#[derive(Debug)]
pub struct Proxy {
    addr: String,
    object: String,
    metadata: Metadata,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    seq: u16,
    timeout: Duration,
}

impl Proxy {
    /// Connects to a `PYRO:` URI directly, or looks a `PYRONAME:` URI up first.
    pub async fn locate(uri: &Uri, wait: Duration) -> Result<Self, Error> {
        match uri {
            Uri::Pyro { object, host, port } => Self::connect(host, *port, object, wait).await,
            Uri::PyroName { name, host, port } => {
                let port = port.unwrap_or(crate::DEFAULT_NS_PORT);
                let mut names = NameServer::connect(host, port, wait).await?;
                let found = names.lookup(name).await?;
                Box::pin(Self::locate(&found, wait)).await
            }
        }
    }

    /// Connects to `object` in the daemon at `host:port` and does the handshake, which
    /// also brings the object's metadata.
    pub async fn connect(
        host: &str,
        port: u16,
        object: &str,
        wait: Duration,
    ) -> Result<Self, Error> {
        let addr = format!("{host}:{port}");
        let stream = match timeout(wait, TcpStream::connect((host, port))).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(Error::Connect { addr, error }),
            Err(_) => return Err(Error::Timeout { addr, after: wait }),
        };
        stream.set_nodelay(true).map_err(|error| Error::Connect { addr: addr.clone(), error })?;
        let (reader, writer) = stream.into_split();
        let mut proxy = Self {
            addr,
            object: object.to_owned(),
            metadata: Metadata::default(),
            reader: BufReader::new(reader),
            writer,
            seq: 0,
            timeout: wait,
        };
        let hello = Connect { handshake: json!("hello"), object: object.to_owned() };
        let connect = Message::new(MessageType::Connect, 0, to_vec(&json!(hello)));
        let reply = proxy.exchange(&connect).await?;
        match reply.kind {
            MessageType::ConnectOk => {
                let ok: ConnectOk = serde_json::from_slice(&reply.data)
                    .map_err(|error| Error::Reply(format!("handshake: {error}")))?;
                proxy.metadata = ok.meta;
                Ok(proxy)
            }
            MessageType::ConnectFail => {
                let reason = serde_json::from_slice::<String>(&reply.data)
                    .unwrap_or_else(|_| String::from_utf8_lossy(&reply.data).into_owned());
                Err(Error::Rejected { addr: proxy.addr, reason })
            }
            other => Err(Error::Reply(format!("{other:?} in answer to CONNECT"))),
        }
    }

    /// What the remote object exposes, from the handshake.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Calls `method` with positional `params` and keyword `kwargs`; a remote exception is
    /// [`Error::Remote`]. Methods the metadata does not list are refused locally, as a
    /// Pyro5 proxy does.
    pub async fn call(
        &mut self,
        method: &str,
        params: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, Error> {
        if !self.metadata.methods.iter().any(|known| known == method) {
            return Err(Error::NoSuchMethod {
                object: self.object.clone(),
                method: method.to_owned(),
                known: self.metadata.methods.join(", "),
            });
        }
        let call = Call { object: self.object.clone(), method: method.to_owned(), params, kwargs };
        self.seq = self.seq.wrapping_add(1);
        let request = Message::new(MessageType::Invoke, self.seq, to_vec(&json!(call)));
        let reply = self.exchange(&request).await?;
        if reply.kind != MessageType::Result || reply.serializer != SERIALIZER_JSON {
            return Err(Error::Reply(format!(
                "{:?} with serializer {}",
                reply.kind, reply.serializer
            )));
        }
        let value: Value = serde_json::from_slice(&reply.data)
            .map_err(|error| Error::Reply(format!("result is not JSON: {error}")))?;
        if reply.has_flag(flags::EXCEPTION) {
            let exception = RemoteException::from_json(&value)
                .ok_or_else(|| Error::Reply(format!("an exception that is not one: {value}")))?;
            return Err(Error::Remote(exception));
        }
        Ok(value)
    }

    /// Pyro5's PING: the daemon answers without touching any object.
    pub async fn ping(&mut self) -> Result<(), Error> {
        self.seq = self.seq.wrapping_add(1);
        let ping = Message::new(MessageType::Ping, self.seq, b"ping".to_vec());
        let reply = self.exchange(&ping).await?;
        match reply.kind {
            MessageType::Ping => Ok(()),
            other => Err(Error::Reply(format!("{other:?} in answer to PING"))),
        }
    }

    /// Sends `request` and reads its reply, checking the sequence number, within the timeout.
    async fn exchange(&mut self, request: &Message) -> Result<Message, Error> {
        let (addr, wait) = (self.addr.clone(), self.timeout);
        let protocol = |error: ProtocolError| Error::Protocol { addr: addr.clone(), error };
        let round_trip = async {
            write_message(&mut self.writer, request).await.map_err(|e| protocol(e.into()))?;
            read_message(&mut self.reader, crate::MAX_MESSAGE).await.map_err(protocol)
        };
        let reply = match timeout(wait, round_trip).await {
            Ok(reply) => reply?,
            Err(_) => return Err(Error::Timeout { addr: self.addr.clone(), after: wait }),
        };
        if reply.seq != request.seq {
            return Err(Error::Reply(format!(
                "sequence {} for request {}",
                reply.seq, request.seq
            )));
        }
        Ok(reply)
    }
}

fn to_vec(value: &Value) -> Vec<u8> {
    // A `serde_json::Value` always serializes.
    serde_json::to_vec(value).expect("a JSON value serializes")
}

fn args<const N: usize>(values: [Value; N]) -> Vec<Value> {
    values.into()
}

/// A Pyro5 name server (`python -m Pyro5.nameserver`), called like any other Pyro object.
#[derive(Debug)]
pub struct NameServer(Proxy);

impl NameServer {
    pub async fn connect(host: &str, port: u16, wait: Duration) -> Result<Self, Error> {
        Proxy::connect(host, port, "Pyro.NameServer", wait).await.map(Self)
    }

    /// The `PYRO:` URI registered under `name`; an unknown name is a remote `NamingError`.
    pub async fn lookup(&mut self, name: &str) -> Result<Uri, Error> {
        let found = self.0.call("lookup", args([json!(name)]), Map::new()).await?;
        payload::uri_from_json(&found).ok_or_else(|| Error::Reply(format!("not a URI: {found}")))
    }

    /// Registers `name` for `uri`, replacing an earlier registration of the same name.
    pub async fn register(&mut self, name: &str, uri: &Uri) -> Result<(), Error> {
        let params = args([json!(name), json!(uri.to_string())]);
        self.0.call("register", params, Map::new()).await.map(drop)
    }

    /// Removes `name`; returns how many entries went (0 or 1).
    pub async fn remove(&mut self, name: &str) -> Result<u64, Error> {
        let removed = self.0.call("remove", args([json!(name)]), Map::new()).await?;
        Ok(removed.as_u64().unwrap_or(0))
    }

    /// Every registration: name to URI.
    pub async fn list(&mut self) -> Result<BTreeMap<String, String>, Error> {
        let listed = self.0.call("list", Vec::new(), Map::new()).await?;
        serde_json::from_value(listed).map_err(|error| Error::Reply(format!("list: {error}")))
    }
}

/// The users object, whether a Rust or a Python daemon serves it.
#[derive(Debug)]
pub struct UsersProxy(Proxy);

impl UsersProxy {
    pub async fn locate(uri: &Uri, wait: Duration) -> Result<Self, Error> {
        Proxy::locate(uri, wait).await.map(Self)
    }

    pub async fn get_user(&mut self, id: u64) -> Result<User, Error> {
        let user = self.0.call("get_user", args([json!(id)]), Map::new()).await?;
        parse_user(user)
    }

    pub async fn create_user(&mut self, name: &str, email: &str) -> Result<User, Error> {
        // By keyword, as Python callers often do: both forms reach the same method.
        let kwargs = Map::from_iter([("name".into(), json!(name)), ("email".into(), json!(email))]);
        let user = self.0.call("create_user", Vec::new(), kwargs).await?;
        parse_user(user)
    }

    pub async fn list_users(&mut self) -> Result<Vec<User>, Error> {
        let users = self.0.call("list_users", Vec::new(), Map::new()).await?;
        serde_json::from_value(users).map_err(|error| Error::Reply(format!("users: {error}")))
    }

    pub async fn ping(&mut self) -> Result<(), Error> {
        self.0.ping().await
    }
}

fn parse_user(value: Value) -> Result<User, Error> {
    serde_json::from_value(value).map_err(|error| Error::Reply(format!("a user: {error}")))
}
