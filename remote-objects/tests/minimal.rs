//! `cargo run -p remote-objects --example minimal` prints what its header promises.

use std::process::Command;

#[test]
fn the_minimal_example_runs() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("listening on 127.0.0.1:"));
    assert_eq!(lines[1..], [r#"Ok("Hello, Ada!")"#, r#"Err("who are you?")"#]);
}
