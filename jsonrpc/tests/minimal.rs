//! `cargo run -p jsonrpc --example minimal` runs and prints what its header promises.

use std::process::Command;

#[test]
fn the_minimal_example_calls_sum_and_a_missing_method() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "sum(1, 2, 3) = 6");
    assert!(
        lines[1].starts_with("product(2, 3): ") && lines[1].contains("Method not found"),
        "{stdout}"
    );
}
