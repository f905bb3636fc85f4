//! The client side: a typed proxy for the `Directory` interface, `DirectoryPrx`, as a Slice
//! compiler would generate it, over one connection.
//!
//! It connects, waits for the server's validate-connection message (which is how it knows
//! the peer is an Ice server at all), then sends one request at a time and waits for the
//! reply with the same request id. Every wait is bounded by [`Config`].

use crate::directory::{self, Call, TYPE_ID, User, UserException};
use crate::encoding::{DecodeError, Encapsulation};
use crate::message::{FrameError, IceCodec, Identity, Message, Reply, ReplyBody};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Framed;

/// The client's limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// For the TCP connection and the server's validate-connection message together.
    pub connect_timeout: Duration,
    /// For one call, from sending the request to reading its reply.
    pub call_timeout: Duration,
    /// The largest reply accepted, header included.
    pub max_message: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(5),
            max_message: crate::MAX_MESSAGE,
        }
    }
}

/// Why a call did not return its result.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The operation raised one of the contract's user exceptions.
    #[error("{0}")]
    User(#[from] UserException),
    #[error(
        "cannot reach {addr}: {source}; start the server with `cargo run -p ice --bin ice-server`"
    )]
    Connect { addr: SocketAddr, source: std::io::Error },
    #[error("{addr} is not an Ice server: {reason}")]
    NotIce { addr: SocketAddr, reason: String },
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("the server closed the connection")]
    Closed,
    #[error("object {identity} does not exist (operation {operation})")]
    ObjectNotExist { identity: Identity, operation: String },
    #[error("object {identity} has no facet {facet:?}")]
    FacetNotExist { identity: Identity, facet: String },
    #[error("object {identity} has no operation {operation}")]
    OperationNotExist { identity: Identity, operation: String },
    /// Reply status 5, 6 or 7: the server failed; its description of why.
    #[error("the server failed: {0}")]
    Unknown(String),
    /// A user exception the contract does not declare (its most derived type id).
    #[error("unknown user exception {0}")]
    UnknownUserException(String),
    #[error("protocol error: {0}")]
    Protocol(#[from] FrameError),
}

impl From<DecodeError> for ClientError {
    fn from(error: DecodeError) -> Self {
        Self::Protocol(FrameError::Malformed(error))
    }
}

/// A proxy for a `Directory` object: `users:tcp -h 127.0.0.1 -p 10000` in Ice's notation.
#[derive(Debug)]
pub struct DirectoryPrx {
    framed: Framed<TcpStream, IceCodec>,
    identity: Identity,
    next_request_id: i32,
    config: Config,
}

impl DirectoryPrx {
    /// Connects to the object `users` at `addr` with the default [`Config`].
    pub async fn connect(addr: SocketAddr) -> Result<Self, ClientError> {
        Self::connect_with(addr, Identity::new(directory::OBJECT_NAME), Config::default()).await
    }

