//! A Rust client and the Rust daemon, over Pyro5's protocol on 127.0.0.1.

use pyro::client::{Error, UsersProxy};
use pyro::server::{self, Config};
use pyro::uri::Uri;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(5);

async fn daemon() -> (SocketAddr, oneshot::Sender<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, _server) = server::spawn("127.0.0.1:0".parse().unwrap(), Config::default(), async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    (addr, stop)
}

fn users_uri(addr: SocketAddr) -> Uri {
    Uri::Pyro { object: pyro::USERS_NAME.into(), host: addr.ip().to_string(), port: addr.port() }
}

#[tokio::test]
async fn calls_read_as_local_calls() {
    let (addr, _stop) = daemon().await;
    let mut users = UsersProxy::locate(&users_uri(addr), WAIT).await.unwrap();

    let ada = users.get_user(1).await.unwrap();
    assert_eq!((ada.id, ada.name.as_str()), (1, "Ada Lovelace"));
    let barbara = users.create_user("Barbara Liskov", "barbara@example.com").await.unwrap();
    assert_eq!(barbara.id, 4);
    let names: Vec<_> = users.list_users().await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Barbara Liskov"]);
    users.ping().await.unwrap();
}

#[tokio::test]
async fn remote_exceptions_keep_their_python_class() {
    let (addr, _stop) = daemon().await;
    let mut users = UsersProxy::locate(&users_uri(addr), WAIT).await.unwrap();

    let Err(Error::Remote(missing)) = users.get_user(42).await else {
        panic!("expected a remote error")
    };
    assert_eq!(missing.class, "builtins.LookupError");
    assert_eq!(missing.message(), "user 42 not found");
    assert!(missing.traceback.iter().any(|line| line.contains("example.users.get_user")));

    let Err(Error::Remote(invalid)) = users.create_user("Nobody", "nobody").await else { panic!() };
    assert_eq!(
        invalid.to_string(),
        "builtins.ValueError: invalid email: must look like name@example.com"
    );
    let Err(Error::Remote(taken)) = users.create_user("Ada", "ADA@example.com").await else {
        panic!()
    };
    assert_eq!(taken.message(), "a user with email ADA@example.com already exists");

    // The connection survives every exception.
    assert_eq!(users.get_user(2).await.unwrap().name, "Alan Turing");
}

#[tokio::test]
async fn the_handshake_brings_the_metadata_and_refuses_unknown_objects() {
    let (addr, _stop) = daemon().await;
    let host = addr.ip().to_string();
    let proxy =
        pyro::client::Proxy::connect(&host, addr.port(), pyro::USERS_NAME, WAIT).await.unwrap();
    assert_eq!(proxy.metadata().methods, ["create_user", "get_user", "list_users"]);

    let refused = pyro::client::Proxy::connect(&host, addr.port(), "example.nothing", WAIT).await;
    assert!(
        matches!(&refused, Err(Error::Rejected { reason, .. }) if reason == "unknown object"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_method_the_metadata_does_not_list_is_refused_locally() {
    let (addr, _stop) = daemon().await;
    let host = addr.ip().to_string();
    let mut proxy =
        pyro::client::Proxy::connect(&host, addr.port(), pyro::USERS_NAME, WAIT).await.unwrap();
    let refused = proxy.call("delete_user", vec![1.into()], Default::default()).await;
    assert!(matches!(refused, Err(Error::NoSuchMethod { .. })), "{refused:?}");
}

#[tokio::test]
async fn shutdown_ends_the_daemon() {
    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, server) = server::spawn("127.0.0.1:0".parse().unwrap(), Config::default(), async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let mut users = UsersProxy::locate(&users_uri(addr), WAIT).await.unwrap();
    users.ping().await.unwrap();
    stop.send(()).unwrap();
    tokio::time::timeout(WAIT, server).await.unwrap().unwrap().unwrap();
    assert!(users.ping().await.is_err(), "the open connection was closed");
}
