//! `cargo run -p grpc --example minimal` runs and prints what its header promises.

use std::process::Command;

#[test]
fn the_minimal_example_gets_a_user_and_a_status() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "GetUser(1) -> Ada Lovelace <ada@example.com>");
    assert!(lines[1].starts_with("GetUser(42) -> NotFound: "), "{stdout}");
}
