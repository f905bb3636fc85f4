//! `cargo run -p kafka --example minimal` works: three events produced and consumed, in order
//! per key.

use std::process::Command;

#[test]
fn the_minimal_example_produces_and_consumes_three_events() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(&example).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(lines[..3].iter().all(|l| l.starts_with("produced ")), "{stdout}");
    let ada: Vec<&&str> = lines[3..].iter().filter(|l| l.starts_with("consumed ada: ")).collect();
    assert_eq!(ada.len(), 2, "{stdout}");
    assert!(ada[0].contains(r#"{"id":1}"#) && ada[1].contains(r#"{"id":3}"#), "{stdout}");
    assert!(lines[3..].iter().any(|l| l.starts_with(r#"consumed alan: {"id":2}"#)), "{stdout}");
}
