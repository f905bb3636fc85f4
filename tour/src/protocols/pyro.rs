//! Pyro5: Python's own name server (`python -m Pyro5.nameserver`), the Rust daemon of the
//! `pyro` crate registered in it, and the Rust proxy that finds it by name and calls it.
//! Without Python and Pyro5 the step is skipped with the hint how to get them.

use super::Protocol;
use crate::outcome::{Measured, Step, Transcript, median_round_trip};
use pyro::client::{DEFAULT_TIMEOUT, Error, NameServer, UsersProxy};
use pyro::server::{self, Config};
use pyro::uri::Uri;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use tokio::sync::oneshot;

pub const PROTOCOL: Protocol = Protocol {
    name: "pyro",
    model: "remote objects (Pyro5)",
    transport: "TCP",
    run: |t| Box::pin(run(t)),
};

const HINT: &str = "needs Python with Pyro5 for its name server: python3 -m venv .venv && \
                    .venv/bin/pip install Pyro5, then PYTHON_PEERS=.venv/bin/python cargo run";

async fn run(t: &mut Transcript) -> anyhow::Result<Step> {
    let python = std::env::var("PYTHON_PEERS").unwrap_or_else(|_| "python3".into());
    let Ok(Some((name_server, ns_addr))) =
        tokio::task::spawn_blocking(move || start_name_server(&python)).await?
    else {
        return Ok(Step::Skipped(HINT.into()));
    };
    let _name_server = KillOnDrop(name_server);
    t.note(format!("Python's Pyro5 name server on {ns_addr}"));

    let (stop, stopped) = oneshot::channel::<()>();
    let (addr, daemon) = server::spawn("127.0.0.1:0".parse()?, Config::default(), async {
        let _ = stopped.await;
    })
    .await?;
    let uri = Uri::Pyro {
        object: pyro::USERS_NAME.into(),
        host: addr.ip().to_string(),
        port: addr.port(),
    };
    let (ns_host, ns_port) = (ns_addr.ip().to_string(), ns_addr.port());
    NameServer::connect(&ns_host, ns_port, DEFAULT_TIMEOUT)
        .await?
        .register(pyro::USERS_NAME, &uri)
        .await?;
    t.note(format!("pyro-server (Rust) serves {uri}, registered as {}", pyro::USERS_NAME));

    let by_name =
        Uri::PyroName { name: pyro::USERS_NAME.into(), host: ns_host, port: Some(ns_port) };
    t.sent(format!(
        "lookup {by_name}, CONNECT {{\"handshake\": \"hello\", \"object\": \"{}\"}}",
        pyro::USERS_NAME
    ));
    let mut users = UsersProxy::locate(&by_name, DEFAULT_TIMEOUT).await?;
    t.received("CONNECTOK with the methods create_user, get_user, list_users");
    t.sent(r#"INVOKE {"method": "get_user", "params": [1], ...}"#);
    t.received(format!("RESULT {}", serde_json::to_string(&users.get_user(1).await?)?));
    t.sent(r#"INVOKE {"method": "get_user", "params": [99], ...}"#);
    match users.get_user(99).await {
        Err(Error::Remote(exception)) => t.received(format!("RESULT (exception) {exception}")),
        other => anyhow::bail!("expected LookupError for user 99, got {other:?}"),
    }

    let round_trip = median_round_trip(async || users.get_user(1).await).await?;
    // The 40-byte header plus the JSON call the proxy sends.
    let call = r#"{"object":"example.users","method":"get_user","params":[1],"kwargs":{}}"#;
    let payload_bytes = pyro::message::HEADER_SIZE + call.len();
    t.note(format!("get_user round trip {round_trip:.1?}, {payload_bytes} bytes per call"));

    let _ = stop.send(());
    daemon.await??;
    Ok(Step::Done(Measured { round_trip, payload_bytes }))
}

/// Starts `python -m Pyro5.nameserver` on a free port and reads the address it printed;
/// `None` when Python or Pyro5 is not there.
fn start_name_server(python: &str) -> std::io::Result<Option<(Child, std::net::SocketAddr)>> {
    let args = ["-u", "-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0"];
    let Ok(mut child) =
        Command::new(python).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn()
    else {
        return Ok(None);
    };
    let mut lines = BufReader::new(child.stdout.take().expect("stdout was piped")).lines();
    // "NS running on 127.0.0.1:36733 (127.0.0.1)"; a Python without Pyro5 prints nothing.
    let addr = lines.by_ref().map_while(Result::ok).find_map(|line| {
        line.strip_prefix("NS running on ")?.split_whitespace().next()?.parse().ok()
    });
    // Keep reading: a name server whose stdout is closed dies on its next line.
    std::thread::spawn(move || lines.for_each(drop));
    match addr {
        Some(addr) => Ok(Some((child, addr))),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Ok(None)
        }
    }
}

/// The name server stops with the step, however the step ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
