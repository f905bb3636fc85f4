//! A Pyro5 daemon in Rust: accepts connections, answers the handshake with an object's
//! metadata, and dispatches INVOKE messages to the [`Object`]s it serves, replying with the
//! result or the exception exactly as a Python daemon would.

use crate::message::{
    Message, MessageType, ProtocolError, SERIALIZER_JSON, flags, read_message, write_message,
};
use crate::payload::{Call, Connect, ConnectOk, Metadata, RemoteException};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

/// The object id under which every Pyro5 daemon serves itself (`core.DAEMON_NAME`).
pub const DAEMON_OBJECT: &str = "Pyro.Daemon";

/// What a daemon serves: a Pyro object, called by method name with Python-style arguments.
pub trait Object: Send + Sync + 'static {
    /// The methods a proxy may call, sent in the handshake.
    fn metadata(&self) -> Metadata;
    /// Runs one call. An `Err` travels back and is raised in the caller as that exception.
    fn call(&self, method: &str, args: Args) -> Result<Value, RemoteException>;
}

/// The objects of one daemon, by object id.
#[derive(Default, Clone)]
pub struct Daemon {
    objects: HashMap<String, Arc<dyn Object>>,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.objects.keys()).finish()
    }
}

impl Daemon {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `object` under `id` (the `object` part of its `PYRO:` URI).
    pub fn with(mut self, id: impl Into<String>, object: impl Object) -> Self {
        self.objects.insert(id.into(), Arc::new(object));
        self
    }

    fn metadata(&self, id: &str) -> Option<Metadata> {
        if id == DAEMON_OBJECT {
            return Some(Metadata {
                methods: vec!["get_metadata".into(), "ping".into()],
                ..Metadata::default()
            });
        }
        self.objects.get(id).map(|object| object.metadata())
    }

    fn call(&self, call: Call) -> Result<Value, RemoteException> {
        let args = Args { method: call.method.clone(), params: call.params, kwargs: call.kwargs };
        if call.object == DAEMON_OBJECT {
            // The daemon's own methods, which Pyro5's proxies use to fetch metadata late.
            return match call.method.as_str() {
                "ping" => Ok(Value::Null),
                "get_metadata" => {
                    let [id] = args.bind(["objectId"])?;
                    let id = id.as_str().unwrap_or_default();
                    self.metadata(id).map(|m| json!(m)).ok_or_else(unknown_object)
                }
                _ => Err(no_such_method(DAEMON_OBJECT, &call.method)),
            };
        }
        let object = self.objects.get(&call.object).ok_or_else(unknown_object)?;
        if !object.metadata().methods.contains(&call.method) {
            return Err(no_such_method(&call.object, &call.method));
        }
        object.call(&call.method, args)
    }
}

fn unknown_object() -> RemoteException {
    RemoteException {
        class: "Pyro5.errors.DaemonError".into(),
        args: vec!["unknown object".into()],
        traceback: Vec::new(),
    }
}

fn no_such_method(object: &str, method: &str) -> RemoteException {
    RemoteException::builtin(
        "AttributeError",
        format!("{object} has no exposed method or attribute {method:?}"),
    )
}

/// A call's positional and keyword arguments, bound to parameter names the way Python does.
#[derive(Debug)]
pub struct Args {
    method: String,
    params: Vec<Value>,
    kwargs: Map<String, Value>,
}

impl Args {
    /// The arguments for parameters `names`, from position or keyword, with Python's own
    /// `TypeError` messages for a missing, surplus or unknown argument.
    pub fn bind<const N: usize>(mut self, names: [&str; N]) -> Result<[Value; N], RemoteException> {
        let type_error = |text: String| RemoteException::builtin("TypeError", text);
        if self.params.len() > N {
            return Err(type_error(format!(
                "{}() takes {N} positional arguments but {} were given",
                self.method,
                self.params.len()
            )));
        }
        let mut positional = std::mem::take(&mut self.params).into_iter();
        let mut bound = Vec::with_capacity(N);
        for name in names {
            let value = match (positional.next(), self.kwargs.remove(name)) {
                (Some(_), Some(_)) => {
                    return Err(type_error(format!(
                        "{}() got multiple values for argument '{name}'",
                        self.method
                    )));
                }
                (Some(value), None) | (None, Some(value)) => value,
                (None, None) => {
                    return Err(type_error(format!(
                        "{}() missing required argument: '{name}'",
                        self.method
                    )));
                }
            };
            bound.push(value);
        }
        if let Some(name) = self.kwargs.keys().next() {
            return Err(type_error(format!(
                "{}() got an unexpected keyword argument '{name}'",
                self.method
            )));
        }
        // Exactly N values were pushed above, one per name.
        Ok(bound.try_into().expect("one value per name"))
    }
}

