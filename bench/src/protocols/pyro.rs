//! The `pyro` example: `pyro::server` (a Pyro5 daemon in Rust) on the server runtime,
//! `pyro::client::UsersProxy::get_user` as the round trip (INVOKE out, RESULT back). The
//! proxy connects by `PYRO:` URI; the name server is only needed to find the daemon.

use super::{Job, Kind, job};
use crate::harness::{self, Measurement, Settings};
use pyro::client::{DEFAULT_TIMEOUT, UsersProxy};
use pyro::server::{self, Config};
use pyro::uri::Uri;

async fn start(settings: &Settings) -> anyhow::Result<Uri> {
    let spawned = settings.server.spawn(async {
        let (addr, _server) =
            server::spawn("127.0.0.1:0".parse()?, Config::default(), std::future::pending())
                .await?;
        anyhow::Ok(addr)
    });
    let addr = spawned.await??;
    Ok(Uri::Pyro {
        object: pyro::USERS_NAME.into(),
        host: addr.ip().to_string(),
        port: addr.port(),
    })
}

/// The 40-byte header plus the JSON call `{"object":..., "method":"get_user", ...}`.
pub fn wire_bytes(_settings: &Settings) -> usize {
    let call = r#"{"object":"example.users","method":"get_user","params":[1],"kwargs":{}}"#;
    pyro::message::HEADER_SIZE + call.len()
}

pub async fn latency(settings: &Settings, open_loop: bool) -> anyhow::Result<Measurement> {
    let mut users = UsersProxy::locate(&start(settings).await?, DEFAULT_TIMEOUT).await?;
    let round_trip = async || {
        users.get_user(1).await?;
        Ok(())
    };
    harness::latency(settings, open_loop, round_trip).await
}

pub async fn throughput(settings: &Settings) -> anyhow::Result<Measurement> {
    let uri = start(settings).await?;
    let mut clients = Vec::new();
    for _ in 0..settings.connections {
        clients.push(UsersProxy::locate(&uri, DEFAULT_TIMEOUT).await?);
    }
    harness::throughput(settings, clients, async |users: &mut UsersProxy| {
        users.get_user(1).await?;
        Ok(())
    })
    .await
}

/// This protocol's scenarios, in the order the report lists them.
pub fn jobs(settings: &Settings) -> Vec<Job> {
    use Kind::{FixedRate, Sequential, Throughput};
    let n = settings.connections;
    let rate = settings.rate;
    vec![
        job("pyro", "get_user", Sequential, wire_bytes, |s| Box::pin(latency(s, false))),
        job("pyro", format!("get_user @{rate}/s"), FixedRate, wire_bytes, |s| {
            Box::pin(latency(s, true))
        }),
        job("pyro", format!("get_user, {n} connections"), Throughput, wire_bytes, |s| {
            Box::pin(throughput(s))
        }),
    ]
}
