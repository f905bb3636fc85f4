//! `examples/minimal.rs` runs and prints the user it fetched by hand.

use std::process::Command;

#[test]
fn the_minimal_example_fetches_user_1() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(&example).output().expect("run examples/minimal");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "getUser(1) -> 1 Ada Lovelace <ada@example.com>\n"
    );
}
