//! `DirectoryPrx` against `ice::server` in-process: every operation, every error a user of
//! the contract can see, and many clients at once.

use ice::client::{ClientError, Config, DirectoryPrx};
use ice::directory::{TYPE_ID, User, UserException};
use ice::message::Identity;
use ice::server::{self, Config as ServerConfig};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);

async fn start() -> SocketAddr {
    let addr = "127.0.0.1:0".parse().unwrap();
    let (addr, _server) =
        server::spawn(addr, ServerConfig::default(), std::future::pending()).await.unwrap();
    addr
}

fn user(id: i32, name: &str, email: &str) -> User {
    User { id, name: name.into(), email: email.into() }
}

#[tokio::test]
async fn every_operation_and_its_user_exceptions() {
    let addr = start().await;
    let mut directory = timeout(LIMIT, DirectoryPrx::connect(addr)).await.unwrap().unwrap();

    assert!(directory.checked_cast().await.unwrap());
    assert!(!directory.ice_is_a("::Users::Nothing").await.unwrap());
    directory.ice_ping().await.unwrap();
    assert_eq!(directory.ice_ids().await.unwrap(), ["::Ice::Object", TYPE_ID]);

    assert_eq!(directory.get_user(1).await.unwrap(), user(1, "Ada Lovelace", "ada@example.com"));
    let missing = directory.get_user(99).await.unwrap_err();
    assert!(matches!(missing, ClientError::User(UserException::UserNotFound { id: 99 })));
    let negative = directory.get_user(-1).await.unwrap_err();
    assert!(matches!(negative, ClientError::User(UserException::UserNotFound { id: -1 })));

    let created = directory.create_user(" Barbara Liskov ", "barbara@example.com").await.unwrap();
    assert_eq!(created, user(4, "Barbara Liskov", "barbara@example.com"));
    assert_eq!(directory.get_user(4).await.unwrap(), created);

    let invalid = directory.create_user("", "x@example.com").await.unwrap_err();
    let ClientError::User(UserException::InvalidUser { field, reason }) = invalid else {
        panic!("{invalid:?}")
    };
    assert_eq!((field.as_str(), reason.as_str()), ("name", "must not be empty"));
    let taken = directory.create_user("Other", "BARBARA@example.com").await.unwrap_err();
    assert_eq!(taken.to_string(), r#"InvalidUser { field: "email", reason: "is already taken" }"#);
    // A string longer than 254 bytes travels with the five-byte size.
    let long = format!("{}@example.com", "x".repeat(300));
    let too_long = directory.create_user("Long", &long).await.unwrap_err();
    assert!(too_long.to_string().contains("must be at most 254 bytes"), "{too_long}");

    let ids: Vec<i32> = directory.list_users().await.unwrap().iter().map(|u| u.id).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    directory.close().await.unwrap();
}

#[tokio::test]
async fn an_unknown_identity_is_object_not_exist() {
    let addr = start().await;
    let identity = Identity::new("nobody");
    let mut nobody = DirectoryPrx::connect_with(addr, identity, Config::default()).await.unwrap();
    let error = nobody.get_user(1).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::ObjectNotExist { identity, operation }
            if identity.name == "nobody" && operation == "getUser"),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "object nobody does not exist (operation getUser)");
    // The connection is still fine after a failed call.
    assert!(matches!(nobody.ice_ping().await, Err(ClientError::ObjectNotExist { .. })));
}

#[tokio::test]
async fn many_clients_at_once_each_get_their_own_answers() {
    let addr = start().await;
    let clients = (0..20).map(|n| {
        tokio::spawn(async move {
            let mut directory = DirectoryPrx::connect(addr).await.unwrap();
            let email = format!("user{n}@example.com");
            let created = directory.create_user(&format!("User {n}"), &email).await.unwrap();
            for _ in 0..20 {
                assert_eq!(directory.get_user(created.id).await.unwrap().email, email);
            }
            created.id
        })
    });
    let mut ids = Vec::new();
    for client in clients {
        ids.push(timeout(LIMIT, client).await.unwrap().unwrap());
    }
    ids.sort_unstable();
    assert_eq!(ids, (4..24).collect::<Vec<_>>());
}
