//! Every UserService call against the real server, and every status code the store can cause.

mod support;

use common::{User, UserStore};
use grpc::status::invalid_field;
use support::{TestServer, new_user, within};
use tokio_stream::StreamExt;
use tonic::Code;

fn ada() -> User {
    User { id: 1, name: "Ada Lovelace".into(), email: "ada@example.com".into() }
}

#[tokio::test]
async fn get_user_finds_a_user_or_answers_not_found() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    assert_eq!(within(client.get_user(1)).await.unwrap(), ada());

    let status = within(client.get_user(99)).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(status.message(), "user 99 not found");
    server.stop().await;
}

#[tokio::test]
async fn create_user_assigns_an_id_and_refuses_bad_or_duplicate_users() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let created = within(client.create_user(new_user(" Barbara Liskov ", "barbara@example.com")))
        .await
        .unwrap();
    assert_eq!(created.id, 4);
    assert_eq!(created.name, "Barbara Liskov");
    assert_eq!(within(client.get_user(4)).await.unwrap(), created);

    for (user, field) in [(new_user("", "x@example.com"), "name"), (new_user("X", "nope"), "email")]
    {
        let status = within(client.create_user(user)).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with(&format!("invalid {field}: ")), "{status:?}");
        assert_eq!(invalid_field(&status).as_deref(), Some(field), "BadRequest detail");
    }

    let status =
        within(client.create_user(new_user("Other Ada", "ADA@example.com"))).await.unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert!(status.message().contains("ADA@example.com"));
    assert_eq!(server.store.len(), 4, "nothing stored by the refused calls");
    server.stop().await;
}

#[tokio::test]
async fn a_full_store_answers_resource_exhausted() {
    let server = TestServer::with(UserStore::new(1), None).await;
    let mut client = server.client().await;
    within(client.create_user(new_user("One", "one@example.com"))).await.unwrap();
    let status = within(client.create_user(new_user("Two", "two@example.com"))).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    server.stop().await;
}

#[tokio::test]
async fn list_users_streams_in_id_order_with_offset_and_limit() {
    let server = TestServer::with(support::store_with(300), None).await;
    let mut client = server.client().await;

    let all: Vec<User> =
        within(within(client.list_users(0, 0)).await.unwrap().collect::<Result<_, _>>())
            .await
            .unwrap();
    assert_eq!(all.len(), 300, "more than one page of the store");
    assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id));

    let page: Vec<u64> = within(client.list_users(100, 3))
        .await
        .unwrap()
        .map(|user| user.unwrap().id)
        .collect()
        .await;
    assert_eq!(page, [101, 102, 103]);

    let past_the_end = within(client.list_users(1000, 0)).await.unwrap().collect::<Vec<_>>().await;
    assert!(past_the_end.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn import_users_creates_all_or_stops_at_the_first_refused_one() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let users =
        vec![new_user("Ken Thompson", "ken@example.com"), new_user("D R", "dmr@example.com")];
    assert_eq!(within(client.import_users(tokio_stream::iter(users))).await.unwrap(), 2);
    assert_eq!(server.store.len(), 5);

    let users = vec![
        new_user("Niklaus Wirth", "wirth@example.com"),
        new_user("Bad", "no-at-sign"),
        new_user("Never Reached", "never@example.com"),
    ];
    let status = within(client.import_users(tokio_stream::iter(users))).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "user #2 (1 created before it): invalid email: must look like name@example.com"
    );
    assert_eq!(invalid_field(&status).as_deref(), Some("email"));
    assert_eq!(server.store.len(), 6, "the user before the bad one stays, none after it");

    let duplicate = vec![new_user("Ada Again", "ada@example.com")];
    let status = within(client.import_users(tokio_stream::iter(duplicate))).await.unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);

    let nothing = within(client.import_users(tokio_stream::empty())).await.unwrap();
    assert_eq!(nothing, 0);
    server.stop().await;
}

#[tokio::test]
async fn lookup_users_answers_each_id_as_it_arrives() {
    let server = TestServer::start().await;
    let mut client = server.client().await;

    // Feed ids one at a time and wait for each answer before sending the next: the replies
    // really come back while the call is still open.
    let (ids, rx) = tokio::sync::mpsc::channel(1);
    let mut answers =
        within(client.lookup_users(tokio_stream::wrappers::ReceiverStream::new(rx))).await.unwrap();
    for (id, expected) in [(1, Some(ada())), (99, None), (3, server.store.get(3).ok())] {
        ids.send(id).await.unwrap();
        let answer = within(answers.next()).await.unwrap().unwrap();
        assert_eq!(answer, (id, expected));
    }
    drop(ids);
    assert!(within(answers.next()).await.is_none(), "ends with OK once the client is done");
    server.stop().await;
}

#[tokio::test]
async fn clones_of_one_client_call_concurrently() {
    let server = TestServer::start().await;
    let client = server.client().await;
    let calls = (0..20).map(|i| {
        let mut client = client.clone();
        tokio::spawn(async move { client.get_user(1 + i % 3).await })
    });
    for call in calls {
        let user = within(call).await.unwrap().unwrap();
        assert!((1..=3).contains(&user.id));
    }
    server.stop().await;
}
