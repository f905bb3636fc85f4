//! Remote objects: a naming service and an object server on free ports; the client looks
//! `example.users` up by name, then calls it through its tarpc proxy.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use common::UserStore;
use remote_objects::client;
use remote_objects::names::{self, Registrations, Registry};
use remote_objects::server::Config;
use remote_objects::transport::request_frame_bytes;
use remote_objects::{COUNTER, CancellationToken, DirectoryRequest, USERS, objects};
use std::net::Ipv4Addr;
use tokio::net::TcpListener;

pub const PROTOCOL: Protocol = Protocol {
    name: "remote-objects",
    model: "remote objects, naming service (tarpc)",
    transport: "TCP, JSON frames",
    run: |t| Box::pin(run(t)),
};

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let stop = CancellationToken::new();
    let _stop_on_return = stop.clone().drop_guard();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let names_addr = listener.local_addr()?;
    let registry = Registry::new(names::Config::default());
    tokio::spawn(names::serve(
        listener,
        registry,
        Config::default(),
        stop.clone().cancelled_owned(),
    ));
    t.note(format!("remote-objects-names listening on {names_addr}"));
    let ip = Ipv4Addr::LOCALHOST.into();
    let objects =
        objects::spawn(ip, UserStore::with_sample_users(), Config::default(), stop.clone()).await?;
    let registrations = Registrations::register(names_addr, objects.registrations()).await?;
    tokio::spawn(registrations.keep(stop.clone().cancelled_owned()));
    t.note(format!("remote-objects-server registered {USERS} and {COUNTER}"));

    let names = client::names(names_addr).await?;
    t.sent(format!("Names.lookup(\"{USERS}\")"));
    let entry = names.lookup(client::context(), USERS.into()).await??;
    t.received(format!("{} at {} ({})", entry.name, entry.addr, entry.interface));

    let users = client::connect_directory(entry.addr).await?;
    t.sent("Directory.get_user(1)");
    t.received(format!("{:?}", users.get_user(client::context(), 1).await?));
    t.sent("Directory.get_user(42)");
    t.received(format!("{:?}", users.get_user(client::context(), 42).await?));

    let counter = client::counter(&names, COUNTER).await?;
    t.sent("Counter.increment(5)");
    t.received(format!("{}", counter.increment(client::context(), 5).await?));

    let round_trip = median_round_trip(async || users.get_user(client::context(), 1).await).await?;
    let payload_bytes = request_frame_bytes(DirectoryRequest::GetUser { id: 1 });
    t.note(format!("get_user round trip {round_trip:.1?}, {payload_bytes} bytes request frame"));
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}
