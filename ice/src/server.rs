//! The server: one `Directory` object, identity `users`, over the user store of `common`.
//!
//! Each connection starts with the server's validate-connection message, then carries
//! requests in and replies out until either side sends close-connection. The server bounds
//! what a peer could otherwise make it hold: the size of a message (a header announcing more
//! is answered with close-connection), idle time, and the number of connections. A stream
//! that is not Ice (wrong magic, garbage) closes that connection only.

use crate::directory::{self, Call, OBJECT_NAME, TYPE_ID, TYPE_IDS, User, UserException};
use crate::message::{
    FrameError, IceCodec, Identity, Message, Reply, ReplyBody, Request, RequestFailed,
};
use common::{NewUser, UserError, UserStore};
use futures_util::{SinkExt, StreamExt};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

/// The server's limits. `Default` gives the values `ice-server` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// The largest message accepted, header included (ZeroC's `Ice.MessageSizeMax` is 1 MiB).
    pub max_message: usize,
    /// A connection with no message for this long is closed with close-connection, as
    /// ZeroC's active connection management does; Ice clients reconnect when they next call.
    /// The same bound cuts off a peer that sends half a message and stops.
    pub idle_timeout: Duration,
    /// Connections served at once; more get close-connection at once.
    pub max_connections: usize,
    /// On shutdown, how long in-flight connections get to finish.
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

