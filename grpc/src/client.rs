//! The client side: every `UserService` call as a plain async method on [`UserClient`], in
//! the shared types. A client is a cheap handle on one HTTP/2 connection; clone it to make
//! calls concurrently (they become parallel streams on that connection).

use crate::auth::AttachBearer;
use crate::pb::user_service_client::UserServiceClient;
use crate::pb::{self, GetUserRequest, ListUsersRequest};
use crate::{MAX_MESSAGE_BYTES, deadline};
use common::{NewUser, User};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::Instant;
use tokio_stream::{Stream, StreamExt};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};

/// How long connecting may take before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One HTTP/2 connection to a server at `addr` (plain text), for any of its services.
pub async fn connect(addr: SocketAddr) -> anyhow::Result<Channel> {
    Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(|error| {
            common::exit::unreachable(addr, &error, "cargo run -p grpc --bin grpc-server")
        })
}

/// A `UserService` client that sends a bearer token (if given) and a deadline (if set).
#[derive(Debug, Clone)]
pub struct UserClient {
    inner: UserServiceClient<InterceptedService<Channel, AttachBearer>>,
    timeout: Option<Duration>,
}

impl UserClient {
    /// Connects to a server at `addr` over plain-text HTTP/2.
    pub async fn connect(addr: SocketAddr, token: Option<&str>) -> anyhow::Result<Self> {
        Ok(Self::with_channel(connect(addr).await?, token)?)
    }

    /// Wraps an existing channel, e.g. one shared with the health client.
    pub fn with_channel(channel: Channel, token: Option<&str>) -> Result<Self, Status> {
        // The decoding limit guards this client against a huge reply. There is no encoding
        // limit: the server refuses an oversize request with a clear OUT_OF_RANGE, where
        // tonic's own client-side check fails the call as a bare INTERNAL stream reset.
        let inner = UserServiceClient::with_interceptor(channel, AttachBearer::new(token)?)
            .max_decoding_message_size(MAX_MESSAGE_BYTES);
        Ok(Self { inner, timeout: None })
    }

    /// Gives every following call this long to finish; the server is told too, and stops
    /// working on a call whose deadline has passed.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    pub async fn get_user(&mut self, id: u64) -> Result<User, Status> {
        let (request, deadline) = self.request(GetUserRequest { id });
        let response = self.inner.get_user(request).await;
        Ok(response.map_err(|status| deadline::name_expired(status, deadline))?.into_inner().into())
    }

    pub async fn create_user(&mut self, user: NewUser) -> Result<User, Status> {
        let (request, deadline) = self.request(pb::CreateUserRequest::from(user));
        let response = self.inner.create_user(request).await;
        Ok(response.map_err(|status| deadline::name_expired(status, deadline))?.into_inner().into())
    }

    /// Users in id order, as the server streams them; `limit` 0 means all.
    pub async fn list_users(
        &mut self,
        offset: u32,
        limit: u32,
    ) -> Result<impl Stream<Item = Result<User, Status>> + use<>, Status> {
        let (request, deadline) = self.request(ListUsersRequest { offset, limit });
        let response = self.inner.list_users(request).await;
        let users = response.map_err(|status| deadline::name_expired(status, deadline))?;
        Ok(users.into_inner().map(|user| user.map(User::from)))
    }

    /// Streams `users` to the server, which creates them as they arrive; returns how many were
    /// created. Stops at the first one the server refuses, with that user's status.
    pub async fn import_users(
        &mut self,
        users: impl Stream<Item = NewUser> + Send + 'static,
    ) -> Result<u32, Status> {
        let (request, deadline) = self.request(users.map(pb::CreateUserRequest::from));
        let response = self.inner.import_users(request).await;
        Ok(response
            .map_err(|status| deadline::name_expired(status, deadline))?
            .into_inner()
            .created)
    }

    /// Sends `ids` on one call and yields each answer as it comes back: the user, or `None`
    /// when no user has that id.
    pub async fn lookup_users<Ids>(
        &mut self,
        ids: Ids,
    ) -> Result<impl Stream<Item = Result<(u64, Option<User>), Status>> + use<Ids>, Status>
    where
        Ids: Stream<Item = u64> + Send + 'static,
    {
        let (request, deadline) = self.request(ids.map(|id| GetUserRequest { id }));
        let response = self.inner.lookup_users(request).await;
        let answers = response.map_err(|status| deadline::name_expired(status, deadline))?;
        Ok(answers.into_inner().map(|answer| answer.map(|a| (a.id, a.user.map(User::from)))))
    }

    /// A request carrying the deadline, if one is set, and when it falls.
    fn request<T>(&self, message: T) -> (Request<T>, Option<Instant>) {
        let mut request = Request::new(message);
        if let Some(timeout) = self.timeout {
            request.set_timeout(timeout);
        }
        (request, self.timeout.map(|timeout| Instant::now() + timeout))
    }
}
