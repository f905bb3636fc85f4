//! `cargo run -p amqp --example minimal` runs and prints what its header promises.

use std::process::Command;

#[test]
#[ignore = "needs RabbitMQ"]
fn the_minimal_example_publishes_and_consumes_one_order() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("received {\"id\":1,\"customer\":\"ada\""), "{stdout}");
}
