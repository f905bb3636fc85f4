//! Brokers of the tests' own, on free ports: the embedded rumqttd, or a Mosquitto process
//! that a test may kill and restart (never the machine's Mosquitto on 1883).
#![allow(dead_code)]

use mqtt::MqttAddr;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A fresh embedded broker on a free port.
pub fn embedded_broker() -> MqttAddr {
    embedded_broker_with(&mqtt::broker::Config::default())
}

pub fn embedded_broker_with(config: &mqtt::broker::Config) -> MqttAddr {
    let addr = mqtt::broker::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
        .expect("the embedded broker starts");
    addr.into()
}

/// A unique name per test and process, for topics, devices and client ids.
pub fn unique(name: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{name}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A port nothing listens on and that no other test of this process was given: the tests run
/// in parallel, and the kernel may hand a port just released to the next `bind(0)`. Two
/// brokers on one port would be one broker, killed by whichever test ends first.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let port =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
        if GIVEN.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// A Mosquitto of the test's own, on a free port; killed when dropped.
pub struct Mosquitto {
    pub addr: MqttAddr,
    dir: PathBuf,
    child: Option<Child>,
    extra_config: String,
}

impl Mosquitto {
    pub fn start() -> Mosquitto {
        Self::start_with("")
    }

    /// With extra lines of mosquitto.conf, e.g. `message_size_limit 1024`.
    pub fn start_with(extra_config: &str) -> Mosquitto {
        let port = free_port();
        let dir = std::env::temp_dir().join(unique("mosquitto"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut broker = Mosquitto {
            addr: MqttAddr { host: "127.0.0.1".into(), port },
            dir,
            child: None,
            extra_config: extra_config.into(),
        };
        broker.restart();
        broker
    }

    /// Stops the broker the hard way (SIGKILL): its clients see the connection drop.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it (again) on the same port, with an empty state.
    pub fn restart(&mut self) {
        self.kill();
        let config = self.dir.join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "listener {} 127.0.0.1\nallow_anonymous true\npersistence false\n{}\n",
                self.addr.port, self.extra_config
            ),
        )
        .unwrap();
        let binary = std::env::var("MOSQUITTO").unwrap_or_else(|_| "/usr/sbin/mosquitto".into());
        let child = Command::new(&binary)
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("needs mosquitto ({binary}, or set MOSQUITTO): {e}"));
        self.child = Some(child);
        wait_for_port(self.addr.port);
        // The port answering is not proof enough: it must be this broker that answers.
        let exited = self.child.as_mut().and_then(|child| child.try_wait().unwrap());
        assert!(exited.is_none(), "mosquitto on port {} exited: {exited:?}", self.addr.port);
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The venv's python with paho-mqtt, from `PYTHON_PEERS`.
pub fn python() -> String {
    std::env::var("PYTHON_PEERS").expect(
        "needs PYTHON_PEERS: the path of a python with paho-mqtt 2.x \
         (python3 -m venv .venv && .venv/bin/pip install 'paho-mqtt>=2,<3')",
    )
}

pub fn peer_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers").join(name)
}

/// Runs a command with a time limit, returning its stdout; panics with its stderr on failure.
pub async fn run_bounded(command: &mut tokio::process::Command, limit: Duration) -> String {
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let child = command.spawn().expect("the command starts");
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .expect("the command finishes in time")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed: {}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
