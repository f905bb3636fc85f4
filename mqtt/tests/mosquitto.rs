//! Against Mosquitto, the real broker, and its independent peers: `mosquitto_pub` and
//! `mosquitto_sub`, and Python's paho-mqtt (`PYTHON_PEERS`). Every test starts a Mosquitto of
//! its own on a free port (`/usr/sbin/mosquitto`, or `MOSQUITTO`), so it can kill and restart
//! it, and parallel runs share nothing.

mod support;

use mqtt::publisher::Device;
use mqtt::subscriber::Delivery;
use mqtt::{DeviceConfig, Message, MqttAddr, QoS, Status, SubscribeConfig, Subscriber};
use std::time::{Duration, Instant};
use support::{Mosquitto, peer_script, python, run_bounded, unique};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const LIMIT: Duration = Duration::from_secs(20);

async fn next(subscriber: &mut Subscriber) -> Delivery {
    let delivery = tokio::time::timeout(LIMIT, subscriber.next())
        .await
        .expect("a message in time")
        .expect("the connection is alive");
    subscriber.ack(&delivery).await.unwrap();
    delivery
}

async fn subscribe(addr: &MqttAddr, filter: String) -> Subscriber {
    let config = SubscribeConfig { filters: vec![filter], ..SubscribeConfig::new(addr.clone()) };
    Subscriber::connect(&config).await.unwrap()
}

fn device(addr: &MqttAddr, name: &str) -> DeviceConfig {
    DeviceConfig { interval: Duration::ZERO, ..DeviceConfig::new(addr.clone(), name) }
}

#[tokio::test]
#[ignore = "needs mosquitto"]
async fn last_will_announces_a_killed_publisher_within_one_and_a_half_keep_alives() {
    let broker = Mosquitto::start();
    let name = unique("killed");
    let mut status = subscribe(&broker.addr, mqtt::status_topic(&name)).await;
    let keep_alive = Duration::from_secs(2);
    let mut publisher = tokio::process::Command::new(env!("CARGO_BIN_EXE_mqtt-publisher"))
        .args(["--addr", &broker.addr.to_string(), "--device", &name, "--count", "1000"])
        .args(["--interval-ms", "500", "--keep-alive", &keep_alive.as_secs().to_string()])
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let online = next(&mut status).await;
    assert_eq!(online.message, Message::Status { device: name.clone(), status: Status::Online });

    publisher.start_kill().unwrap(); // SIGKILL: no DISCONNECT, no `offline` of its own
    let killed = Instant::now();
    publisher.wait().await.unwrap();
    let offline = next(&mut status).await;
    let after = killed.elapsed();
    assert_eq!(offline.message, Message::Status { device: name.clone(), status: Status::Offline });
    eprintln!("the will arrived {after:?} after SIGKILL (keep-alive {keep_alive:?})");
    assert!(after <= keep_alive * 3 / 2, "the will took {after:?}");

    // And it stays: a subscriber arriving later gets `offline`, retained.
    let mut late = subscribe(&broker.addr, mqtt::status_topic(&name)).await;
    let retained = next(&mut late).await;
    assert!(retained.retained && retained.message == offline.message);
}

