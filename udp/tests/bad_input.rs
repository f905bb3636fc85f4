//! Datagrams that are not readings, and readings that UDP lost, duplicated or reordered: the
//! receiver counts each kind and keeps receiving.

use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use tokio::time::timeout;
use udp::receiver::{self, ReceiverOptions};
use udp::report::Report;
use udp::{MAX_DATAGRAM, Reading};

const LIMIT: Duration = Duration::from_secs(10);

/// Runs a receiver, sends each peer's datagrams to it from that peer, and returns the final
/// report once the receiver has had a moment to read them.
async fn receive_from(peers: &[(&UdpSocket, &[Vec<u8>])], echo: bool) -> Report {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let receiver = tokio::spawn(async move {
        let options = ReceiverOptions { echo, report_every: None };
        receiver::run(&socket, options, async {
            let _ = stopped.await;
        })
        .await
    });
    for (peer, datagrams) in peers {
        peer.connect(addr).await.unwrap();
        for datagram in *datagrams {
            peer.send(datagram).await.unwrap();
        }
    }
    // Loopback delivers at once; the pause lets the receiver drain its queue.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    timeout(LIMIT, receiver).await.unwrap().unwrap().unwrap()
}

fn reading(seq: u64) -> Vec<u8> {
    udp::encode(&Reading::now("probe", seq, 20.5, "°C")).unwrap()
}

#[tokio::test]
async fn garbage_truncated_empty_and_oversize_datagrams_are_counted_not_fatal() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let truncated = reading(2)[..20].to_vec();
    let datagrams = vec![
        reading(1),
        b"\xde\xad\xbe\xef garbage".to_vec(),
        truncated,
        Vec::new(),
        br#"{"sensor":"probe","seq":"three"}"#.to_vec(),
        vec![b'{'; MAX_DATAGRAM + 1],
        vec![b'x'; 60_000],
        reading(2),
    ];
    let report = receive_from(&[(&peer, &datagrams)], false).await;
    let stats = &report.senders[&peer.local_addr().unwrap()];
    assert_eq!(stats.invalid, 6);
    assert_eq!(stats.sequence.received, 2, "valid readings before and after the garbage");
    assert_eq!(stats.sequence.lost(), 0);
    assert_eq!(report.invalid(), 6);
}

#[tokio::test]
async fn loss_duplication_and_reordering_are_reported_per_sender() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let other = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    // 1, 2, 2 (duplicate), 5, 3 (late), 7: 4 and 6 never arrive.
    let gappy: Vec<_> = [1, 2, 2, 5, 3, 7].iter().map(|&seq| reading(seq)).collect();
    // Another sender's numbers are accounted separately, even though they overlap.
    let clean: Vec<_> = (1..=3).map(reading).collect();
    let report = receive_from(&[(&peer, &gappy), (&other, &clean)], false).await;

    let others = &report.senders[&other.local_addr().unwrap()].sequence;
    assert_eq!(
        (others.received, others.lost(), others.duplicates, others.out_of_order),
        (3, 0, 0, 0)
    );
    let stats = &report.senders[&peer.local_addr().unwrap()].sequence;
    assert_eq!(stats.received, 6);
    assert_eq!(stats.duplicates, 1);
    assert_eq!(stats.out_of_order, 1);
    assert_eq!(stats.lost(), 2);
    let table = report.to_string();
    let peer_addr = peer.local_addr().unwrap().to_string();
    let row = table.lines().find(|line| line.starts_with(&peer_addr)).unwrap();
    let columns: Vec<_> = row.split_whitespace().collect();
    assert_eq!(columns[1..], ["probe", "6", "2", "1", "1", "0"], "{table}");
}

#[tokio::test]
async fn the_echo_is_only_for_valid_readings() {
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let report = receive_from(&[(&peer, &[b"not json".to_vec(), reading(1)])], true).await;
    assert_eq!(report.received(), 1);
    let mut buf = [0u8; 2048];
    let len = timeout(LIMIT, peer.recv(&mut buf)).await.unwrap().unwrap();
    assert_eq!(udp::decode(&buf[..len]).unwrap().seq, 1, "the reading came back");
    let nothing_more = timeout(Duration::from_millis(200), peer.recv(&mut buf)).await;
    assert!(nothing_more.is_err(), "the garbage was not reflected");
}
