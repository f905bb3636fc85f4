//! gRPC in one file, client side: the client that `tonic` generated from
//! `proto/users.proto` calls `GetUser` on the crate's server (started in-process), once for
//! a user that exists and once for one that does not, which is a status, not a panic.
//!
//! ```text
//! cargo run -p grpc --example minimal
//! ```
//! The server side is `src/server.rs`: the generated `UserService` trait, implemented for all
//! five calls (unary and the three kinds of streaming), with deadlines, auth and limits.

use common::UserStore;
use grpc::pb::GetUserRequest;
use grpc::pb::user_service_client::UserServiceClient;
use grpc::server::{self, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = Config::new(UserStore::with_sample_users());
    tokio::spawn(server::serve(listener, config, std::future::pending()));

    // One HTTP/2 connection; every call is a stream on it, the request a protobuf message.
    let mut client = UserServiceClient::connect(format!("http://{addr}")).await?;
    let user = client.get_user(GetUserRequest { id: 1 }).await?.into_inner();
    println!("GetUser(1) -> {} <{}>", user.name, user.email);
    let status = client.get_user(GetUserRequest { id: 42 }).await.unwrap_err();
    println!("GetUser(42) -> {:?}: {}", status.code(), status.message());
    Ok(())
}