/// The daemon's limits. `Default` gives the values `pyro-server` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// The largest message accepted (annotations plus payload), in bytes.
    pub max_message: usize,
    /// How long a connection may wait for its next message, or take to read a reply.
    pub idle_timeout: Duration,
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
    /// On shutdown, how long in-flight calls get to finish.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_message: crate::MAX_MESSAGE,
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Serves `daemon`'s objects on `listener` until `shutdown` completes; then stops accepting,
/// lets each connection finish the call it is in, and returns.
pub async fn serve(
    listener: TcpListener,
    daemon: Daemon,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (daemon, config) = (Arc::new(daemon), Arc::new(config));
    let connections = TaskTracker::new();
    let stopping = CancellationToken::new();
    let slots = Arc::new(Semaphore::new(config.max_connections));
    tokio::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            debug!(%peer, "refused: too many connections");
            continue;
        };
        let (daemon, config, stopping) =
            (Arc::clone(&daemon), Arc::clone(&config), stopping.clone());
        connections.spawn(async move {
            match handle_connection(stream, &daemon, &config, &stopping).await {
                Ok(()) | Err(ProtocolError::Closed) => debug!(%peer, "disconnected"),
                Err(error) => debug!(%peer, %error, "connection closed"),
            }
            drop(slot);
        });
    }

    info!(open = connections.len(), "shutting down: no new connections");
    stopping.cancel();
    connections.close();
    if timeout(config.shutdown_grace, connections.wait()).await.is_err() {
        warn!(open = connections.len(), "grace period over; dropping the remaining connections");
    }
    Ok(())
}

/// One client: the handshake, then one call at a time until it leaves or misbehaves. Any
/// message that is not Pyro5 JSON ends this connection only, as in a Python daemon.
async fn handle_connection(
    mut stream: TcpStream,
    daemon: &Daemon,
    config: &Config,
    stopping: &CancellationToken,
) -> Result<(), ProtocolError> {
    let (reader, mut writer) = stream.split();
    let mut reader = BufReader::new(reader);
    let mut handshaken = false;
    loop {
        let request = tokio::select! {
            () = stopping.cancelled() => return Ok(()),
            read = timeout(config.idle_timeout, read_message(&mut reader, config.max_message)) => {
                read.map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle timeout"))??
            }
        };
        let reply = match (request.kind, handshaken) {
            (MessageType::Connect, false) => {
                let (reply, accepted) = handshake(daemon, &request);
                handshaken = accepted;
                reply
            }
            (MessageType::Ping, true) => reply_to(&request, MessageType::Ping, b"pong".to_vec()),
            (MessageType::Invoke, true) if request.serializer == SERIALIZER_JSON => {
                match invoke(daemon, &request) {
                    Some(reply) => reply,
                    None => continue, // a oneway call: no reply
                }
            }
            (kind, _) => {
                debug!(?kind, serializer = request.serializer, "unexpected message");
                return Err(ProtocolError::UnknownType(kind as u8));
            }
        };
        let last = reply.kind == MessageType::ConnectFail;
        timeout(config.idle_timeout, write_message(&mut writer, &reply))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "write timed out"))??;
        if last {
            return Ok(());
        }
    }
}

/// A reply carries its request's sequence number and correlation id.
fn reply_to(request: &Message, kind: MessageType, data: Vec<u8>) -> Message {
    let mut reply = Message::new(kind, request.seq, data);
    if request.has_flag(flags::CORRELATION_ID) {
        reply.flags |= flags::CORRELATION_ID;
        reply.correlation_id = request.correlation_id;
    }
    reply
}

