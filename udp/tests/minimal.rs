//! `cargo run -p udp --example minimal` runs and prints what its header promises.

use std::process::Command;

#[test]
fn the_minimal_example_sends_one_reading() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("88 bytes from 127.0.0.1: sensor-1 #1 21.5 celsius"), "{stdout}");
}
