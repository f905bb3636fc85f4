//! DEADLINE_EXCEEDED: the client sets a deadline, and the server stops working on the call
//! when it passes, whichever kind of call it is.

mod support;

use std::time::Duration;
use support::{TestServer, new_user, within};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

const DEADLINE: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_slow_import_ends_with_deadline_exceeded_and_nothing_after_it_is_stored() {
    let server = TestServer::start().await;
    let mut client = server.client().await.with_timeout(DEADLINE);

    // One user at once, the next long after the deadline: a client that drips its stream.
    let (users, rx) = mpsc::channel(1);
    let feeder = tokio::spawn(async move {
        users.send(new_user("On Time", "on-time@example.com")).await.unwrap();
        sleep(DEADLINE * 3).await;
        let _ = users.send(new_user("Too Late", "late@example.com")).await;
    });

    let started = Instant::now();
    let status = within(client.import_users(ReceiverStream::new(rx))).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(started.elapsed() < DEADLINE * 2, "answered at the deadline, not at the end");

    within(feeder).await.unwrap();
    assert!(server.store.get(4).is_ok(), "the user sent in time was created");
    assert!(server.store.get(5).is_err(), "the server stopped reading at the deadline");
    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn an_idle_lookup_stream_is_ended_by_the_server_at_the_deadline() {
    let server = TestServer::start().await;
    let mut client = server.client().await.with_timeout(DEADLINE);

    let (ids, rx) = mpsc::channel(1);
    let mut answers = within(client.lookup_users(ReceiverStream::new(rx))).await.unwrap();
    ids.send(2).await.unwrap();
    let (id, user) = within(answers.next()).await.unwrap().unwrap();
    assert_eq!((id, user.unwrap().name.as_str()), (2, "Alan Turing"));

    // Send nothing more. tonic's client does not time out a stream whose headers arrived, so
    // this status can only come from the server honouring the deadline.
    let started = Instant::now();
    let status = within(answers.next()).await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(started.elapsed() < DEADLINE * 2);
    assert!(within(answers.next()).await.is_none());
    drop(ids);

    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn a_slowly_read_list_ends_with_deadline_exceeded() {
    // The server can only send as fast as the client reads, so a reader that stalls past the
    // deadline gets cut off.
    let server = TestServer::with(support::big_store(), None).await;
    let mut client = server.small_window_client().await.with_timeout(DEADLINE);

    let mut users = within(client.list_users(0, 0)).await.unwrap();
    within(users.next()).await.unwrap().unwrap();
    sleep(DEADLINE * 2).await;

    let mut received = 1;
    let ending = within(async {
        loop {
            match users.next().await {
                Some(Ok(_)) => received += 1,
                Some(Err(status)) => break status,
                None => panic!("stream ended with OK after {received} users"),
            }
        }
    })
    .await;
    assert_eq!(ending.code(), Code::DeadlineExceeded, "{ending:?}");
    assert!(received < support::BIG_STORE_USERS, "cut off early, got {received}");
    server.assert_still_serves().await;
    server.stop().await;
}

#[tokio::test]
async fn calls_finished_within_the_deadline_are_unaffected() {
    let server = TestServer::start().await;
    let mut client = server.client().await.with_timeout(DEADLINE);
    assert_eq!(within(client.get_user(1)).await.unwrap().id, 1);
    let listed = within(client.list_users(0, 0)).await.unwrap().collect::<Vec<_>>().await;
    assert_eq!(listed.len(), 3);
    let imported =
        within(client.import_users(tokio_stream::iter([new_user("A B", "ab@example.com")])))
            .await
            .unwrap();
    assert_eq!(imported, 1);
    server.stop().await;
}

/// `Config::delay` (`grpc-server --delay-ms`, the README's deadline demo): a deadline shorter
/// than the delay always ends the call with DEADLINE_EXCEEDED, a longer one always gets the
/// answer.
#[tokio::test]
async fn a_deadline_shorter_than_the_servers_delay_always_expires() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = grpc::server::Config {
        delay: DEADLINE * 2,
        ..grpc::server::Config::new(common::UserStore::with_sample_users())
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(grpc::server::serve(listener, config, async {
        let _ = stopped.await;
    }));
    let client = grpc::client::UserClient::connect(addr, None).await.unwrap();

    for _ in 0..3 {
        let status = within(client.clone().with_timeout(DEADLINE).get_user(1)).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
        let Err(status) = within(client.clone().with_timeout(DEADLINE).list_users(0, 0)).await
        else {
            panic!("ListUsers started despite the delay");
        };
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    }
    let user = within(client.clone().with_timeout(DEADLINE * 10).get_user(1)).await.unwrap();
    assert_eq!(user.name, "Ada Lovelace");

    let _ = stop.send(());
    within(task).await.unwrap().unwrap();
}
