//! `cargo run -p rest --example minimal` runs and prints what its header promises.

use std::process::Command;

#[test]
fn the_minimal_example_gets_a_user_and_a_404() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(example).output().expect("run the example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        "GET /users/1 -> 200 OK: Ada Lovelace <ada@example.com>\nGET /users/42 -> 404 Not Found: user 42 not found\n"
    );
}
