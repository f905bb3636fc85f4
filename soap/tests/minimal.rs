//! `cargo run -p soap --example minimal` runs and shows both an answer and a fault.

use std::process::Command;

#[test]
fn the_minimal_example_runs() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[1].starts_with("< 200 ") && lines[1].contains("<name>Ada Lovelace</name>"),
        "{stdout}"
    );
    assert!(
        lines[3].starts_with("< 500 ")
            && lines[3].contains("<faultstring>user 42 not found</faultstring>"),
        "{stdout}"
    );
}
