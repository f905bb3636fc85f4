//! CANCELLED: a client that drops a call mid-stream resets the HTTP/2 stream; the server
//! notices, stops working on the call (counted in its stats), and keeps serving others.

mod support;

use std::time::Duration;
use support::{TestServer, new_user, within};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

#[tokio::test]
async fn walking_away_from_a_lookup_conversation_is_noticed_by_the_server() {
    let server = TestServer::with(support::big_store(), None).await;
    let mut client = server.small_window_client().await;

    // Ask for every user but read only the first answer: the server soon waits on flow
    // control with answers still to send.
    let (ids, rx) = mpsc::channel(support::BIG_STORE_USERS);
    for id in 1..=support::BIG_STORE_USERS as u64 {
        ids.send(id).await.unwrap();
    }
    let mut answers = within(client.lookup_users(ReceiverStream::new(rx))).await.unwrap();
    within(answers.next()).await.unwrap().unwrap();
    assert_eq!(server.stats.cancelled_calls(), 0);

    // Drop both halves of the call, as a client task that is aborted does.
    drop(answers);
    drop(ids);
    server.await_cancelled_calls(1).await;
    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn aborting_an_import_midway_stops_the_server_reading_it() {
    let server = TestServer::start().await;
    let mut client = server.client().await;

    let (users, rx) = mpsc::channel(1);
    let import = tokio::spawn(async move { client.import_users(ReceiverStream::new(rx)).await });
    users.send(new_user("First", "first@example.com")).await.unwrap();
    within(async {
        while server.store.len() < 4 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;

    // The client task dies with its call: its HTTP/2 stream is reset (CANCEL). The server
    // reads no more of it (to tonic, a cancelled request stream looks finished, so this one
    // is not counted as cancelled).
    import.abort();
    assert!(within(import).await.unwrap_err().is_cancelled());
    within(users.closed()).await; // the request stream is gone with the call
    assert!(users.send(new_user("Second", "second@example.com")).await.is_err());
    assert_eq!(server.store.len(), 4, "only the user sent before the cancel");
    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn dropping_a_list_stream_stops_the_server_producing_it() {
    let server = TestServer::with(support::big_store(), None).await;
    let mut client = server.small_window_client().await;

    let mut users = within(client.list_users(0, 0)).await.unwrap();
    for _ in 0..3 {
        within(users.next()).await.unwrap().unwrap();
    }
    drop(users);
    server.await_cancelled_calls(1).await;
    server.assert_still_serves().await;
    server.stop().await;
}
