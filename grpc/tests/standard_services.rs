//! The standard services generic tools rely on: health (grpc.health.v1) and server reflection
//! (grpc.reflection.v1 and v1alpha); and what health reports during a graceful shutdown.

mod support;

use support::{TestServer, within};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

fn check(service: &str) -> HealthCheckRequest {
    HealthCheckRequest { service: service.into() }
}

#[tokio::test]
async fn health_reports_the_server_and_the_user_service_serving() {
    let server = TestServer::start().await;
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "users.v1.UserService"] {
        let status = within(health.check(check(service))).await.unwrap().into_inner().status();
        assert_eq!(status, ServingStatus::Serving, "{service:?}");
    }
    let unknown = within(health.check(check("no.such.Service"))).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    server.stop().await;
}

#[tokio::test]
async fn a_health_watcher_sees_not_serving_when_shutdown_begins() {
    let server = TestServer::start().await;
    let mut health = HealthClient::new(server.channel().await);
    let mut watch = within(health.watch(check("users.v1.UserService"))).await.unwrap().into_inner();
    let first: HealthCheckResponse = within(watch.next()).await.unwrap().unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);

    let stopping = tokio::spawn(server.stop());
    let next = within(watch.next()).await.unwrap().unwrap();
    assert_eq!(next.status(), ServingStatus::NotServing);
    drop(watch); // the last open call: now the server can finish
    within(stopping).await.unwrap();
}

// The few fields of google.protobuf.FileDescriptorProto this test reads; prost skips the rest.
#[derive(Clone, PartialEq, prost::Message)]
struct FileDescriptor {
    #[prost(string, tag = "2")]
    package: String,
    #[prost(message, repeated, tag = "6")]
    service: Vec<ServiceDescriptor>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ServiceDescriptor {
    #[prost(message, repeated, tag = "2")]
    method: Vec<MethodDescriptor>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct MethodDescriptor {
    #[prost(string, tag = "1")]
    name: String,
}

/// One reflection request on a fresh v1 stream.
async fn reflect(server: &TestServer, request: MessageRequest) -> MessageResponse {
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest { host: String::new(), message_request: Some(request) };
    let mut responses = within(reflection.server_reflection_info(tokio_stream::iter([request])))
        .await
        .unwrap()
        .into_inner();
    let response: ServerReflectionResponse = within(responses.next()).await.unwrap().unwrap();
    response.message_response.unwrap()
}

#[tokio::test]
async fn reflection_lists_the_services_and_describes_user_service() {
    let server = TestServer::start().await;

    let MessageResponse::ListServicesResponse(list) =
        reflect(&server, MessageRequest::ListServices(String::new())).await
    else {
        panic!("expected a service list");
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    for expected in ["users.v1.UserService", "grpc.health.v1.Health"] {
        assert!(names.contains(&expected), "{names:?}");
    }

    let symbol = MessageRequest::FileContainingSymbol("users.v1.UserService".into());
    let MessageResponse::FileDescriptorResponse(files) = reflect(&server, symbol).await else {
        panic!("expected a file descriptor");
    };
    let file: FileDescriptor =
        prost::Message::decode(files.file_descriptor_proto[0].as_slice()).unwrap();
    assert_eq!(file.package, "users.v1");
    let methods: Vec<_> = file.service[0].method.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(methods, ["GetUser", "CreateUser", "ListUsers", "ImportUsers", "LookupUsers"]);
    server.stop().await;
}

#[tokio::test]
async fn reflection_v1alpha_answers_too_for_older_tools() {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

    let server = TestServer::start().await;
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = within(reflection.server_reflection_info(tokio_stream::iter([request])))
        .await
        .unwrap()
        .into_inner();
    let response = within(responses.next()).await.unwrap().unwrap().message_response.unwrap();
    let MessageResponse::ListServicesResponse(list) = response else { panic!("{response:?}") };
    assert!(list.service.iter().any(|s| s.name == "users.v1.UserService"));
    server.stop().await;
}
