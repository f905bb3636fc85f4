//! The sender library against the receiver library, over real UDP sockets on loopback.

use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use tokio::time::timeout;
use udp::receiver::{self, ReceiverOptions};
use udp::sender::{self, SenderOptions};

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn every_reading_is_received_and_echoed_back() {
    let receiving = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let receiver_addr = receiving.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let receiver = tokio::spawn(async move {
        let options = ReceiverOptions { echo: true, report_every: None };
        receiver::run(&receiving, options, async {
            let _ = stopped.await;
        })
        .await
    });

    let sending = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sending.connect(receiver_addr).await.unwrap();
    let options = SenderOptions {
        sensor: "greenhouse-7".into(),
        count: 200,
        rate: 2000.0,
        echo_timeout: Some(Duration::from_secs(2)),
    };
    let sent = timeout(LIMIT, sender::run(&sending, &options)).await.unwrap().unwrap();
    assert_eq!(sent.sent, 200);
    assert_eq!(sent.refused, 0);
    // Loopback does not drop datagrams at this rate; if it ever does, the loss shows here.
    assert_eq!(sent.round_trips.len(), 200, "every reading was echoed");
    assert_eq!(sent.lost(), 0);
    assert!(sent.round_trip_quantile(0.5).unwrap() <= sent.round_trip_quantile(1.0).unwrap());

    stop.send(()).unwrap();
    let report = timeout(LIMIT, receiver).await.unwrap().unwrap().unwrap();
    let stats = &report.senders[&sending.local_addr().unwrap()];
    assert_eq!(stats.sensor, "greenhouse-7");
    assert_eq!(stats.sequence.received, 200);
    assert_eq!(
        (stats.sequence.lost(), stats.sequence.duplicates, stats.sequence.out_of_order),
        (0, 0, 0)
    );
    assert_eq!(stats.invalid, 0);
}

#[tokio::test]
async fn a_sender_with_no_receiver_reports_everything_lost_and_stops() {
    // A port nobody listens on: bind, note the address, close.
    let closed = UdpSocket::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let sending = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sending.connect(closed).await.unwrap();
    let options = SenderOptions {
        count: 5,
        rate: 100.0,
        echo_timeout: Some(Duration::from_millis(300)),
        ..SenderOptions::default()
    };
    let report = timeout(LIMIT, sender::run(&sending, &options)).await.unwrap().unwrap();
    assert!(report.round_trips.is_empty());
    assert!((1..=5).contains(&report.sent), "the sends the OS accepted: {report}");
    assert!(report.refused > 0, "the OS reported the closed port: {report}");
    assert_eq!(report.lost(), report.sent);
    assert!(report.to_string().contains("is a receiver running?"));
}
