//! A broker that is not there: one clear line naming `docker compose up -d rabbitmq`, quickly,
//! from the library and from both binaries. These need no broker, so they always run.

mod support;

use amqp::{ConnectError, connect};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::run_binary;

/// A loopback address where nothing listens: bind a free port, then close it.
fn closed_port_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("amqp://guest:secret@127.0.0.1:{port}/%2f")
}

#[tokio::test]
async fn refused_connection_is_a_clear_error_at_once() {
    let addr = closed_port_addr();
    let started = Instant::now();
    let err = connect(&addr, "test", Duration::from_secs(5)).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(matches!(err, ConnectError::Unreachable { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("docker compose up -d rabbitmq"), "{message}");
    assert!(message.contains("Connection refused"), "{message}");
    assert!(!message.contains("secret"), "the password leaked: {message}");
}

#[tokio::test]
async fn a_peer_that_never_speaks_amqp_times_out() {
    // Accepts TCP connections (the kernel completes the handshake) but never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("amqp://127.0.0.1:{}/%2f", listener.local_addr().unwrap().port());
    let started = Instant::now();
    let err = connect(&addr, "test", Duration::from_millis(300)).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    let message = err.to_string();
    assert!(message.contains("no AMQP handshake within 300ms"), "{message}");
    assert!(message.contains("docker compose up -d rabbitmq"), "{message}");
    drop(listener);
}

#[tokio::test]
async fn a_peer_that_is_not_a_broker_is_reported_as_unreachable() {
    // Something else on the port: answers with HTTP and hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("amqp://127.0.0.1:{}/%2f", listener.local_addr().unwrap().port());
    let peer = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut header = [0; 8];
        stream.read_exact(&mut header).unwrap();
        assert_eq!(&header, b"AMQP\0\0\x09\x01", "the client opens with the AMQP header");
        stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap();
    });
    let err = connect(&addr, "test", Duration::from_secs(5)).await.unwrap_err();
    peer.join().unwrap();
    assert!(matches!(err, ConnectError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("docker compose up -d rabbitmq"), "{err}");
}

#[tokio::test]
async fn a_malformed_address_says_what_is_expected() {
    let err = connect("localhost:5672", "test", Duration::from_secs(1)).await.unwrap_err();
    assert!(matches!(err, ConnectError::InvalidAddress { .. }), "{err:?}");
    assert!(err.to_string().contains("amqp://user:password@host:port/vhost"), "{err}");
}

#[test]
fn both_binaries_print_one_line_and_exit_1_without_a_broker() {
    let addr = closed_port_addr();
    for (binary, extra) in [
        ("amqp-producer", &[][..]),
        ("amqp-consumer", &[][..]),
        ("amqp-consumer", &["--dead-letters"][..]),
    ] {
        let started = Instant::now();
        let mut args = vec!["--addr", addr.as_str()];
        args.extend_from_slice(extra);
        let (status, stdout, stderr) = run_binary(binary, &args);
        assert!(started.elapsed() < Duration::from_secs(5), "{binary} was slow");
        assert_eq!(status.code(), Some(1), "{binary}");
        assert_eq!(stdout, "", "{binary}");
        assert_eq!(stderr.lines().count(), 1, "{binary}: {stderr}");
        assert!(stderr.starts_with("error: cannot reach RabbitMQ at amqp://guest@127.0.0.1:"));
        assert!(stderr.trim_end().ends_with("start one with `docker compose up -d rabbitmq`"));
    }
}

#[test]
fn the_address_also_comes_from_amqp_addr() {
    let addr = closed_port_addr();
    let port = addr.rsplit(':').next().unwrap().trim_end_matches("/%2f").to_owned();
    let mut producer = support::command("amqp-producer", &[]);
    producer.env("AMQP_ADDR", &addr).stdout(std::process::Stdio::null());
    let output = producer.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&format!("127.0.0.1:{port}/%2f")), "{stderr}");
}
