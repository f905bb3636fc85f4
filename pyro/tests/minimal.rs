//! `examples/minimal.rs` runs and makes its one call .

use std::process::Command;

#[test]
fn the_minimal_example_calls_get_user() {
    let example = common::testing::example_binary(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_NAME"),
        "minimal",
    );
    let output = Command::new(&example).output().expect("run examples/minimal");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "type 2: methods [\"create_user\",\"get_user\",\"list_users\"]\n\
         type 5: {\"email\":\"ada@example.com\",\"id\":1,\"name\":\"Ada Lovelace\"}\n"
    );
}
