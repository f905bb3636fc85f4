//! `cargo run -p websocket --example minimal` runs and prints what its header promises.

use std::process::Command;

#[test]
fn the_minimal_example_gets_its_echo() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout, "handshake: HTTP 101 Switching Protocols\nreceived: echo: hello\n");
}
