//! gRPC with tonic and prost. The contract is `proto/users.proto`; `build.rs` turns it into
//! the [`pb`] module (messages, a client and a server trait) at build time, with no `protoc`.
//!
//! - [`server`]: the `UserService` implementation plus health and reflection, on one port;
//! - [`client`]: the same calls as plain async functions, with a deadline and a bearer token;
//! - [`status`]: how the shared [`common::UserError`] becomes a gRPC status, and back;
//! - [`auth`]: the bearer-token interceptors (server checks, client attaches);
//! - [`deadline`]: reading the client's deadline on the server.

pub mod auth;
pub mod client;
pub mod connections;
pub mod deadline;
pub mod server;
pub mod status;

/// The generated code: one module per protobuf package.
pub mod pb {
    tonic::include_proto!("users.v1");

    /// The encoded descriptors of `users.proto`, served by the reflection service.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("users_descriptor");
}

/// The largest message either side accepts or sends, in bytes. A user is well under 1 KiB
/// (64-character name, 254-byte email); anything bigger is refused before it is decoded.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

// The generated messages are the wire form; the shared types are what the program uses.

impl From<common::User> for pb::User {
    fn from(user: common::User) -> Self {
        Self { id: user.id, name: user.name, email: user.email }
    }
}

impl From<pb::User> for common::User {
    fn from(user: pb::User) -> Self {
        Self { id: user.id, name: user.name, email: user.email }
    }
}

impl From<pb::CreateUserRequest> for common::NewUser {
    fn from(request: pb::CreateUserRequest) -> Self {
        Self { name: request.name, email: request.email }
    }
}

impl From<common::NewUser> for pb::CreateUserRequest {
    fn from(user: common::NewUser) -> Self {
        Self { name: user.name, email: user.email }
    }
}
