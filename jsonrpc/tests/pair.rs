//! The jsonrpsee client (typed methods generated from the `Api` trait) against the server.

mod support;

use jsonrpc::client::{self, connect};
use jsonrpc::{ApiClient, User, codes};
use jsonrpsee::core::ClientError;
use support::{TestServer, WAIT};

/// The JSON-RPC error code of a failed call.
fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> i32 {
    match result {
        Err(ClientError::Call(err)) => err.code(),
        other => panic!("expected an error answer, got {other:?}"),
    }
}

#[tokio::test]
async fn typed_calls_round_trip() {
    let server = TestServer::start().await;
    let rpc = connect(server.addr).unwrap();
    tokio::time::timeout(WAIT, async {
        let ada = rpc.get_user(1).await.unwrap();
        assert_eq!(ada.name, "Ada Lovelace");

        let created = rpc.create_user("Barbara Liskov".into(), "barbara@example.com".into());
        let created = created.await.unwrap();
        assert_eq!(
            created,
            User { id: 4, name: "Barbara Liskov".into(), email: "barbara@example.com".into() }
        );
        assert_eq!(rpc.get_user(4).await.unwrap(), created);

        let page = rpc.list_users(Some(1), Some(2)).await.unwrap();
        assert_eq!(page.iter().map(|u| u.id).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(rpc.list_users(None, None).await.unwrap().len(), 4);
        // A limit above the page size is clamped, not an error.
        assert_eq!(rpc.list_users(None, Some(1_000_000)).await.unwrap().len(), 4);

        assert_eq!(rpc.subtract(42, 23).await.unwrap(), 19);
        assert_eq!(rpc.get_data().await.unwrap(), ("hello".to_owned(), 5));
        assert_eq!(client::sum(&rpc, &[1, 2, 4]).await.unwrap(), 7);
        assert_eq!(client::sum(&rpc, &[]).await.unwrap(), 0);
        // A notification method called with an id is an ordinary call answering `null`.
        rpc.notify_hello(1).await.unwrap();
    })
    .await
    .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn domain_errors_have_their_own_codes() {
    let server = TestServer::start().await;
    let rpc = connect(server.addr).unwrap();
    tokio::time::timeout(WAIT, async {
        match rpc.get_user(99).await {
            Err(ClientError::Call(err)) => {
                assert_eq!(err.code(), codes::USER_NOT_FOUND);
                assert_eq!(err.data().unwrap().get(), r#"{"id":99}"#);
            }
            other => panic!("{other:?}"),
        }
        match rpc.create_user(" ".into(), "x@example.com".into()).await {
            Err(ClientError::Call(err)) => {
                assert_eq!(err.code(), codes::INVALID_USER);
                let data: serde_json::Value =
                    serde_json::from_str(err.data().unwrap().get()).unwrap();
                assert_eq!(data["field"], "name");
            }
            other => panic!("{other:?}"),
        }
        let taken = rpc.create_user("Ada Again".into(), "ADA@example.com".into()).await;
        assert_eq!(code(taken), codes::EMAIL_TAKEN);
        assert_eq!(code(rpc.subtract(i64::MIN, 1).await), codes::OUT_OF_RANGE);
        assert_eq!(code(client::sum(&rpc, &[i64::MAX, 1]).await), codes::OUT_OF_RANGE);
    })
    .await
    .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn a_full_store_answers_store_full() {
    use common::UserStore;
    use jsonrpc::server::{Config, Handlers, serve};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        Handlers::new(UserStore::new(1)),
        Config::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    let rpc = connect(addr).unwrap();
    tokio::time::timeout(WAIT, async {
        rpc.create_user("One".into(), "one@example.com".into()).await.unwrap();
        let full = rpc.create_user("Two".into(), "two@example.com".into()).await;
        assert_eq!(code(full), codes::STORE_FULL);
    })
    .await
    .unwrap();
    stop.send(()).unwrap();
    tokio::time::timeout(WAIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn notifications_from_the_client_reach_the_server() {
    let server = TestServer::start().await;
    let rpc = connect(server.addr).unwrap();
    tokio::time::timeout(WAIT, async {
        client::notify_hello(&rpc, 7).await.unwrap();
        client::notify_hello(&rpc, 8).await.unwrap();
    })
    .await
    .unwrap();
    // The client returns once the HTTP exchange is over, which is after the method ran.
    assert_eq!(server.handlers.notifications_received(), 2);
    server.stop().await;
}

#[tokio::test]
async fn the_demo_shows_each_kind_of_exchange() {
    let server = TestServer::start().await;
    let rpc = connect(server.addr).unwrap();
    let lines = tokio::time::timeout(WAIT, client::demo(&rpc)).await.unwrap().unwrap();
    assert_eq!(
        lines,
        [
            r#"call          users.get [1] -> {"id":1,"name":"Ada Lovelace","email":"ada@example.com"}"#,
            "named params  subtract {minuend: 42, subtrahend: 23} -> 19",
            "notification  notify_hello [7] -> (no reply, as intended)",
            "batch         [sum [1,2,4], subtract [42,23], users.get [99]] -> [7, 19, error 1001]",
            "error         users.get [99] -> code 1001: user 99 not found",
        ]
    );
    assert_eq!(server.handlers.notifications_received(), 1);
    server.stop().await;
}

#[tokio::test]
async fn many_clients_at_once() {
    let server = TestServer::start().await;
    let calls = (0..50i64).map(|n| {
        let rpc = connect(server.addr).unwrap();
        tokio::spawn(async move { rpc.subtract(n, 1).await.unwrap() })
    });
    let results = tokio::time::timeout(WAIT, futures_util::future::join_all(calls)).await.unwrap();
    let results: Vec<i64> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(results, (0..50).map(|n| n - 1).collect::<Vec<_>>());
    server.stop().await;
}
