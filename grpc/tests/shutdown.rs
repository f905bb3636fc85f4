//! Graceful shutdown: the server stops accepting, ends open streams with UNAVAILABLE so
//! clients can retry elsewhere, and returns once calls in flight are done.

mod support;

use support::{TestServer, within};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

#[tokio::test]
async fn an_open_stream_is_ended_with_unavailable_and_the_server_returns() {
    let server = TestServer::start().await;
    let addr = server.addr;
    let mut client = server.client().await;
    let (ids, rx) = mpsc::channel(1);
    let mut answers = within(client.lookup_users(ReceiverStream::new(rx))).await.unwrap();
    ids.send(1).await.unwrap();
    within(answers.next()).await.unwrap().unwrap();

    let stopping = tokio::spawn(server.stop());
    let status = within(answers.next()).await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    within(stopping).await.unwrap(); // and the server returned Ok well within its grace period
    drop(ids);

    assert!(grpc::client::UserClient::connect(addr, None).await.is_err(), "no longer listening");
}
