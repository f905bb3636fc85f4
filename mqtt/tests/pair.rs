//! The publisher and the subscriber through the embedded broker (rumqttd), each test with a
//! broker of its own on a free port: nothing outside this process is needed.

mod support;

use mqtt::publisher::{Device, run_device};
use mqtt::subscriber::Delivery;
use mqtt::{DeviceConfig, Message, MqttAddr, QoS, Status, SubscribeConfig, Subscriber, Tally};
use std::time::Duration;
use support::{embedded_broker, embedded_broker_with, unique};

const LIMIT: Duration = Duration::from_secs(15);

async fn next(subscriber: &mut Subscriber) -> Delivery {
    let delivery = tokio::time::timeout(LIMIT, subscriber.next())
        .await
        .expect("a message in time")
        .expect("the connection is alive");
    subscriber.ack(&delivery).await.unwrap();
    delivery
}

/// Receives until `readings` readings arrived, returning everything received.
async fn receive_readings(subscriber: &mut Subscriber, readings: usize) -> Vec<Delivery> {
    let mut all = Vec::new();
    while all.iter().filter(|d: &&Delivery| matches!(d.message, Message::Reading(_))).count()
        < readings
    {
        all.push(next(subscriber).await);
    }
    all
}

fn device(addr: &MqttAddr, name: &str, qos: QoS, count: u64) -> DeviceConfig {
    DeviceConfig { count, qos, interval: Duration::ZERO, ..DeviceConfig::new(addr.clone(), name) }
}

#[tokio::test]
async fn every_qos_delivers_all_readings_in_order() {
    let addr = embedded_broker();
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let name = unique("qos");
        let config = SubscribeConfig {
            filters: vec![mqtt::reading_topic(&name)],
            qos,
            ..SubscribeConfig::new(addr.clone())
        };
        let mut subscriber = Subscriber::connect(&config).await.unwrap();
        let report = run_device(device(&addr, &name, qos, 20)).await.unwrap();
        assert_eq!(report.published, 20);
        let deliveries = receive_readings(&mut subscriber, 20).await;
        let mut tally = Tally::default();
        let mut seqs = Vec::new();
        for delivery in &deliveries {
            assert_eq!(delivery.qos, qos, "arrives with the QoS it was sent with");
            tally.record(&delivery.message);
            if let Message::Reading(reading) = &delivery.message {
                seqs.push(reading.seq);
            }
        }
        assert_eq!(seqs, (1..=20).collect::<Vec<_>>(), "{qos:?}");
        let counted = &tally.devices[&name];
        assert_eq!((counted.missing(), counted.duplicates), (0, 0));
        if qos != QoS::AtMostOnce {
            // 20 readings, `online` and `offline`, each acknowledged.
            assert_eq!(report.acks, 22, "{qos:?}");
        }
        subscriber.disconnect().await;
    }
}

#[tokio::test]
async fn wildcards_and_retained_status() {
    let addr = embedded_broker();
    let name = unique("retained");
    // The device comes and goes before anyone subscribes: its last status is retained.
    run_device(device(&addr, &name, QoS::AtLeastOnce, 1)).await.unwrap();

    let config = SubscribeConfig {
        filters: vec![mqtt::ALL_FILTER.into()],
        ..SubscribeConfig::new(addr.clone())
    };
    let mut late = Subscriber::connect(&config).await.unwrap();
    let retained = next(&mut late).await;
    assert_eq!(retained.message, Message::Status { device: name.clone(), status: Status::Offline });
    assert!(retained.retained, "a late subscriber gets the stored status, flagged retained");

    // `devices/#` sees both kinds, live: `online`, the reading, `offline`.
    let live = Device::connect(device(&addr, &name, QoS::AtLeastOnce, 1)).await.unwrap();
    let online = next(&mut late).await;
    assert_eq!(online.message, Message::Status { device: name.clone(), status: Status::Online });
    assert!(!online.retained, "a live publish reaches current subscribers unflagged");
    let mut live = live;
    live.publish(1).await.unwrap();
    assert!(matches!(next(&mut late).await.message, Message::Reading(r) if r.seq == 1));
    live.finish().await.unwrap();
    assert!(matches!(
        next(&mut late).await.message,
        Message::Status { status: Status::Offline, .. }
    ));
}

#[tokio::test]
async fn persistent_session_catches_up() {
    let addr = embedded_broker();
    let name = unique("session");
    let config = SubscribeConfig {
        filters: vec![mqtt::reading_topic(&name)],
        client_id: Some(unique("subscriber")),
        ..SubscribeConfig::new(addr.clone())
    };
    let first = Subscriber::connect(&config).await.unwrap();
    first.disconnect().await;

    // Published while the subscriber is away, at QoS 1: the broker keeps them for its session.
    run_device(device(&addr, &name, QoS::AtLeastOnce, 5)).await.unwrap();

    let mut back = Subscriber::connect(&config).await.unwrap();
    assert!(back.session_present, "the broker resumed the session");
    let seqs: Vec<u64> = receive_readings(&mut back, 5)
        .await
        .iter()
        .filter_map(|d| match &d.message {
            Message::Reading(r) => Some(r.seq),
            _ => None,
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn malformed_payloads_are_reported_not_fatal() {
    let addr = embedded_broker();
    let name = unique("garbage");
    let config = SubscribeConfig {
        filters: vec![mqtt::reading_topic(&name)],
        ..SubscribeConfig::new(addr.clone())
    };
    let mut subscriber = Subscriber::connect(&config).await.unwrap();
    let mut device = Device::connect(device(&addr, &name, QoS::AtLeastOnce, 0)).await.unwrap();
    device.publish_raw(QoS::AtLeastOnce, b"{\"seq\": \"not a reading\"".to_vec()).await.unwrap();
    device.publish_raw(QoS::AtLeastOnce, vec![0xff; 100]).await.unwrap();
    device.publish(1).await.unwrap();
    let deliveries = receive_readings(&mut subscriber, 1).await;
    let malformed =
        deliveries.iter().filter(|d| matches!(d.message, Message::Malformed { .. })).count();
    assert_eq!(malformed, 2);
}

#[tokio::test]
async fn a_payload_over_the_broker_limit_is_refused() {
    let config = mqtt::broker::Config { max_payload_bytes: 1024, ..Default::default() };
    let addr = embedded_broker_with(&config);
    let name = unique("big");
    let subscription = SubscribeConfig {
        filters: vec![mqtt::reading_topic(&name)],
        ..SubscribeConfig::new(addr.clone())
    };
    let mut subscriber = Subscriber::connect(&subscription).await.unwrap();
    let mut device = Device::connect(device(&addr, &name, QoS::AtLeastOnce, 0)).await.unwrap();
    // At QoS 0: a QoS 1/2 publish would be resent after every reconnect, and refused again.
    device.publish_raw(QoS::AtMostOnce, vec![b'x'; 4096]).await.unwrap();
    device.publish(1).await.unwrap();
    // The broker drops the connection instead of forwarding the oversize publish; the device
    // reconnects and goes on.
    let first = next(&mut subscriber).await;
    assert!(matches!(&first.message, Message::Reading(r) if r.seq == 1), "{first:?}");
}

#[tokio::test]
async fn no_broker_is_a_clear_error_with_a_hint() {
    let addr = MqttAddr { host: "127.0.0.1".into(), port: support::free_port() };
    let error =
        Subscriber::connect(&SubscribeConfig::new(addr.clone())).await.unwrap_err().to_string();
    assert!(error.contains(&format!("no MQTT broker at {addr}")), "{error}");
    assert!(error.contains("mqtt-broker") && error.contains("mosquitto"), "{error}");
}