/// Serves the `users` object on `listener` until `shutdown` completes; then stops accepting,
/// lets each connection finish the request it is in, sends it close-connection, and returns.
pub async fn serve(
    listener: TcpListener,
    store: UserStore,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = Arc::new(config);
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
            // A new socket's send buffer is empty, so this short write cannot block.
            let _ = stream.try_write(&Message::CloseConnection.to_bytes());
            debug!(%peer, "refused: too many connections");
            continue;
        };
        let (store, config, stopping) = (store.clone(), Arc::clone(&config), stopping.clone());
        connections.spawn(async move {
            debug!(%peer, "connected");
            match handle_connection(stream, &store, &config, &stopping).await {
                Ok(()) => debug!(%peer, "disconnected"),
                Err(error) => info!(%peer, %error, "connection closed"),
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

/// Serves one connection until the peer closes it, misbehaves, or the server stops.
async fn handle_connection(
    stream: TcpStream,
    store: &UserStore,
    config: &Config,
    stopping: &CancellationToken,
) -> Result<(), FrameError> {
    stream.set_nodelay(true)?;
    let mut framed = Framed::new(stream, IceCodec::new(config.max_message));
    // The server speaks first: "I am an Ice server, send your requests."
    send(&mut framed, Message::ValidateConnection, config).await?;
    loop {
        // Waiting for a message is the only point where shutdown interrupts a connection:
        // a request already read is answered first.
        let next = tokio::select! {
            () = stopping.cancelled() => return close(framed, config).await,
            next = timeout(config.idle_timeout, framed.next()) => next,
        };
        let message = match next {
            Err(_elapsed) => {
                debug!("idle: closing the connection");
                return close(framed, config).await;
            }
            Ok(None) => return Ok(()),
            Ok(Some(Err(error @ FrameError::TooLarge { .. }))) => {
                // The header was Ice, so the peer understands close-connection.
                let _ = close(framed, config).await;
                return Err(error);
            }
            // Not Ice, or broken Ice: nothing sensible to say back, close.
            Ok(Some(Err(error))) => return Err(error),
            Ok(Some(Ok(message))) => message,
        };
        match message {
            Message::Request(request) => {
                let body = dispatch(&request, store);
                // Request id 0 is a oneway call: the client wants no reply.
                if request.request_id != 0 {
                    let reply = Reply { request_id: request.request_id, body };
                    send(&mut framed, Message::Reply(reply), config).await?;
                }
            }
            // Since Ice 3.6 this is also the heartbeat; it needs no answer.
            Message::ValidateConnection => {}
            // The peer is done: it waits for us to close the socket.
            Message::CloseConnection => return Ok(()),
            Message::BatchRequest => {
                let _ = close(framed, config).await;
                return Err(FrameError::Unexpected("batch requests are not supported"));
            }
            Message::Reply(_) => {
                return Err(FrameError::Unexpected("a client does not send replies"));
            }
        }
    }
}

/// Writes one message; a peer that does not read cannot hold the connection forever.
async fn send(
    framed: &mut Framed<TcpStream, IceCodec>,
    message: Message,
    config: &Config,
) -> Result<(), FrameError> {
    match timeout(config.idle_timeout, framed.send(message)).await {
        Ok(sent) => sent,
        Err(_elapsed) => Err(io::Error::new(io::ErrorKind::TimedOut, "write timed out").into()),
    }
}

/// Graceful close: send close-connection, then give the peer a moment to close its side
/// (which is what an Ice peer does), discarding whatever it still sends.
async fn close(mut framed: Framed<TcpStream, IceCodec>, config: &Config) -> Result<(), FrameError> {
    send(&mut framed, Message::CloseConnection, config).await?;
    let mut stream = framed.into_inner();
    stream.shutdown().await?;
    let mut rest = tokio::io::AsyncReadExt::take(stream, 64 * 1024);
    let _ = timeout(Duration::from_millis(500), tokio::io::copy(&mut rest, &mut tokio::io::sink()))
        .await;
    Ok(())
}

/// Answers one request: which object, which facet, which operation, then the operation.
pub fn dispatch(request: &Request, store: &UserStore) -> ReplyBody {
    let failed = || RequestFailed {
        identity: request.identity.clone(),
        facet: request.facet.clone(),
        operation: request.operation.clone(),
    };
    if request.identity != Identity::new(OBJECT_NAME) {
        return ReplyBody::ObjectNotExist(failed());
    }
    // A facet of "" is the default facet, as no facet is.
    if request.facet.as_deref().is_some_and(|facet| !facet.is_empty()) {
        return ReplyBody::FacetNotExist(failed());
    }
    let call = match Call::parse(&request.operation, &request.params) {
        Ok(Some(call)) => call,
        Ok(None) => return ReplyBody::OperationNotExist(failed()),
        Err(error) => {
            return ReplyBody::UnknownLocalException(format!(
                "Ice::MarshalException: cannot read the parameters of {}: {error}",
                request.operation
            ));
        }
    };
    if !call.accepts(request.mode) {
        return ReplyBody::UnknownLocalException(format!(
            "Ice::MarshalException: unexpected operation mode. expected = {:?} received = {:?}",
            call.mode(),
            request.mode
        ));
    }
    run(call, store)
}

fn run(call: Call, store: &UserStore) -> ReplyBody {
    let user_exception = |exception: UserException| ReplyBody::UserException(exception.encode());
    match call {
        Call::IcePing => ReplyBody::Ok(crate::encoding::Encapsulation::empty()),
        Call::IceIsA { type_id } => {
            ReplyBody::Ok(directory::encode_bool(TYPE_IDS.contains(&type_id.as_str())))
        }
        Call::IceId => ReplyBody::Ok(directory::encode_string(TYPE_ID)),
        Call::IceIds => ReplyBody::Ok(directory::encode_strings(&TYPE_IDS)),
        Call::GetUser { id } => {
            let found = u64::try_from(id).ok().and_then(|id| store.get(id).ok());
            match found.map(to_slice) {
                Some(Ok(user)) => ReplyBody::Ok(directory::encode_user(&user)),
                Some(Err(unknown)) => unknown,
                None => user_exception(UserException::UserNotFound { id }),
            }
        }
        Call::CreateUser { name, email } => {
            match store.create(NewUser { name, email }).map(to_slice) {
                Ok(Ok(user)) => ReplyBody::Ok(directory::encode_user(&user)),
                Ok(Err(unknown)) => unknown,
                Err(UserError::Invalid { field, reason }) => {
                    user_exception(UserException::InvalidUser {
                        field: field.into(),
                        reason: reason.into(),
                    })
                }
                // The contract has one exception for "this user cannot be created".
                Err(UserError::AlreadyExists(_)) => user_exception(UserException::InvalidUser {
                    field: "email".into(),
                    reason: "is already taken".into(),
                }),
                // Not in the contract: the client sees Ice's "unknown exception" with this text.
                Err(error) => ReplyBody::UnknownException(error.to_string()),
            }
        }
        Call::ListUsers => {
            let users = store.list(0, usize::MAX).into_iter().map(to_slice);
            match users.collect::<Result<Vec<_>, _>>() {
                Ok(users) => ReplyBody::Ok(directory::encode_users(&users)),
                Err(unknown) => unknown,
            }
        }
    }
}

/// The store's user as Slice's `User`, whose id is an `int`.
fn to_slice(user: common::User) -> Result<User, ReplyBody> {
    let id = i32::try_from(user.id).map_err(|_| {
        ReplyBody::UnknownException(format!("user id {} exceeds a Slice int", user.id))
    })?;
    Ok(User { id, name: user.name, email: user.email })
}

/// A convenience for tests, the tour and the benchmark: binds `addr`, then serves the sample
/// users on it in a background task until `shutdown` completes.
pub async fn spawn(
    addr: SocketAddr,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<io::Result<()>>)> {
    let listener = common::runtime::bind(addr)?;
    let local = listener.local_addr()?;
    let server = serve(listener, UserStore::with_sample_users(), config, shutdown);
    Ok((local, tokio::spawn(server)))
}
