//! Naming service, object server and client in-process, on 127.0.0.1:0: lookups, calls, the
//! remote exception, shared state, the callback, leases, deadlines and cancellation.

use common::{NewUser, UserStore};
use remote_objects::client::{self, deadline};
use remote_objects::names::{self, Registrations, Registry};
use remote_objects::objects::{self, Objects};
use remote_objects::server::Config;
use remote_objects::{COUNTER, DirectoryError, NamesClient, NamesError, USERS};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tarpc::client::RpcError;
use tokio::net::TcpListener;
use tokio::time::{sleep, timeout};
use tokio_util::sync::CancellationToken;

const LOCALHOST: std::net::IpAddr = std::net::IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A naming service with `lease`, stopped when the token is cancelled.
async fn start_names(lease: Duration, stop: &CancellationToken) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let registry = Registry::new(names::Config { lease, ..names::Config::default() });
    let shutdown = stop.clone().cancelled_owned();
    tokio::spawn(names::serve(listener, registry, Config::default(), shutdown));
    addr
}

/// A naming service and an object server registered with it; the objects' own token stops
/// them (and their renewals), the other one the naming service.
struct World {
    names: NamesClient,
    objects: Objects,
    stop_objects: CancellationToken,
    _stop_names: tokio_util::sync::DropGuard,
}

async fn start(lease: Duration, config: Config) -> World {
    let stop_names = CancellationToken::new();
    let names_addr = start_names(lease, &stop_names).await;
    let stop_objects = CancellationToken::new();
    let objects =
        objects::spawn(LOCALHOST, UserStore::with_sample_users(), config, stop_objects.clone())
            .await
            .unwrap();
    let registrations = Registrations::register(names_addr, objects.registrations()).await.unwrap();
    tokio::spawn(registrations.keep(stop_objects.clone().cancelled_owned()));
    let names = client::names(names_addr).await.unwrap();
    World { names, objects, stop_objects, _stop_names: stop_names.drop_guard() }
}