    /// Connects to the object `identity` at `addr`; returns once the server has sent its
    /// validate-connection message.
    pub async fn connect_with(
        addr: SocketAddr,
        identity: Identity,
        config: Config,
    ) -> Result<Self, ClientError> {
        let limit = config.connect_timeout;
        let handshake = async {
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|source| ClientError::Connect { addr, source })?;
            stream.set_nodelay(true).map_err(|source| ClientError::Connect { addr, source })?;
            let mut framed = Framed::new(stream, IceCodec::new(config.max_message));
            let not_ice = |reason: String| ClientError::NotIce { addr, reason };
            match framed.next().await {
                Some(Ok(Message::ValidateConnection)) => Ok(framed),
                Some(Ok(Message::CloseConnection)) | None => Err(ClientError::Closed),
                Some(Ok(other)) => Err(not_ice(format!("its first message was {other:?}"))),
                Some(Err(FrameError::Io(source))) => Err(ClientError::Connect { addr, source }),
                Some(Err(error)) => Err(not_ice(error.to_string())),
            }
        };
        let framed = match timeout(limit, handshake).await {
            Ok(framed) => framed?,
            Err(_elapsed) => {
                return Err(ClientError::NotIce {
                    addr,
                    reason: format!("no validate-connection message within {limit:?}"),
                });
            }
        };
        Ok(Self { framed, identity, next_request_id: 1, config })
    }

    /// `idempotent User getUser(int id) throws UserNotFound`
    pub async fn get_user(&mut self, id: i32) -> Result<User, ClientError> {
        let results = self.call(Call::GetUser { id }).await?;
        Ok(directory::decode_user(&results)?)
    }

    /// `User createUser(string name, string email) throws InvalidUser`
    pub async fn create_user(&mut self, name: &str, email: &str) -> Result<User, ClientError> {
        let call = Call::CreateUser { name: name.into(), email: email.into() };
        let results = self.call(call).await?;
        Ok(directory::decode_user(&results)?)
    }

    /// `idempotent UserSeq listUsers()`
    pub async fn list_users(&mut self) -> Result<Vec<User>, ClientError> {
        let results = self.call(Call::ListUsers).await?;
        Ok(directory::decode_users(&results)?)
    }

    /// `ice_ping`: is the object there?
    pub async fn ice_ping(&mut self) -> Result<(), ClientError> {
        let results = self.call(Call::IcePing).await?;
        Ok(directory::decode_void(&results)?)
    }

    /// `ice_isA`: does the object implement `type_id`?
    pub async fn ice_is_a(&mut self, type_id: &str) -> Result<bool, ClientError> {
        let results = self.call(Call::IceIsA { type_id: type_id.into() }).await?;
        Ok(directory::decode_bool(&results)?)
    }

    /// `ice_ids`: every type the object implements.
    pub async fn ice_ids(&mut self) -> Result<Vec<String>, ClientError> {
        let results = self.call(Call::IceIds).await?;
        Ok(directory::decode_strings(&results)?)
    }

    /// What ZeroC's `checkedCast` does: asks the object whether it is a `Directory`.
    pub async fn checked_cast(&mut self) -> Result<bool, ClientError> {
        self.ice_is_a(TYPE_ID).await
    }

    /// Sends close-connection and waits (briefly) for the server to close its side.
    pub async fn close(mut self) -> Result<(), ClientError> {
        self.framed.send(Message::CloseConnection).await?;
        let drain = async { while let Some(Ok(_)) = self.framed.next().await {} };
        let _ = timeout(Duration::from_secs(1), drain).await;
        Ok(())
    }

    /// One twoway call: a request out, the reply with the same id back, within the timeout.
    async fn call(&mut self, call: Call) -> Result<Encapsulation, ClientError> {
        let request_id = self.next_request_id;
        // Positive ids, 0 being reserved for oneway calls.
        self.next_request_id = self.next_request_id.checked_add(1).unwrap_or(1);
        let request = call.request(request_id, &self.identity);
        let limit = self.config.call_timeout;
        let exchange = async {
            self.framed.send(Message::Request(request)).await?;
            loop {
                match self.framed.next().await {
                    Some(Ok(Message::Reply(reply))) if reply.request_id == request_id => {
                        return Ok(reply);
                    }
                    // A late reply to a call that timed out earlier: not ours, skip it.
                    Some(Ok(Message::Reply(_))) => continue,
                    // A heartbeat.
                    Some(Ok(Message::ValidateConnection)) => continue,
                    Some(Ok(Message::CloseConnection)) | None => return Err(ClientError::Closed),
                    Some(Ok(other)) => {
                        return Err(DecodeError::Invalid(format!("a server sent {other:?}")).into());
                    }
                    Some(Err(error)) => return Err(error.into()),
                }
            }
        };
        let reply: Reply =
            timeout(limit, exchange).await.map_err(|_| ClientError::Timeout(limit))??;
        match reply.body {
            ReplyBody::Ok(results) => Ok(results),
            ReplyBody::UserException(exception) => match UserException::decode(&exception)? {
                Ok(known) => Err(ClientError::User(known)),
                Err(type_id) => Err(ClientError::UnknownUserException(type_id)),
            },
            ReplyBody::ObjectNotExist(failed) => Err(ClientError::ObjectNotExist {
                identity: failed.identity,
                operation: failed.operation,
            }),
            ReplyBody::FacetNotExist(failed) => Err(ClientError::FacetNotExist {
                identity: failed.identity,
                facet: failed.facet.unwrap_or_default(),
            }),
            ReplyBody::OperationNotExist(failed) => Err(ClientError::OperationNotExist {
                identity: failed.identity,
                operation: failed.operation,
            }),
            ReplyBody::UnknownLocalException(text)
            | ReplyBody::UnknownUserException(text)
            | ReplyBody::UnknownException(text) => Err(ClientError::Unknown(text)),
        }
    }
}