#[tokio::test]
#[ignore = "needs mosquitto"]
async fn the_broker_goes_away_and_comes_back() {
    let mut broker = Mosquitto::start();
    let name = unique("outage");
    let mut subscriber = subscribe(&broker.addr, mqtt::reading_topic(&name)).await;
    let mut device = Device::connect(device(&broker.addr, &name)).await.unwrap();
    device.publish(1).await.unwrap();
    assert!(matches!(&next(&mut subscriber).await.message, Message::Reading(r) if r.seq == 1));

    broker.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    broker.restart();

    // Both sides reconnect on their own (the subscriber subscribes again: the new broker has
    // no session). Keep publishing until readings flow again.
    let publishing = tokio::spawn(async move {
        for seq in 2.. {
            if device.publish(seq).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let again = next(&mut subscriber).await;
    assert!(matches!(&again.message, Message::Reading(r) if r.seq >= 2), "{again:?}");
    publishing.abort();
}

#[tokio::test]
#[ignore = "needs mosquitto"]
async fn qos_and_persistent_session_with_mosquitto() {
    let broker = Mosquitto::start();
    let name = unique("session");
    let config = SubscribeConfig {
        filters: vec!["devices/+/temperature".into()],
        qos: QoS::ExactlyOnce,
        client_id: Some(unique("subscriber")),
        ..SubscribeConfig::new(broker.addr.clone())
    };
    Subscriber::connect(&config).await.unwrap().disconnect().await;
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let config = DeviceConfig { qos, count: 3, ..device(&broker.addr, &name) };
        let first_seq = if qos == QoS::AtLeastOnce { 1 } else { 4 };
        mqtt::publisher::run_device(DeviceConfig { first_seq, ..config }).await.unwrap();
    }
    let mut back = Subscriber::connect(&config).await.unwrap();
    assert!(back.session_present);
    let mut seqs = Vec::new();
    while seqs.len() < 6 {
        let delivery = next(&mut back).await;
        if let Message::Reading(r) = delivery.message {
            seqs.push((r.seq, delivery.qos));
        }
    }
    let expected: Vec<_> = (1..=6)
        .map(|seq| (seq, if seq <= 3 { QoS::AtLeastOnce } else { QoS::ExactlyOnce }))
        .collect();
    assert_eq!(seqs, expected, "queued while away, delivered on return, each at its QoS");
}

#[tokio::test]
#[ignore = "needs mosquitto"]
async fn a_payload_over_mosquittos_limit_is_dropped() {
    let broker = Mosquitto::start_with("message_size_limit 1024");
    let name = unique("big");
    let mut subscriber = subscribe(&broker.addr, mqtt::reading_topic(&name)).await;
    let mut device = Device::connect(device(&broker.addr, &name)).await.unwrap();
    device.publish_raw(QoS::AtLeastOnce, vec![b'x'; 4096]).await.unwrap();
    device.publish(1).await.unwrap();
    let first = next(&mut subscriber).await;
    assert!(matches!(&first.message, Message::Reading(r) if r.seq == 1), "{first:?}");
    device.finish().await.unwrap();
}

#[tokio::test]
#[ignore = "needs mosquitto and mosquitto-clients"]
async fn mosquitto_pub_to_our_subscriber() {
    let broker = Mosquitto::start();
    let name = unique("from-mosquitto-pub");
    let mut subscriber = subscribe(&broker.addr, format!("devices/{name}/#")).await;
    let reading = format!(
        r#"{{"sensor":"{name}","seq":1,"value":19.5,"unit":"°C","timestamp_ms":1700000000000}}"#
    );
    let port = broker.addr.port.to_string();
    for (topic, payload) in
        [(mqtt::reading_topic(&name), reading.as_str()), (mqtt::status_topic(&name), "online")]
    {
        run_bounded(
            Command::new("mosquitto_pub")
                .args(["-p", &port, "-q", "1", "-t", &topic, "-m", payload]),
            LIMIT,
        )
        .await;
    }
    assert!(matches!(&next(&mut subscriber).await.message, Message::Reading(r) if r.value == 19.5));
    assert_eq!(
        next(&mut subscriber).await.message,
        Message::Status { device: name, status: Status::Online }
    );
}

#[tokio::test]
#[ignore = "needs mosquitto and mosquitto-clients"]
async fn our_publisher_to_mosquitto_sub() {
    let broker = Mosquitto::start();
    let name = unique("to-mosquitto-sub");
    let port = broker.addr.port.to_string();
    let filter = format!("devices/{name}/#");
    let id = unique("mosquitto-sub");
    // A persistent session (-c, QoS 1) created first, so nothing published afterwards is missed.
    let session = ["-p", &port, "-c", "-i", &id, "-q", "1", "-t", &filter];
    run_bounded(Command::new("mosquitto_sub").args(session).arg("-E"), LIMIT).await;
    let config = DeviceConfig { count: 2, ..device(&broker.addr, &name) };
    mqtt::publisher::run_device(config).await.unwrap();
    let out = run_bounded(
        Command::new("mosquitto_sub").args(session).args(["-v", "-C", "4", "-W", "15"]),
        LIMIT,
    )
    .await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], format!("devices/{name}/status online"));
    for (line, seq) in lines[1..3].iter().zip(1..) {
        let (topic, payload) = line.split_once(' ').unwrap();
        assert_eq!(topic, mqtt::reading_topic(&name));
        assert!(
            matches!(Message::parse(topic, payload.as_bytes()), Message::Reading(r) if r.seq == seq)
        );
    }
    assert_eq!(lines[3], format!("devices/{name}/status offline"));
}

#[tokio::test]
#[ignore = "needs mosquitto and PYTHON_PEERS (paho-mqtt 2.x)"]
async fn paho_publisher_to_our_subscriber() {
    let python = python();
    let broker = Mosquitto::start();
    let name = unique("from-paho");
    let mut subscriber = subscribe(&broker.addr, mqtt::reading_topic(&name)).await;
    let port = broker.addr.port.to_string();
    run_bounded(
        Command::new(python).arg(peer_script("paho_publisher.py")).args([&port, &name, "5"]),
        LIMIT,
    )
    .await;
    let mut tally = mqtt::Tally::default();
    for _ in 0..5 {
        tally.record(&next(&mut subscriber).await.message);
    }
    let counted = &tally.devices[&name];
    assert_eq!((counted.received, counted.missing(), counted.duplicates), (5, 0, 0));
}

#[tokio::test]
#[ignore = "needs mosquitto and PYTHON_PEERS (paho-mqtt 2.x)"]
async fn our_publisher_to_paho_subscriber() {
    let python = python();
    let broker = Mosquitto::start();
    let name = unique("to-paho");
    let port = broker.addr.port.to_string();
    let mut paho = Command::new(python)
        .arg(peer_script("paho_subscriber.py"))
        .args([port.as_str(), &format!("devices/{name}/#"), "4"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(paho.stdout.take().unwrap()).lines();
    let mut line = async || tokio::time::timeout(LIMIT, lines.next_line()).await.unwrap().unwrap();
    assert_eq!(line().await.as_deref(), Some("ready"));
    mqtt::publisher::run_device(DeviceConfig { count: 2, ..device(&broker.addr, &name) })
        .await
        .unwrap();
    assert_eq!(line().await, Some(format!("devices/{name}/status online")));
    for seq in 1..=2 {
        let got = line().await.unwrap();
        let (topic, payload) = got.split_once(' ').unwrap();
        assert!(
            matches!(Message::parse(topic, payload.as_bytes()), Message::Reading(r) if r.seq == seq),
            "{got}"
        );
    }
    assert_eq!(line().await, Some(format!("devices/{name}/status offline")));
    assert!(paho.wait().await.unwrap().success());
}
