//! `cargo run -p mqtt --example minimal` runs and gets its own reading back.

use std::process::Command;

#[test]
fn the_minimal_example_receives_its_own_reading() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("SUBACK\n"), "{stdout}");
    assert!(
        stdout.ends_with("PUBLISH devices/sensor-1/temperature: {\"sensor\":\"sensor-1\",\"seq\":1,\"value\":21.5,\"unit\":\"celsius\"}\n"),
        "{stdout}"
    );
}