/// Polls `condition` every 20 ms for up to `within`.
async fn eventually(within: Duration, mut condition: impl AsyncFnMut() -> bool) -> bool {
    timeout(within, async {
        while !condition().await {
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn objects_are_found_by_name_and_called_like_local_ones() {
    let world = start(Duration::from_secs(10), Config::default()).await;

    let entries = world.names.list(client::context(), "example.".into()).await.unwrap();
    let listed: Vec<_> = entries.iter().map(|e| (e.name.as_str(), e.interface.as_str())).collect();
    assert_eq!(listed, [(COUNTER, "Counter"), (USERS, "Directory")]);

    let users = client::directory(&world.names, USERS).await.unwrap();
    let ada = users.get_user(client::context(), 1).await.unwrap().unwrap();
    assert_eq!((ada.id, ada.name.as_str()), (1, "Ada Lovelace"));

    // The remote exception: the object's own error enum, as `Err`.
    let missing = users.get_user(client::context(), 42).await.unwrap();
    assert_eq!(missing, Err(DirectoryError::NotFound(42)));
    let duplicate = NewUser { name: "Someone".into(), email: "ada@example.com".into() };
    let refused = users.create_user(client::context(), duplicate).await.unwrap();
    assert_eq!(refused, Err(DirectoryError::AlreadyExists("ada@example.com".into())));

    let barbara = NewUser { name: "Barbara Liskov".into(), email: "barbara@example.com".into() };
    let created = users.create_user(client::context(), barbara).await.unwrap().unwrap();
    assert_eq!(created.id, 4);
    let all = users.list_users(client::context(), 0, 1000).await.unwrap();
    assert_eq!(all.len(), 4, "capped at MAX_PAGE, and there are only four");
}

#[tokio::test]
async fn the_counters_state_lives_on_the_server_and_is_shared() {
    let world = start(Duration::from_secs(10), Config::default()).await;
    let first = client::counter(&world.names, COUNTER).await.unwrap();
    let second = client::counter(&world.names, COUNTER).await.unwrap();
    assert_eq!(first.increment(client::context(), 5).await.unwrap(), 5);
    assert_eq!(second.increment(client::context(), 2).await.unwrap(), 7);
    assert_eq!(first.value(client::context()).await.unwrap(), 7);
    assert_eq!(second.reset(client::context()).await.unwrap(), 7);
    assert_eq!(first.increment(client::context(), u64::MAX).await.unwrap(), u64::MAX);
    assert_eq!(first.increment(client::context(), 1).await.unwrap(), u64::MAX, "saturates");
}

#[tokio::test]
async fn a_lookup_of_an_unknown_name_fails_cleanly() {
    let world = start(Duration::from_secs(10), Config::default()).await;
    let error = client::directory(&world.names, "no.such.object").await.unwrap_err();
    assert_eq!(error.to_string(), r#"no object is registered as "no.such.object""#);
    let invalid = world.names.lookup(client::context(), String::new()).await.unwrap();
    assert_eq!(invalid, Err(NamesError::NotFound(String::new())));
}

#[tokio::test]
async fn the_server_calls_the_clients_progress_callback() {
    let world = start(Duration::from_secs(10), Config::default()).await;
    let users = client::directory(&world.names, USERS).await.unwrap();
    let mut callback = client::listen_for_progress(LOCALHOST).await.unwrap();

    let mut batch: Vec<NewUser> = (1..=25)
        .map(|n| NewUser { name: format!("User {n}"), email: format!("user{n}@example.com") })
        .collect();
    batch[3].email = "not an email".into();
    let report =
        users.import_users(client::context(), batch, Some(callback.addr)).await.unwrap().unwrap();
    assert_eq!(report.created.len(), 24);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].0, 3);
    // Every update was answered before the import went on, so the last one is here already.
    let mut updates = Vec::new();
    while let Ok(update) = callback.updates.try_recv() {
        updates.push(update);
    }
    let expected: Vec<(u64, u64)> =
        (3..=24).step_by(3).chain([25]).map(|done| (done, 25)).collect();
    assert_eq!(updates, expected, "every third user (a tenth of 25, rounded up), and the last");
    assert_eq!(callback.calls(), 9);
}

#[tokio::test]
async fn a_callback_must_be_on_the_callers_own_address() {
    let world = start(Duration::from_secs(10), Config::default()).await;
    let users = client::directory(&world.names, USERS).await.unwrap();
    let elsewhere: SocketAddr = "192.0.2.1:9".parse().unwrap();
    let refused = users.import_users(client::context(), vec![], Some(elsewhere)).await.unwrap();
    assert!(matches!(refused, Err(DirectoryError::Callback(_))), "{refused:?}");
    let too_many = vec![NewUser { name: "x".into(), email: "x@example.com".into() }; 1001];
    let refused = users.import_users(client::context(), too_many, None).await.unwrap();
    assert_eq!(refused, Err(DirectoryError::TooMany(1000)));
}

#[tokio::test]
async fn a_slow_call_fails_at_its_deadline_and_the_server_stops_working_on_it() {
    let world = start(Duration::from_secs(10), Config::default()).await;
    let users = client::directory(&world.names, USERS).await.unwrap();
    let activity = &world.objects.activity;

    let result = users.slow_get(deadline(Duration::from_millis(200)), 1, 5_000).await;
    assert!(matches!(result, Err(RpcError::DeadlineExceeded)), "{result:?}");
    assert!(
        eventually(Duration::from_secs(2), async || activity.slow_abandoned.load(Ordering::SeqCst)
            == 1)
        .await,
        "the server dropped the call at the deadline"
    );
    assert_eq!(activity.slow_finished.load(Ordering::SeqCst), 0);

    // The connection is still fine for the next call.
    let ok = users.slow_get(client::context(), 2, 10).await.unwrap().unwrap();
    assert_eq!(ok.name, "Alan Turing");
    assert_eq!(activity.slow_finished.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn dropping_a_call_cancels_it_on_the_server() {
    let world = start(Duration::from_secs(10), Config::default()).await;
    let users = client::directory(&world.names, USERS).await.unwrap();
    let activity = &world.objects.activity;

    let call = users.slow_get(deadline(Duration::from_secs(30)), 1, 20_000);
    assert!(timeout(Duration::from_millis(300), call).await.is_err(), "still running");
    // Dropped by `timeout`: the proxy sends a Cancel frame, tarpc aborts the handler.
    assert!(
        eventually(Duration::from_secs(2), async || activity.slow_abandoned.load(Ordering::SeqCst)
            == 1)
        .await,
        "the server stopped the cancelled call long before its 20 s"
    );
    assert_eq!(activity.slow_started.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_server_that_goes_away_mid_call_fails_the_call_instead_of_hanging() {
    let world = start(Duration::from_secs(10), Config::default()).await;
    let users = client::directory(&world.names, USERS).await.unwrap();
    let call =
        tokio::spawn(
            async move { users.slow_get(deadline(Duration::from_secs(30)), 1, 20_000).await },
        );
    sleep(Duration::from_millis(200)).await;
    world.stop_objects.cancel();
    let result = timeout(Duration::from_secs(5), call).await.expect("no hang").unwrap();
    assert!(
        matches!(result, Err(RpcError::Shutdown | RpcError::Channel(_))),
        "the proxy reports the lost connection: {result:?}"
    );
}

#[tokio::test]
async fn names_expire_unless_renewed_and_go_at_once_on_a_clean_shutdown() {
    let lease = Duration::from_millis(300);
    let world = start(lease, Config::default()).await;

    // Renewed every lease/3: still there after several leases.
    sleep(lease * 4).await;
    assert!(client::lookup(&world.names, USERS).await.is_ok());

    // A clean stop unregisters at once.
    world.stop_objects.cancel();
    assert!(
        eventually(Duration::from_millis(200), async || {
            world.names.list(client::context(), String::new()).await.unwrap().is_empty()
        })
        .await,
        "unregistered on shutdown, before the lease ran out"
    );

    // A registration nobody renews (a crashed server) is gone after one lease.
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let lease_got = world
        .names
        .register(client::context(), "crashed.object".into(), addr, "Directory".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lease_got.ttl_ms, 300);
    assert!(client::lookup(&world.names, "crashed.object").await.is_ok());
    sleep(lease + Duration::from_millis(50)).await;
    let gone = world.names.lookup(client::context(), "crashed.object".into()).await.unwrap();
    assert_eq!(gone, Err(NamesError::NotFound("crashed.object".into())));
}

#[tokio::test]
async fn only_the_owner_of_a_name_may_renew_or_remove_it() {
    let stop = CancellationToken::new();
    let names = client::names(start_names(Duration::from_secs(10), &stop).await).await.unwrap();
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let register =
        |name: &str| names.register(client::context(), name.into(), addr, "Counter".into());

    let lease = register("shop.orders").await.unwrap().unwrap();
    assert_eq!(
        register("shop.orders").await.unwrap(),
        Err(NamesError::Taken("shop.orders".into()))
    );
    let wrong =
        names.renew(client::context(), "shop.orders".into(), lease.token ^ 1).await.unwrap();
    assert_eq!(wrong, Err(NamesError::WrongToken("shop.orders".into())));
    let wrong =
        names.unregister(client::context(), "shop.orders".into(), lease.token ^ 1).await.unwrap();
    assert_eq!(wrong, Err(NamesError::WrongToken("shop.orders".into())));
    assert_eq!(
        names.renew(client::context(), "shop.orders".into(), lease.token).await.unwrap(),
        Ok(10_000)
    );
    names.unregister(client::context(), "shop.orders".into(), lease.token).await.unwrap().unwrap();
    assert!(register("shop.orders").await.unwrap().is_ok(), "free again");

    for bad in ["", "has space", "semi;colon", &"x".repeat(129)] {
        let refused = register(bad).await.unwrap();
        assert!(matches!(refused, Err(NamesError::InvalidName(_))), "{bad:?}: {refused:?}");
    }
    stop.cancel();
}

#[tokio::test]
async fn requests_beyond_the_per_connection_limit_are_refused_not_queued() {
    let config = Config { max_requests_per_connection: 2, ..Config::default() };
    let world = start(Duration::from_secs(10), config).await;
    let users = client::directory(&world.names, USERS).await.unwrap();

    let slow = || users.slow_get(deadline(Duration::from_secs(10)), 1, 500);
    let (a, b, c) = tokio::join!(slow(), slow(), async {
        sleep(Duration::from_millis(100)).await;
        users.get_user(client::context(), 1).await
    });
    assert!(a.unwrap().is_ok() && b.unwrap().is_ok());
    match c {
        Err(RpcError::Server(error)) => assert_eq!(error.kind, std::io::ErrorKind::WouldBlock),
        other => panic!("expected a server error for the third request, got {other:?}"),
    }
}
