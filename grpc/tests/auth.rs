//! UNAUTHENTICATED: with a token configured, UserService calls need `authorization: Bearer`;
//! health and reflection stay open, as load balancers and tools expect.

mod support;

use common::UserStore;
use grpc::client::UserClient;
use support::{TestServer, within};
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

const TOKEN: &str = "correct-horse-battery-staple";

#[tokio::test]
async fn calls_without_the_right_token_are_unauthenticated() {
    let server = TestServer::with(UserStore::with_sample_users(), Some(TOKEN)).await;

    for token in [None, Some("wrong"), Some("correct-horse-battery-stapl")] {
        let mut client = within(UserClient::connect(server.addr, token)).await.unwrap();
        let status = within(client.get_user(1)).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "token {token:?}");
        // Streaming calls go through the same check, before the handler runs.
        let status = within(client.list_users(0, 0)).await.err().unwrap();
        assert_eq!(status.code(), Code::Unauthenticated);
    }

    let mut client = within(UserClient::connect(server.addr, Some(TOKEN))).await.unwrap();
    assert_eq!(within(client.get_user(1)).await.unwrap().id, 1);
    server.stop().await;
}

#[tokio::test]
async fn health_stays_open_when_a_token_is_required() {
    let server = TestServer::with(UserStore::with_sample_users(), Some(TOKEN)).await;
    let mut health = HealthClient::new(server.channel().await);
    let request = HealthCheckRequest { service: "users.v1.UserService".into() };
    let response = within(health.check(request)).await.unwrap().into_inner();
    assert_eq!(response.status(), tonic_health::pb::health_check_response::ServingStatus::Serving);
    server.stop().await;
}
