//! Bad input: bytes that do not decode as the message, messages over the size limit, and a
//! peer that does not speak HTTP/2. Each gets a clear answer, and the server keeps serving.

mod support;

use grpc::MAX_MESSAGE_BYTES;
use grpc::pb::{self, CreateUserRequest, user_service_client::UserServiceClient};
use support::{TestServer, new_user, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

/// A message whose field 1 is a string, where GetUserRequest has a number: its bytes are not
/// a valid GetUserRequest.
#[derive(Clone, PartialEq, prost::Message)]
struct WrongShape {
    #[prost(string, tag = "1")]
    id: String,
}

/// Calls `path` with any message, bypassing the generated client's types.
async fn call_raw(channel: Channel, path: &'static str, message: WrongShape) -> Status {
    let mut grpc = tonic::client::Grpc::new(channel);
    within(grpc.ready()).await.unwrap();
    let codec = tonic_prost::ProstCodec::<WrongShape, pb::User>::default();
    let call = grpc.unary(Request::new(message), PathAndQuery::from_static(path), codec);
    within(call).await.unwrap_err()
}

#[tokio::test]
async fn a_message_that_does_not_decode_is_refused_as_internal() {
    let server = TestServer::start().await;
    let status = call_raw(
        server.channel().await,
        "/users.v1.UserService/GetUser",
        WrongShape { id: "one".into() },
    )
    .await;
    // gRPC's code for "could not parse the request" (as grpc-go and grpc-java answer too).
    assert_eq!(status.code(), Code::Internal, "{status:?}");
    assert!(status.message().contains("invalid wire type"), "{status:?}");
    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_method_is_unimplemented() {
    let server = TestServer::start().await;
    let status =
        call_raw(server.channel().await, "/users.v1.UserService/DeleteUser", WrongShape::default())
            .await;
    assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn an_oversize_message_is_refused_before_it_is_decoded() {
    let server = TestServer::start().await;
    // The generated client without limits, as a careless or hostile peer would send.
    let mut raw = UserServiceClient::new(server.channel().await);
    let huge = CreateUserRequest { name: "x".repeat(MAX_MESSAGE_BYTES), email: "a@b.co".into() };
    let status = within(raw.create_user(huge.clone())).await.unwrap_err();
    // tonic answers OUT_OF_RANGE here (grpc-go says RESOURCE_EXHAUSTED).
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert!(status.message().contains("too large"), "{status:?}");

    // The same limit applies to each message of a stream.
    let status = within(raw.import_users(tokio_stream::iter([huge]))).await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert_eq!(server.store.len(), 3);
    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn the_library_client_gets_the_same_clear_answers() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let status = within(client.create_user(new_user(&"x".repeat(MAX_MESSAGE_BYTES), "a@b.co")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert!(status.message().contains("the limit is: 16384 bytes"), "{status:?}");
    // A long name that fits the message limit reaches the server and its validation instead.
    let status = within(client.create_user(new_user(&"x".repeat(65), "a@b.co"))).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(grpc::status::invalid_field(&status).as_deref(), Some("name"));
    server.stop().await;
}

#[tokio::test]
async fn a_peer_that_does_not_speak_http2_is_disconnected() {
    let server = TestServer::start().await;
    let mut socket = within(tokio::net::TcpStream::connect(server.addr)).await.unwrap();
    within(socket.write_all(b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n")).await.unwrap();
    let mut reply = Vec::new();
    // The server closes the connection (after at most a GOAWAY frame); it does not hang.
    let _ = within(socket.read_to_end(&mut reply)).await;
    assert!(reply.len() < 100, "{reply:?}");
    server.assert_still_serves().await;
    server.stop().await;
}