/// CONNECTOK with the object's metadata, or CONNECTFAIL with the reason as a JSON string
/// (Python decodes it by the reply's serializer id, so JSON reaches any client).
fn handshake(daemon: &Daemon, request: &Message) -> (Message, bool) {
    let fail = |reason: String| {
        let data = serde_json::to_vec(&reason).unwrap_or_default();
        (reply_to(request, MessageType::ConnectFail, data), false)
    };
    if request.serializer != SERIALIZER_JSON {
        return fail(format!(
            "this daemon speaks only the json serializer (id 3), not id {}; \
             set PYRO_SERIALIZER=json or Pyro5.config.SERIALIZER = \"json\"",
            request.serializer
        ));
    }
    let connect: Connect = match serde_json::from_slice(&request.data) {
        Ok(connect) => connect,
        Err(error) => return fail(format!("invalid handshake: {error}")),
    };
    let Some(meta) = daemon.metadata(&connect.object) else {
        return fail("unknown object".into());
    };
    let ok = ConnectOk { handshake: json!("hello"), meta };
    // Serializing plain strings and lists cannot fail.
    let data = serde_json::to_vec(&ok).expect("metadata serializes");
    (reply_to(request, MessageType::ConnectOk, data), true)
}

/// Runs one INVOKE. `None` for a oneway call, which gets no reply.
fn invoke(daemon: &Daemon, request: &Message) -> Option<Message> {
    let outcome = if request.has_flag(flags::BATCH) {
        Err(pyro_error("ProtocolError", "batched calls are not supported by this daemon".into()))
    } else {
        match serde_json::from_slice::<Call>(&request.data) {
            Ok(call) => {
                let name = format!("{}.{}", call.object, call.method);
                daemon.call(call).map_err(|exception| with_traceback(exception, &name))
            }
            Err(error) => Err(pyro_error("SerializeError", format!("invalid call: {error}"))),
        }
    };
    if request.has_flag(flags::ONEWAY) {
        return None;
    }
    Some(match outcome {
        Ok(value) => reply_to(request, MessageType::Result, to_json(&value)),
        Err(exception) => reply_to(request, MessageType::Result, to_json(&exception.to_json()))
            .with_flags(flags::EXCEPTION),
    })
}

fn to_json(value: &Value) -> Vec<u8> {
    // A `serde_json::Value` always serializes.
    serde_json::to_vec(value).expect("a JSON value serializes")
}

fn pyro_error(class: &str, message: String) -> RemoteException {
    RemoteException {
        class: format!("Pyro5.errors.{class}"),
        args: vec![message.into()],
        traceback: Vec::new(),
    }
}

/// Pyro5 shows the daemon's traceback on request (`Pyro5.errors.get_pyro_traceback`); a
/// Rust daemon has no Python frames, so it says where the error came from instead.
fn with_traceback(mut exception: RemoteException, call: &str) -> RemoteException {
    if exception.traceback.is_empty() {
        exception.traceback = vec![
            "Traceback (a Rust daemon; no Python frames):\n".into(),
            format!("  in {call}\n"),
            format!("{}: {}\n", exception.short_class(), exception.message()),
        ];
    }
    exception
}

/// A convenience for tests, the tour and the benchmark: binds `addr`, then serves the sample
/// users as [`crate::USERS_NAME`] in a background task until `shutdown` completes.
pub async fn spawn(
    addr: SocketAddr,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<io::Result<()>>)> {
    let listener = common::runtime::bind(addr)?;
    let local = listener.local_addr()?;
    let users = crate::users::Users::new(common::UserStore::with_sample_users());
    let daemon = Daemon::new().with(crate::USERS_NAME, users);
    Ok((local, tokio::spawn(serve(listener, daemon, config, shutdown))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(params: Value, kwargs: Value) -> Args {
        Args {
            method: "create_user".into(),
            params: serde_json::from_value(params).unwrap(),
            kwargs: serde_json::from_value(kwargs).unwrap(),
        }
    }

    #[test]
    fn binds_arguments_like_python() {
        let [name, email] =
            args(json!(["Ada"]), json!({"email": "a@b.c"})).bind(["name", "email"]).unwrap();
        assert_eq!((name, email), (json!("Ada"), json!("a@b.c")));

        let error = |params, kwargs| args(params, kwargs).bind(["name", "email"]).unwrap_err();
        let missing = error(json!(["Ada"]), json!({}));
        assert_eq!(
            missing.to_string(),
            "builtins.TypeError: create_user() missing required argument: 'email'"
        );
        let surplus = error(json!([1, 2, 3]), json!({}));
        assert!(surplus.message().contains("takes 2 positional arguments but 3 were given"));
        let twice = error(json!(["Ada", "a@b.c"]), json!({"name": "Ada"}));
        assert!(twice.message().contains("multiple values for argument 'name'"));
        let unknown = error(json!(["Ada", "a@b.c"]), json!({"age": 36}));
        assert!(unknown.message().contains("unexpected keyword argument 'age'"));
    }
}
